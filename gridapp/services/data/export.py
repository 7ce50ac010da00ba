"""Exporting a layer the user sees as a file: GeoJSON, GeoPackage, zipped Shapefile, KML,
CSV or XLSX, in WGS-84 or GCJ-02 / BD-09 (``core.layer_write``).

The layers are the map's (``layers``: 网格, 社区, 楼栋, 服务阵地), the household counts per
cell (``counts``: 住户统计) and the coverage tables (``coverage``: 组织覆盖, 工作覆盖,
服务盲点). Each keeps to the reading rules of docs/SCOPE.md for its rows. ``community_id``
narrows any layer to one community (404 unknown, 403 outside the scope). CSV and XLSX
text is neutralised against formula injection (``services/tables.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import geopandas as gpd
from sqlalchemy import select

from gridapp.core.datums import Datum
from gridapp.core.layer_write import Exported, ExportFormat, Layer, write_layer
from gridapp.extensions import db
from gridapp.models import Community, User
from gridapp.services import scope, tables
from gridapp.services.data import counts, coverage, layers
from gridapp.services.data.frames import Selection

Reader = Callable[[User, Selection], gpd.GeoDataFrame]

# English layer key → the layer (its Chinese title names the file) and the reader of its rows.
SOURCES: dict[str, tuple[Layer, Reader]] = {
    "cells": (layers.CELLS, layers.cells),
    "communities": (layers.COMMUNITIES, layers.communities),
    "buildings": (layers.BUILDINGS, layers.buildings),
    "service_points": (layers.SERVICE_POINTS, layers.service_points),
    "household_counts": (counts.HOUSEHOLD_COUNTS, counts.household_counts),
    "org_coverage": (coverage.ORG_COVERAGE, coverage.org_coverage),
    "service_coverage": (coverage.SERVICE_COVERAGE, coverage.service_coverage),
    "service_gaps": (coverage.SERVICE_GAPS, coverage.service_gaps),
}
LAYERS = {key: layer.title for key, (layer, _) in SOURCES.items()}


def export_layer(
    user: User,
    layer: str,
    fmt: ExportFormat,
    datum: Datum = Datum.WGS84,
    selection: Selection | None = None,
) -> tuple[Exported, str]:
    """The file, and its name (``网格_20261207.gpkg``)."""
    selection = selection or Selection()
    if selection.community_id is not None:
        scope.require_community(user, selection.community_id)
    info, read = SOURCES[layer]
    exported = write_layer(read(user, selection), fmt, info, datum, tables)
    return exported, f"{info.title}_{date.today():%Y%m%d}.{exported.extension}"


def export_communities(user: User) -> list[dict[str, Any]]:
    """The communities the user sees, to narrow an export to one (the data page's picker)."""
    rows = db.session.execute(
        select(Community.id, Community.code, Community.name)
        .where(Community.id.in_(scope.visible_community_ids(user)))
        .order_by(Community.code)
    ).all()
    return [{"id": r.id, "code": r.code, "name": r.name} for r in rows]
