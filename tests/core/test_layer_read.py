"""Reading uploaded layers (core/layer_read.py) from real files written by GDAL: each
format and coordinate system lands on the WGS-84 truth, and each kind of bad file is
refused with its own Chinese message."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, box

from gridapp.core.datums import Datum, from_wgs84
from gridapp.core.layer_read import LayerRejected, read_layer

GEOD = Geod(ellps="WGS84")
# Two cells in Beijing (WGS-84), one with a hole.
CELL_A = Polygon(
    [(116.400, 39.900), (116.405, 39.900), (116.405, 39.904), (116.400, 39.904)],
    [[(116.401, 39.901), (116.402, 39.901), (116.402, 39.902), (116.401, 39.902)]],
)
CELL_B = box(116.405, 39.900, 116.410, 39.904)
CODES = ["110105021001001", "110105021001002"]
NAMES = ["关东店第1网格", "关东店第2网格"]


def cells(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"code": CODES, "name": NAMES}, geometry=[CELL_A, CELL_B], crs="EPSG:4326"
    )
    return frame.to_crs(crs)


def max_error_m(got: Polygon, want: Polygon) -> float:
    """The Hausdorff distance in metres (UTM 50N around Beijing)."""
    a, b = gpd.GeoSeries([got, want], crs="EPSG:4326").to_crs("EPSG:32650")
    return float(a.hausdorff_distance(b))


def assert_cells(path: Path, datum: Datum = Datum.WGS84, tolerance_m: float = 0.01) -> None:
    layer = read_layer(path, datum)
    assert layer.problems == []
    assert [f.attrs["code"] for f in layer.features] == CODES
    # KML keeps the name in its own <name> (GDAL's "Name")
    assert [f.attrs.get("name", f.attrs.get("Name")) for f in layer.features] == NAMES
    for feature, truth in zip(layer.features, [CELL_A, CELL_B], strict=True):
        assert feature.geom is not None
        assert max_error_m(feature.geom, truth) < tolerance_m
    assert len(layer.features[0].geom.interiors) == 1  # holes kept


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [(".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".shp", "ESRI Shapefile"), (".kml", "KML")],
)
def test_each_format_reads_exactly(tmp_path: Path, suffix: str, driver: str) -> None:
    path = tmp_path / f"cells{suffix}"
    cells().to_file(path, driver=driver)
    assert_cells(path)


@pytest.mark.parametrize(
    "crs",
    [
        "EPSG:4490",  # CGCS2000 geographic
        "EPSG:4547",  # CGCS2000 / 3-degree Gauss-Kruger CM 114E
        "EPSG:2436",  # Beijing 1954 / 3-degree Gauss-Kruger CM 117E
        "EPSG:2383",  # Xian 1980 / 3-degree Gauss-Kruger CM 117E
        "EPSG:32650",  # WGS 84 / UTM zone 50N
    ],
)
def test_declared_coordinate_systems_are_converted(tmp_path: Path, crs: str) -> None:
    path = tmp_path / "cells.gpkg"
    cells(crs).to_file(path, driver="GPKG")
    layer = read_layer(path)
    assert "4326" not in layer.source_crs or crs == "EPSG:4490"
    # Beijing 1954 and Xian 1980 differ from WGS-84 by a datum shift pyproj may not know
    # without grids: the same within 200 m, the rest exact to the centimetre.
    tolerance = 200.0 if crs in ("EPSG:2436", "EPSG:2383") else 0.01
    for feature, truth in zip(layer.features, [CELL_A, CELL_B], strict=True):
        assert feature.geom is not None and max_error_m(feature.geom, truth) < tolerance


@pytest.mark.parametrize("datum", [Datum.GCJ02, Datum.BD09])
def test_gcj02_and_bd09_files_land_within_a_metre_of_the_truth(
    tmp_path: Path, datum: Datum
) -> None:
    frame = cells()
    frame["geometry"] = [from_wgs84(g, datum) for g in frame.geometry]  # as 高德/百度 show it
    path = tmp_path / "cells.geojson"
    frame.to_file(path, driver="GeoJSON")
    assert_cells(path, datum, tolerance_m=1.0)
    shifted = read_layer(path)  # read as WGS-84 by mistake: hundreds of metres off
    assert max_error_m(shifted.features[0].geom, CELL_A) > 100


def test_a_gbk_shapefile_without_cpg_is_read_as_gbk(tmp_path: Path) -> None:
    path = tmp_path / "cells.shp"
    cells().to_file(path, driver="ESRI Shapefile", encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    layer = read_layer(path)
    assert [f.attrs["name"] for f in layer.features] == NAMES
    assert any("GBK" in note for note in layer.warnings)


def test_a_shapefile_without_prj_in_metres_is_refused_and_in_degrees_assumed(
    tmp_path: Path,
) -> None:
    metres = tmp_path / "metres.shp"
    cells("EPSG:4547").to_file(metres, driver="ESRI Shapefile")
    metres.with_suffix(".prj").unlink()
    with pytest.raises(LayerRejected, match="没有声明坐标系"):
        read_layer(metres)
    degrees = tmp_path / "degrees.shp"
    cells().to_file(degrees, driver="ESRI Shapefile")
    degrees.with_suffix(".prj").unlink()
    layer = read_layer(degrees)
    assert layer.problems == [] and any("按经纬度读取" in n for n in layer.warnings)


def test_swapped_lat_lon_and_metres_declared_as_degrees_are_refused(tmp_path: Path) -> None:
    swapped = cells()
    swapped["geometry"] = [shapely.transform(g, lambda xy: xy[:, ::-1]) for g in swapped.geometry]
    path = tmp_path / "swapped.geojson"
    swapped.to_file(path, driver="GeoJSON")
    with pytest.raises(LayerRejected, match="颠倒"):
        read_layer(path)
    metres = cells("EPSG:4547").set_crs("EPSG:4326", allow_override=True)
    path = tmp_path / "metres.geojson"
    metres.to_file(path, driver="GeoJSON")
    with pytest.raises(LayerRejected, match="超出经纬度范围"):
        read_layer(path)


def test_feature_problems_are_listed_with_where_they_are(tmp_path: Path) -> None:
    bowtie = Polygon([(116.40, 39.90), (116.41, 39.91), (116.41, 39.90), (116.40, 39.91)])
    two_parts = MultiPolygon(
        [box(116.40, 39.90, 116.401, 39.901), box(116.42, 39.92, 116.421, 39.921)]
    )
    one_part = MultiPolygon([CELL_B])
    frame = gpd.GeoDataFrame(
        {"code": ["1", "2", "3", "4", "5"]},
        geometry=[bowtie, two_parts, Point(116.4, 39.9), one_part, None],
        crs="EPSG:4326",
    )
    path = tmp_path / "bad.gpkg"
    frame.to_file(path, driver="GPKG")
    layer = read_layer(path)
    by_feature = {p.feature: p for p in layer.problems}
    assert by_feature[1].category == "几何无效" and "自相交" in by_feature[1].message
    assert by_feature[1].where == pytest.approx((116.405, 39.905))
    assert by_feature[2].category == "多部件" and by_feature[2].where is not None
    assert by_feature[3].category == "几何类型错误"
    assert by_feature[5].category == "几何缺失"
    assert 4 not in by_feature and layer.features[3].geom is not None  # one part: kept
    assert isinstance(layer.features[3].geom, Polygon)


def test_z_values_are_dropped(tmp_path: Path) -> None:
    cube = Polygon([(x, y, 50.0) for x, y in CELL_B.exterior.coords])
    path = tmp_path / "z.geojson"
    gpd.GeoDataFrame({"code": ["1"]}, geometry=[cube], crs="EPSG:4326").to_file(path)
    (feature,) = read_layer(path).features
    assert feature.geom is not None and not feature.geom.has_z


XXE = """<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&secret;</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>116.40,39.90 116.41,39.90 116.41,39.91
116.40,39.90</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"""
BOMB = """<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&b;</name></Placemark></kml>"""


@pytest.mark.parametrize("text", [XXE, BOMB])
def test_kml_with_entities_is_refused_before_gdal_reads_it(tmp_path: Path, text: str) -> None:
    path = tmp_path / "evil.kml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LayerRejected, match="实体"):
        read_layer(path)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("broken.gpkg", b"SQLite format 3\x00" + b"\x00" * 200, "无法读取"),
        ("garbage.geojson", b'{"type": "FeatureCollection", "features": [', "无法读取"),
        ("empty.geojson", b'{"type": "FeatureCollection", "features": []}', "没有任何要素"),
        ("bad.kml", b"<kml><Placemark>", "不是有效的 XML"),
    ],
)
def test_broken_and_empty_files_are_refused(
    tmp_path: Path, name: str, data: bytes, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LayerRejected, match=words):
        read_layer(path)
