"""The attributes of an imported layer's features, found under any accepted column name
(no Flask, no database).

Each layer kind names its fields and their accepted names (``code``, 网格编码, a
Shapefile's 10-character ``comm_code`` …); names are compared after NFKC (full-width
letters), case and surrounding spaces aside. A missing required column refuses the whole
file; a bad value is the problem of its feature, like a bad geometry.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from typing import Any

from shapely.geometry.base import BaseGeometry

from gridapp.core.layer_read import Layer, LayerRejected, Problem, point_at

Fields = Mapping[str, tuple[str, ...]]  # our field → its accepted names (the 2nd is shown)


def field_columns(layer: Layer, fields: Fields, required: tuple[str, ...]) -> dict[str, str]:
    """Our field → the layer's column holding it; refuses a layer lacking a required one."""
    columns: set[str] = set()
    for feature in layer.features:
        columns.update(feature.attrs)
    found: dict[str, str] = {}
    for column in sorted(columns, key=lambda c: (c != c.lower(), c)):
        key = field_key(column)
        for ours, names in fields.items():
            if key in names and ours not in found:
                found[ours] = column
    missing = [k for k in required if k not in found]
    if missing:
        wanted = "、".join(f"{k}（{fields[k][1]}）" for k in missing)
        have = "、".join(sorted(columns)) or "无"
        raise LayerRejected(f"图层缺少必填字段：{wanted}。文件中的字段：{have}")
    return found


def field_values(layer: Layer, fields: Fields, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Each feature's values as text, by our field names (missing optional fields: "")."""
    columns = field_columns(layer, fields, required)
    return [
        {key: text_value(f.attrs.get(columns[key])) if key in columns else "" for key in fields}
        for f in layer.features
    ]


def field_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lower()


def text_value(raw: Any) -> str:
    """A field's value as text, as written (a name keeps its full-width ``（）``): a number
    stored as a float (DBF, GeoPackage REAL) loses its ``.0``; NaN is empty."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def code_value(text: str) -> str:
    """A code or number as typed in any width: full-width digits become ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def count_value(text: str, limit: int = 1_000_000) -> int | None:
    """A count (households, levels …): a whole number 0 ≤ n ≤ ``limit``; "" is 0; anything
    else None. "12.0" (a spreadsheet's number) is 12."""
    text = code_value(text)
    if not text:
        return 0
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number) or not number.is_integer() or not 0 <= number <= limit:
        return None
    return int(number)


def where(geom: BaseGeometry | None) -> tuple[float, float] | None:
    """Where a feature's problem is shown: a point inside its geometry."""
    if geom is None or geom.is_empty:
        return None
    return point_at(geom.representative_point())


def duplicate_problem(
    first_of: dict[str, int], key: str, number: int, label: str, geom: BaseGeometry | None
) -> Problem | None:
    """A problem when ``key`` was already seen (records the first feature holding it)."""
    if not key:
        return None
    if key in first_of:
        message = f"{label} {key} 重复：第 {first_of[key]} 个和第 {number} 个要素"
        return Problem(number, "编码重复", message, where(geom))
    first_of[key] = number
    return None


def name_problem(
    number: int, label: str, name: str, limit: int, geom: BaseGeometry | None
) -> Problem | None:
    """A missing or too long name of the feature called ``label`` (e.g. "网格 110…001")."""
    if not name:
        return Problem(number, "缺少名称", f"{label} 没有名称", where(geom))
    if len(name) > limit:
        return Problem(number, "名称过长", f"{label} 的名称超过 {limit} 个字", where(geom))
    return None
