"""Party organisations, members and volunteer teams for a generated or imported
subdistrict: deterministic (fixed seed), with Chinese names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from gridapp.core.geodemo.raw import RawGeography
from gridapp.core.vocab import TEAM_KIND_LABELS, MemberStatus, OrgKind, OrgLevel, TeamKind

if TYPE_CHECKING:
    from gridapp.core.geodemo.blocks import Block
    from gridapp.core.geodemo.result import BuildingOut, CellOut, CommunityOut

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英玉兰萍鹏华红玉婷飞建国建华德明志强海燕雪梅"
    "凤英淑珍振华晓东文博思远佳怡子涵浩然梓萱雨桐宇轩欣怡俊杰丹丹春梅秋菊冬梅永红"
)
COMMUNITY_NAMES = (
    "光华里", "团结湖", "呼家楼", "金台里", "核桃园", "关东店", "东大桥", "白家庄",
    "幸福村", "新源里", "枣营", "麦子店", "农展馆", "亮马桥", "朝阳门", "芳草地",
)  # fmt: skip
PHONE_PREFIXES = ("135", "138", "139", "150", "186", "188", "131", "177")
SPECIALIST_KINDS = [k for k in TeamKind if k not in (TeamKind.NEIGHBOURHOOD, TeamKind.AGRICULTURE)]
STATUS_WEIGHTS = (
    (MemberStatus.IN_POST, 0.45),
    (MemberStatus.RETIRED, 0.40),
    (MemberStatus.MIGRANT, 0.10),
    (MemberStatus.UNATTACHED, 0.05),
)


@dataclass
class OrgOut:
    key: str
    parent_key: str  # "" for the root
    level: str
    kind: str
    name: str
    community_code: str
    secretary: str


@dataclass
class MemberOut:
    name: str
    gender: str
    phone: str
    status: str
    org_key: str
    home_building_ref: str
    home_cell: str = ""
    is_hub: bool = False  # 党员中心户
    hub_households: int = 0
    registered_cell: str = ""  # 在职党员到社区报到: the cell they registered in
    registered_team: int = -1  # index into the teams list, -1 = none
    # For the "四访" reminders (set by ``visits.member_details``): year of birth, the day
    # they joined the party (ISO, "" = unknown), 生活困难党员
    born_year: int | None = None
    joined_on: str = ""
    in_difficulty: bool = False


@dataclass
class TeamOut:
    kind: str
    name: str
    community_code: str
    # (name, phone, is_captain, index into members or -1)
    people: list[tuple[str, str, bool, int]] = field(default_factory=list)


class NameMaker:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def person(self) -> tuple[str, str]:
        surname = SURNAMES[int(self.rng.integers(len(SURNAMES)))]
        n = 1 if self.rng.random() < 0.3 else 2
        given = "".join(GIVEN[int(self.rng.integers(len(GIVEN)))] for _ in range(n))
        gender = "女" if self.rng.random() < 0.52 else "男"
        return surname + given, gender

    def phone(self) -> str:
        prefix = PHONE_PREFIXES[int(self.rng.integers(len(PHONE_PREFIXES)))]
        return prefix + "".join(str(int(d)) for d in self.rng.integers(0, 10, 8))


def community_names(
    raw: RawGeography, blocks: Sequence[Block], community_of_block: Sequence[int], n: int, seed: int
) -> list[str]:
    """A Chinese name per community (distinct, deterministic)."""
    rng = np.random.default_rng(seed + 3)
    pool = list(COMMUNITY_NAMES)
    rng.shuffle(pool)
    names = []
    for c in range(n):
        base = pool[c] if c < len(pool) else f"第{c + 1}"
        names.append(f"{base}社区")
    return names


def organisations(
    raw: RawGeography,
    communities: Sequence[CommunityOut],
    cells: Sequence[CellOut],
    buildings: Sequence[BuildingOut],
    seed: int,
) -> tuple[list[OrgOut], list[MemberOut], list[TeamOut]]:
    rng = np.random.default_rng(seed + 11)
    names = NameMaker(rng)
    orgs: list[OrgOut] = []
    members: list[MemberOut] = []
    teams: list[TeamOut] = []
    homes: dict[str, list[str]] = {}
    for b in buildings:
        if b.cell_code and b.raw.households > 0:
            homes.setdefault(b.cell_code, []).append(b.raw.source_ref)

    def add_members(org_key: str, count: int, cell_code: str) -> None:
        statuses = [s for s, _ in STATUS_WEIGHTS]
        weights = [w for _, w in STATUS_WEIGHTS]
        refs = homes.get(cell_code, [])
        for _ in range(count):
            name, gender = names.person()
            status = statuses[int(rng.choice(len(statuses), p=weights))]
            home = refs[int(rng.integers(len(refs)))] if refs else ""
            members.append(
                MemberOut(
                    name,
                    gender,
                    names.phone(),
                    status.value,
                    org_key,
                    home,
                    cell_code if home else "",
                )
            )

    root = OrgOut(
        "sub",
        "",
        OrgLevel.WORKING_COMMITTEE.value,
        OrgKind.REGULAR.value,
        f"{raw.name}党工委",
        "",
        names.person()[0],
    )
    orgs.append(root)
    households = {c.code: 0 for c in communities}
    for cell in cells:
        households[cell.community_code] += cell.households
    for community in communities:
        level = (
            OrgLevel.COMMITTEE if households[community.code] >= 2000 else OrgLevel.GENERAL_BRANCH
        )
        suffix = "党委" if level == OrgLevel.COMMITTEE else "党总支"
        key = f"c{community.code}"
        orgs.append(
            OrgOut(
                key,
                root.key,
                level.value,
                OrgKind.REGULAR.value,
                community.name + suffix,
                community.code,
                names.person()[0],
            )
        )
        for cell in (c for c in cells if c.community_code == community.code):
            branch = f"b{cell.code}"
            orgs.append(
                OrgOut(
                    branch,
                    key,
                    OrgLevel.BRANCH.value,
                    OrgKind.REGULAR.value,
                    f"{cell.name}党支部",
                    community.code,
                    names.person()[0],
                )
            )
            add_members(branch, int(rng.integers(4, 12)), cell.code)
            for g in range(1, int(rng.integers(1, 3)) + 1):
                group = f"g{cell.code}-{g}"
                orgs.append(
                    OrgOut(
                        group,
                        branch,
                        OrgLevel.GROUP.value,
                        OrgKind.REGULAR.value,
                        f"{cell.name}第{g}党小组",
                        community.code,
                        names.person()[0],
                    )
                )
                add_members(group, int(rng.integers(3, 8)), cell.code)
        # one neighbourhood team and a few specialist teams per community
        kinds = [TeamKind.NEIGHBOURHOOD] + [
            SPECIALIST_KINDS[int(i)] for i in rng.choice(len(SPECIALIST_KINDS), 3, replace=False)
        ]
        for kind in kinds:
            team = TeamOut(
                kind.value,
                f"{community.name.removesuffix('社区')}{TEAM_KIND_LABELS[kind]}",
                community.code,
            )
            for n in range(int(rng.integers(4, 7))):
                # about half of the volunteers are party members of this community
                local = [
                    i
                    for i, m in enumerate(members)
                    if m.org_key.endswith(community.code) or community.code in m.org_key
                ]
                taken = {p[0] for p in team.people}
                local = [i for i in local if members[i].name not in taken]
                if local and rng.random() < 0.5:
                    idx = local[int(rng.integers(len(local)))]
                    team.people.append((members[idx].name, members[idx].phone, n == 0, idx))
                else:
                    person, _ = names.person()
                    team.people.append((person, names.phone(), n == 0, -1))
            teams.append(team)
    towers = [b for b in buildings if b.raw.kind == "office" and b.cell_code]
    for n, tower in enumerate(towers):
        label = tower.raw.name or f"商务楼宇{n + 1}"
        key = f"t{n}"
        org_kind = OrgKind.TOWER if n % 2 == 0 else OrgKind.NEW_ECONOMY
        name = f"{label}楼宇党支部" if org_kind == OrgKind.TOWER else f"{label}两新组织联合党支部"
        orgs.append(
            OrgOut(
                key,
                root.key,
                OrgLevel.BRANCH.value,
                org_kind.value,
                name,
                tower.cell_code[:12],
                names.person()[0],
            )
        )
        add_members(key, int(rng.integers(5, 15)), tower.cell_code)
    return orgs, members, teams
