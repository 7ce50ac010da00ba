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

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import numpy as np
import prcoords
import shapely
import shapely.affinity
from numpy.typing import NDArray
from pyproj import Geod
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

GEOD = Geod(ellps="WGS84")
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
    return _apply(geom, _to_wgs84(datum))


def all_to_wgs84(geoms: Sequence[BaseGeometry | None], datum: Datum) -> list[BaseGeometry | None]:
    """Each of ``geoms`` in WGS-84 (a layer at once: the points its features share are
    converted once)."""
    if datum is Datum.WGS84:
        return list(geoms)
    array = np.empty(len(geoms), dtype=object)
    array[:] = list(geoms)
    return list(shapely.transform(array, _points(_to_wgs84(datum))))


def _to_wgs84(datum: Datum) -> LatLon:
    """The point transform from ``datum`` to WGS-84 (the inverse of prcoords' forward one)."""
    forward = _FROM_WGS84[datum]
    return lambda shifted, _check: _inverse(forward, shifted)


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
    moved: G = shapely.transform(geom, _points(transform))
    return moved


def _points(transform: LatLon) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    def points(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        # each distinct point once: rings repeat their first vertex, neighbours share theirs
        unique, back = np.unique(xy, axis=0, return_inverse=True)
        out = unique.copy()
        for i, (lon, lat) in enumerate(unique):
            if np.isfinite(lon) and np.isfinite(lat) and in_china(lon, lat):
                lat2, lon2 = transform(prcoords.Coords(lat, lon), False)
                out[i] = (lon2, lat2)
        moved: NDArray[np.float64] = out[back.reshape(-1)]
        return moved

    return points


# --- guessing the datum of a file ----------------------------------------------------------

FIT_GOOD = 0.9  # share of a layer's area inside the places it claims: it is in place
SHORT_LABELS = {Datum.WGS84: "WGS-84", Datum.GCJ02: "GCJ-02", Datum.BD09: "BD-09"}


@dataclass(frozen=True)
class DatumHint:
    likely: Datum
    offset_m: float  # how far the layer would move
    share_now: float  # of the layer's area inside the claimed places, as read
    share_then: float  # the same, read in ``likely``

    def message(self, place: str = "社区") -> str:
        """``place``: what the layer claims to lie in (社区 for cells, 街道 for communities)."""
        return (
            f"导入的数据整体偏离所属{place}约 {self.offset_m:.0f} 米（只有 {self.share_now:.0%} "
            f"落在所属{place}内），看起来像 {SHORT_LABELS[self.likely]} 坐标"
            f"（按 {SHORT_LABELS[self.likely]} 读取则 {self.share_then:.0%} 落在{place}内）。"
            "高德、腾讯地图为 GCJ-02，百度地图为 BD-09；请核对后选择正确的坐标系重新上传。"
            "（这是根据位置做的推测）"
        )


def datum_hint(layer: BaseGeometry, claimed: BaseGeometry, chosen: Datum) -> DatumHint | None:
    """When ``layer`` (WGS-84, as read in ``chosen``) lies mostly outside the places it
    claims (``claimed``, WGS-84) and would lie inside them read in another datum, that
    datum: a guess, said as one."""
    if layer.is_empty or layer.area == 0:
        return None
    share_now = _share(layer, claimed)
    if share_now >= FIT_GOOD:
        return None
    best: DatumHint | None = None
    for other, moved, offset in _readings(layer, chosen):
        share = _share(moved, claimed)
        if share >= FIT_GOOD and (best is None or share > best.share_then):
            best = DatumHint(other, offset, share_now, share)
    return best


def _readings(layer: BaseGeometry, chosen: Datum) -> Iterator[tuple[Datum, BaseGeometry, float]]:
    """``layer`` (read in ``chosen``) as each other datum would read it, and how many
    metres it moves. The shift is taken at the layer's centre: over a subdistrict it varies
    by centimetres."""
    centre = layer.centroid
    raw = from_wgs84(centre, chosen)
    for other in Datum:
        if other is chosen:
            continue
        there = to_wgs84(raw, other)
        dx, dy = there.x - centre.x, there.y - centre.y
        if dx == 0 and dy == 0:
            continue
        offset = float(GEOD.line_length([centre.x, there.x], [centre.y, there.y]))
        yield other, shapely.affinity.translate(layer, dx, dy), offset


def _share(layer: BaseGeometry, claimed: BaseGeometry) -> float:
    return float(shapely.intersection(layer, claimed).area / layer.area)


MATCH_GOOD = 0.5  # share of a layer on the buildings already there, read in another datum
MATCH_GAIN = 2.0  # … and that many times the share as read


@dataclass(frozen=True)
class MatchHint:
    likely: Datum
    offset_m: float
    share_now: float  # of the layer on the reference, as read
    share_then: float  # the same, read in ``likely``

    def message(self, noun: str, meets: str) -> str:
        """``noun``: the layer (楼栋, 服务阵地); ``meets``: how it meets the buildings
        already there (与现有楼栋重合, 落在现有楼栋上)."""
        likely = SHORT_LABELS[self.likely]
        return (
            f"导入的{noun}与现有楼栋整体错开约 {self.offset_m:.0f} 米：按所选坐标系只有 "
            f"{self.share_now:.0%} {meets}，按 {likely} 读取则 {self.share_then:.0%} {meets}，"
            f"看起来像 {likely} 坐标。高德、腾讯地图为 GCJ-02，百度地图为 BD-09；"
            "请核对后选择正确的坐标系重新上传。（这是根据位置做的推测）"
        )


def match_hint(layer: BaseGeometry, reference: BaseGeometry, chosen: Datum) -> MatchHint | None:
    """For a layer that claims no place (buildings, service points): when it meets the
    buildings already there (``reference``, WGS-84) far better read in another datum —
    at least ``MATCH_GOOD`` of it and ``MATCH_GAIN`` times as much as read — that datum.
    Own data rarely matches the OSM buildings exactly, hence a relative test."""
    if layer.is_empty or reference.is_empty:
        return None
    share_now = _met(layer, reference)
    best: MatchHint | None = None
    for other, moved, offset in _readings(layer, chosen):
        share = _met(moved, reference)
        good = share >= MATCH_GOOD and share >= MATCH_GAIN * share_now
        if good and (best is None or share > best.share_then):
            best = MatchHint(other, offset, share_now, share)
    return best


def _met(layer: BaseGeometry, reference: BaseGeometry) -> float:
    """The share of ``layer`` on ``reference``: of its area, or of its points."""
    if layer.area > 0:
        return _share(layer, reference)
    points = shapely.get_parts(layer)
    return float(np.mean(shapely.intersects(points, reference))) if len(points) else 0.0
