"""What every exported layer shares: the user's selection and the rows as a GeoDataFrame."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, true

from gridapp.core.layer_write import Layer
from gridapp.extensions import db
from gridapp.services.coverage.report import Params as WalkParams
from gridapp.services.queries import AnySelect


@dataclass(frozen=True)
class Selection:
    """What the user asked for besides the layer: one community (None = every visible one)
    and, for the service-coverage layers, the walk that makes a circle."""

    community_id: int | None = None
    walk: WalkParams = field(default_factory=WalkParams)


def in_community(selection: Selection, column: Any) -> ColumnElement[bool]:
    """Rows of the selected community, or of every one when none is named."""
    return column == selection.community_id if selection.community_id is not None else true()


def frame(
    layer: Layer, rows: Iterable[Mapping[Any, Any]], geoms: Sequence[BaseGeometry]
) -> gpd.GeoDataFrame:
    """The rows (keys: at least ``layer.fields``) with their geometries in WGS-84."""
    columns = list(layer.fields)
    table = pd.DataFrame([[row[c] for c in columns] for row in rows], columns=columns)
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))


def from_wkb(wkbs: Iterable[Any]) -> list[BaseGeometry]:
    """Geometries from the WKB PostGIS answers (``ST_AsBinary``)."""
    return list(shapely.from_wkb([bytes(w) for w in wkbs]))


def frame_of(layer: Layer, query: AnySelect) -> gpd.GeoDataFrame:
    """The rows of ``query`` (the fields, and the geometry as ``wkb``)."""
    rows = db.session.execute(query).mappings().all()
    return frame(layer, rows, from_wkb(row["wkb"] for row in rows))
