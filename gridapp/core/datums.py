"""The offset datums of Chinese web maps, to and from WGS-84 (no Flask, no database).

GCJ-02 (高德, 腾讯, Google inside China) and BD-09 (百度) shift WGS-84 by a few hundred
metres with a published obfuscation, not a projection: no EPSG code and no ``.prj`` can
declare them, so whoever brings a file says which one it is in. The transforms are
prcoords' (public domain): the forward one is the published formula, the inverse its
iterative ("bored") solution, exact to about a centimetre — the one-step inverse many
tools use is off by up to ~2 m. tests/core/test_datums.py cross-checks prcoords against two
other implementations.

Outside mainland China's bounding box the maps do not shift, and neither do we.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

import numpy as np
import prcoords
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

G = TypeVar("G", bound=BaseGeometry)
LatLon = Callable[..., tuple[float, float]]


class Datum(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


DATUM_LABELS = {
    Datum.WGS84: "WGS-84（GPS、天地图、OpenStreetMap；文件自带坐标系时选此项）",
    Datum.GCJ02: "GCJ-02（高德、腾讯地图）",
    Datum.BD09: "BD-09（百度地图）",
}

_TO_WGS84: dict[Datum, LatLon] = {
    Datum.GCJ02: prcoords.gcj_wgs_bored,
    Datum.BD09: prcoords.bd_wgs_bored,
}
_FROM_WGS84: dict[Datum, LatLon] = {
    Datum.GCJ02: prcoords.wgs_gcj,
    Datum.BD09: prcoords.wgs_bd,
}


def in_china(lon: float, lat: float) -> bool:
    """Inside the box in which the Chinese maps shift coordinates (prcoords' test)."""
    return bool(prcoords.sanity_in_china_p(prcoords.Coords(lat, lon)))


def to_wgs84(geom: G, datum: Datum) -> G:
    """``geom`` (lon/lat in ``datum``) in WGS-84; Z and M are not kept."""
    if datum is Datum.WGS84:
        return geom
    return _apply(geom, _TO_WGS84[datum])


def from_wgs84(geom: G, datum: Datum) -> G:
    """``geom`` (WGS-84 lon/lat) in ``datum``, e.g. for a layer to be shown on 高德/百度."""
    if datum is Datum.WGS84:
        return geom
    return _apply(geom, _FROM_WGS84[datum])


def _apply(geom: G, transform: LatLon) -> G:
    def points(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        out = xy.copy()
        for i, (lon, lat) in enumerate(xy):
            if np.isfinite(lon) and np.isfinite(lat) and in_china(lon, lat):
                lat2, lon2 = transform(prcoords.Coords(lat, lon), False)
                out[i] = (lon2, lat2)
        return out

    moved: G = shapely.transform(geom, points)
    return moved
