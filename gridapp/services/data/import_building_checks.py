"""What the preview and the commit of an import of buildings read and check (数据导入):
the existing buildings of the affected communities (a building belongs to the community
holding its representative point) and their fingerprint, and the checks of the result
(``partition``): household records with nowhere to go, buildings cut by a cell boundary,
probable duplicates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import exists, func, select

from gridapp.core.building_import import IncomingBuilding
from gridapp.core.projection import LocalProjection
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, Household
from gridapp.services.data.import_common import (
    check_item,
    community_of,
    fingerprint,
)
from gridapp.services.quality.check import thresholds

DUPLICATE_SHARE = 0.5  # overlap above this share of the smaller building: a probable duplicate
PARTITION_LABELS = {
    "households_orphaned": "住户记录无处安放",
    "building_cut": "建筑被网格边界切开",
    "duplicate": "疑似重复楼栋",
}


@dataclass
class Existing:
    row: Building
    geom: MultiPolygon
    community: Community


def existing_buildings(communities: Sequence[Community], lock: bool = False) -> list[Existing]:
    """The buildings whose representative point lies in one of ``communities``, by id."""
    if not communities:
        return []
    ids = [c.id for c in communities]
    query = (
        select(Building)
        .where(
            Building.subdistrict_id.in_({c.subdistrict_id for c in communities}),
            exists().where(
                Community.id.in_(ids), func.ST_Intersects(Community.geom, Building.geom)
            ),
        )
        .order_by(Building.id)
    )
    if lock:
        query = query.with_for_update(of=Building)
    rows = db.session.scalars(query).all()
    shapes = [to_shape(r.geom) for r in rows]
    return [
        Existing(row, geom, community)
        for row, geom, community in zip(
            rows, shapes, community_of(communities, shapes), strict=True
        )
        if community is not None
    ]


def projection(geoms: list[BaseGeometry]) -> LocalProjection:
    if not geoms:
        return LocalProjection(0.0, 0.0)
    return LocalProjection.around(shapely.box(*shapely.total_bounds(geoms)))


def fingerprint_of(existing: Sequence[Existing]) -> str:
    return fingerprint(
        (
            e.row.id,
            e.row.source_ref,
            e.row.kind,
            e.row.name,
            e.row.levels,
            e.row.households,
            e.row.residents,
            e.geom.wkb_hex,
        )
        for e in existing
    )


def current_json(e: Existing) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": e.row.id,
        "geometry": shapely.geometry.mapping(e.geom),
        "properties": {"id": e.row.id, "code": e.row.source_ref, "name": e.row.name},
    }


def _label(b: IncomingBuilding) -> str:
    return (
        f"{b.name}（{b.code}）"
        if b.code and b.name
        else b.name or b.code or f"第 {b.number} 个要素"
    )


def _old_label(row: Building) -> str:
    code = row.source_ref
    return f"{row.name}（{code}）" if code and row.name else row.name or code or f"编号 {row.id}"


def heirs_of(
    deleted: Sequence[Existing], valid: Sequence[IncomingBuilding], proj: LocalProjection
) -> dict[int, int]:
    """Deleted building id → the number of the incoming building covering most of it."""
    if not deleted or not valid:
        return {}
    metric = np.asarray([proj.to_metric(b.geom) for b in valid], dtype=object)
    tree = shapely.STRtree(metric)
    out: dict[int, int] = {}
    for e in deleted:
        old = proj.to_metric(e.geom)
        hits = tree.query(old, predicate="intersects")
        if not len(hits):
            continue
        areas = shapely.area(shapely.intersection(metric[hits], old))
        best = int(np.argmax(areas))
        if areas[best] > 0:
            out[e.row.id] = valid[int(hits[best])].number
    return out


def household_counts(building_ids: list[int]) -> dict[int, int]:
    if not building_ids:
        return {}
    rows = db.session.execute(
        select(Household.building_id, func.count())
        .where(Household.building_id.in_(building_ids))
        .group_by(Household.building_id)
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}


def _item(
    kind: str,
    severity: str,
    message: str,
    cells: list[str],
    buildings: list[str],
    geom: BaseGeometry,
    proj: LocalProjection,
) -> dict[str, Any]:
    area = float(proj.to_metric(geom).area)
    return check_item(kind, PARTITION_LABELS[kind], severity, message, cells, buildings, area, geom)


def orphans(
    deleted: Sequence[Existing],
    heirs: dict[int, int],
    households: dict[int, int],
    proj: LocalProjection,
) -> list[dict[str, Any]]:
    out = []
    for e in deleted:
        n = households.get(e.row.id, 0)
        if n and e.row.id not in heirs:
            label = _old_label(e.row)
            message = (
                f"楼栋“{label}”不在文件中，将被删除，但它有 {n} 户住户记录，而文件中没有与它"
                "重叠的楼栋可以接收这些记录；请在文件中保留该楼栋，或先迁移这些住户记录"
            )
            out.append(_item("households_orphaned", "error", message, [], [label], e.geom, proj))
    return out


def cut_buildings(
    valid: Sequence[IncomingBuilding], affected: Sequence[Community], proj: LocalProjection
) -> list[dict[str, Any]]:
    """Incoming buildings a cell boundary cuts (more than the tolerance on two sides)."""
    if not valid:
        return []
    west, south, east, north = shapely.total_bounds([b.geom for b in valid])
    cells = db.session.execute(
        select(GridCell.code, GridCell.name, GridCell.geom)
        .join(Community, Community.id == GridCell.community_id)
        .where(
            Community.subdistrict_id.in_({c.subdistrict_id for c in affected}),
            func.ST_Intersects(GridCell.geom, func.ST_MakeEnvelope(west, south, east, north, 4326)),
        )
        .order_by(GridCell.code)
    ).all()
    if not cells:
        return []
    shapes = np.asarray([proj.to_metric(to_shape(c.geom)) for c in cells], dtype=object)
    tree = shapely.STRtree(shapes)
    tolerance = thresholds().building_m2
    out = []
    for b in valid:
        footprint = proj.to_metric(b.geom)
        hits = tree.query(footprint, predicate="intersects")
        areas = shapely.area(shapely.intersection(shapes[hits], footprint)) if len(hits) else []
        shares = sorted(
            ((float(a), cells[int(i)]) for a, i in zip(areas, hits, strict=True) if a > tolerance),
            key=lambda s: (-s[0], s[1].code),
        )
        if len(shares) < 2:
            continue
        labels = [f"{c.name}({c.code})" for _, c in shares]
        split = "，".join(f"{c.name}({c.code})内 {a:.1f} 平方米" for a, c in shares)
        message = (
            f"楼栋“{_label(b)}”被网格边界切开：{split}；导入后归入面积最大的"
            f"“{labels[0]}”，网格边界不变"
        )
        out.append(_item("building_cut", "warning", message, labels, [_label(b)], b.geom, proj))
    return out


def duplicates(
    valid: Sequence[IncomingBuilding], kept: Sequence[Existing], proj: LocalProjection
) -> list[dict[str, Any]]:
    """Incoming buildings overlapping another (incoming or kept) by more than half of the
    smaller: probable duplicates."""
    if not valid:
        return []
    others: list[tuple[str, BaseGeometry]] = [(_label(b), b.geom) for b in valid]
    others += [(f"现有楼栋“{_old_label(e.row)}”", e.geom) for e in kept]
    metric = np.asarray([proj.to_metric(g) for _, g in others], dtype=object)
    tree = shapely.STRtree(metric)
    out = []
    for i, b in enumerate(valid):
        for j in tree.query(metric[i], predicate="intersects"):
            j = int(j)
            if j == i or (j < len(valid) and j < i):  # each incoming pair once
                continue
            shared = float(shapely.intersection(metric[i], metric[j]).area)
            smaller = min(float(metric[i].area), float(metric[j].area))
            if smaller <= 0 or shared <= DUPLICATE_SHARE * smaller:
                continue
            other = others[j][0] if j >= len(valid) else f"楼栋“{others[j][0]}”"
            message = (
                f"楼栋“{_label(b)}”与{other}重叠 {shared:.1f} 平方米"
                f"（较小者面积的 {shared / smaller:.0%}），可能是同一栋楼"
            )
            overlap = proj.to_lonlat(shapely.intersection(metric[i], metric[j]))
            out.append(
                _item("duplicate", "warning", message, [], [_label(b), others[j][0]], overlap, proj)
            )
    return out
