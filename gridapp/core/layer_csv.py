"""Reading a layer from a CSV (no Flask, no database): polygons from a CSV of vertices,
points from a CSV of lon/lat rows.

- Vertices (cells, communities, buildings): one row per vertex, ``code,name,seq,lon,lat``
  or the Chinese headers ``网格编码,网格名称,序号,经度,纬度`` (the code column's names are the
  layer's: 社区编码 for communities, 楼栋编码 for buildings); the rows of one code, in ``seq``
  order, are the outer ring of that feature (the closing vertex is implicit; a repeated
  first vertex at the end is dropped). Such a file has no holes. The other columns of the
  first row of a code are the feature's attributes.
- Points (service points): one row per point, ``lon,lat`` (经度,纬度) and any attributes.

GDAL (through pyogrio) reads the table, every value as text; only the text encoding is
settled here first, because GDAL reads CSV as UTF-8:

- UTF-8, with or without a byte-order mark: read as is;
- UTF-16 with a byte-order mark (Excel's "Unicode text", tab separated): converted, with a
  warning;
- otherwise GBK (Excel's default "CSV" on a Chinese Windows): converted, with a warning;
- anything else is refused.

A value starting with ``'`` followed by ``= + - @`` loses the ``'``: our own exports (and
other careful tools) add it against spreadsheet formula injection.
"""

from __future__ import annotations

import codecs
import math
import unicodedata
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyogrio
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from gridapp.core.datums import Datum
from gridapp.core.layer_read import (
    Feature,
    Layer,
    LayerRejected,
    Problem,
    Shape,
    as_polygon,
    check_range,
    in_wgs84,
    point_at,
)

# Column → the headers that name it (compared after NFKC, case and spaces aside).
POSITION_HEADERS: Mapping[str, tuple[str, ...]] = {
    "seq": ("seq", "序号", "顶点序号"),
    "lon": ("lon", "lng", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
}
CELL_CODE_HEADERS = ("code", "网格编码", "网格编号", "编码")
FORMULA_START = ("=", "+", "-", "@")
SOURCE_CRS = "EPSG:4326（CSV 经纬度）"


def read_vertex_csv(
    path: Path,
    datum: Datum = Datum.WGS84,
    code_headers: tuple[str, ...] = CELL_CODE_HEADERS,
    shape: Shape = Shape.POLYGON,
) -> Layer:
    """The polygons of the vertex CSV ``path`` in WGS-84 (``datum``: what the lon/lat are
    in), grouped by the column ``code_headers`` names; ``shape`` AREA makes them
    MultiPolygons."""
    notes: list[str] = []
    table, headers = _table(path, notes)
    names = {"code": code_headers, **POSITION_HEADERS}
    found = {k: _find(headers, wanted) for k, wanted in names.items()}
    missing = [k for k, c in found.items() if c is None]
    if missing:
        wanted = "、".join(f"{k}（{names[k][1]}）" for k in missing)
        raise LayerRejected(
            f"CSV 缺少必填的列：{wanted}。每行一个顶点，表头如 code,name,seq,lon,lat 或 "
            f"{code_headers[1]},名称,序号,经度,纬度"
        )
    columns = {k: c for k, c in found.items() if c is not None}
    positions = {k: columns[k] for k in POSITION_HEADERS}
    by_code: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in _rows(table, headers):
        by_code.setdefault(row[columns["code"]], []).append((line, row))
    features: list[Feature] = []
    problems: list[Problem] = []
    for number, (code, vertices) in enumerate(by_code.items(), start=1):
        geom, problem, shown = _ring(number, code, vertices, positions)
        if geom is not None and shape is Shape.AREA:
            geom = MultiPolygon([geom])
        attrs = {k: v for k, v in vertices[0][1].items() if k not in positions.values()}
        features.append(Feature(number, attrs, geom, geom if geom is not None else shown))
        if problem is not None:
            problems.append(problem)
    return _in_wgs84(features, problems, datum, notes)


def read_point_csv(path: Path, datum: Datum = Datum.WGS84) -> Layer:
    """The points of the CSV ``path`` (one row each, ``lon,lat`` or ``经度,纬度`` and any
    attributes) in WGS-84."""
    notes: list[str] = []
    table, headers = _table(path, notes)
    lon, lat = _find(headers, POSITION_HEADERS["lon"]), _find(headers, POSITION_HEADERS["lat"])
    if lon is None or lat is None:
        raise LayerRejected("CSV 缺少经纬度列：每行一个点，表头须有 lon、lat（或 经度、纬度）两列")
    features: list[Feature] = []
    problems: list[Problem] = []
    for number, (line, row) in enumerate(_rows(table, headers), start=1):
        point, problem = _point(number, line, row[lon], row[lat])
        attrs = {k: v for k, v in row.items() if k not in (lon, lat)}
        features.append(Feature(number, attrs, point, point))
        if problem is not None:
            problems.append(problem)
    return _in_wgs84(features, problems, datum, notes)


def _table(path: Path, notes: list[str]) -> tuple[Any, list[str]]:
    utf8 = _as_utf8(path, notes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = pyogrio.read_dataframe(utf8, read_geometry=False)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        raise LayerRejected("CSV 文件无法读取（格式错误、已损坏或为空）") from None
    if len(table) == 0:
        raise LayerRejected("CSV 文件中没有任何数据行")
    return table, [str(c) for c in table.columns]


def _rows(table: Any, headers: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, {header: text}) of every row; the header is line 1."""
    return [
        (index + 2, {h: _text(row[h]) for h in headers})
        for index, row in enumerate(table.to_dict("records"))
    ]


def _in_wgs84(
    features: list[Feature], problems: list[Problem], datum: Datum, notes: list[str]
) -> Layer:
    shapes = [f.geom for f in features if f.geom is not None]
    if shapes:
        check_range(shapely.total_bounds(shapes))
    return Layer(features, SOURCE_CRS, in_wgs84(features, problems, datum), notes)


def _point(
    number: int, line: int, lon_text: str, lat_text: str
) -> tuple[Point | None, Problem | None]:
    try:
        lon, lat = float(lon_text), float(lat_text)
    except ValueError:
        message = f"第 {line} 行的经纬度不是数字：{lon_text!r}, {lat_text!r}"
        return None, Problem(number, "数值错误", message)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None, Problem(number, "数值错误", f"第 {line} 行的经纬度不是有限的数字")
    return Point(lon, lat), None


def _as_utf8(path: Path, notes: list[str]) -> Path:
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):
        text = raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise LayerRejected("CSV 文件的 UTF-16 编码已损坏") from None
        notes.append("CSV 文件为 UTF-16 编码，已转换为 UTF-8 读取")
    else:
        text = _utf8_or_gbk(raw, notes)
    if not text.strip():
        raise LayerRejected("CSV 文件是空的")
    out = path.with_name(f"{path.stem}.utf8.csv")
    out.write_text(text, encoding="utf-8")
    return out


def _utf8_or_gbk(raw: bytes, notes: list[str]) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gbk")
    except UnicodeDecodeError:
        raise LayerRejected(
            "CSV 文件的文字编码既不是 UTF-8 也不是 GBK，请另存为“CSV UTF-8（逗号分隔）”后再上传"
        ) from None
    notes.append("CSV 文件按 GBK 编码读取（Excel 默认的中文 CSV）；如有乱码请另存为 UTF-8")
    return text


def _header_key(header: str) -> str:
    return unicodedata.normalize("NFKC", header).strip().lower().replace(" ", "")


def _find(headers: list[str], names: tuple[str, ...]) -> str | None:
    """The first of the file's headers that is one of ``names``."""
    return next((h for h in headers if _header_key(h) in names), None)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        text = text[1:]
    return text


def _ring(
    number: int, code: str, vertices: list[tuple[int, dict[str, str]]], columns: dict[str, str]
) -> tuple[Polygon | None, Problem | None, Polygon | None]:
    """The polygon of one code's rows, or its problem (and the refused ring, to draw)."""
    lines = f"第 {vertices[0][0]}–{vertices[-1][0]} 行" if len(vertices) > 1 else ""
    label = f"编码 {code or '（空）'}{f'（{lines}）' if lines else ''}"
    points: list[tuple[int, float, float]] = []
    for line, row in vertices:
        v = {k: row[c] for k, c in columns.items()}
        try:
            seq, lon, lat = int(v["seq"]), float(v["lon"]), float(v["lat"])
        except ValueError:
            message = (
                f"第 {line} 行的序号或经纬度不是数字：{v['seq']!r}, {v['lon']!r}, {v['lat']!r}"
            )
            return None, Problem(number, "数值错误", message), None
        if lon != lon or lat != lat or abs(lon) == float("inf") or abs(lat) == float("inf"):
            return None, Problem(number, "数值错误", f"第 {line} 行的经纬度不是有限的数字"), None
        points.append((seq, lon, lat))
    seqs = [p[0] for p in points]
    if len(set(seqs)) != len(seqs):
        twice = sorted({s for s in seqs if seqs.count(s) > 1})
        message = f"{label}的顶点序号 {twice} 出现了不止一次"
        return None, Problem(number, "序号重复", message), None
    points.sort()
    ring = [(lon, lat) for _, lon, lat in points]
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    if len(set(ring)) < 3:
        where = point_at(Point(ring[0])) if ring else None
        message = f"{label}只有 {len(set(ring))} 个不同的顶点，至少要 3 个"
        return None, Problem(number, "几何无效", message, where), None
    geom, problem = as_polygon(number, Polygon(ring))
    if problem is not None:
        problem = Problem(number, problem.category, f"{label}：{problem.message}", problem.where)
    return geom, problem, Polygon(ring)
