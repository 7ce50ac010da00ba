"""Party members of a cell: who lives there (personal data, in scope only), 党员中心户,
党员责任区, 在职党员报到; and the zones (片区) and units (驻区单位) touching the user's scope.
"""

from __future__ import annotations

import json
from typing import Any

from geoalchemy2 import Geography, Geometry
from geoalchemy2.shape import from_shape
from shapely.geometry import Polygon, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from gridapp.core.errors import BadRequest, Forbidden, NotFound
from gridapp.extensions import db
from gridapp.models import (
    Building,
    Community,
    GridCell,
    Member,
    MemberRegistration,
    PartyOrg,
    Unit,
    User,
    VolunteerTeam,
    Zone,
)
from gridapp.services import scope
from gridapp.services.organisations.access import ASSIGN_ROLES, require_role
from gridapp.services.organisations.assignments import cell_in_scope


def members_of_cell(user: User, cell_id: int) -> list[dict[str, Any]]:
    """Members living in a cell; phone numbers only for users whose scope holds the cell."""
    cell_in_scope(user, cell_id, write=False)
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


def writable_member(user: User, member_id: int) -> Member:
    """A member the user may act on: role first, then 404, then scope (403)."""
    require_role(user, ASSIGN_ROLES, "为党员登记报到或划定责任区")
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound(f"未找到编号为 {member_id} 的党员")
    visible = select(Member.id).where(Member.id == member_id, scope.member_condition(user))
    if db.session.scalar(visible) is None:
        raise Forbidden(f"编号为 {member_id} 的党员不在您的管辖范围内")
    return member


def set_responsibility_area(
    user: User, member_id: int, geometry: BaseGeometry | None
) -> dict[str, Any]:
    """党员责任区: the small area a member answers for (None clears it). It must be a valid
    polygon inside the cell where the member lives."""
    member = writable_member(user, member_id)
    if member.home_building_id is None:
        raise BadRequest(f"{member.name} 没有登记住址楼栋，无法划定责任区")
    building = db.session.get(Building, member.home_building_id)
    assert building is not None
    if building.cell_id is None:
        raise BadRequest(f"{member.name} 的住址不在任何网格内")
    cell = cell_in_scope(user, building.cell_id, write=True)
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
    cell_in_scope(user, cell_id, write=False)
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
    """片区 touching the user's scope, each with only the parts the user may see."""
    session = db.session
    cells = set(session.scalars(scope.visible_cell_ids(user)))
    communities = set(session.scalars(scope.visible_community_ids(user)))
    buildings = set(session.scalars(scope.visible_building_ids(user)))
    rows = session.scalars(
        select(Zone).where(Zone.id.in_(scope.visible_zone_ids(user))).order_by(Zone.id)
    )
    return [
        {
            "id": z.id,
            "name": z.name,
            "committee": z.committee,
            "communities": [p.community_id for p in z.parts if p.community_id in communities],
            "cells": [p.cell_id for p in z.parts if p.cell_id in cells],
            "buildings": [p.building_id for p in z.parts if p.building_id in buildings],
        }
        for z in rows
    ]


def units(user: User) -> dict[str, Any]:
    """驻区单位 touching the user's scope, as a GeoJSON FeatureCollection (a unit shows its
    own party organisation's name; its zone only when the user sees that zone)."""
    zones = set(db.session.scalars(scope.visible_zone_ids(user)))
    rows = db.session.execute(
        select(Unit, func.ST_AsGeoJSON(Unit.geom, 7), PartyOrg.name)
        .outerjoin(PartyOrg, PartyOrg.id == Unit.party_org_id)
        .where(scope.unit_condition(user))
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
                    "zone_id": u.zone_id if u.zone_id in zones else None,
                    "party_org": org or "",
                    "service_point_id": u.service_point_id,
                },
            }
            for u, geometry, org in rows
        ],
    }


def authorize_register(
    user: User, cell_id: int, member_id: int | None, team_id: int | None
) -> GridCell:
    """Role, the cell, the member and the team named: each 404 unknown, 403 outside."""
    cell = cell_in_scope(user, cell_id, write=True)
    if member_id is not None:
        writable_member(user, member_id)
    if team_id is not None:
        if db.session.get(VolunteerTeam, team_id) is None:
            raise NotFound(f"未找到编号为 {team_id} 的服务队")
        if not scope.includes(scope.visible_team_ids(user), team_id):
            raise Forbidden(f"编号为 {team_id} 的服务队不在您的管辖范围内")
    return cell


def register_member(
    user: User, cell_id: int, member_id: int, team_id: int | None
) -> list[dict[str, Any]]:
    """在职党员到社区报到: an in-post member registers in the cell where they live, and
    optionally joins a team of that community. Returns the cell's registrations."""
    cell = authorize_register(user, cell_id, member_id, team_id)
    member = db.session.get(Member, member_id)
    assert member is not None
    community = db.session.get(Community, cell.community_id)
    assert community is not None
    if member.subdistrict_id != community.subdistrict_id:
        raise BadRequest("该党员不在本街道的党员名册中")
    if member.status != "in_post":
        raise BadRequest(f"{member.name} 不是在职党员，不需要到社区报到")
    if team_id is not None:
        team = db.session.get(VolunteerTeam, team_id)
        assert team is not None
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
