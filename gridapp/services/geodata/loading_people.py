"""Loading a geodata folder, step 2: the people — party organisations, members, volunteer
teams and registrations, then grid work: grid workers, cell assignments, zones and units.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select, text, update

from gridapp.core.errors import LoadError
from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellAssignment,
    Member,
    MemberRegistration,
    PartyOrg,
    TeamMember,
    Unit,
    User,
    UserScope,
    VolunteerTeam,
    Zone,
    ZonePart,
)
from gridapp.services.geodata.loading_places import db_geom


def load_people(
    subdistrict_id: int,
    organisation: dict[str, list[dict[str, Any]]],
    community_id: dict[str, int],
    cell_id: dict[str, int],
    building_id: dict[str, int],
) -> tuple[dict[str, int], list[int], list[int]]:
    """Orgs, members, teams and registrations; returns the ids of the orgs (by key), the
    teams and the members (in file order)."""
    session = db.session
    org_id: dict[str, int] = {}
    for org in organisation["orgs"]:  # parents come before their children
        parent = org["parent_key"]
        if parent and parent not in org_id:
            raise LoadError(f"党组织 {org['name']} 的上级 {parent} 不存在")
        row = PartyOrg(
            subdistrict_id=subdistrict_id,
            parent_id=org_id.get(parent) if parent else None,
            community_id=community_id.get(org["community_code"]),
            level=org["level"],
            kind=org["kind"],
            name=org["name"],
            secretary=org["secretary"],
        )
        session.add(row)
        session.flush()
        org_id[org["key"]] = row.id
    member_ids: list[int] = []
    if organisation["members"]:
        result = session.execute(
            insert(Member).returning(Member.id, sort_by_parameter_order=True),
            [
                {
                    "subdistrict_id": subdistrict_id,
                    "org_id": org_id.get(m["org_key"]),
                    "name": m["name"],
                    "gender": m["gender"],
                    "phone": m["phone"],
                    "status": m["status"],
                    "home_building_id": building_id.get(m["home_building_ref"]),
                    "is_hub": bool(m.get("is_hub", False)),
                    "hub_households": int(m.get("hub_households", 0)),
                    "born_year": m.get("born_year"),
                    "joined_on": date.fromisoformat(m["joined_on"]) if m.get("joined_on") else None,
                    "in_difficulty": bool(m.get("in_difficulty", False)),
                }
                for m in organisation["members"]
            ],
        )
        member_ids = list(result.scalars())
    team_ids: list[int] = []
    for team in organisation["teams"]:
        team_row = VolunteerTeam(
            subdistrict_id=subdistrict_id,
            community_id=community_id.get(team["community_code"]),
            kind=team["kind"],
            name=team["name"],
        )
        team_row.members = [
            TeamMember(
                name=name,
                phone=phone,
                is_captain=captain,
                member_id=member_ids[index] if index >= 0 else None,
            )
            for name, phone, captain, index in team["people"]
        ]
        session.add(team_row)
        session.flush()
        team_ids.append(team_row.id)
    for m, mid in zip(organisation["members"], member_ids, strict=True):
        if m.get("registered_cell"):
            team_index = int(m.get("registered_team", -1))
            session.add(
                MemberRegistration(
                    member_id=mid,
                    community_id=community_id[m["registered_cell"][:12]],
                    cell_id=cell_id.get(m["registered_cell"]),
                    team_id=team_ids[team_index] if team_index >= 0 else None,
                )
            )
    session.flush()
    # members' homes as points, from their buildings
    session.execute(
        update(Member)
        .where(Member.subdistrict_id == subdistrict_id, Member.home_building_id.is_not(None))
        .values(
            home=select(Building.geom.ST_PointOnSurface())
            .where(Building.id == Member.home_building_id)
            .scalar_subquery()
        )
    )
    # 党员责任区 of each 党员中心户: the part of their cell within 40 m of their home
    session.execute(
        text(
            "UPDATE members m SET responsibility_area = a.area FROM ("
            " SELECT DISTINCT ON (m2.id) m2.id, d.geom AS area"
            " FROM members m2 JOIN buildings b ON b.id = m2.home_building_id"
            " JOIN grid_cells c ON c.id = b.cell_id,"
            " LATERAL ST_Dump(ST_Intersection("
            "   ST_Buffer(b.geom::geography, 40)::geometry, c.geom)) d"
            " WHERE m2.subdistrict_id = :s AND m2.is_hub AND GeometryType(d.geom) = 'POLYGON'"
            " ORDER BY m2.id, ST_Area(d.geom) DESC) a WHERE m.id = a.id"
        ),
        {"s": subdistrict_id},
    )
    return org_id, team_ids, member_ids


@dataclass
class Ids:
    """Database ids of what was just loaded, by the keys the geodata folder uses."""

    community: dict[str, int]
    cell: dict[str, int]
    building: dict[str, int]
    org: dict[str, int]
    team: list[int]
    service_points: list[int]


def load_grid_work(
    subdistrict_id: int,
    organisation: dict[str, list[dict[str, Any]]],
    units: Any,
    ids: Ids,
) -> None:
    """Grid workers (users), cell assignments, zones and units with shared facilities."""
    session = db.session
    community_id, cell_id, building_id = ids.community, ids.cell, ids.building
    worker_id: dict[str, int] = {}
    for w in organisation.get("workers", []):
        user = session.scalars(select(User).where(User.username == w["username"])).one_or_none()
        if user is None:
            user = User(username=w["username"], role=Role.FIELD_STAFF.value)
            user.set_password(secrets.token_urlsafe(24))  # no login until a password is set
            session.add(user)
        user.display_name = w["name"]
        user.phone = w["phone"]
        user.scopes = [UserScope(cell_id=cell_id[c]) for c in w["cells"] if c in cell_id]
        session.flush()
        worker_id[w["username"]] = user.id
    rows = []
    for a in organisation.get("assignments", []):
        cell = cell_id.get(a["cell_code"])
        if cell is None:
            raise LoadError(f"分配记录中的网格 {a['cell_code']} 不存在")
        target: dict[str, int | None] = {"party_org_id": None, "team_id": None, "user_id": None}
        if a["kind"] == "party_org":
            target["party_org_id"] = ids.org[a["target"]]
        elif a["kind"] == "team":
            target["team_id"] = ids.team[int(a["target"])]
        else:
            target["user_id"] = worker_id[a["target"]]
        rows.append({"cell_id": cell, "kind": a["kind"], **target})
    if rows:
        session.execute(insert(CellAssignment), rows)
    zone_ids = []
    for z in organisation.get("zones", []):
        zone = Zone(subdistrict_id=subdistrict_id, name=z["name"], committee=z["committee"])
        zone.parts = (
            [ZonePart(community_id=community_id[c]) for c in z["community_codes"]]
            + [ZonePart(cell_id=cell_id[c]) for c in z["cell_codes"] if c in cell_id]
            + [ZonePart(building_id=building_id[b]) for b in z["building_refs"] if b in building_id]
        )
        session.add(zone)
        session.flush()
        zone_ids.append(zone.id)
    for u in units.itertuples():
        point = db_geom(u.geometry, f"驻区单位 {u.name}")
        shared = ids.service_points[int(u.service_point)] if int(u.service_point) >= 0 else None
        session.add(
            Unit(
                subdistrict_id=subdistrict_id,
                zone_id=zone_ids[int(u.zone)] if int(u.zone) >= 0 else None,
                building_id=building_id.get(u.building_ref),
                party_org_id=ids.org.get(u.org_key) if u.org_key else None,
                service_point_id=shared,
                kind=u.kind,
                name=u.name,
                resources=json.loads(u.resources),
                geom=point,
            )
        )
    session.flush()
