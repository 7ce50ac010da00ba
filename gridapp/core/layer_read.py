"""Reading an uploaded vector layer (GeoJSON, GeoPackage, Shapefile, KML) into WGS-84
geometries of one shape (:class:`Shape`: polygons, areas or points), with the problems of
each feature named (no Flask, no database).

GDAL (through pyogrio) reads the file and pyproj converts whatever coordinate system it
declares (CGCS2000, Gauss-Krüger zones of CGCS2000 / Beijing 1954 / Xian 1980, UTM …) to
EPSG:4326; the offset datums of Chinese web maps, which no file can declare, are the
user's choice (``core.datums``). Policies for the borderline cases:

- no declared CRS: GeoJSON is WGS-84 by its standard; any other file is read as lon/lat
  (with a warning) when its coordinates are degrees, and refused when they are not;
- a Shapefile without ``.cpg``: its DBF is read as UTF-8 when it decodes so, else as GBK
  (with a warning), else refused;
- KML with a DOCTYPE or entities is refused before GDAL opens it (XXE, entity bombs);
- Z and M are dropped; holes are kept; a multipolygon of one part is that polygon (a
  cell or community must be one polygon; an area such as a building may have parts); a
  multipoint of one point is that point.

A whole-file fault (unreadable, empty, out of range, swapped lon/lat) raises
:class:`LayerRejected`; a feature's fault (no geometry, wrong type, several parts, invalid
ring) is listed in :attr:`Layer.problems` with where it is, so a preview can show them all.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import defusedxml.ElementTree
import pyogrio
import shapely
from defusedxml import DefusedXmlException
from pyproj import CRS
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from gridapp.core.datums import Datum, all_to_wgs84
from gridapp.core.errors import DomainError

WGS84 = CRS.from_epsg(4326)
# Bounding box of China, lon/lat: a file whose every point lies in it with the axes
# swapped almost surely swapped them.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


class Shape(StrEnum):
    """The geometry every feature of an imported layer must have."""

    POLYGON = "polygon"  # one polygon (cells, communities)
    AREA = "area"  # a polygon or several (buildings), stored as a MultiPolygon
    POINT = "point"  # one point (service points)


class LayerRejected(DomainError):
    """A file that cannot be read as a layer at all (nothing of it is usable)."""

    status = 422
    code = "layer_rejected"


@dataclass(frozen=True)
class Problem:
    feature: int  # 1-based, in file order
    category: str  # 几何缺失 / 几何类型错误 / 多部件 / 几何无效
    message: str
    where: tuple[float, float] | None = None  # lon/lat of the fault, when known


@dataclass
class Feature:
    number: int  # 1-based, in file order
    attrs: dict[str, Any]
    geom: BaseGeometry | None  # WGS-84, 2D, of the layer's shape; None when it has a problem
    shown: BaseGeometry | None = None  # as read (WGS-84, 2D), even when invalid: for previews


@dataclass
class Layer:
    features: list[Feature]
    source_crs: str  # as the file declared it (or as assumed; see warnings)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_layer(
    path: Path, datum: Datum = Datum.WGS84, shape: Shape = Shape.POLYGON, layer: str | None = None
) -> Layer:
    """The features of ``path`` (one layer: ``layer`` or the first) in WGS-84, each
    geometry checked to be of ``shape``."""
    notes: list[str] = []
    if path.suffix.lower() == ".kml":
        _refuse_xml_tricks(path)
    encoding = _shapefile_encoding(path, notes) if path.suffix.lower() == ".shp" else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's own notes, e.g. about field widths
            meta = pyogrio.read_info(path, layer=layer, encoding=encoding)
            frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
        reason = _gdal_reason(err)
        raise LayerRejected(f"文件无法读取（格式错误、已损坏或不完整）：{reason}") from None
    except UnicodeDecodeError:
        raise LayerRejected("文件的文字编码无法识别，请另存为 UTF-8 后再上传") from None
    if len(frame) == 0:
        raise LayerRejected("图层中没有任何要素")
    declared = CRS.from_user_input(frame.crs) if frame.crs is not None else None
    source = _source_crs(declared, meta, frame.total_bounds, datum, notes)
    if not source.equals(WGS84):
        frame = frame.to_crs(WGS84)
    check_range(frame.total_bounds)
    features: list[Feature] = []
    problems: list[Problem] = []
    attrs = frame.drop(columns=frame.geometry.name).to_dict("records")
    for number, (raw, row) in enumerate(zip(frame.geometry, attrs, strict=True), start=1):
        geom, problem = as_shape(number, raw, shape)
        attrs = {k: _plain(v) for k, v in row.items()}
        shown = geom
        if geom is None and raw is not None and not raw.is_empty:
            shown = shapely.force_2d(raw)  # drawn as read, to show where the problem is
        features.append(Feature(number, attrs, geom, shown))
        if problem is not None:
            problems.append(problem)
    return Layer(features, source.to_string(), in_wgs84(features, problems, datum), notes)


def in_wgs84(features: list[Feature], problems: list[Problem], datum: Datum) -> list[Problem]:
    """Move ``features`` read in ``datum`` to WGS-84 (their geometry, or what is drawn of a
    refused one, all at once); returns ``problems`` with the places they name moved too."""
    if datum is Datum.WGS84:
        return problems
    for f, moved in zip(features, all_to_wgs84([f.shown for f in features], datum), strict=True):
        f.shown = moved
        if f.geom is not None:
            f.geom = moved
    at = [None if p.where is None else Point(p.where) for p in problems]
    return [
        p if moved is None else replace(p, where=(moved.x, moved.y))
        for p, moved in zip(problems, all_to_wgs84(at, datum), strict=True)
    ]


def _refuse_xml_tricks(path: Path) -> None:
    """KML needs no DTD: any DOCTYPE or entity is refused before GDAL parses the file."""
    try:
        defusedxml.ElementTree.parse(path, forbid_dtd=True)
    except DefusedXmlException:
        raise LayerRejected(
            "KML 文件含有 DOCTYPE 或实体声明（可能是 XML 外部实体攻击），不予读取"
        ) from None
    except defusedxml.ElementTree.ParseError as err:
        raise LayerRejected(f"KML 文件不是有效的 XML：第 {err.position[0]} 行附近有错误") from None


def _shapefile_encoding(shp: Path, notes: list[str]) -> str | None:
    """None when a ``.cpg`` names the encoding (GDAL honours it), else UTF-8 or GBK."""
    if any(shp.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbfs = [shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).exists()]
    dbf = dbfs[0] if dbfs else None
    if dbf is None:
        raise LayerRejected(
            "Shapefile 缺少 .dbf 文件（属性表），请把 .shp、.shx、.dbf、.prj 一起打包上传"
        )
    data = dbf.read_bytes()
    records = data[int.from_bytes(data[8:10], "little") :] if len(data) >= 32 else b""
    for encoding in ("utf-8", "gbk"):
        try:
            records.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gbk":
            notes.append("Shapefile 未附 .cpg 文件，属性按 GBK 编码读取；如有乱码请附上 .cpg")
        return encoding.upper()
    raise LayerRejected(
        "Shapefile 属性表的文字编码既不是 UTF-8 也不是 GBK，请附上 .cpg 文件说明编码"
    )


def _source_crs(
    declared: CRS | None, meta: dict[str, Any], bounds: Any, datum: Datum, notes: list[str]
) -> CRS:
    degrees = -180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90
    if declared is None:
        if meta.get("driver") == "GeoJSON":
            return WGS84
        if not degrees:
            raise LayerRejected(
                "文件没有声明坐标系（如 Shapefile 缺少 .prj），而坐标不是经纬度，无法确定位置；"
                "请附上 .prj 文件"
            )
        notes.append("文件没有声明坐标系，按经纬度读取")
        return WGS84
    if datum is not Datum.WGS84 and not declared.is_geographic:
        raise LayerRejected(
            f"文件声明了投影坐标系（{declared.name}），GCJ-02、BD-09 只用于经纬度坐标；"
            "请把坐标系选为 WGS-84"
        )
    return declared


def check_range(bounds: Any) -> None:
    """Refuse a layer whose lon/lat are swapped or out of range (metres as degrees)."""
    west, south, east, north = (float(b) for b in bounds)
    lat_like = CHINA_LAT[0] <= west <= east <= CHINA_LAT[1]
    if lat_like and CHINA_LON[0] <= south <= north <= CHINA_LON[1]:
        raise LayerRejected("经纬度疑似颠倒（纬度在前、经度在后），请检查坐标的顺序")
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise LayerRejected(
            "坐标超出经纬度范围：可能是投影坐标（米）却声明为经纬度，或坐标系声明错误"
        )


def as_shape(
    number: int, raw: BaseGeometry | None, shape: Shape
) -> tuple[BaseGeometry | None, Problem | None]:
    """The feature's geometry as ``shape`` wants it, or the problem that prevents it."""
    if shape is Shape.POINT:
        return as_point(number, raw)
    if shape is Shape.AREA:
        return as_area(number, raw)
    return as_polygon(number, raw)


def as_point(number: int, raw: BaseGeometry | None) -> tuple[Point | None, Problem | None]:
    """One 2D point with finite coordinates."""
    if raw is None or raw.is_empty:
        return None, Problem(number, "几何缺失", f"第 {number} 个要素没有几何")
    geom = shapely.force_2d(raw)
    if isinstance(geom, MultiPoint) and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if not isinstance(geom, Point):
        message = f"第 {number} 个要素是{_geometry_name(geom)}，应为点（Point）"
        return None, Problem(number, "几何类型错误", message, point_at(geom.representative_point()))
    return geom, None


def as_area(number: int, raw: BaseGeometry | None) -> tuple[MultiPolygon | None, Problem | None]:
    """A valid polygon or multipolygon (of valid, non-overlapping parts), as a MultiPolygon."""
    if isinstance(raw, MultiPolygon) and len(raw.geoms) > 1:
        geom = shapely.force_2d(raw)
        return (None, _invalid(number, geom)) if not geom.is_valid else (geom, None)
    polygon, problem = as_polygon(number, raw)
    return (None if polygon is None else MultiPolygon([polygon])), problem


def as_polygon(number: int, raw: BaseGeometry | None) -> tuple[Polygon | None, Problem | None]:
    """The feature's geometry as one valid 2D polygon, or the problem that prevents it."""
    if raw is None or raw.is_empty:
        return None, Problem(number, "几何缺失", f"第 {number} 个要素没有几何")
    geom = shapely.force_2d(raw)
    if isinstance(geom, MultiPolygon):
        if len(geom.geoms) != 1:
            where = point_at(geom.geoms[1].representative_point())
            parts = len(geom.geoms)
            message = f"第 {number} 个要素由 {parts} 个互不相连的部分组成，须为一个面"
            return None, Problem(number, "多部件", message, where)
        geom = geom.geoms[0]
    if not isinstance(geom, Polygon):
        message = f"第 {number} 个要素是{_geometry_name(geom)}，应为面（Polygon）"
        return None, Problem(number, "几何类型错误", message, point_at(geom.representative_point()))
    if not geom.is_valid:
        return None, _invalid(number, geom)
    return geom, None


def _invalid(number: int, geom: BaseGeometry) -> Problem:
    """The problem of an invalid polygon: GEOS's reason in Chinese, and where it is."""
    reason = explain_validity(geom)
    where = _validity_location(reason) or point_at(geom.representative_point())
    return Problem(number, "几何无效", f"第 {number} 个要素的边界无效：{_reason_zh(reason)}", where)


def point_at(point: BaseGeometry) -> tuple[float, float]:
    """Where a problem is: lon/lat rounded to 7 decimals (about a centimetre)."""
    return (round(point.x, 7), round(point.y, 7))


def _validity_location(reason: str) -> tuple[float, float] | None:
    """GEOS says where: "Self-intersection[116.40 39.90]"."""
    if "[" not in reason:
        return None
    x, y = reason[reason.index("[") + 1 : reason.rindex("]")].split()[:2]
    return (round(float(x), 7), round(float(y), 7))


def _reason_zh(reason: str) -> str:
    kinds = {
        "Self-intersection": "边界自相交",
        "Ring Self-intersection": "环自相交",
        "Too few points": "点数过少",
        "Hole lies outside shell": "内洞在外环之外",
        "Nested shells": "外环嵌套",
        "Interior is disconnected": "内部不连通",
        "Duplicate Rings": "重复的环",
    }
    name = reason.split("[")[0].strip()
    return kinds.get(name, "几何无效")


def _plain(value: Any) -> Any:
    """Attributes as plain Python values (numpy scalars and NaN become int/float/None)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


GDAL_REASONS = {
    "not recognized as being in a supported file format": "不是可识别的地理数据格式",
    "No such file or directory": "找不到文件",
}
GEOMETRY_NAMES = {
    "Point": "点（Point）",
    "MultiPoint": "多点（MultiPoint）",
    "LineString": "线（LineString）",
    "MultiLineString": "多线（MultiLineString）",
    "LinearRing": "线环（LinearRing）",
    "Polygon": "面（Polygon）",
    "MultiPolygon": "多面（MultiPolygon）",
    "GeometryCollection": "几何集合（GeometryCollection）",
}


def _gdal_reason(err: Exception) -> str:
    """GDAL's first line, without the server's paths (the upload sits in a private temp
    folder: its name is nobody's business), in Chinese where we know the phrase."""
    text = str(err).split("\n")[0]
    for phrase, chinese in GDAL_REASONS.items():
        if phrase in text:
            return chinese
    return re.sub(r"(?:[A-Za-z]:)?[/\\][^\s'\"]*[/\\]", "", text)[:200]


def _geometry_name(geom: BaseGeometry) -> str:
    return GEOMETRY_NAMES.get(geom.geom_type, geom.geom_type)
