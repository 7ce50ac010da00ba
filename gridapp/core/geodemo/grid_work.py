"""Who answers for which cell in the demo: branch and group assignments, grid workers,
teams serving cells, 党员中心户, in-post members' registrations, zones and units.

Deliberately incomplete, as the field reports describe: a few cells lack a branch, a grid
worker or a team, so the organisation-coverage view has real 盲点 to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from shapely.geometry import Point

from gridapp.core.geodemo.people import MemberOut, NameMaker, OrgOut, TeamOut
from gridapp.core.vocab import MemberStatus, TeamKind

if TYPE_CHECKING:
    from gridapp.core.geodemo.result import BuildingOut, CellOut, CommunityOut

SHARE_WITHOUT_BRANCH = 0.06
SHARE_WITHOUT_WORKER = 0.08
SHARE_WITHOUT_TEAM = 0.12
SHARE_WITH_HUB = 0.75
CELLS_PER_WORKER = 2
UNIT_RESOURCES = {
    "company": ["会议室", "志愿者", "职工食堂"],
    "school": ["操场", "图书室", "课后托管"],
    "hospital": ["义诊", "健康讲座"],
    "agency": ["政策咨询", "会议室"],
}


@dataclass
class AssignmentOut:
    cell_code: str
    kind: str  # party_org / team / worker
    target: str  # org key, team index, or worker username


@dataclass
class WorkerOut:
    username: str
    name: str
    phone: str
    cells: list[str]


@dataclass
class ZoneOut:
    name: str
    committee: str
    community_codes: list[str]
    cell_codes: list[str]
    building_refs: list[str]


@dataclass
class UnitOut:
    kind: str
    name: str
    building_ref: str
    geom: Point  # metric CRS
    resources: list[str]
    zone: int  # index into zones, -1 = none
    org_key: str = ""
    shares_facility: bool = False  # its shared room is a service point too
    service_point: int = -1  # index of that service point among the shared facilities


@dataclass
class GridWork:
    assignments: list[AssignmentOut] = field(default_factory=list)
    workers: list[WorkerOut] = field(default_factory=list)
    zones: list[ZoneOut] = field(default_factory=list)
    units: list[UnitOut] = field(default_factory=list)


def grid_work(
    communities: Sequence[CommunityOut],
    cells: Sequence[CellOut],
    buildings: Sequence[BuildingOut],
    orgs: Sequence[OrgOut],
    members: list[MemberOut],
    teams: Sequence[TeamOut],
    subdistrict_code: str,
    seed: int,
) -> GridWork:
    rng = np.random.default_rng(seed + 23)
    names = NameMaker(rng)
    work = GridWork()
    org_keys = {o.key for o in orgs}
    groups: dict[str, list[str]] = {}
    for o in orgs:
        if o.key.startswith("g"):
            groups.setdefault(o.parent_key, []).append(o.key)

    for community in communities:
        mine = [c for c in cells if c.community_code == community.code]
        # the branch of each cell (and its groups), except a few cells
        for cell in mine:
            branch = f"b{cell.code}"
            if branch in org_keys and rng.random() >= SHARE_WITHOUT_BRANCH:
                work.assignments.append(AssignmentOut(cell.code, "party_org", branch))
                for group in groups.get(branch, [])[:1]:
                    work.assignments.append(AssignmentOut(cell.code, "party_org", group))
        # grid workers: one per CELLS_PER_WORKER cells, a few cells left without
        staffed = [c.code for c in mine if rng.random() >= SHARE_WITHOUT_WORKER]
        for i in range(0, len(staffed), CELLS_PER_WORKER):
            share = staffed[i : i + CELLS_PER_WORKER]
            name, _ = names.person()
            username = f"gw{subdistrict_code[-3:]}{share[0][-6:]}"
            work.workers.append(WorkerOut(username, name, names.phone(), share))
            for code in share:
                work.assignments.append(AssignmentOut(code, "worker", username))
        # teams: the neighbourhood team serves most cells, specialist teams a few each
        local = [i for i, t in enumerate(teams) if t.community_code == community.code]
        for index in local:
            if teams[index].kind == TeamKind.NEIGHBOURHOOD.value:
                served = [c.code for c in mine if rng.random() >= SHARE_WITHOUT_TEAM]
            else:
                k = min(len(mine), int(rng.integers(1, 4)))
                served = [mine[int(j)].code for j in rng.choice(len(mine), k, replace=False)]
                served = [c for c in served if rng.random() >= SHARE_WITHOUT_TEAM]
            for code in served:
                work.assignments.append(AssignmentOut(code, "team", str(index)))

    # 党员中心户: one retired or in-post member at home in most cells
    by_cell: dict[str, list[int]] = {}
    for i, m in enumerate(members):
        if m.home_cell and m.status in (MemberStatus.RETIRED.value, MemberStatus.IN_POST.value):
            by_cell.setdefault(m.home_cell, []).append(i)
    for cell in cells:
        candidates = by_cell.get(cell.code, [])
        if candidates and rng.random() < SHARE_WITH_HUB:
            hub = members[candidates[int(rng.integers(len(candidates)))]]
            hub.is_hub = True
            hub.hub_households = int(rng.integers(10, 16))
    # 在职党员到社区报到: most in-post members register in their home cell and a local team
    team_of_community: dict[str, list[int]] = {}
    for i, t in enumerate(teams):
        team_of_community.setdefault(t.community_code, []).append(i)
    for m in members:
        if m.status == MemberStatus.IN_POST.value and m.home_cell and rng.random() < 0.7:
            m.registered_cell = m.home_cell
            local_teams = team_of_community.get(m.home_cell[:12], [])
            if local_teams:
                m.registered_team = local_teams[int(rng.integers(len(local_teams)))]

    _zones_and_units(work, communities, cells, buildings, orgs, rng)
    return work


def _zones_and_units(
    work: GridWork,
    communities: Sequence[CommunityOut],
    cells: Sequence[CellOut],
    buildings: Sequence[BuildingOut],
    orgs: Sequence[OrgOut],
    rng: np.random.Generator,
) -> None:
    """A "楼—居" zone joining the office towers with the communities around them, and units
    in towers, schools and hospitals sharing rooms, volunteers and services."""
    towers = [b for b in buildings if b.raw.kind == "office" and b.cell_code]
    if towers:
        tower_communities = sorted({b.cell_code[:12] for b in towers})
        work.zones.append(
            ZoneOut(
                name="商务区楼居共建片区",
                committee="商务区区域化党建促进会",
                community_codes=tower_communities,
                cell_codes=sorted({b.cell_code for b in towers}),
                building_refs=[b.raw.source_ref for b in towers],
            )
        )
    tower_orgs = [o for o in orgs if o.key.startswith("t")]
    for n, tower in enumerate(towers[:12]):
        org = tower_orgs[n].key if n < len(tower_orgs) else ""
        work.units.append(
            UnitOut(
                kind="company",
                name=f"{tower.raw.name or '商务楼宇'}入驻企业联合会",
                building_ref=tower.raw.source_ref,
                geom=tower.raw.geom.representative_point(),
                resources=list(UNIT_RESOURCES["company"]),
                zone=0 if work.zones else -1,
                org_key=org,
                shares_facility=n % 3 == 0,
            )
        )
    others = [b for b in buildings if b.raw.kind in ("school", "public") and b.cell_code]
    for b in others[:: max(1, len(others) // 6)][:6]:
        kind = "school" if b.raw.kind == "school" else "agency"
        work.units.append(
            UnitOut(
                kind=kind,
                name=b.raw.name or ("学校" if kind == "school" else "驻区单位"),
                building_ref=b.raw.source_ref,
                geom=b.raw.geom.representative_point(),
                resources=list(UNIT_RESOURCES[kind]),
                zone=-1,
                shares_facility=bool(rng.random() < 0.5),
            )
        )
