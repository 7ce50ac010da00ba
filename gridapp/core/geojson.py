"""GeoJSON geometries a user submits, read strictly, with Chinese refusals.

Shapely's ``shape()`` takes almost anything: it closes an open ring by itself (a three-point
"polygon" then fails later for an unrelated reason), and on null, NaN or text coordinates it
raises Python or GEOS errors whose text must never reach the user. Here every position is
checked before a geometry is built, each refusal names the ring and point in Chinese, and
the vertex count is checked first, before any per-point work.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from gridapp.core.errors import BadRequest, TooLarge

# What the coordinates of each type look like, for the "wrong nesting" message.
SHAPES = {
    "Point": "[经度, 纬度]",
    "LineString": "[[经度, 纬度], …]",
    "Polygon": "[[[经度, 纬度], …], …]（由环组成，每个环首尾闭合）",
    "MultiPolygon": "[[[[经度, 纬度], …], …], …]（由多边形组成）",
}


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _distinct(points: list[tuple[float, float]], n: int) -> bool:
    """Whether ``points`` hold at least ``n`` different points (usually seen at once)."""
    seen: set[tuple[float, float]] = set()
    for p in points:
        seen.add(p)
        if len(seen) >= n:
            return True
    return False


def _count(kind: str, coords: Any) -> int:
    """Positions in ``coords`` (as far as its nesting is right), counted without reading them."""
    if not _is_list(coords):
        return 0
    if kind == "Point":
        return 1
    if kind == "LineString":
        return len(coords)
    if kind == "Polygon":
        return sum(len(ring) for ring in coords if _is_list(ring))
    if kind == "MultiPolygon":
        return sum(_count("Polygon", polygon) for polygon in coords)
    return 0


def check_vertices(data: Any, what: str, max_vertices: int) -> None:
    """Refuse (413) a GeoJSON geometry with more than ``max_vertices`` positions. Cheap: it
    counts rings' lengths and reads no point, so it can run before anything else."""
    if not isinstance(data, dict):
        return
    vertices = _count(str(data.get("type")), data.get("coordinates"))
    if vertices > max_vertices:
        raise TooLarge(
            f"{what}的顶点过多：共 {vertices} 个，上限为 {max_vertices} 个，请简化后再提交",
            vertices=vertices,
            max_vertices=max_vertices,
        )


class _Reader:
    def __init__(self, what: str, kind: str) -> None:
        self.what = what
        self.kind = kind

    def nesting(self) -> BadRequest:
        return BadRequest(
            f"{self.what}的 GeoJSON 坐标层次不对：{self.kind} 的坐标应为 {SHAPES[self.kind]}"
        )

    def position(self, value: Any, where: str) -> tuple[float, float]:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise self.nesting()  # a number where a point belongs: one level too shallow
        if not _is_list(value) or not 2 <= len(value) <= 3:
            if _is_list(value) and value and all(_is_list(v) for v in value):
                raise self.nesting()  # a list of points where a point belongs: too deep
            raise BadRequest(f"{self.what}{where}应为 [经度, 纬度] 两个数值")
        for v in value:
            if _is_list(v):
                raise self.nesting()
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise BadRequest(f"{self.what}{where}的坐标应为数值")
            if not math.isfinite(v):
                raise BadRequest(f"{self.what}{where}的坐标不是有限数值")
        return float(value[0]), float(value[1])

    def points(self, coords: list[Any], where: str) -> list[tuple[float, float]]:
        out = []
        isfinite = math.isfinite
        for i, p in enumerate(coords):
            # the usual [lon, lat] of two finite floats, checked quickly; anything else in full
            if type(p) is list and len(p) == 2:
                x, y = p
                if type(x) is float and type(y) is float and isfinite(x) and isfinite(y):
                    out.append((x, y))
                    continue
            out.append(self.position(p, f"{where}第 {i + 1} 个点"))
        return out

    def line(self, coords: Any) -> LineString:
        if not _is_list(coords):
            raise self.nesting()
        points = self.points(coords, "的")
        if not _distinct(points, 2):
            raise BadRequest(f"{self.what}至少需要 2 个不同的点")
        return LineString(np.array(points))

    def ring(self, coords: Any, where: str) -> list[tuple[float, float]]:
        if not _is_list(coords):
            raise self.nesting()
        points = self.points(coords, where)
        if len(points) >= 2 and points[0] != points[-1]:
            raise BadRequest(
                f"{self.what}{where}未闭合：多边形的环首尾两点应相同（共 {len(points)} 个点）"
            )
        if len(points) < 4 or not _distinct(points, 3):
            raise BadRequest(f"{self.what}{where}至少需要 3 个不同的顶点（首尾闭合共 4 个点）")
        return points

    def polygon(self, coords: Any, name: str = "") -> Polygon:
        """``name`` says which polygon of a MultiPolygon this is ("" for a Polygon)."""
        if not _is_list(coords):
            raise self.nesting()
        if not coords:
            raise BadRequest(f"{self.what}{name}没有任何环")
        rings = [
            self.ring(r, f"{name}的{'外环' if i == 0 else f'第 {i} 个内环'}")
            for i, r in enumerate(coords)
        ]
        return Polygon(np.array(rings[0]), [np.array(r) for r in rings[1:]])

    def multipolygon(self, coords: Any) -> MultiPolygon:
        if not _is_list(coords):
            raise self.nesting()
        if not coords:
            raise BadRequest(f"{self.what}没有任何多边形")
        return MultiPolygon(
            [self.polygon(p, f"的第 {i + 1} 个多边形") for i, p in enumerate(coords)]
        )

    def point(self, coords: Any) -> Point:
        return Point(self.position(coords, "的点"))


READERS: dict[str, Callable[[_Reader, Any], BaseGeometry]] = {
    "Point": _Reader.point,
    "LineString": _Reader.line,
    "Polygon": _Reader.polygon,
    "MultiPolygon": _Reader.multipolygon,
}


def read_geometry(data: Any, what: str, types: tuple[str, ...], max_vertices: int) -> BaseGeometry:
    """A geometry of one of ``types`` from GeoJSON, or a Chinese refusal saying what is wrong:
    400 for a malformed one, 413 (``TooLarge``) above ``max_vertices`` positions."""
    if not isinstance(data, dict) or data.get("type") not in set(types) & set(READERS):
        raise BadRequest(f"{what}应为 GeoJSON {' 或 '.join(types)}")
    kind = data["type"]
    coords = data.get("coordinates")
    if coords is None:
        raise BadRequest(f"{what}缺少坐标")
    check_vertices(data, what, max_vertices)
    geom: BaseGeometry = READERS[kind](_Reader(what, kind), coords)
    xmin, ymin, xmax, ymax = geom.bounds
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise BadRequest(
            f"{what}的坐标超出经纬度范围：请使用 EPSG:4326 经纬度坐标（经度在前），而不是投影坐标"
        )
    return geom
