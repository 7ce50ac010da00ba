"""The party-organisation tree, teams, members and cell assignments (one transaction each).

Who may do what: coordinators and admins manage organisations and assignments within
their scope; grid managers may assign within their communities; field staff read the
organisations of their own cells. Members' phone numbers and homes are personal data:
only users whose scope holds the member's home cell (or the member's org's community)
see them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from geoalchemy2 import Geography, Geometry
from geoalchemy2.shape import from_shape
from shapely.geometry import Polygon, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, func, select

from gridapp.core.errors import BadRequest, Conflict, Forbidden, NotFound
from gridapp.core.vocab import (
    ORG_KIND_LABELS,
    ORG_LEVEL_LABELS,
    ORG_LEVEL_RANK,
    TEAM_KIND_LABELS,
    OrgKind,
    OrgLevel,
    Role,
    TeamKind,
)
from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellAssignment,
    Community,
    GridCell,
    Member,
    MemberRegistration,
    PartyOrg,
    Unit,
    User,
    UserScope,
    VolunteerTeam,
    Zone,
)
from gridapp.models.organisation import ASSIGNMENT_KINDS
from gridapp.services import scope

MANAGE_ROLES = {Role.ADMIN.value, Role.COORDINATOR.value}
ASSIGN_ROLES = {Role.ADMIN.value, Role.COORDINATOR.value, Role.GRID_MANAGER.value}
ASSIGNMENT_LABELS = {"party_org": "党组织", "team": "服务队", "worker": "网格员"}


def _require(user: User, roles: set[str], what: str) -> None:
    if user.role not in roles:
        raise Forbidden(f"您的角色不能{what}")


def visible_subdistricts(user: User) -> list[int]:
    return list(db.session.scalars(scope.visible_subdistrict_ids(user).distinct()))


def _org(org_id: int) -> PartyOrg:
    org = db.session.get(PartyOrg, org_id)
    if org is None:
        raise NotFound(f"未找到编号为 {org_id} 的党组织")
    return org


def _check_org_scope(user: User, org: PartyOrg, write: bool) -> None:
    if user.role == Role.ADMIN.value:
        return
    if org.subdistrict_id not in visible_subdistricts(user):
        raise Forbidden("该党组织不在您的管辖范围内")
    if write and org.community_id is not None:
        communities = set(db.session.scalars(scope.visible_community_ids(user)))
        if org.community_id not in communities:
            raise Forbidden("该党组织所属社区不在您的管辖范围内")
    elif (
        write and org.community_id is None and not _has_subdistrict_scope(user, org.subdistrict_id)
    ):
        raise Forbidden("只有街道范围的协调员可以调整街道级党组织")


def _has_subdistrict_scope(user: User, subdistrict_id: int) -> bool:
    return user.role == Role.ADMIN.value or any(
        s.subdistrict_id == subdistrict_id for s in user.scopes
    )


def org_json(org: PartyOrg, counts: dict[int, dict[str, int]] | None = None) -> dict[str, Any]:
    c = (counts or {}).get(org.id, {})
    return {
        "id": org.id,
        "parent_id": org.parent_id,
        "subdistrict_id": org.subdistrict_id,
        "community_id": org.community_id,
        "level": org.level,
        "level_label": ORG_LEVEL_LABELS[OrgLevel(org.level)],
        "kind": org.kind,
        "kind_label": ORG_KIND_LABELS[OrgKind(org.kind)],
        "name": org.name,
        "secretary": org.secretary,
        "members": c.get("members", 0),
        "cells": c.get("cells", 0),
    }


def org_tree(user: User, subdistrict_id: int | None = None) -> list[dict[str, Any]]:
    """The organisations the user may see, as a forest (each node with ``children``)."""
    subs = visible_subdistricts(user)
    if subdistrict_id is not None:
        if subdistrict_id not in subs:
            raise Forbidden("该街道不在您的管辖范围内")
        subs = [subdistrict_id]
    orgs = db.session.scalars(
        select(PartyOrg).where(PartyOrg.subdistrict_id.in_(subs)).order_by(PartyOrg.id)
    ).all()
    if user.role in (Role.FIELD_STAFF.value, Role.GRID_MANAGER.value):
        orgs = _within_cells(user, orgs)
    counts = _counts([o.id for o in orgs])
    nodes = {o.id: {**org_json(o, counts), "children": []} for o in orgs}
    roots: list[dict[str, Any]] = []
    for o in orgs:
        parent = nodes.get(o.parent_id) if o.parent_id is not None else None
        (parent["children"] if parent is not None else roots).append(nodes[o.id])
    return roots


def _within_cells(user: User, orgs: Sequence[PartyOrg]) -> list[PartyOrg]:
    """Orgs of the user's communities, plus every ancestor (so the tree stays a tree)."""
    communities = set(db.session.scalars(scope.visible_community_ids(user)))
    by_id = {o.id: o for o in orgs}
    keep: set[int] = set()
    for o in orgs:
        if o.community_id in communities:
            node: PartyOrg | None = o
            while node is not None and node.id not in keep:
                keep.add(node.id)
                node = by_id.get(node.parent_id) if node.parent_id is not None else None
    return [o for o in orgs if o.id in keep]


def _counts(org_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {i: {} for i in org_ids}
    for org_id, n in db.session.execute(
        select(Member.org_id, func.count())
        .where(Member.org_id.in_(org_ids))
        .group_by(Member.org_id)
    ):
        if org_id is not None:
            out[org_id]["members"] = n
    for org_id, n in db.session.execute(
        select(CellAssignment.party_org_id, func.count())
        .where(CellAssignment.party_org_id.in_(org_ids), CellAssignment.ended_at.is_(None))
        .group_by(CellAssignment.party_org_id)
    ):
        if org_id is not None:
            out[org_id]["cells"] = n
    return out


def _check_level(level: str, parent: PartyOrg | None) -> None:
    if level not in {lv.value for lv in OrgLevel}:
        raise BadRequest(f"未知的党组织层级：{level}")
    if parent is None:
        if level != OrgLevel.WORKING_COMMITTEE.value:
            raise BadRequest("只有街道党工委可以没有上级组织")
        return
    if ORG_LEVEL_RANK[OrgLevel(level)] <= ORG_LEVEL_RANK[OrgLevel(parent.level)]:
        raise BadRequest(
            f"{ORG_LEVEL_LABELS[OrgLevel(level)]}不能设在"
            f"{ORG_LEVEL_LABELS[OrgLevel(parent.level)]}“{parent.name}”之下：下级组织的层级必须更低"
        )


def create_org(
    user: User,
    *,
    parent_id: int,
    level: str,
    name: str,
    kind: str = OrgKind.REGULAR.value,
    community_id: int | None = None,
    secretary: str = "",
) -> dict[str, Any]:
    _require(user, MANAGE_ROLES, "新建党组织")
    parent = _org(parent_id)
    _check_org_scope(user, parent, write=True)
    _check_level(level, parent)
    if kind not in {k.value for k in OrgKind}:
        raise BadRequest(f"未知的组织类型：{kind}")
    name = name.strip()
    if not name:
        raise BadRequest("组织名称不能为空")
    community = community_id if community_id is not None else parent.community_id
    if community is not None:
        row = db.session.get(Community, community)
        if row is None or row.subdistrict_id != parent.subdistrict_id:
            raise BadRequest("所属社区不存在或不在同一街道")
    _unique_name(parent.id, name)
    org = PartyOrg(
        subdistrict_id=parent.subdistrict_id,
        parent_id=parent.id,
        community_id=community,
        level=level,
        kind=kind,
        name=name,
        secretary=secretary.strip(),
    )
    db.session.add(org)
    db.session.commit()
    return org_json(org)


def _unique_name(parent_id: int, name: str, except_id: int | None = None) -> None:
    clash = db.session.scalar(
        select(PartyOrg.id).where(
            PartyOrg.parent_id == parent_id, PartyOrg.name == name, PartyOrg.id != (except_id or 0)
        )
    )
    if clash is not None:
        raise Conflict(f"同一上级组织下已有名为“{name}”的组织")


def rename_org(user: User, org_id: int, name: str, secretary: str | None = None) -> dict[str, Any]:
    _require(user, MANAGE_ROLES, "修改党组织")
    org = _org(org_id)
    _check_org_scope(user, org, write=True)
    name = name.strip()
    if not name:
        raise BadRequest("组织名称不能为空")
    if org.parent_id is not None:
        _unique_name(org.parent_id, name, except_id=org.id)
    org.name = name
    if secretary is not None:
        org.secretary = secretary.strip()
    db.session.commit()
    return org_json(org)


def move_org(user: User, org_id: int, new_parent_id: int) -> dict[str, Any]:
    _require(user, MANAGE_ROLES, "调整党组织隶属关系")
    org = _org(org_id)
    parent = _org(new_parent_id)
    _check_org_scope(user, org, write=True)
    _check_org_scope(user, parent, write=True)
    if parent.subdistrict_id != org.subdistrict_id:
        raise BadRequest("不能把党组织移到其他街道")
    node: PartyOrg | None = parent
    while node is not None:  # no cycles: the new parent must not lie below the org
        if node.id == org.id:
            raise BadRequest(f"不能把“{org.name}”移到它自己的下级组织“{parent.name}”之下")
        node = node.parent
    _check_level(org.level, parent)
    _unique_name(parent.id, org.name, except_id=org.id)
    org.parent_id = parent.id
    db.session.commit()
    return org_json(org)


def dissolve_org(user: User, org_id: int) -> None:
    """Delete an organisation — only when nothing hangs on it; else name what does."""
    _require(user, MANAGE_ROLES, "撤销党组织")
    org = _org(org_id)
    _check_org_scope(user, org, write=True)
    session = db.session
    blockers = []
    children = session.scalars(select(PartyOrg.name).where(PartyOrg.parent_id == org.id)).all()
    if children:
        blockers.append(f"下级组织 {len(children)} 个（{'、'.join(children[:3])}…）")
    members = session.scalar(select(func.count()).where(Member.org_id == org.id)) or 0
    if members:
        blockers.append(f"党员 {members} 名")
    cells = session.scalars(
        select(GridCell.code)
        .join(CellAssignment, CellAssignment.cell_id == GridCell.id)
        .where(CellAssignment.party_org_id == org.id, CellAssignment.ended_at.is_(None))
    ).all()
    if cells:
        blockers.append(f"负责网格 {len(cells)} 个（{'、'.join(cells[:3])}）")
    units = session.scalars(select(Unit.name).where(Unit.party_org_id == org.id)).all()
    if units:
        blockers.append(f"驻区单位 {'、'.join(units[:3])}")
    if blockers:
        raise Conflict(
            f"不能撤销“{org.name}”：仍有" + "；".join(blockers) + "。请先转移或解除后再撤销",
            blockers=blockers,
        )
    # ended assignments keep their history rows only while the org exists
    session.execute(delete(CellAssignment).where(CellAssignment.party_org_id == org.id))
    session.delete(org)
    session.commit()


# --- teams ---------------------------------------------------------------------------------


def team_json(team: VolunteerTeam, personal: bool) -> dict[str, Any]:
    return {
        "id": team.id,
        "community_id": team.community_id,
        "kind": team.kind,
        "kind_label": TEAM_KIND_LABELS[TeamKind(team.kind)],
        "name": team.name,
        "members": [
            {
                "name": m.name,
                "phone": m.phone if personal else "",
                "is_captain": m.is_captain,
                "is_party_member": m.member_id is not None,
            }
            for m in sorted(team.members, key=lambda m: (not m.is_captain, m.id))
        ],
    }


def teams(user: User, community_id: int | None = None) -> list[dict[str, Any]]:
    communities = set(db.session.scalars(scope.visible_community_ids(user)))
    query = select(VolunteerTeam).where(
        VolunteerTeam.subdistrict_id.in_(visible_subdistricts(user))
    )
    if community_id is not None:
        query = query.where(VolunteerTeam.community_id == community_id)
    rows = db.session.scalars(query.order_by(VolunteerTeam.id)).all()
    out = []
    for team in rows:
        if team.community_id is not None and team.community_id not in communities:
            continue
        out.append(team_json(team, personal=user.role != Role.FIELD_STAFF.value))
    return out


# --- assignments ---------------------------------------------------------------------------


def _cell_in_scope(user: User, cell_id: int, write: bool) -> GridCell:
    cell = db.session.get(GridCell, cell_id)
    if cell is None:
        raise NotFound(f"未找到编号为 {cell_id} 的网格")
    visible = db.session.scalar(scope.visible_cell_ids(user).where(GridCell.id == cell_id))
    if visible is None:
        raise Forbidden(f"网格 {cell.code} 不在您的管辖范围内")
    if write:
        _require(user, ASSIGN_ROLES, "分配网格的党组织、服务队和网格员")
    return cell


def assignments(user: User, cell_id: int, history: bool = False) -> list[dict[str, Any]]:
    _cell_in_scope(user, cell_id, write=False)
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


def assign(user: User, cell_id: int, kind: str, target_id: int) -> dict[str, Any]:
    cell = _cell_in_scope(user, cell_id, write=True)
    if kind not in ASSIGNMENT_KINDS:
        raise BadRequest(f"未知的分配类型：{kind}")
    community = db.session.get(Community, cell.community_id)
    assert community is not None
    session = db.session
    if kind == "party_org":
        org = _org(target_id)
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
    row = db.session.get(CellAssignment, assignment_id)
    if row is None:
        raise NotFound(f"未找到编号为 {assignment_id} 的分配记录")
    _cell_in_scope(user, row.cell_id, write=True)
    if row.ended_at is not None:
        raise Conflict("该分配已经解除")
    row.ended_at = func.now()
    db.session.commit()
    db.session.refresh(row)
    return assignment_json(row)


def members_of_cell(user: User, cell_id: int) -> list[dict[str, Any]]:
    """Members living in a cell; phone numbers only for users whose scope holds the cell."""
    _cell_in_scope(user, cell_id, write=False)
    rows = db.session.execute(
        select(Member, PartyOrg.name, func.ST_AsGeoJSON(Member.responsibility_area, 7))
        .join(Building, Building.id == Member.home_building_id)
        .outerjoin(PartyOrg, PartyOrg.id == Member.org_id)
        .where(Building.cell_id == cell_id)
        .order_by(Member.id)
    ).all()
    return [
        {
            "id": m.id,
            "name": m.name,
            "gender": m.gender,
            "status": m.status,
            "org": org or "",
            "phone": m.phone,
            "is_hub": m.is_hub,
            "hub_households": m.hub_households,
            "responsibility_area": None if area is None else json.loads(area),
        }
        for m, org, area in rows
    ]


def set_responsibility_area(
    user: User, member_id: int, geometry: BaseGeometry | None
) -> dict[str, Any]:
    """党员责任区: the small area a member answers for (None clears it). It must be a valid
    polygon inside the cell where the member lives."""
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound(f"未找到编号为 {member_id} 的党员")
    if member.home_building_id is None:
        raise BadRequest(f"{member.name} 没有登记住址楼栋，无法划定责任区")
    building = db.session.get(Building, member.home_building_id)
    assert building is not None
    if building.cell_id is None:
        raise BadRequest(f"{member.name} 的住址不在任何网格内")
    cell = _cell_in_scope(user, building.cell_id, write=True)
    if geometry is None:
        member.responsibility_area = None
    else:
        if not isinstance(geometry, Polygon) or not geometry.is_valid or geometry.area <= 0:
            raise BadRequest("责任区应为一个有效的多边形（不能自相交）")
        inside = db.session.scalar(
            select(
                func.ST_Covers(
                    func.ST_Buffer(GridCell.geom.cast(Geography), 1.0).cast(Geometry),
                    func.ST_GeomFromText(geometry.wkt, 4326),
                )
            ).where(GridCell.id == cell.id)
        )
        if not inside:
            raise BadRequest(f"责任区必须在党员所住的网格 {cell.name}({cell.code}) 之内")
        member.responsibility_area = from_shape(geometry, srid=4326)
    db.session.commit()
    return {
        "member_id": member.id,
        "responsibility_area": None if geometry is None else mapping(geometry),
    }


def registrations(user: User, cell_id: int) -> list[dict[str, Any]]:
    """在职党员到社区报到: who registered in this cell and which team they serve in."""
    _cell_in_scope(user, cell_id, write=False)
    rows = db.session.execute(
        select(Member, VolunteerTeam.name, MemberRegistration.registered_at)
        .join(MemberRegistration, MemberRegistration.member_id == Member.id)
        .outerjoin(VolunteerTeam, VolunteerTeam.id == MemberRegistration.team_id)
        .where(MemberRegistration.cell_id == cell_id)
        .order_by(MemberRegistration.registered_at, Member.id)
    ).all()
    return [
        {
            "member_id": m.id,
            "name": m.name,
            "phone": m.phone,
            "team": team or "",
            "registered_at": at.isoformat() if at else None,
        }
        for m, team, at in rows
    ]


def zones(user: User) -> list[dict[str, Any]]:
    """片区 of the user's subdistricts with their communities, cells and towers."""
    subs = visible_subdistricts(user)
    rows = db.session.scalars(select(Zone).where(Zone.subdistrict_id.in_(subs)).order_by(Zone.id))
    out = []
    for z in rows:
        out.append(
            {
                "id": z.id,
                "name": z.name,
                "committee": z.committee,
                "communities": [p.community_id for p in z.parts if p.community_id is not None],
                "cells": [p.cell_id for p in z.parts if p.cell_id is not None],
                "buildings": [p.building_id for p in z.parts if p.building_id is not None],
            }
        )
    return out


def units(user: User) -> dict[str, Any]:
    """驻区单位 as a GeoJSON FeatureCollection."""
    subs = visible_subdistricts(user)
    rows = db.session.execute(
        select(Unit, func.ST_AsGeoJSON(Unit.geom, 7), PartyOrg.name)
        .outerjoin(PartyOrg, PartyOrg.id == Unit.party_org_id)
        .where(Unit.subdistrict_id.in_(subs))
        .order_by(Unit.id)
    ).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": u.id,
                "geometry": json.loads(geometry),
                "properties": {
                    "id": u.id,
                    "kind": u.kind,
                    "name": u.name,
                    "resources": list(u.resources or []),
                    "zone_id": u.zone_id,
                    "party_org": org or "",
                    "service_point_id": u.service_point_id,
                },
            }
            for u, geometry, org in rows
        ],
    }


def register_member(
    user: User, cell_id: int, member_id: int, team_id: int | None
) -> list[dict[str, Any]]:
    """在职党员到社区报到: an in-post member registers in the cell where they live, and
    optionally joins a team of that community. Returns the cell's registrations."""
    cell = _cell_in_scope(user, cell_id, write=True)
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound(f"未找到编号为 {member_id} 的党员")
    community = db.session.get(Community, cell.community_id)
    assert community is not None
    if member.subdistrict_id != community.subdistrict_id:
        raise BadRequest("该党员不在本街道的党员名册中")
    if member.status != "in_post":
        raise BadRequest(f"{member.name} 不是在职党员，不需要到社区报到")
    if team_id is not None:
        team = db.session.get(VolunteerTeam, team_id)
        if team is None:
            raise NotFound(f"未找到编号为 {team_id} 的服务队")
        if team.community_id not in (None, community.id):
            raise BadRequest("只能加入本社区的服务队")
    existing = db.session.scalar(
        select(MemberRegistration).where(
            MemberRegistration.member_id == member.id,
            MemberRegistration.community_id == community.id,
        )
    )
    if existing is not None:
        existing.cell_id = cell.id
        existing.team_id = team_id
    else:
        db.session.add(
            MemberRegistration(
                member_id=member.id, community_id=community.id, cell_id=cell.id, team_id=team_id
            )
        )
    db.session.commit()
    return registrations(user, cell_id)
