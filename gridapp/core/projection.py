"""Local metric projection (UTM) for measuring in metres around a place."""

from __future__ import annotations

import math
from typing import Any, TypeVar

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

G = TypeVar("G", bound=BaseGeometry)


def utm_crs(lon: float, lat: float) -> CRS:
    zone = math.floor((lon + 180) / 6) + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


class LocalProjection:
    """EPSG:4326 ↔ the UTM zone of a reference point."""

    def __init__(self, lon: float, lat: float) -> None:
        self.crs = utm_crs(lon, lat)
        self._fwd = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        self._inv = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)

    @classmethod
    def around(cls, geom: BaseGeometry) -> LocalProjection:
        c = geom.centroid
        return cls(c.x, c.y)

    def to_metric(self, geom: G) -> G:
        return shapely.transform(geom, lambda xy: _apply(self._fwd, xy))

    def to_lonlat(self, geom: G) -> G:
        return shapely.transform(geom, lambda xy: _apply(self._inv, xy))

    def geojson(self, geom: BaseGeometry) -> dict[str, Any]:
        """GeoJSON (EPSG:4326) of a metric geometry."""
        return dict(mapping(self.to_lonlat(geom)))

    def from_geojson(self, data: dict[str, Any]) -> BaseGeometry:
        return self.to_metric(shape(data))


def _apply(transformer: Transformer, xy: np.ndarray) -> np.ndarray:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])
