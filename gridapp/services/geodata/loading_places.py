"""Loading a geodata folder, step 1: the places — subdistrict, communities, cells, blocks,
buildings, streets and service points. Returns their new ids by the folder's keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import insert

from gridapp.core import codes
from gridapp.core.errors import LoadError
from gridapp.extensions import db
from gridapp.models import (
    Block,
    Building,
    Community,
    GridCell,
    ServicePoint,
    StreetEdge,
    Subdistrict,
)

Progress = Callable[[str], None]


@dataclass
class Places:
    """Database ids of the places just loaded, by the keys the geodata folder uses."""

    subdistrict: int
    community: dict[str, int]
    cell: dict[str, int]
    building: dict[str, int]
    service_points: list[int]  # in file order


def db_geom(geom: BaseGeometry, what: str, multi: bool = False) -> Any:
    """A valid, non-empty geometry as a PostGIS value (EPSG:4326); ``what`` names it in
    the error."""
    if geom is None or geom.is_empty:
        raise LoadError(f"{what} 的几何为空")
    if not geom.is_valid:
        raise LoadError(f"{what} 的几何无效：{shapely.is_valid_reason(geom)}")
    if multi and isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    return from_shape(geom, srid=4326)


def load_places(meta: dict[str, Any], layers: dict[str, Any], say: Progress) -> Places:
    """Write the subdistrict and everything in it; the caller owns the transaction."""
    session = db.session
    sub_row = layers["subdistrict"].iloc[0]
    sub = Subdistrict(
        code=codes.subdistrict_code(meta["code"][:6], meta["code"][6:]),
        name=meta["name"],
        district_name=meta.get("district_name", ""),
        source=meta.get("source", ""),
        source_hash=meta["fingerprint"],
        geom=db_geom(sub_row.geometry, "街道", multi=True),
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
            geom=db_geom(row.geometry, f"社区 {row.code}", True),
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
            geom=db_geom(row.geometry, f"网格 {row.code}", True),
        )
        session.add(cell)
        session.flush()
        cell_id[row.code] = cell.id

    block_rows = [
        {
            "community_id": community_id[r.community_code],
            "cell_id": cell_id.get(r.cell_code),
            "kind": r.kind,
            "name": r.name or "",
            "households": int(r.households),
            "geom": db_geom(r.geometry, "街坊", True),
        }
        for r in layers["blocks"].itertuples()
    ]
    if block_rows:  # none in an outline-only folder
        session.execute(insert(Block), block_rows)

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
            "geom": db_geom(r.geometry, f"建筑 {r.source_ref}", True),
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
            "geom": db_geom(r.geometry, "道路"),
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
            "geom": db_geom(r.geometry, f"服务阵地 {r.name}"),
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
    return Places(sub.id, community_id, cell_id, building_id, point_ids)
