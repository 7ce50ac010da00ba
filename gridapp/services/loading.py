"""Load a geodata/ folder into the database: one transaction, idempotent.

Loading the same folder twice changes nothing (the content fingerprint is stored on the
subdistrict); loading a changed folder replaces that subdistrict as a whole.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, insert, select, text, update

from gridapp.core import codes
from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import (
    Block,
    Building,
    CellAssignment,
    Community,
    GridCell,
    Member,
    MemberRegistration,
    PartyOrg,
    ServicePoint,
    StreetEdge,
    Subdistrict,
    TeamMember,
    Unit,
    User,
    UserScope,
    VolunteerTeam,
    Zone,
    ZonePart,
)
from gridapp.services.geodata_io import read_layers, read_meta, read_organisation

Progress = Callable[[str], None]


class LoadError(ValueError):
    """The folder's content breaks a rule (bad code, invalid geometry …)."""


def _geom(geom: BaseGeometry, what: str, multi: bool = False) -> Any:
    if geom is None or geom.is_empty:
        raise LoadError(f"{what} 的几何为空")
    if not geom.is_valid:
        raise LoadError(f"{what} 的几何无效：{shapely.is_valid_reason(geom)}")
    if multi and isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    return from_shape(geom, srid=4326)


def load_geodata(folder: Path, progress: Progress | None = None) -> str:
    say = progress or (lambda _msg: None)
    folder = Path(folder)
    meta = read_meta(folder)
    session = db.session
    existing = session.scalars(select(Subdistrict).where(Subdistrict.code == meta["code"])).first()
    if existing is not None and existing.source_hash == meta["fingerprint"]:
        return f"{meta['name']} ({meta['code']}) 已是最新，无需重新导入"

    layers = read_layers(folder)
    organisation = read_organisation(folder)
    try:
        if existing is not None:
            say(f"  替换已有的 {existing.name} ({existing.code})")
            session.execute(delete(Subdistrict).where(Subdistrict.id == existing.id))
        sub_row = layers["subdistrict"].iloc[0]
        sub = Subdistrict(
            code=codes.subdistrict_code(meta["code"][:6], meta["code"][6:]),
            name=meta["name"],
            district_name=meta.get("district_name", ""),
            source=meta.get("source", ""),
            source_hash=meta["fingerprint"],
            geom=_geom(sub_row.geometry, "街道", multi=True),
        )
        session.add(sub)
        session.flush()

        say("  导入社区与网格")
        community_id: dict[str, int] = {}
        for row in layers["communities"].itertuples():
            if not codes.COMMUNITY_CODE.match(row.code) or not row.code.startswith(sub.code):
                raise LoadError(f"社区编码 {row.code} 不符合 街道编码+3 位 的规则")
            c = Community(
                subdistrict_id=sub.id,
                code=row.code,
                name=row.name,
                geom=_geom(row.geometry, f"社区 {row.code}", True),
            )
            session.add(c)
            session.flush()
            community_id[row.code] = c.id
        cell_id: dict[str, int] = {}
        for row in layers["cells"].itertuples():
            if not codes.CELL_CODE.match(row.code) or row.community_code not in community_id:
                raise LoadError(f"网格编码 {row.code} 无效或所属社区不存在")
            cell = GridCell(
                community_id=community_id[row.community_code],
                code=row.code,
                seq=int(row.seq),
                name=row.name,
                households=int(row.households),
                residents=int(row.residents),
                geom=_geom(row.geometry, f"网格 {row.code}", True),
            )
            session.add(cell)
            session.flush()
            cell_id[row.code] = cell.id

        session.execute(
            insert(Block),
            [
                {
                    "community_id": community_id[r.community_code],
                    "cell_id": cell_id.get(r.cell_code),
                    "kind": r.kind,
                    "name": r.name or "",
                    "households": int(r.households),
                    "geom": _geom(r.geometry, "街坊", True),
                }
                for r in layers["blocks"].itertuples()
            ],
        )

        say(f"  导入建筑 ({len(layers['buildings'])})")
        building_rows = [
            {
                "subdistrict_id": sub.id,
                "cell_id": cell_id.get(r.cell_code) if r.cell_code else None,
                "source_ref": r.source_ref,
                "kind": r.kind,
                "name": r.name or "",
                "levels": int(r.levels),
                "households": int(r.households),
                "residents": int(r.residents),
                "geom": _geom(r.geometry, f"建筑 {r.source_ref}", True),
            }
            for r in layers["buildings"].itertuples()
        ]
        building_id = {}
        if building_rows:
            result = session.execute(
                insert(Building).returning(
                    Building.id, Building.source_ref, sort_by_parameter_order=True
                ),
                building_rows,
            )
            building_id = {ref: bid for bid, ref in result.all()}

        say(f"  导入路网 ({len(layers['streets'])} 条边)")
        street_rows = [
            {
                "subdistrict_id": sub.id,
                "u": int(r.u),
                "v": int(r.v),
                "kind": r.kind,
                "name": r.name or "",
                "length_m": float(r.length_m),
                "walkable": bool(r.walkable),
                "geom": _geom(r.geometry, "道路"),
            }
            for r in layers["streets"].itertuples()
        ]
        if street_rows:
            session.execute(insert(StreetEdge), street_rows)

        say(f"  导入服务阵地 ({len(layers['service_points'])})")
        point_rows = [
            {
                "subdistrict_id": sub.id,
                "community_id": community_id.get(r.community_code),
                "cell_id": cell_id.get(r.cell_code),
                "building_id": building_id.get(r.building_ref),
                "kind": r.kind,
                "name": r.name,
                "address": r.address or "",
                "hours": r.hours or "",
                "contact": r.contact or "",
                "services": json.loads(r.services),
                "geom": _geom(r.geometry, f"服务阵地 {r.name}"),
            }
            for r in layers["service_points"].itertuples()
        ]
        point_ids: list[int] = []
        if point_rows:
            inserted = session.execute(
                insert(ServicePoint).returning(ServicePoint.id, sort_by_parameter_order=True),
                point_rows,
            )
            point_ids = list(inserted.scalars())

        say("  导入党组织、党员与志愿服务队")
        org_id, team_ids = _load_people(sub.id, organisation, community_id, cell_id, building_id)
        _load_grid_work(
            sub.id,
            organisation,
            layers["units"],
            Ids(community_id, cell_id, building_id, org_id, team_ids, point_ids),
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    stats = meta.get("stats", {})
    return (
        f"已导入 {meta['name']} ({meta['code']})：{stats.get('communities')} 个社区，"
        f"{stats.get('cells')} 个网格，{stats.get('buildings')} 栋建筑，"
        f"{stats.get('street_edges')} 条路段，{stats.get('service_points')} 个服务阵地"
    )


def _load_people(
    subdistrict_id: int,
    organisation: dict[str, list[dict[str, Any]]],
    community_id: dict[str, int],
    cell_id: dict[str, int],
    building_id: dict[str, int],
) -> tuple[dict[str, int], list[int]]:
    """Orgs, members, teams and registrations; returns the ids of the orgs (by key) and
    the teams (in file order)."""
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
    return org_id, team_ids


@dataclass
class Ids:
    """Database ids of what was just loaded, by the keys the geodata folder uses."""

    community: dict[str, int]
    cell: dict[str, int]
    building: dict[str, int]
    org: dict[str, int]
    team: list[int]
    service_points: list[int]


def _load_grid_work(
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
        point = _geom(u.geometry, f"驻区单位 {u.name}")
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
