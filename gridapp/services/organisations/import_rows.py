"""Checking the rows of an import file: each row's values, and that every place,
organisation, team and worker it names exists and is in the user's scope. A good row adds
its writer (``import_writes``) to the plan; a bad one a line number and a Chinese reason."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, select

from gridapp.core.vocab import MEMBER_STATUS_LABELS, TEAM_KIND_LABELS
from gridapp.extensions import db
from gridapp.models import (
    CellAssignment,
    Community,
    GridCell,
    Member,
    PartyOrg,
    User,
    VolunteerTeam,
)
from gridapp.services import scope
from gridapp.services.organisations.import_writes import (
    assignment_writer,
    member_writer,
    team_writer,
)

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
YES = {"是", "Y", "y", "yes", "1", "true", "TRUE"}
NO = {"否", "N", "n", "no", "0", "false", "FALSE", ""}
ASSIGNMENT_KIND = {"党组织": "party_org", "服务队": "team", "网格员": "worker"}
STATUS_BY_LABEL = {label: key.value for key, label in MEMBER_STATUS_LABELS.items()}
TEAM_KIND_BY_LABEL = {label: key.value for key, label in TEAM_KIND_LABELS.items()}


@dataclass
class Plan:
    """What a valid file will write, and the problems of an invalid one."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    writes: list[Callable[[], None]] = field(default_factory=list)
    rows: int = 0

    def bad(self, line: int, message: str) -> None:
        self.errors.append({"line": line, "message": message})


def _visible_cells(user: User, subdistrict_id: int) -> dict[str, GridCell]:
    rows = db.session.scalars(
        select(GridCell)
        .join(Community)
        .where(Community.subdistrict_id == subdistrict_id)
        .where(GridCell.id.in_(scope.visible_cell_ids(user)))
    ).all()
    return {c.code: c for c in rows}


def _visible_orgs(user: User, subdistrict_id: int) -> dict[str, PartyOrg]:
    rows = db.session.scalars(
        select(PartyOrg).where(
            PartyOrg.subdistrict_id == subdistrict_id,
            PartyOrg.id.in_(scope.visible_org_ids(user)),
        )
    )
    return {o.name: o for o in rows}


T = TypeVar("T")
OUT_OF_SCOPE = "不存在或不在您的管辖范围内"


def _label(value: str, table: Mapping[str, Any], what: str) -> str:
    return f"{what}“{value}”应为 {'、'.join(table)} 之一"


def _pick(plan: Plan, line: int, table: Mapping[str, T], key: str, problem: str) -> T | None:
    """``table[key]``, or None with ``problem`` noted against ``line``."""
    found = table.get(key)
    if found is None:
        plan.bad(line, problem)
    return found


def _phone(value: str, what: str, line: int, plan: Plan, required: bool = True) -> bool:
    if not value:
        if required:
            plan.bad(line, f"{what}为空")
        return not required
    if not (MOBILE.match(value) or LANDLINE.match(value)):
        plan.bad(line, f"{what}“{value}”格式不正确（应为 11 位手机号或区号-座机号）")
        return False
    return True


def plan_members(
    user: User, subdistrict_id: int, records: list[tuple[int, dict[str, str]]], plan: Plan
) -> None:
    cells = _visible_cells(user, subdistrict_id)
    orgs = _visible_orgs(user, subdistrict_id)
    existing = {
        (name, phone)
        for name, phone in db.session.execute(
            select(Member.name, Member.phone).where(Member.subdistrict_id == subdistrict_id)
        )
    }
    seen: dict[tuple[str, str], int] = {}
    for line, r in records:
        ok = True
        name = r["姓名"]
        if not name or len(name) > 50:
            plan.bad(line, "姓名为空或超过 50 个字")
            ok = False
        if r["性别"] not in ("男", "女"):
            plan.bad(line, f"性别“{r['性别']}”应为 男 或 女")
            ok = False
        ok = _phone(r["手机"], "手机", line, plan) and ok
        status = _pick(
            plan, line, STATUS_BY_LABEL, r["状态"], _label(r["状态"], STATUS_BY_LABEL, "状态")
        )
        org = _pick(plan, line, orgs, r["所属党组织"], f"党组织“{r['所属党组织']}”{OUT_OF_SCOPE}")
        code = r["住址网格编码"]
        cell = _pick(plan, line, cells, code, f"网格编码“{code}”{OUT_OF_SCOPE}")
        ok = ok and None not in (status, org, cell)
        hub = r["党员中心户"]
        if hub not in YES | NO:
            plan.bad(line, f"党员中心户“{hub}”应为 是 或 否")
            ok = False
        households = 0
        if hub in YES:
            try:
                households = int(r["服务户数"])
            except ValueError:
                households = -1
            if not 1 <= households <= 100:
                plan.bad(
                    line,
                    f"服务户数“{r['服务户数']}”应为 1–100 的整数（党员中心户一般联系 10–15 户）",
                )
                ok = False
        key = (name, r["手机"])
        if key in existing:
            plan.bad(line, f"党员“{name}”（{r['手机']}）已存在")
            ok = False
        elif key in seen:
            plan.bad(line, f"与第 {seen[key]} 行重复")
            ok = False
        seen.setdefault(key, line)
        if ok:
            assert org is not None and cell is not None and status is not None
            plan.writes.append(
                member_writer(subdistrict_id, r, status, org.id, cell.id, hub in YES, households)
            )


def plan_teams(
    user: User, subdistrict_id: int, records: list[tuple[int, dict[str, str]]], plan: Plan
) -> None:
    communities = {
        c.code: c
        for c in db.session.scalars(
            select(Community).where(Community.id.in_(scope.overseen_community_ids(user)))
        )
        if c.subdistrict_id == subdistrict_id
    }
    existing = set(
        db.session.scalars(
            select(VolunteerTeam.name).where(VolunteerTeam.subdistrict_id == subdistrict_id)
        )
    )
    seen: dict[str, int] = {}
    for line, r in records:
        ok = True
        name = r["服务队名称"]
        if not name:
            plan.bad(line, "服务队名称为空")
            ok = False
        elif name in existing:
            plan.bad(line, f"服务队“{name}”已存在")
            ok = False
        elif name in seen:
            plan.bad(line, f"与第 {seen[name]} 行重复")
            ok = False
        seen.setdefault(name, line)
        kind = _pick(
            plan, line, TEAM_KIND_BY_LABEL, r["类型"], _label(r["类型"], TEAM_KIND_BY_LABEL, "类型")
        )
        code = r["所属社区编码"]
        community = _pick(plan, line, communities, code, f"社区编码“{code}”{OUT_OF_SCOPE}")
        ok = ok and None not in (kind, community)
        if not r["队长姓名"]:
            plan.bad(line, "队长姓名为空")
            ok = False
        ok = _phone(r["队长手机"], "队长手机", line, plan) and ok
        people: list[tuple[str, str]] = []
        for part in [p for p in re.split(r"[;；]", r["队员"]) if p.strip()]:
            pieces = re.split(r"[:：]", part.strip())
            if len(pieces) != 2 or not pieces[0]:
                plan.bad(line, f"队员“{part}”应写成 姓名:手机")
                ok = False
                continue
            ok = _phone(pieces[1], f"队员 {pieces[0]} 的手机", line, plan) and ok
            people.append((pieces[0], pieces[1]))
        if ok:
            assert kind is not None and community is not None
            plan.writes.append(team_writer(subdistrict_id, community.id, name, kind, r, people))


def plan_assignments(
    user: User, subdistrict_id: int, records: list[tuple[int, dict[str, str]]], plan: Plan
) -> None:
    cells = _visible_cells(user, subdistrict_id)
    orgs = _visible_orgs(user, subdistrict_id)
    teams = {
        t.name: t
        for t in db.session.scalars(
            select(VolunteerTeam).where(
                VolunteerTeam.subdistrict_id == subdistrict_id,
                VolunteerTeam.id.in_(scope.visible_team_ids(user)),
            )
        )
    }
    workers = {
        key: u
        for u in db.session.scalars(
            select(User).where(User.id.in_(scope.visible_worker_ids(user, unplaced=True)))
        )
        for key in (u.username, u.display_name)
    }
    active = {
        (cell_id, kind, target)
        for cell_id, kind, target in db.session.execute(
            select(
                CellAssignment.cell_id,
                CellAssignment.kind,
                func.coalesce(
                    CellAssignment.party_org_id, CellAssignment.team_id, CellAssignment.user_id
                ),
            ).where(CellAssignment.ended_at.is_(None))
        )
    }
    seen: dict[tuple[int, str, int], int] = {}
    for line, r in records:
        cell = cells.get(r["网格编码"])
        kind = ASSIGNMENT_KIND.get(r["类型"])
        if cell is None:
            plan.bad(line, f"网格编码“{r['网格编码']}”{OUT_OF_SCOPE}")
        if kind is None:
            plan.bad(line, f"类型“{r['类型']}”应为 党组织、服务队 或 网格员")
        target: int | None = None
        if kind == "party_org":
            org = orgs.get(r["名称"])
            target = None if org is None else org.id
        elif kind == "team":
            team = teams.get(r["名称"])
            target = None if team is None else team.id
        elif kind == "worker":
            worker = workers.get(r["名称"])
            target = None if worker is None else worker.id
        if kind is not None and target is None:
            plan.bad(line, f"{r['类型']}“{r['名称']}”{OUT_OF_SCOPE}")
        if cell is None or kind is None or target is None:
            continue
        key = (cell.id, kind, target)
        if key in active:
            plan.bad(line, f"网格 {cell.code} 已有这项分配")
        elif key in seen:
            plan.bad(line, f"与第 {seen[key]} 行重复")
        else:
            seen[key] = line
            plan.writes.append(assignment_writer(user, cell.id, kind, target))


Planner = Callable[[User, int, list[tuple[int, dict[str, str]]], Plan], None]
# The planner of each kind of import.
PLANNERS: dict[str, Planner] = {
    "members": plan_members,
    "teams": plan_teams,
    "assignments": plan_assignments,
}
