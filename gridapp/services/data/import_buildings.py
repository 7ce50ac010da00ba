"""Importing buildings (楼栋, with their household counts) from a file (数据导入).

Preview (writes nothing): each incoming building (``core.building_import``) lies in the
community holding its representative point, which the user must oversee as a whole (else
``OUTSIDE_SCOPE``, the same words whether the place exists or not). A code equal to the
``source_ref`` of a building of that subdistrict (or ``#<id>``, our export's code of a
building without one) updates that building, which must lie in a community the user
oversees too; anything else is an insert. The affected communities are those holding an
incoming or an updated building; their existing buildings are the preview's ``current``,
and their fingerprint is kept (``versions``) for the commit. In "replace" mode the
affected communities' buildings the file does not update are deleted: the records that
name a deleted building (households, service points, units, members' homes, zone parts)
move to the incoming building covering most of it; a deleted building with household
records and no incoming building over it blocks the import.

``partition`` (warnings unless said): an incoming building cut by a cell boundary (it
goes to the cell holding most of it; an import of buildings does not move boundaries); an
incoming building overlapping another (kept or incoming) by more than half of the smaller
(a probable duplicate); household records with nowhere to go ("error").

Commit (the caller's transaction): the fingerprint is checked again (``StaleVersion``),
the rows are written, each written building goes to the cell holding most of it, and the
household and resident counts of the cells concerned are the sums of their buildings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, exists, func, select, text

from gridapp.core.building_import import IncomingBuilding, incoming_buildings
from gridapp.core.errors import Forbidden, StaleVersion
from gridapp.core.import_fields import where
from gridapp.core.layer_files import LayerSpec
from gridapp.core.layer_read import Layer, Problem, Shape
from gridapp.core.projection import LocalProjection
from gridapp.core.vocab import BUILDING_KIND_LABELS
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, Household, ImportJob, User
from gridapp.services import scope
from gridapp.services.data import jobs
from gridapp.services.data.import_common import (
    OUTSIDE_SCOPE,
    categories_by_feature,
    collection,
    communities_json,
    community_of,
    feature_json,
    fingerprint,
    overseen_communities,
    problem_json,
)
from gridapp.services.quality.check import thresholds

SPEC = LayerSpec(Shape.AREA, ("code", "楼栋编码", "楼栋编号", "编码", "ref"))
WHAT = "所涉社区的楼栋"
DUPLICATE_SHARE = 0.5  # overlap above this share of the smaller building: a probable duplicate
PARTITION_LABELS = {
    "households_orphaned": "住户记录无处安放",
    "building_cut": "建筑被网格边界切开",
    "duplicate": "疑似重复楼栋",
}
# The records naming a building that follow it to the incoming building replacing it
# (households must: they cascade; the others would only lose their building).
HEIR_MOVES = (
    "UPDATE households SET building_id = :heir WHERE building_id = :old",
    "UPDATE service_points SET building_id = :heir WHERE building_id = :old",
    "UPDATE units SET building_id = :heir WHERE building_id = :old",
    "UPDATE members SET home_building_id = :heir WHERE home_building_id = :old",
    "UPDATE zone_parts p SET building_id = :heir WHERE building_id = :old AND NOT EXISTS"
    " (SELECT 1 FROM zone_parts q WHERE q.zone_id = p.zone_id AND q.building_id = :heir)",
)


def may_import(user: User) -> bool:
    return True


@dataclass
class Existing:
    row: Building
    geom: MultiPolygon
    community: Community


# --- preview ---------------------------------------------------------------------------------


def preview(user: User, job: ImportJob, layer: Layer) -> dict[str, Any]:
    incoming, problems = incoming_buildings(layer)
    jobs.progress(job.id, 50, "检查所属社区")
    geoms = [b.geom for b in incoming]
    home = community_of(overseen_communities(user, geoms), geoms)
    for b, community in zip(incoming, home, strict=True):
        if b.geom is not None and community is None:
            message = f"第 {b.number} 个要素{OUTSIDE_SCOPE}"
            problems.append(Problem(b.number, "超出范围", message, where(b.geom)))
    targets = _targets(user, incoming, home, problems)
    affected_by_id = {c.id: c for c in home if c is not None}
    affected_by_id.update({t.community.id: t.community for t in targets.values()})
    affected = sorted(affected_by_id.values(), key=lambda c: c.code)
    existing = _existing(affected)
    jobs.progress(job.id, 70, "检查楼栋与网格")
    categories = categories_by_feature(problems)
    valid = [b for b in incoming if b.geom is not None and b.number not in categories]
    updated = {t.row.id for t in targets.values()}
    deleted = [e for e in existing if e.row.id not in updated] if job.mode == "replace" else []
    gone = {e.row.id for e in deleted}
    kept = [e for e in existing if e.row.id not in updated and e.row.id not in gone]
    proj = _projection([b.geom for b in valid] + [e.geom for e in existing])
    heirs = _heirs(deleted, valid, proj)
    households = _household_counts([e.row.id for e in deleted])
    partition = [
        *_orphans(deleted, heirs, households, proj),
        *_cut(valid, affected, proj),
        *_duplicates(valid, kept, proj),
    ]
    errors = [p for p in partition if p["severity"] == "error"]
    features = []
    for b, community in zip(incoming, home, strict=True):
        target = targets.get(b.number)
        features.append(
            feature_json(
                b.number,
                b.shown,
                b.code,
                b.name,
                "update" if target else "insert",
                target.row.id if target else None,
                categories.get(b.number, []),
                community_id=None if community is None else community.id,
                community_name=None if community is None else community.name,
                kind=b.kind,
                kind_label=BUILDING_KIND_LABELS[b.kind],
                levels=b.levels,
                households=b.households,
                residents=b.residents,
                fields=sorted(b.given),
            )
        )
    codes = {b.number: b.code for b in incoming}
    summary = {
        "features": len(incoming),
        "inserts": len(incoming) - len(targets),
        "updates": len(targets),
        "deletes": len(deleted),
        "problems": len(problems),
        "partition_errors": len(errors),
        "cut_buildings": sum(1 for p in partition if p["kind"] == "building_cut"),
        "gaps": 0,
    }
    return {
        "features": collection(features),
        "problems": [problem_json(p, codes) for p in problems],
        "partition": partition,
        "communities": communities_json(affected),
        "current": collection([_current_json(e) for e in existing]),
        "deleted": [
            {
                "id": e.row.id,
                "code": e.row.source_ref,
                "name": e.row.name,
                "households": households.get(e.row.id, 0),
                "heir": heirs.get(e.row.id),
            }
            for e in deleted
        ],
        "versions": {"buildings": _fingerprint(existing)},
        "summary": summary,
        "can_commit": bool(incoming) and not problems and not errors,
        "needs_reason": False,
        "warnings": [],
    }


def _targets(
    user: User,
    incoming: list[IncomingBuilding],
    home: Sequence[Community | None],
    problems: list[Problem],
) -> dict[int, Existing]:
    """The existing building each incoming one updates (by feature number)."""
    wanted = [(b, c) for b, c in zip(incoming, home, strict=True) if c is not None and b.code]
    if not wanted:
        return {}
    subdistricts = {c.subdistrict_id for _, c in wanted}
    refs = {b.source_ref for b, _ in wanted if b.source_ref}
    ids = {b.own_id for b, _ in wanted if b.own_id is not None}
    rows = db.session.scalars(
        select(Building).where(
            Building.subdistrict_id.in_(subdistricts),
            Building.source_ref.in_(refs) | Building.id.in_(ids),
        )
    ).all()
    by_ref: dict[tuple[int, str], list[Building]] = defaultdict(list)
    by_id: dict[int, Building] = {}
    for row in rows:
        if row.source_ref:
            by_ref[(row.subdistrict_id, row.source_ref)].append(row)
        by_id[row.id] = row
    shapes = {row.id: to_shape(row.geom) for row in rows}
    overseen = overseen_communities(user, list(shapes.values()))
    where_now = dict(zip(shapes, community_of(overseen, list(shapes.values())), strict=True))
    out: dict[int, Existing] = {}
    first_of: dict[int, int] = {}
    for b, community in wanted:
        label = f"第 {b.number} 个要素（{b.code}）"
        if b.own_id is not None:
            named = by_id.get(b.own_id)
            same = named is not None and named.subdistrict_id == community.subdistrict_id
            found = [named] if named is not None and same else []
        else:
            found = by_ref.get((community.subdistrict_id, b.source_ref), [])
        if not found:
            if b.own_id is not None:
                message = f"{label}：编码 {b.code} 所指的楼栋不存在，或{OUTSIDE_SCOPE}"
                problems.append(Problem(b.number, "楼栋未知", message, where(b.geom)))
            continue
        if len(found) > 1:
            message = (
                f"{label}：本街道现有 {len(found)} 栋楼的编码都是 {b.code}，无法确定更新哪一栋"
            )
            problems.append(Problem(b.number, "编码不唯一", message, where(b.geom)))
            continue
        (row,) = found
        now = where_now[row.id]
        if now is None:
            message = f"{label}：编码 {b.code} 所指的现有楼栋{OUTSIDE_SCOPE}"
            problems.append(Problem(b.number, "超出范围", message, where(b.geom)))
            continue
        if row.id in first_of:
            message = f"第 {first_of[row.id]} 个和第 {b.number} 个要素指向同一栋楼（{b.code}）"
            problems.append(Problem(b.number, "编码重复", message, where(b.geom)))
            continue
        first_of[row.id] = b.number
        out[b.number] = Existing(row, shapes[row.id], now)
    return out


def _existing(communities: Sequence[Community], lock: bool = False) -> list[Existing]:
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


def _projection(geoms: list[BaseGeometry]) -> LocalProjection:
    if not geoms:
        return LocalProjection(0.0, 0.0)
    return LocalProjection.around(shapely.box(*shapely.total_bounds(geoms)))


def _fingerprint(existing: Sequence[Existing]) -> str:
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


def _current_json(e: Existing) -> dict[str, Any]:
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


def _heirs(
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


def _household_counts(building_ids: list[int]) -> dict[int, int]:
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
    return {
        "kind": kind,
        "kind_label": PARTITION_LABELS[kind],
        "severity": severity,
        "message": message,
        "cells": cells,
        "buildings": buildings,
        "area_m2": round(float(proj.to_metric(geom).area), 1),
        "geometry": shapely.geometry.mapping(geom),
    }


def _orphans(
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


def _cut(
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


def _duplicates(
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


# --- commit ----------------------------------------------------------------------------------


def commit(user: User, job: ImportJob) -> dict[str, Any]:
    """Write the preview's buildings in the caller's transaction (nothing is committed)."""
    preview = job.preview or {}
    ids = [c["id"] for c in preview.get("communities", [])]
    overseen = set(db.session.scalars(scope.overseen_community_ids(user)))
    if not set(ids) <= overseen:
        raise Forbidden("您已不再管辖本次导入涉及的全部社区，数据没有写入")
    communities = {
        c.id: c
        for c in db.session.scalars(
            select(Community).where(Community.id.in_(ids)).order_by(Community.code)
        )
    }
    existing = _existing(list(communities.values()), lock=True)
    seen = preview.get("versions", {}).get("buildings")
    if seen != _fingerprint(existing):
        raise StaleVersion(f"预览之后，{WHAT}已被他人修改")
    by_id = {e.row.id: e.row for e in existing}
    jobs.progress(job.id, 20, "写入楼栋")
    touched_cells: set[int] = set()
    written: dict[int, Building] = {}
    for f in preview["features"]["features"]:
        p = f["properties"]
        given = set(p["fields"])
        target = p["target_id"]
        if target is not None:
            row = by_id.get(target)
            if row is None:
                raise StaleVersion(f"预览之后，{WHAT}已被他人修改")
            if row.cell_id is not None:
                touched_cells.add(row.cell_id)
        else:
            code = p["code"]
            row = Building(
                subdistrict_id=communities[p["community_id"]].subdistrict_id,
                source_ref="" if code.startswith("#") else code,
            )
            db.session.add(row)
            given = {"name", "kind", "levels", "households", "residents"}
        geom = shape(f["geometry"])
        geom = geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])
        row.geom = from_shape(geom, srid=4326)
        for key in ("name", "kind", "levels", "households", "residents"):
            if key in given:
                setattr(row, key, p[key])
        written[p["number"]] = row
    db.session.flush()
    for d in preview.get("deleted", []):
        row = by_id.get(d["id"])
        if row is None:
            raise StaleVersion(f"预览之后，{WHAT}已被他人修改")
        if row.cell_id is not None:
            touched_cells.add(row.cell_id)
        heir = written[d["heir"]].id if d.get("heir") is not None else None
        if heir is not None:
            for statement in HEIR_MOVES:
                db.session.execute(text(statement), {"heir": heir, "old": row.id})
        elif _household_counts([row.id]):
            raise StaleVersion(f"预览之后，{WHAT}的住户记录已被他人修改")
    gone = [d["id"] for d in preview.get("deleted", [])]
    if gone:
        db.session.execute(delete(Building).where(Building.id.in_(gone)))
    jobs.progress(job.id, 70, "更新网格的户数与人口")
    building_ids = [row.id for row in written.values()]
    touched_cells |= _assign_cells(building_ids)
    _recount(touched_cells)
    db.session.expire_all()
    return {"building_ids": building_ids}


def _assign_cells(building_ids: list[int]) -> set[int]:
    """Each building to the cell of its subdistrict holding most of it; the cells given."""
    if not building_ids:
        return set()
    rows = db.session.execute(
        text(
            "UPDATE buildings b SET cell_id = ("
            " SELECT c.id FROM grid_cells c JOIN communities m ON m.id = c.community_id"
            " WHERE m.subdistrict_id = b.subdistrict_id AND ST_Intersects(c.geom, b.geom)"
            " ORDER BY ST_Area(ST_Intersection(c.geom, b.geom)) DESC, c.id LIMIT 1)"
            " WHERE b.id = ANY(:ids) RETURNING b.cell_id"
        ),
        {"ids": building_ids},
    ).all()
    return {int(r[0]) for r in rows if r[0] is not None}


def _recount(cell_ids: set[int]) -> None:
    """Households and residents of the cells as sums of their buildings (a count, not an
    edit of the cell: its version stays)."""
    if not cell_ids:
        return
    db.session.execute(
        text(
            "UPDATE grid_cells c SET"
            " households = COALESCE((SELECT sum(b.households) FROM buildings b"
            " WHERE b.cell_id = c.id), 0),"
            " residents = COALESCE((SELECT sum(b.residents) FROM buildings b"
            " WHERE b.cell_id = c.id), 0)"
            " WHERE c.id = ANY(:ids)"
        ),
        {"ids": sorted(cell_ids)},
    )
