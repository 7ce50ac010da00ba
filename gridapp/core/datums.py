"""The offset datums of Chinese web maps, to and from WGS-84 (no Flask, no database).

GCJ-02 (高德, 腾讯, Google inside China) and BD-09 (百度) shift WGS-84 by a few hundred
metres with a published obfuscation, not a projection: no EPSG code and no ``.prj`` can
declare them, so whoever brings a file says which one it is in. The transforms are
prcoords' (public domain) forward formulas; the inverse solves them by prcoords' fixed-point
("bored") iteration run to under a millimetre — the one-step inverse many tools use is off
by up to ~2 m. tests/core/test_datums.py cross-checks prcoords against two
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

TOLERANCE_DEG = 1e-10
MAX_STEPS = 30
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
    forward = _FROM_WGS84[datum]
    return _apply(geom, lambda shifted, _check: _inverse(forward, shifted))


def _inverse(forward: LatLon, shifted: prcoords.Coords) -> tuple[float, float]:
    """The WGS-84 point ``forward`` takes to ``shifted``: prcoords' fixed-point ("bored")
    iteration, run to 1e-10° (under a millimetre) where prcoords stops near 1e-5 m/°."""
    guess = shifted
    for _ in range(MAX_STEPS):
        lat, lon = forward(guess, False)
        d_lat, d_lon = lat - shifted.lat, lon - shifted.lon
        guess = prcoords.Coords(guess.lat - d_lat, guess.lon - d_lon)
        if abs(d_lat) < TOLERANCE_DEG and abs(d_lon) < TOLERANCE_DEG:
            break
    return guess.lat, guess.lon


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
