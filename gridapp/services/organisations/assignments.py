"""Who answers for a cell: party branches/groups, teams and grid workers (with history).

Grid managers, coordinators and admins assign within their scope; the others read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gridapp.core.errors import BadRequest, Conflict, Forbidden, NotFound
from gridapp.core.vocab import ASSIGNMENT_KINDS, ASSIGNMENT_LABELS, OrgLevel, Role
from gridapp.extensions import db
from gridapp.models import (
    CellAssignment,
    Community,
    GridCell,
    PartyOrg,
    User,
    UserScope,
    VolunteerTeam,
)
from gridapp.services import scope
from gridapp.services.organisations.access import ASSIGN_ROLES, find_org, require_role


def cell_in_scope(user: User, cell_id: int, write: bool) -> GridCell:
    """The cell, checked in this order: role (for a write), unknown id (404), scope (403)."""
    if write:
        require_role(user, ASSIGN_ROLES, "分配网格的党组织、服务队和网格员")
    cell = db.session.get(GridCell, cell_id)
    if cell is None:
        raise NotFound(f"未找到编号为 {cell_id} 的网格")
    visible = db.session.scalar(scope.visible_cell_ids(user).where(GridCell.id == cell_id))
    if visible is None:
        raise Forbidden(f"编号为 {cell_id} 的网格不在您的管辖范围内")
    return cell


def writable_assignment(user: User, assignment_id: int) -> CellAssignment:
    require_role(user, ASSIGN_ROLES, "解除网格的分配")
    row = db.session.get(CellAssignment, assignment_id)
    if row is None:
        raise NotFound(f"未找到编号为 {assignment_id} 的分配记录")
    cell_in_scope(user, row.cell_id, write=True)
    return row


def _require_target(user: User, kind: str, target_id: int) -> None:
    """What is assigned must be in the user's scope too (404 unknown, 403 outside)."""
    model: Any
    model, visible, what = {
        "party_org": (PartyOrg, scope.visible_org_ids(user), "党组织"),
        "team": (VolunteerTeam, scope.visible_team_ids(user), "服务队"),
        "worker": (User, scope.visible_worker_ids(user, unplaced=True), "用户"),
    }[kind]
    row = db.session.get(model, target_id)
    if row is None:
        raise NotFound(f"未找到编号为 {target_id} 的{what}")
    if kind == "worker" and row.role != Role.FIELD_STAFF.value:
        raise BadRequest(f"编号为 {target_id} 的用户不是网格员，不能负责网格")
    if not scope.includes(visible, target_id):
        raise Forbidden(f"编号为 {target_id} 的{what}不在您的管辖范围内")


def assignments(user: User, cell_id: int, history: bool = False) -> list[dict[str, Any]]:
    cell_in_scope(user, cell_id, write=False)
    query = select(CellAssignment).where(CellAssignment.cell_id == cell_id)
    if not history:
        query = query.where(CellAssignment.ended_at.is_(None))
    rows = db.session.scalars(query.order_by(CellAssignment.assigned_at, CellAssignment.id)).all()
    return [assignment_json(a) for a in rows]


def assignment_json(a: CellAssignment) -> dict[str, Any]:
    session = db.session
    if a.kind == "party_org" and a.party_org_id is not None:
        org = session.get(PartyOrg, a.party_org_id)
        label = "" if org is None else org.name
        target = a.party_org_id
    elif a.kind == "team" and a.team_id is not None:
        team = session.get(VolunteerTeam, a.team_id)
        label = "" if team is None else team.name
        target = a.team_id
    else:
        worker = session.get(User, a.user_id) if a.user_id is not None else None
        label = "" if worker is None else worker.display_name
        target = a.user_id or 0
    return {
        "id": a.id,
        "cell_id": a.cell_id,
        "kind": a.kind,
        "kind_label": ASSIGNMENT_LABELS[a.kind],
        "target_id": target,
        "label": label,
        "assigned_at": a.assigned_at.isoformat() if a.assigned_at else None,
        "ended_at": a.ended_at.isoformat() if a.ended_at else None,
    }


def authorize_assign(user: User, cell_id: int, kind: str | None, target_id: int | None) -> GridCell:
    """Role, the cell (404/403), then what is assigned to it (404/403)."""
    cell = cell_in_scope(user, cell_id, write=True)
    if kind in ASSIGNMENT_KINDS and target_id is not None:
        _require_target(user, kind, target_id)
    return cell


def assign(user: User, cell_id: int, kind: str, target_id: int) -> dict[str, Any]:
    cell = authorize_assign(user, cell_id, kind, target_id)
    if kind not in ASSIGNMENT_KINDS:
        raise BadRequest(f"未知的分配类型：{kind}")
    community = db.session.get(Community, cell.community_id)
    assert community is not None
    session = db.session
    if kind == "party_org":
        org = find_org(target_id)
        if org.subdistrict_id != community.subdistrict_id:
            raise BadRequest("党组织不在该网格所在街道")
        if org.level not in (
            OrgLevel.BRANCH.value,
            OrgLevel.GROUP.value,
            OrgLevel.GENERAL_BRANCH.value,
        ):
            raise BadRequest("只有党总支、党支部或党小组可以负责网格")
        values = {"party_org_id": target_id}
    elif kind == "team":
        team = session.get(VolunteerTeam, target_id)
        if team is None:
            raise NotFound(f"未找到编号为 {target_id} 的服务队")
        if team.subdistrict_id != community.subdistrict_id:
            raise BadRequest("服务队不在该网格所在街道")
        values = {"team_id": target_id}
    else:
        worker = session.get(User, target_id)
        if worker is None:
            raise NotFound(f"未找到编号为 {target_id} 的用户")
        if worker.role != Role.FIELD_STAFF.value:
            raise BadRequest(f"{worker.display_name} 不是网格员，不能负责网格")
        values = {"user_id": target_id}
    existing = session.scalar(
        select(CellAssignment).where(
            CellAssignment.cell_id == cell.id,
            CellAssignment.kind == kind,
            CellAssignment.ended_at.is_(None),
            *[getattr(CellAssignment, k) == v for k, v in values.items()],
        )
    )
    if existing is not None:
        raise Conflict("该网格已有这项分配")
    row = CellAssignment(cell_id=cell.id, kind=kind, assigned_by=user.id, **values)
    session.add(row)
    if kind == "worker":  # a grid worker's scope follows their cells
        worker_row = session.get(User, target_id)
        assert worker_row is not None
        if not any(s.cell_id == cell.id for s in worker_row.scopes):
            worker_row.scopes.append(UserScope(cell_id=cell.id))
    session.commit()
    return assignment_json(row)


def end_assignment(user: User, assignment_id: int) -> dict[str, Any]:
    row = writable_assignment(user, assignment_id)
    if row.ended_at is not None:
        raise Conflict("该分配已经解除")
    row.ended_at = func.now()
    db.session.commit()
    db.session.refresh(row)
    return assignment_json(row)
