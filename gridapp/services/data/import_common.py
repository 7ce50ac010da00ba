"""What the previews and commits of every imported layer share (数据导入): the preview's
JSON pieces (features, problems, community outlines), the communities a feature lies in
within the user's scope, and the fingerprint that tells a commit whether what the preview
saw has changed since (layers without a version column)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from gridapp.core.errors import StaleVersion
from gridapp.core.layer_read import Problem
from gridapp.core.partition import BuildingInfo
from gridapp.core.partition_check import (
    KIND_LABELS,
    CellShape,
    CommunityShape,
    ProblemKind,
    check_partition,
)
from gridapp.core.projection import LocalProjection
from gridapp.extensions import db
from gridapp.models import Community, GridCell, Subdistrict, User
from gridapp.services import scope
from gridapp.services.quality.check import thresholds

EPS = 1e-7  # degrees (~1 cm)
OUTSIDE_SCOPE = "不在您管辖的社区内（或不在任何社区内）"


def feature_json(
    number: int,
    geometry: BaseGeometry | None,
    code: str,
    name: str,
    action: str,
    target_id: int | None,
    problems: Sequence[str],
    **properties: Any,
) -> dict[str, Any]:
    """An incoming feature of the preview: ``action`` is insert or update (of ``target_id``)."""
    label = f"{name}（{code}）" if code and name else name or code or f"第 {number} 个要素"
    return {
        "type": "Feature",
        "id": number,
        "geometry": None if geometry is None else mapping(geometry),
        "properties": {
            "number": number,
            "code": code,
            "name": name,
            "label": label,
            "action": action,
            "target_id": target_id,
            "problems": list(problems),
            **properties,
        },
    }


def categories_by_feature(problems: Iterable[Problem]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for p in problems:
        out[p.feature].append(p.category)
    return out


def problem_json(p: Problem, codes: dict[int, str]) -> dict[str, Any]:
    return {
        "feature": p.feature,
        "code": codes.get(p.feature, ""),
        "category": p.category,
        "message": p.message,
        "where": None if p.where is None else list(p.where),
    }


def outlines_json(places: Iterable[Community | Subdistrict]) -> list[dict[str, Any]]:
    """The places an import's features must lie in, drawn under them (id, code, name)."""
    return [
        {"id": c.id, "code": c.code, "name": c.name, "geometry": mapping(to_shape(c.geom))}
        for c in places
    ]


def current_json(rows: Iterable[Community | GridCell]) -> dict[str, Any]:
    """A layer's features as they are (id, code, name), drawn under the incoming ones."""
    return collection(
        [
            {
                "type": "Feature",
                "id": c.id,
                "geometry": mapping(to_shape(c.geom)),
                "properties": {"id": c.id, "code": c.code, "name": c.name},
            }
            for c in rows
        ]
    )


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def overseen_communities(user: User, geoms: Sequence[BaseGeometry | None]) -> list[Community]:
    """The communities the user oversees as a whole that meet the geometries' bounds."""
    shapes = [g for g in geoms if g is not None]
    if not shapes:
        return []
    west, south, east, north = shapely.total_bounds(shapes)
    # widened a little: the bounds of one point (or of points in a row) have no area, and
    # such a degenerate envelope intersects nothing
    box = func.ST_MakeEnvelope(west - EPS, south - EPS, east + EPS, north + EPS, 4326)
    return list(
        db.session.scalars(
            select(Community)
            .where(
                Community.id.in_(scope.overseen_community_ids(user)),
                func.ST_Intersects(Community.geom, box),
            )
            .order_by(Community.code)
        )
    )


def community_of(
    communities: Sequence[Community], geoms: Sequence[BaseGeometry | None]
) -> list[Community | None]:
    """The community each geometry lies in (its representative point; on a shared border
    the first of ``communities``), or None."""
    if not communities:
        return [None] * len(geoms)
    outlines = np.asarray([to_shape(c.geom) for c in communities], dtype=object)
    tree = shapely.STRtree(outlines)
    out: list[Community | None] = []
    for geom in geoms:
        if geom is None:
            out.append(None)
            continue
        hits = tree.query(geom.representative_point(), predicate="intersects")
        out.append(communities[int(min(hits))] if len(hits) else None)
    return out


def fingerprint(rows: Iterable[Sequence[Any]]) -> str:
    """A digest of rows (ids, attributes, geometry as WKB hex): equal iff nothing changed."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(tuple(row)).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def check_unchanged(seen: str | None, now: str, what: str) -> None:
    if seen != now:
        raise StaleVersion(f"预览之后，{what}已被他人修改")


def check_item(
    kind: str,
    label: str,
    severity: str,
    message: str,
    cells: Iterable[str] = (),
    buildings: Iterable[Any] = (),
    area_m2: float = 0.0,
    geometry: BaseGeometry | dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One check of an import's result (the preview's ``partition``): ``severity`` error
    blocks the commit, reason needs a reason, warning informs; ``cells`` names the features
    it concerns; ``geometry`` (GeoJSON or Shapely, lon/lat) is where it is drawn."""
    if isinstance(geometry, BaseGeometry):
        geometry = mapping(geometry)
    return {
        "kind": kind,
        "kind_label": label,
        "severity": severity,
        "message": message,
        "cells": list(cells),
        "buildings": list(buildings),
        "area_m2": round(float(area_m2), 1),
        "geometry": geometry,
    }


# --- the partition check of a layer as the import would leave it ---------------------------
# Cells in their communities, or communities in their subdistricts: ``core.partition_check``
# with the layer's features as the "cells" and their parents as the "communities".

Kept = tuple[int, str, str, int, BaseGeometry]  # id, code, name, parent id, lon/lat outline
Incoming = tuple[str, str, int, BaseGeometry]  # code, name, parent id, lon/lat outline


def result_shapes(
    proj: LocalProjection, kept: Iterable[Kept], incoming: Iterable[Incoming]
) -> list[CellShape]:
    """The features the import would leave, in metres: the existing ones it keeps (keyed by
    id) and the incoming ones (keyed ``new:<code>``), each labelled ``name(code)``."""
    shapes = [
        CellShape(key, code, f"{name}({code})", parent, proj.to_metric(geom))
        for key, code, name, parent, geom in kept
    ]
    shapes += [
        CellShape(f"new:{code}", code, f"{name}({code})", parent, proj.to_metric(geom))
        for code, name, parent, geom in incoming
    ]
    return shapes


def partition_items(
    proj: LocalProjection,
    parents: Iterable[tuple[int, str, BaseGeometry]],  # id, name, lon/lat outline
    shapes: Sequence[CellShape],
    buildings: Sequence[BuildingInfo],
    labels: dict[int, str],
    severity: dict[ProblemKind, str],
) -> list[dict[str, Any]]:
    """Every problem of ``shapes`` in their ``parents``, as the preview's checks."""
    outlines = [CommunityShape(key, name, proj.to_metric(geom)) for key, name, geom in parents]
    result = check_partition(outlines, shapes, buildings, thresholds(), labels)
    return [
        check_item(
            p.kind.value,
            KIND_LABELS[p.kind],
            severity[p.kind],
            p.message,
            p.cells,
            p.buildings,
            p.area_m2,
            proj.geojson(p.shape),
        )
        for p in result.problems
    ]
