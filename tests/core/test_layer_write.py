"""Laying out a layer as a table (core/layer_write.py): a sheet gives each feature's fields
under their Chinese headers and a point (a polygon's point inside it); an empty layer keeps
its header; CSV of a map layer's polygons stays the import's vertex format."""

from __future__ import annotations

import csv
import io
import math

import geopandas as gpd
from openpyxl import load_workbook
from shapely.geometry import MultiPolygon, Point, box

from gridapp.core.layer_write import ExportFormat, Layer, write_layer
from gridapp.services import tables

FIELDS = {"code": "编码", "name": "名称", "share": "覆盖率"}
TABLE = Layer("coverage", "覆盖", FIELDS, "MultiPolygon", table=True)
MAP = Layer("cells", "网格", FIELDS, "MultiPolygon")
# a U shape: its centroid lies outside it, a representative point never does
U = MultiPolygon([box(0, 0, 3, 1).union(box(0, 0, 1, 3)).union(box(2, 0, 3, 3))])


def _frame(rows: list[dict[str, object]], geoms: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, columns=list(FIELDS), geometry=geoms, crs="EPSG:4326")


def _sheet_rows(data: bytes) -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_a_sheet_gives_a_point_inside_each_polygon_and_plain_values() -> None:
    frame = _frame([{"code": "001", "name": "甲", "share": math.nan}], [U])
    rows = _sheet_rows(write_layer(frame, ExportFormat.XLSX, TABLE, tables=tables).data)
    assert rows[0] == ("编码", "名称", "覆盖率", "代表点经度", "代表点纬度")
    code, name, share, lon, lat = rows[1]
    assert (code, name, share) == ("001", "甲", None)  # a missing number is an empty cell
    assert U.contains(Point(lon, lat)) and not U.contains(U.centroid)


def test_an_empty_layer_keeps_its_header_in_every_table() -> None:
    empty = _frame([], [])
    sheet = write_layer(empty, ExportFormat.XLSX, TABLE, tables=tables).data
    assert _sheet_rows(sheet) == [("编码", "名称", "覆盖率", "代表点经度", "代表点纬度")]
    text = write_layer(empty, ExportFormat.CSV, TABLE, tables=tables).data.decode("utf-8-sig")
    assert text.splitlines() == ["code,name,share,lon,lat"]
    vertices = write_layer(empty, ExportFormat.CSV, MAP, tables=tables).data.decode("utf-8-sig")
    assert vertices.splitlines() == ["code,name,seq,lon,lat"]


def test_csv_of_a_map_layer_is_one_row_per_vertex() -> None:
    frame = _frame([{"code": "001", "name": "甲", "share": 0.5}], [MultiPolygon([box(0, 0, 1, 1)])])
    data = write_layer(frame, ExportFormat.CSV, MAP, tables=tables).data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == ["code", "name", "seq", "lon", "lat"] and len(rows) == 5
    assert [r[2] for r in rows[1:]] == ["1", "2", "3", "4"]
