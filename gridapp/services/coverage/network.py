"""The walking network of a subdistrict, cached in the process.

Street edges plus every building snapped onto its nearest edge, as a ``WalkGraph``. The cache
key changes when streets or buildings are re-imported or a building is edited in place (its
counts, cell or outline: then the graph is rebuilt); when only cells changed (a boundary
edit bumps their versions) just the buildings' cell ids are re-read.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point
from sqlalchemy import Numeric, cast, func, select, true

from gridapp.core.errors import BadRequest, NotFound
from gridapp.core.projection import LocalProjection
from gridapp.core.walk import WalkGraph
from gridapp.extensions import db
from gridapp.models import (
    Building,
    Community,
    GridCell,
    StreetEdge,
    Subdistrict,
)


@dataclass
class Network:
    key: tuple[Any, ...]  # streets and buildings
    cells_key: tuple[Any, ...]  # the subdistrict's cells (ids and versions)
    proj: LocalProjection
    graph: WalkGraph
    edge_ids: np.ndarray
    building_ids: np.ndarray
    households: np.ndarray
    residents: np.ndarray
    cell_ids: np.ndarray  # -1 where a building is in no cell
    building_kinds: np.ndarray
    building_points: list[Point]  # metric


_cache: dict[int, Network] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached network (tests that rebuild the streets call this)."""
    with _lock:
        _cache.clear()


def _keys(sub: Subdistrict) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Cache keys, in one round trip: of the graph (streets, buildings) and of the cells
    (a boundary edit bumps the version of every cell whose buildings it moves)."""
    edges = (
        select(func.count().label("n"), func.max(StreetEdge.id).label("m"))
        .where(StreetEdge.subdistrict_id == sub.id)
        .subquery()
    )
    # an import edits buildings in place: their counts, cells and outlines (the sum of
    # their bounding boxes, cheap and moved by any real change of a footprint) count too
    homes = (
        select(
            func.count().label("n"),
            func.max(Building.id).label("m"),
            func.coalesce(func.sum(Building.households), 0).label("h"),
            func.coalesce(func.sum(Building.residents), 0).label("r"),
            func.coalesce(func.sum(Building.cell_id), 0).label("c"),
            func.coalesce(
                func.sum(  # numeric: an exact sum, whatever order the rows come in
                    cast(
                        func.ST_XMin(Building.geom)
                        + 3 * func.ST_YMin(Building.geom)
                        + 5 * func.ST_XMax(Building.geom)
                        + 7 * func.ST_YMax(Building.geom),
                        Numeric,
                    )
                ),
                0,
            ).label("g"),
        )
        .where(Building.subdistrict_id == sub.id)
        .subquery()
    )
    cells = (
        select(
            func.count().label("n"),
            func.max(GridCell.id).label("m"),
            func.coalesce(func.sum(GridCell.version), 0).label("v"),
        )
        .join(Community, Community.id == GridCell.community_id)
        .where(Community.subdistrict_id == sub.id)
        .subquery()
    )
    row = db.session.execute(
        select(
            edges.c.n,
            edges.c.m,
            homes.c.n,
            homes.c.m,
            homes.c.h,
            homes.c.r,
            homes.c.c,
            homes.c.g,
            cells.c.n,
            cells.c.m,
            cells.c.v,
        ).select_from(edges.join(homes, true()).join(cells, true()))
    ).one()
    return (sub.id, sub.source_hash, *row[:8]), tuple(row[8:])


def network(subdistrict_id: int) -> Network:
    sub = db.session.get(Subdistrict, subdistrict_id)
    if sub is None:
        raise NotFound(f"未找到编号为 {subdistrict_id} 的街道")
    key, cells_key = _keys(sub)
    with _lock:
        cached = _cache.get(sub.id)
    if cached is not None and cached.key == key:
        if cached.cells_key == cells_key:
            return cached
        cell_ids = np.array(
            db.session.scalars(
                select(func.coalesce(Building.cell_id, -1))
                .where(Building.subdistrict_id == sub.id)
                .order_by(Building.id)
            ).all()
        )
        if len(cell_ids) == len(cached.cell_ids):
            fresh = replace(cached, cells_key=cells_key, cell_ids=cell_ids)
            with _lock:
                _cache[sub.id] = fresh
            return fresh
    built = _build(sub, key, cells_key)
    with _lock:
        _cache[sub.id] = built
    return built


def _build(sub: Subdistrict, key: tuple[Any, ...], cells_key: tuple[Any, ...]) -> Network:
    from geoalchemy2.shape import to_shape

    proj = LocalProjection.around(to_shape(sub.geom))
    edges = db.session.execute(
        select(
            StreetEdge.id,
            StreetEdge.u,
            StreetEdge.v,
            StreetEdge.length_m,
            func.ST_AsBinary(StreetEdge.geom),
        )
        .where(StreetEdge.subdistrict_id == sub.id, StreetEdge.walkable.is_(True))
        .order_by(StreetEdge.id)
    ).all()
    if not edges:
        raise BadRequest(f"{sub.name} 没有步行路网数据，无法计算服务覆盖")
    rows = db.session.execute(
        select(
            Building.id,
            func.ST_AsBinary(func.ST_PointOnSurface(Building.geom)),
            Building.households,
            Building.residents,
            func.coalesce(Building.cell_id, -1),
            Building.kind,
        )
        .where(Building.subdistrict_id == sub.id)
        .order_by(Building.id)
    ).all()
    # one vectorised parse and projection each (not one call per geometry)
    geoms = list(proj.to_metric(shapely.from_wkb(np.array([e[4] for e in edges], dtype=object))))
    points = list(proj.to_metric(shapely.from_wkb(np.array([r[1] for r in rows], dtype=object))))
    graph = WalkGraph(
        np.array([e[1] for e in edges]),
        np.array([e[2] for e in edges]),
        np.array([e[3] for e in edges], dtype=float),
        geoms,
        points,
    )
    return Network(
        key=key,
        cells_key=cells_key,
        proj=proj,
        graph=graph,
        edge_ids=np.array([e[0] for e in edges]),
        building_ids=np.array([r[0] for r in rows]),
        households=np.array([r[2] for r in rows], dtype=float),
        residents=np.array([r[3] for r in rows], dtype=float),
        cell_ids=np.array([r[4] for r in rows]),
        building_kinds=np.array([r[5] for r in rows]),
        building_points=points,
    )
