"""Metric coordinates around a place: UTM zones for sources, an affine frame for edits."""

from __future__ import annotations

import math
from typing import Any, TypeVar

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

G = TypeVar("G", bound=BaseGeometry)


def utm_crs(lon: float, lat: float) -> CRS:
    zone = math.floor((lon + 180) / 6) + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


class LocalProjection:
    """EPSG:4326 ↔ local metres around a reference point, by an affine scaling.

    Cells are stored in EPSG:4326 and PostGIS treats their edges as straight lines in
    longitude/latitude. An affine map keeps those edges straight (a transverse Mercator
    bends them by fractions of a millimetre, enough to open slivers between neighbours
    that share an edge), and at the scale of a community (a few km) its lengths and areas
    are within 0.5 % of UTM's, far inside the editing tolerances.
    """

    M_PER_DEG_LAT = 110_574.0
    M_PER_DEG_LON_AT_EQUATOR = 111_320.0

    def __init__(self, lon: float, lat: float) -> None:
        self.lon0 = lon
        self.lat0 = lat
        self.kx = self.M_PER_DEG_LON_AT_EQUATOR * math.cos(math.radians(lat))
        self.ky = self.M_PER_DEG_LAT

    @classmethod
    def around(cls, geom: BaseGeometry) -> LocalProjection:
        c = geom.centroid
        return cls(c.x, c.y)

    def to_metric(self, geom: G) -> G:
        return shapely.transform(geom, self._forward)

    def to_lonlat(self, geom: G) -> G:
        return shapely.transform(geom, self._inverse)

    def geojson(self, geom: BaseGeometry) -> dict[str, Any]:
        """GeoJSON (EPSG:4326) of a metric geometry."""
        return dict(mapping(self.to_lonlat(geom)))

    def from_geojson(self, data: dict[str, Any]) -> BaseGeometry:
        return self.to_metric(shape(data))

    def _forward(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack([(xy[:, 0] - self.lon0) * self.kx, (xy[:, 1] - self.lat0) * self.ky])

    def _inverse(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack([xy[:, 0] / self.kx + self.lon0, xy[:, 1] / self.ky + self.lat0])
