"""From an uploaded file to the layer inside it (no Flask, no database).

The upload sits in a private temporary folder the caller owns and removes. A ZIP (a
zipped Shapefile, a KMZ, or any of the other formats zipped) is recognised by its content,
not its name, and unpacked there by ``core.archives``; a GeoPackage by its SQLite header.
Exactly one layer file must be found: a Shapefile (with its ``.shx`` and ``.dbf``), a
GeoPackage, GeoJSON, KML or a CSV (of vertices for polygons, of rows for points:
``core.layer_csv``). What the features must be is the layer's :class:`LayerSpec`.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from gridapp.core.archives import ArchiveLimits, extract_zip
from gridapp.core.datums import Datum
from gridapp.core.errors import UnsupportedMedia
from gridapp.core.layer_csv import CELL_CODE_HEADERS, read_point_csv, read_vertex_csv
from gridapp.core.layer_read import Layer, LayerRejected, Shape, read_layer

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
SQLITE_MAGIC = b"SQLite format 3\x00"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
LAYER_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".csv")
ACCEPTED = "Shapefile（.zip）、GeoPackage（.gpkg）、GeoJSON、KML/KMZ、CSV"


DEFAULT_LIMITS = ArchiveLimits()


@dataclass(frozen=True)
class LayerSpec:
    """What an imported layer's features are: their shape and, in a CSV of vertices, the
    headers of the column whose rows make one feature."""

    shape: Shape = Shape.POLYGON
    code_headers: tuple[str, ...] = CELL_CODE_HEADERS


CELLS = LayerSpec()


def read_upload(
    path: Path, datum: Datum, limits: ArchiveLimits = DEFAULT_LIMITS, spec: LayerSpec = CELLS
) -> Layer:
    """The features of the uploaded ``path`` (in a private folder), in WGS-84."""
    layer_path = find_layer(path, limits)
    if layer_path.suffix.lower() == ".csv":
        if spec.shape is Shape.POINT:
            return read_point_csv(layer_path, datum)
        return read_vertex_csv(layer_path, datum, spec.code_headers, spec.shape)
    return read_layer(layer_path, datum, spec.shape)


def find_layer(path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> Path:
    """The layer file of the upload: itself, or the one layer file of a ZIP."""
    with path.open("rb") as f:
        head = f.read(16)
    if not head:
        raise LayerRejected("上传的文件是空的")
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        folder = path.parent / "unzipped"
        folder.mkdir()
        return _one_layer(extract_zip(path, folder, limits))
    if head.startswith(SQLITE_MAGIC):
        return _named(path, ".gpkg")
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json", ".kml") and head.startswith(UTF16_BOMS):
        raise LayerRejected(
            f"文件是 UTF-16 编码；{suffix[1:].upper()} 文件须为 UTF-8，请另存为 UTF-8 后再上传"
        )
    if suffix in (".geojson", ".json", ".kml", ".csv"):
        return path
    if suffix in (".shp", ".shx", ".dbf", ".prj"):
        raise LayerRejected(
            "Shapefile 由多个文件组成，请把 .shp、.shx、.dbf、.prj（和 .cpg）打包成一个 ZIP 上传"
        )
    if suffix in (".zip", ".kmz", ".gpkg"):
        raise LayerRejected(
            f"文件扩展名为 {suffix}，但内容不是有效的 {suffix[1:].upper()} 文件（已损坏或不完整）"
        )
    raise UnsupportedMedia(f"不支持的文件类型“{suffix or '（无扩展名）'}”；可以上传 {ACCEPTED}")


def _named(path: Path, suffix: str) -> Path:
    """GDAL picks some drivers by extension: give the file the one its content has."""
    if path.suffix.lower() == suffix:
        return path
    return path.rename(path.with_suffix(suffix))


def _one_layer(files: list[Path]) -> Path:
    usable = [
        f
        for f in files
        if f.suffix.lower() in LAYER_SUFFIXES
        and not f.name.startswith(".")
        and "__MACOSX" not in f.parts
    ]
    if not usable:
        raise LayerRejected(f"压缩包中没有可识别的图层文件；可以上传 {ACCEPTED}")
    if len(usable) > 1:
        names = "、".join(f.name for f in usable[:5])
        raise LayerRejected(f"压缩包中有 {len(usable)} 个图层文件（{names}），一次只能导入一个图层")
    (layer,) = usable
    if layer.suffix.lower() == ".shp":
        present = {f.suffix.lower() for f in files if f.stem == layer.stem}
        missing = [s for s in (".shx", ".dbf") if s not in present]
        if missing:
            raise LayerRejected(
                f"Shapefile 缺少 {'、'.join(missing)} 文件，请把同名的各个文件一起打包"
            )
    return layer
