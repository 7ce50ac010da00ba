"""From an upload to its layer (core/layer_files.py, core/layer_csv.py): what a ZIP or a
bare file holds, and the text encodings of CSV and GeoJSON."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, box

from gridapp.core.datums import Datum, from_wgs84
from gridapp.core.errors import UnsupportedMedia
from gridapp.core.layer_files import read_upload
from gridapp.core.layer_read import LayerRejected

GEOD = Geod(ellps="WGS84")
CODE = "110199001001001"
CELL = box(116.40, 39.90, 116.41, 39.91)
COLLECTION = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": CODE, "name": "北片"},
            "geometry": {"type": "Polygon", "coordinates": [list(CELL.exterior.coords)]},
        }
    ],
}


def _upload(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "private"
    folder.mkdir(parents=True)
    path = folder / name
    path.write_bytes(data)
    return path


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_geojson_with_a_utf8_bom_reads_and_one_in_utf16_is_refused(tmp_path: Path) -> None:
    text = json.dumps(COLLECTION, ensure_ascii=False)
    layer = read_upload(_upload(tmp_path, "a.geojson", text.encode("utf-8-sig")), Datum.WGS84)
    assert layer.features[0].attrs == {"code": CODE, "name": "北片"}
    with pytest.raises(LayerRejected, match="UTF-16"):
        read_upload(_upload(tmp_path / "x", "a.geojson", text.encode("utf-16")), Datum.WGS84)


def test_a_kmz_and_a_zipped_geopackage_read_like_the_bare_files(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"code": [CODE], "name": ["北片"]}, geometry=[CELL], crs=4326)
    frame.to_file(tmp_path / "doc.kml", driver="KML")
    frame.to_file(tmp_path / "cells.gpkg", driver="GPKG")
    kmz = _zip({"doc.kml": (tmp_path / "doc.kml").read_bytes()})
    layer = read_upload(_upload(tmp_path, "cells.kmz", kmz), Datum.WGS84)
    assert layer.features[0].attrs["code"] == CODE
    # a GeoPackage is known by its content, whatever its name
    named_wrong = _upload(tmp_path / "g", "cells.bin", (tmp_path / "cells.gpkg").read_bytes())
    assert read_upload(named_wrong, Datum.WGS84).features[0].attrs["code"] == CODE


@pytest.mark.parametrize(
    ("members", "words"),
    [
        ({"readme.txt": b"hello"}, "没有可识别的图层"),
        ({"a.geojson": b"{}", "b.kml": b"<kml/>"}, "一次只能导入一个图层"),
        ({"cells.shp": b"x", "cells.dbf": b"y"}, ".shx"),
        ({"__MACOSX/._cells.shp": b"x", "notes.doc": b"y"}, "没有可识别的图层"),
    ],
)
def test_a_zip_must_hold_exactly_one_whole_layer(
    tmp_path: Path, members: dict[str, bytes], words: str
) -> None:
    with pytest.raises(LayerRejected, match=words):
        read_upload(_upload(tmp_path, "cells.zip", _zip(members)), Datum.WGS84)


def test_loose_shapefile_parts_and_unknown_types_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(LayerRejected, match="打包成一个 ZIP"):
        read_upload(_upload(tmp_path, "cells.shp", b"\x00\x00\x27\x0a"), Datum.WGS84)
    with pytest.raises(UnsupportedMedia, match="不支持的文件类型"):
        read_upload(_upload(tmp_path / "y", "cells.dwg", b"AC1027"), Datum.WGS84)
    with pytest.raises(LayerRejected, match="不是有效的 GPKG"):
        read_upload(_upload(tmp_path / "z", "cells.gpkg", b"not sqlite"), Datum.WGS84)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_a_vertex_csv_reads_in_each_encoding_excel_writes(tmp_path: Path, encoding: str) -> None:
    rows = ["网格编码,网格名称,序号,经度,纬度"] + [
        f"{CODE},北片,{seq},{x},{y}" for seq, (x, y) in enumerate(CELL.exterior.coords, start=1)
    ]
    layer = read_upload(
        _upload(tmp_path, "cells.csv", "\n".join(rows).encode(encoding)), Datum.WGS84
    )
    (feature,) = layer.features
    assert feature.attrs == {"网格编码": CODE, "网格名称": "北片"}  # the file's own headers
    assert feature.geom is not None and feature.geom.equals(CELL)  # closing vertex dropped
    assert bool(layer.warnings) == (encoding in ("gbk", "utf-16"))


def test_a_vertex_csv_names_the_rows_of_each_fault(tmp_path: Path) -> None:
    rows = [
        "code,name,seq,lon,lat",
        f"{CODE},北片,1,116.40,39.90",
        f"{CODE},北片,1,116.41,39.90",
        f"{CODE},北片,3,116.41,39.91",
        "110199001001002,南片,1,116.40,39.90",
        "110199001001002,南片,2,116.41,39.90",
        "110199001001003,'=HYPERLINK(1),1,116.40,39.90",
        "110199001001003,'=HYPERLINK(1),2,116.41,39.90",
        "110199001001003,'=HYPERLINK(1),3,116.41,39.91",
    ]
    layer = read_upload(_upload(tmp_path, "cells.csv", "\n".join(rows).encode()), Datum.WGS84)
    problems = {p.feature: (p.category, p.message) for p in layer.problems}
    assert problems[1][0] == "序号重复" and "第 2–4 行" in problems[1][1]
    assert problems[2][0] == "几何无效" and "2 个不同的顶点" in problems[2][1]
    assert 3 not in problems
    assert layer.features[2].attrs["name"] == "=HYPERLINK(1)"  # our own export's ' is undone


def test_a_vertex_csv_with_swapped_columns_is_refused(tmp_path: Path) -> None:
    rows = ["code,name,seq,lon,lat"] + [
        f"{CODE},北片,{seq},{y},{x}" for seq, (x, y) in enumerate(CELL.exterior.coords, start=1)
    ]
    with pytest.raises(LayerRejected, match="颠倒"):
        read_upload(_upload(tmp_path, "cells.csv", "\n".join(rows).encode()), Datum.WGS84)


@pytest.mark.parametrize("name", ["cells.csv", "cells.geojson"])
def test_a_refused_feature_of_a_gcj02_file_is_drawn_where_it_really_is(
    tmp_path: Path, name: str
) -> None:
    """The preview draws a refused feature (here a bow tie) and marks its fault in WGS-84
    like the rest, not hundreds of metres off in the datum of the file."""
    truth = [(116.40, 39.90), (116.41, 39.91), (116.41, 39.90), (116.40, 39.91)]
    shifted = [from_wgs84(Point(p), Datum.GCJ02).coords[0] for p in truth]
    if name.endswith(".csv"):
        rows = ["code,name,seq,lon,lat"] + [
            f"{CODE},北片,{seq},{x!r},{y!r}" for seq, (x, y) in enumerate(shifted, start=1)
        ]
        data = "\n".join(rows).encode()
    else:
        ring = [list(p) for p in [*shifted, shifted[0]]]
        feature = {
            **COLLECTION["features"][0],
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }  # type: ignore[dict-item]
        data = json.dumps({**COLLECTION, "features": [feature]}).encode()
    layer = read_upload(_upload(tmp_path, name, data), Datum.GCJ02)
    (feature_read,) = layer.features
    assert feature_read.geom is None and layer.problems[0].category == "几何无效"
    assert feature_read.shown is not None
    drawn = shapely.get_coordinates(feature_read.shown)[: len(truth)]
    assert max(GEOD.inv(*a, *b)[2] for a, b in zip(drawn, truth, strict=True)) < 0.01
    # and the place of the fault (where the two edges cross) is in WGS-84 too
    (problem,) = layer.problems
    assert problem.where is not None
    assert GEOD.inv(*problem.where, 116.405, 39.905)[2] < 1.0
