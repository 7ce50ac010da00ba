"""Reading submitted GeoJSON strictly (gridapp.core.geojson), without Flask."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import shape

from gridapp.core.errors import BadRequest, TooLarge
from gridapp.core.geojson import read_geometry

SHELL = [[116.40, 39.90], [116.41, 39.90], [116.41, 39.91], [116.40, 39.91], [116.40, 39.90]]
HOLE = [[116.402, 39.902], [116.404, 39.902], [116.404, 39.904], [116.402, 39.902]]
POLYGONS = ("Polygon", "MultiPolygon")


@pytest.mark.parametrize(
    "data",
    [
        {"type": "Polygon", "coordinates": [SHELL, HOLE]},
        {"type": "MultiPolygon", "coordinates": [[SHELL], [[[x + 0.02, y] for x, y in SHELL]]]},
    ],
    ids=["polygon-with-hole", "multipolygon"],
)
def test_valid_polygons_read_as_shapely_reads_them(data: dict[str, Any]) -> None:
    geom = read_geometry(data, "网格", POLYGONS, 1000)
    assert geom.equals(shape(data)) and geom.geom_type == data["type"]


def test_a_third_coordinate_is_dropped_and_a_line_reads() -> None:
    data = {"type": "LineString", "coordinates": [[116.40, 39.90, 50.0], [116.41, 39.91, 51]]}
    line = read_geometry(data, "分割线", ("LineString",), 10)
    assert not line.has_z and list(line.coords) == [(116.40, 39.90), (116.41, 39.91)]


def test_the_vertex_limit_counts_every_ring_before_reading_any_point() -> None:
    data = {"type": "Polygon", "coordinates": [SHELL, HOLE]}
    assert read_geometry(data, "网格", POLYGONS, 9).is_valid  # 5 + 4 positions: at the limit
    with pytest.raises(TooLarge, match="共 9 个，上限为 8 个") as err:
        read_geometry(data, "网格", POLYGONS, 8)
    assert err.value.status == 413


@pytest.mark.parametrize(
    ("coordinates", "expected"),
    [
        (
            [[[116.40, 39.90], [True, 39.90], [116.41, 39.91], [116.40, 39.90]]],
            "第 2 个点的坐标应为数值",
        ),
        ([SHELL, HOLE[:-1]], "第 1 个内环未闭合"),
        ([SHELL, [[0, 0], [0, 0], [0, 0], [0, 0]]], "第 1 个内环至少需要 3 个不同的顶点"),
        ([[[200, 39.9], [201, 39.9], [201, 40], [200, 39.9]]], "超出经纬度范围"),
    ],
    ids=["boolean", "open-hole", "point-hole", "projected"],
)
def test_broken_polygons_are_refused_naming_the_ring(coordinates: Any, expected: str) -> None:
    with pytest.raises(BadRequest, match=expected):
        read_geometry({"type": "Polygon", "coordinates": coordinates}, "网格", POLYGONS, 1000)


def test_a_line_needs_two_distinct_points() -> None:
    data = {"type": "LineString", "coordinates": [[116.40, 39.90], [116.40, 39.90]]}
    with pytest.raises(BadRequest, match="至少需要 2 个不同的点"):
        read_geometry(data, "分割线", ("LineString",), 10)
