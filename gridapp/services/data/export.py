"""Exporting a layer the user sees (网格, 社区, 楼栋, 服务阵地) as a file: GeoJSON, GeoPackage,
zipped Shapefile, KML or CSV, in WGS-84 or GCJ-02 / BD-09 (``core.layer_write``).

Rows follow the reading rules of docs/SCOPE.md: the user's visible cells, communities and
buildings; service points of the user's subdistricts, with their contact only in the
user's own communities. ``community_id`` narrows any layer to one community (404 unknown,
403 outside the scope). CSV text is neutralised against formula injection
(``tables.to_csv``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import shapely
from sqlalchemy import ColumnElement, case, func, select, true

from gridapp.core.datums import Datum
from gridapp.core.layer_write import Exported, ExportFormat, write_layer
from gridapp.core.vocab import BUILDING_KIND_LABELS, SERVICE_KIND_LABELS
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, ServicePoint, User
from gridapp.services import scope, tables
from gridapp.services.queries import AnySelect

# English layer key → Chinese name (the file name and the layer inside it).
LAYERS = {
    "cells": "网格",
    "communities": "社区",
    "buildings": "楼栋",
    "service_points": "服务阵地",
}


def export_layer(
    user: User,
    layer: str,
    fmt: ExportFormat,
    datum: Datum = Datum.WGS84,
    community_id: int | None = None,
) -> tuple[Exported, str]:
    """The file, and its name (``网格_20261207.gpkg``)."""
    if community_id is not None:
        scope.require_community(user, community_id)
    query = _QUERIES[layer](user, community_id)
    rows = db.session.execute(query).mappings().all()
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in row.items() if k != "wkb"} for row in rows],
        geometry=[shapely.from_wkb(bytes(row["wkb"])) for row in rows],
        crs="EPSG:4326",
    )
    exported = write_layer(frame, fmt, layer, datum, csv_rows=tables.to_csv)
    return exported, f"{LAYERS[layer]}_{date.today():%Y%m%d}.{exported.extension}"


def export_communities(user: User) -> list[dict[str, Any]]:
    """The communities the user sees, to narrow an export to one (the data page's picker)."""
    rows = db.session.execute(
        select(Community.id, Community.code, Community.name)
        .where(Community.id.in_(scope.visible_community_ids(user)))
        .order_by(Community.code)
    ).all()
    return [{"id": r.id, "code": r.code, "name": r.name} for r in rows]


def _in(community_id: int | None, column: Any) -> ColumnElement[bool]:
    """Rows of one community, or of every one when none is named."""
    return column == community_id if community_id is not None else true()


def _cells(user: User, community_id: int | None) -> AnySelect:
    return (
        select(
            GridCell.code,
            GridCell.name,
            Community.code.label("comm_code"),
            GridCell.households,
            GridCell.residents,
            func.ST_AsBinary(GridCell.geom).label("wkb"),
        )
        .join(Community, Community.id == GridCell.community_id)
        .where(GridCell.id.in_(scope.visible_cell_ids(user)), _in(community_id, Community.id))
        .order_by(GridCell.code)
    )


def _communities(user: User, community_id: int | None) -> AnySelect:
    return (
        select(Community.code, Community.name, func.ST_AsBinary(Community.geom).label("wkb"))
        .where(Community.id.in_(scope.visible_community_ids(user)), _in(community_id, Community.id))
        .order_by(Community.code)
    )


def _buildings(user: User, community_id: int | None) -> AnySelect:
    kind = case(BUILDING_KIND_LABELS, value=Building.kind, else_=Building.kind)
    return (
        select(
            Building.id.label("bldg_id"),  # DBF names: 10 characters at most
            Building.name,
            kind.label("kind"),
            GridCell.code.label("cell_code"),
            Building.levels,
            Building.households,
            Building.residents,
            func.ST_AsBinary(Building.geom).label("wkb"),
        )
        .join(GridCell, GridCell.id == Building.cell_id)
        .where(Building.id.in_(scope.visible_building_ids(user)))
        .where(_in(community_id, GridCell.community_id))
        .order_by(GridCell.code, Building.id)
    )


def _service_points(user: User, community_id: int | None) -> AnySelect:
    kind = case(
        {k.value: v for k, v in SERVICE_KIND_LABELS.items()},
        value=ServicePoint.kind,
        else_=ServicePoint.kind,
    )
    return (
        select(
            ServicePoint.name,
            kind.label("kind"),
            ServicePoint.address,
            ServicePoint.hours,
            scope.service_point_contact(user).label("contact"),
            func.ST_AsBinary(ServicePoint.geom).label("wkb"),
        )
        .where(ServicePoint.id.in_(scope.visible_service_point_ids(user)))
        .where(_in(community_id, ServicePoint.community_id))
        .order_by(ServicePoint.kind, ServicePoint.name)
    )


_QUERIES = {
    "cells": _cells,
    "communities": _communities,
    "buildings": _buildings,
    "service_points": _service_points,
}
