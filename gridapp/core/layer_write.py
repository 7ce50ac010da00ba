"""Writing a layer (a GeoDataFrame in WGS-84) as a file another GIS or a spreadsheet opens:
GeoJSON, GeoPackage, zipped Shapefile (with ``.prj`` and a UTF-8 ``.cpg``), KML, CSV or
XLSX, in WGS-84 or, on request, in GCJ-02 / BD-09 for Chinese web maps (no Flask, no
database).

CSV follows the import's formats (core/layer_read.py): points as ``lon``/``lat`` columns;
polygons one row per vertex of the outer ring, ``code,name,seq,lon,lat`` — that format has
no holes and no second parts, so GeoPackage or Shapefile is the one to keep them. A layer
that is a table of places (``Layer.table``: counts, coverage) keeps its figures instead:
one row per place, its fields and a point inside it (``representative_point``) as
``lon``/``lat``. XLSX is always that table, one sheet named after the layer, headed by the
fields' Chinese names like the app's other table downloads; a polygon's whole outline does
not fit a spreadsheet cell reliably, so a sheet gives the point inside it.

Text a spreadsheet would run as a formula is neutralised by the caller's ``Tables`` (the
app's ``services/tables.py``): this module only lays out the rows.
"""

from __future__ import annotations

import io
import math
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Protocol

import geopandas as gpd
import pyogrio
from shapely.geometry import Point, Polygon

from gridapp.core.datums import Datum, from_wgs84


class ExportFormat(StrEnum):
    GEOJSON = "geojson"
    GPKG = "gpkg"
    SHP = "shp"
    KML = "kml"
    CSV = "csv"
    XLSX = "xlsx"


FORMAT_LABELS = {
    ExportFormat.GEOJSON: "GeoJSON",
    ExportFormat.GPKG: "GeoPackage",
    ExportFormat.SHP: "Shapefile（ZIP 压缩包）",
    ExportFormat.KML: "KML（奥维、Google Earth）",
    ExportFormat.CSV: "CSV（经纬度表格）",
    ExportFormat.XLSX: "XLSX（Excel 表格，面要素给出面内一点的经纬度）",
}
MIMETYPES = {
    ExportFormat.GEOJSON: "application/geo+json",
    ExportFormat.GPKG: "application/geopackage+sqlite3",
    ExportFormat.SHP: "application/zip",
    ExportFormat.KML: "application/vnd.google-earth.kml+xml",
    ExportFormat.CSV: "text/csv",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {
    ExportFormat.GEOJSON: "geojson",
    ExportFormat.GPKG: "gpkg",
    ExportFormat.SHP: "zip",
    ExportFormat.KML: "kml",
    ExportFormat.CSV: "csv",
    ExportFormat.XLSX: "xlsx",
}
DRIVERS = {
    ExportFormat.GEOJSON: "GeoJSON",
    ExportFormat.GPKG: "GPKG",
    ExportFormat.SHP: "ESRI Shapefile",
    ExportFormat.KML: "KML",
}
# The coordinate columns of a sheet: a point's own, or the point inside a polygon.
SHEET_POINT = ("经度", "纬度")
SHEET_INNER_POINT = ("代表点经度", "代表点纬度")
DIGITS = 7  # ~1 cm


@dataclass(frozen=True)
class Layer:
    """What a file needs to know of a layer besides its rows."""

    name: str  # English: the layer inside a GIS file
    title: str  # Chinese: the sheet of an XLSX
    fields: Mapping[str, str]  # attribute fields in order (DBF: 10 characters) → Chinese header
    geometry: Literal["Point", "MultiPolygon"]
    table: bool = False  # a table of places: CSV rows of fields and a point, not vertices


class Tables(Protocol):
    """Writes a table (header first) as a file no spreadsheet runs a formula from."""

    def to_csv(self, rows: list[list[Any]]) -> bytes: ...

    def to_xlsx(self, rows: list[list[Any]], title: str) -> bytes: ...


@dataclass(frozen=True)
class Exported:
    data: bytes
    mimetype: str
    extension: str


def write_layer(
    frame: gpd.GeoDataFrame,
    fmt: ExportFormat,
    layer: Layer,
    datum: Datum = Datum.WGS84,
    tables: Tables | None = None,
) -> Exported:
    """``frame`` (EPSG:4326, the columns of ``layer.fields``) as a file of ``fmt``."""
    if datum is not Datum.WGS84:
        frame = frame.copy()
        frame["geometry"] = [from_wgs84(g, datum) for g in frame.geometry]
    if fmt in (ExportFormat.CSV, ExportFormat.XLSX):
        if tables is None:
            raise ValueError("a table writer is needed for CSV and XLSX")
        if fmt is ExportFormat.XLSX:
            data = tables.to_xlsx(_place_table(frame, layer, sheet=True), layer.title)
        elif layer.geometry == "Point" or layer.table:
            data = tables.to_csv(_place_table(frame, layer, sheet=False))
        else:
            data = tables.to_csv(_vertex_table(frame))
    else:
        data = _with_gdal(frame, fmt, layer)
    return Exported(data, MIMETYPES[fmt], EXTENSIONS[fmt])


def _with_gdal(frame: gpd.GeoDataFrame, fmt: ExportFormat, layer: Layer) -> bytes:
    options: dict[str, Any] = {"geometry_type": layer.geometry}  # known for an empty layer too
    if fmt is ExportFormat.SHP:
        options["layer_options"] = {"ENCODING": "UTF-8"}  # writes the .cpg
    if fmt is ExportFormat.GEOJSON:  # GDAL's default (7 digits) rounds to ~1 cm
        options["layer_options"] = {"COORDINATE_PRECISION": 9}
    if fmt is ExportFormat.KML and "name" in layer.fields:
        options["dataset_options"] = {"NameField": "name"}
    with tempfile.TemporaryDirectory(prefix="gridapp-export-") as tmp:
        folder = Path(tmp)
        name = layer.name
        path = folder / f"{name}.{'shp' if fmt is ExportFormat.SHP else EXTENSIONS[fmt]}"
        pyogrio.write_dataframe(frame, path, layer=name, driver=DRIVERS[fmt], **options)
        if fmt is not ExportFormat.SHP:
            return path.read_bytes()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(folder.iterdir()):
                archive.write(part, part.name)
        return out.getvalue()


def _place_table(frame: gpd.GeoDataFrame, layer: Layer, *, sheet: bool) -> list[list[Any]]:
    """One row per feature: its fields, then the point (or the point inside the polygon)."""
    columns = list(layer.fields)
    if sheet:
        where = SHEET_POINT if layer.geometry == "Point" else SHEET_INNER_POINT
        header = [*layer.fields.values(), *where]
    else:
        header = [*columns, "lon", "lat"]
    rows: list[list[Any]] = [header]
    values = frame[columns].itertuples(index=False, name=None)
    for row, geom in zip(values, frame.geometry, strict=True):
        point = geom if isinstance(geom, Point) else geom.representative_point()
        rows.append([*map(_plain, row), round(point.x, DIGITS), round(point.y, DIGITS)])
    return rows


def _plain(value: Any) -> Any:
    """A cell value: numpy scalars as Python ones, pandas' NaN for a missing value as None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _vertex_table(frame: gpd.GeoDataFrame) -> list[list[Any]]:
    table: list[list[Any]] = [["code", "name", "seq", "lon", "lat"]]
    for (_, row), geom in zip(frame.iterrows(), frame.geometry, strict=True):
        ring = _outer_ring(geom)
        for seq, (x, y) in enumerate(ring[:-1], start=1):  # the closing vertex is implicit
            table.append(
                [row.get("code", ""), row.get("name", ""), seq, round(x, DIGITS), round(y, DIGITS)]
            )
    return table


def _outer_ring(geom: Any) -> list[tuple[float, float]]:
    polygon = geom if isinstance(geom, Polygon) else max(geom.geoms, key=lambda p: p.area)
    return [(float(x), float(y)) for x, y in polygon.exterior.coords]
