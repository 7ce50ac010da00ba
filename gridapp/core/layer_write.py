"""Writing a layer (a GeoDataFrame in WGS-84) as a file another GIS opens: GeoJSON,
GeoPackage, zipped Shapefile (with ``.prj`` and a UTF-8 ``.cpg``), KML or CSV, in WGS-84
or, on request, in GCJ-02 / BD-09 for Chinese web maps (no Flask, no database).

CSV follows the import's formats (core/layer_read.py): points as ``lon``/``lat`` columns;
polygons one row per vertex of the outer ring, ``code,name,seq,lon,lat`` — that format has
no holes and no second parts, so GeoPackage or Shapefile is the one to keep them. Text a
spreadsheet would run as a formula is neutralised by the caller's ``csv_rows`` writer.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

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


FORMAT_LABELS = {
    ExportFormat.GEOJSON: "GeoJSON",
    ExportFormat.GPKG: "GeoPackage",
    ExportFormat.SHP: "Shapefile（ZIP 压缩包）",
    ExportFormat.KML: "KML（奥维、Google Earth）",
    ExportFormat.CSV: "CSV（经纬度表格）",
}
MIMETYPES = {
    ExportFormat.GEOJSON: "application/geo+json",
    ExportFormat.GPKG: "application/geopackage+sqlite3",
    ExportFormat.SHP: "application/zip",
    ExportFormat.KML: "application/vnd.google-earth.kml+xml",
    ExportFormat.CSV: "text/csv",
}
EXTENSIONS = {
    ExportFormat.GEOJSON: "geojson",
    ExportFormat.GPKG: "gpkg",
    ExportFormat.SHP: "zip",
    ExportFormat.KML: "kml",
    ExportFormat.CSV: "csv",
}
DRIVERS = {
    ExportFormat.GEOJSON: "GeoJSON",
    ExportFormat.GPKG: "GPKG",
    ExportFormat.SHP: "ESRI Shapefile",
    ExportFormat.KML: "KML",
}


@dataclass(frozen=True)
class Exported:
    data: bytes
    mimetype: str
    extension: str


def write_layer(
    frame: gpd.GeoDataFrame,
    fmt: ExportFormat,
    name: str,
    datum: Datum = Datum.WGS84,
    csv_rows: Callable[[list[list[Any]]], bytes] | None = None,
) -> Exported:
    """``frame`` (EPSG:4326, ``name`` the layer's English name) as a file of ``fmt``."""
    if datum is not Datum.WGS84:
        frame = frame.copy()
        frame["geometry"] = [from_wgs84(g, datum) for g in frame.geometry]
    if fmt is ExportFormat.CSV:
        if csv_rows is None:
            raise ValueError("csv_rows is needed for CSV")
        data = csv_rows(_csv_table(frame))
    else:
        data = _with_gdal(frame, fmt, name)
    return Exported(data, MIMETYPES[fmt], EXTENSIONS[fmt])


def _with_gdal(frame: gpd.GeoDataFrame, fmt: ExportFormat, name: str) -> bytes:
    options: dict[str, Any] = {}
    if fmt is ExportFormat.SHP:
        options["layer_options"] = {"ENCODING": "UTF-8"}  # writes the .cpg
    if fmt is ExportFormat.GEOJSON:  # GDAL's default (7 digits) rounds to ~1 cm
        options["layer_options"] = {"COORDINATE_PRECISION": 9}
    if fmt is ExportFormat.KML:
        options["dataset_options"] = {"NameField": "name"}
    with tempfile.TemporaryDirectory(prefix="gridapp-export-") as tmp:
        folder = Path(tmp)
        path = folder / f"{name}.{'shp' if fmt is ExportFormat.SHP else EXTENSIONS[fmt]}"
        pyogrio.write_dataframe(frame, path, layer=name, driver=DRIVERS[fmt], **options)
        if fmt is not ExportFormat.SHP:
            return path.read_bytes()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(folder.iterdir()):
                archive.write(part, part.name)
        return out.getvalue()


def _csv_table(frame: gpd.GeoDataFrame) -> list[list[Any]]:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if all(isinstance(g, Point) for g in frame.geometry):
        header = [*columns, "lon", "lat"]
        rows = [
            [*(row[c] for c in columns), round(g.x, 7), round(g.y, 7)]
            for (_, row), g in zip(frame.iterrows(), frame.geometry, strict=True)
        ]
        return [header, *rows]
    table: list[list[Any]] = [["code", "name", "seq", "lon", "lat"]]
    for (_, row), geom in zip(frame.iterrows(), frame.geometry, strict=True):
        ring = _outer_ring(geom)
        for seq, (x, y) in enumerate(ring[:-1], start=1):  # the closing vertex is implicit
            table.append([row.get("code", ""), row.get("name", ""), seq, round(x, 7), round(y, 7)])
    return table


def _outer_ring(geom: Any) -> list[tuple[float, float]]:
    polygon = geom if isinstance(geom, Polygon) else max(geom.geoms, key=lambda p: p.area)
    return [(float(x), float(y)) for x, y in polygon.exterior.coords]
