"""The party-organisation tree (read, create, rename, move, dissolve), the teams and the
grid workers a user sees (one transaction each; who may do what: ``access``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from gridapp.core.errors import BadRequest, Conflict, Forbidden
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
    CellAssignment,
    Community,
    GridCell,
    Member,
    PartyOrg,
    Unit,
    User,
    VolunteerTeam,
)
from gridapp.services import scope
from gridapp.services.organisations.access import (
    ASSIGN_ROLES,
    MANAGE_ROLES,
    find_org,
    require_role,
    require_subdistrict,
    visible_subdistricts,
)
from gridapp.services.scope import require_community


def _check_org_scope(user: User, org: PartyOrg) -> None:
    """Changing an org needs oversight of its whole community (or, for a subdistrict-level
    org, of the whole subdistrict); seeing it is not enough."""
    if user.role == Role.ADMIN.value:
        return
    if org.community_id is not None:
        if not scope.includes(scope.overseen_community_ids(user), org.community_id):
            raise Forbidden("该党组织所属社区不在您的管辖范围内")
    elif not _has_subdistrict_scope(user, org.subdistrict_id):
        raise Forbidden("只有街道范围的协调员可以调整街道级党组织")


def writable_org(user: User, org_id: int) -> PartyOrg:
    """The org ``org_id`` if the user may change it: role, then 404, then scope (403)."""
    require_role(user, MANAGE_ROLES, "修改党组织")
    org = find_org(org_id)
    _check_org_scope(user, org)
    return org


def _has_subdistrict_scope(user: User, subdistrict_id: int) -> bool:
    return user.role == Role.ADMIN.value or any(
        s.subdistrict_id == subdistrict_id for s in user.scopes
    )


def authorize_create(
    user: User, parent_id: int | None, community_id: int | None
) -> PartyOrg | None:
    """Role, then the parent and the community named (404 unknown, 403 outside)."""
    require_role(user, MANAGE_ROLES, "新建党组织")
    parent = None
    if parent_id is not None:
        parent = find_org(parent_id)
        _check_org_scope(user, parent)
    if community_id is not None:
        require_community(user, community_id, whole=True)
    return parent


def authorize_move(
    user: User, org_id: int, parent_id: int | None
) -> tuple[PartyOrg, PartyOrg | None]:
    require_role(user, MANAGE_ROLES, "调整党组织隶属关系")
    org = writable_org(user, org_id)
    parent = None
    if parent_id is not None:
        parent = find_org(parent_id)
        _check_org_scope(user, parent)
    return org, parent


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
    if subdistrict_id is None:
        subs = visible_subdistricts(user)
    else:
        subs = [require_subdistrict(user, subdistrict_id)]
    orgs = db.session.scalars(
        select(PartyOrg)
        .where(PartyOrg.subdistrict_id.in_(subs), PartyOrg.id.in_(scope.visible_org_ids(user)))
        .order_by(PartyOrg.id)
    ).all()
    counts = _counts([o.id for o in orgs])
    nodes = {o.id: {**org_json(o, counts), "children": []} for o in orgs}
    roots: list[dict[str, Any]] = []
    for o in orgs:
        parent = nodes.get(o.parent_id) if o.parent_id is not None else None
        (parent["children"] if parent is not None else roots).append(nodes[o.id])
    return roots


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
    parent = authorize_create(user, parent_id, community_id)
    assert parent is not None
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
            raise BadRequest("所属社区与上级组织不在同一街道")
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
    org = writable_org(user, org_id)
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
    org, parent = authorize_move(user, org_id, new_parent_id)
    assert parent is not None
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
    require_role(user, MANAGE_ROLES, "撤销党组织")
    org = writable_org(user, org_id)
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
    """The teams the user may see (see scope.visible_team_ids); phone numbers are for
    those who assign teams, not for field staff."""
    query = select(VolunteerTeam).where(VolunteerTeam.id.in_(scope.visible_team_ids(user)))
    if community_id is not None:
        require_community(user, community_id)
        query = query.where(VolunteerTeam.community_id == community_id)
    rows = db.session.scalars(query.order_by(VolunteerTeam.id)).all()
    return [team_json(team, personal=user.role != Role.FIELD_STAFF.value) for team in rows]


# --- grid workers --------------------------------------------------------------------------


def workers(user: User) -> list[dict[str, Any]]:
    """Grid workers whose cells touch the user's scope, each with only the cells the user
    may see; those who assign also see workers not yet placed anywhere."""
    visible = set(db.session.scalars(scope.visible_cell_ids(user)))
    ids = scope.visible_worker_ids(user, unplaced=user.role in ASSIGN_ROLES)
    rows = db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)).all()
    return [
        {
            "id": u.id,
            "username": u.username,
            "display_name": u.display_name,
            "cells": [sc.cell_id for sc in u.scopes if sc.cell_id in visible],
        }
        for u in rows
    ]
