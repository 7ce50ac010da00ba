"""The cells of an imported layer: their fields found under any accepted name, their codes
checked (no Flask, no database).

A cell needs ``code`` (15 digits after DB11/T 2157: district 6 + subdistrict 3 + community
3 + serial 3) and ``name``; ``community_code`` is optional and, when given, must equal the
first 12 digits of the code. A Shapefile calls it ``comm_code`` (DBF names have at most 10
characters); the Chinese names 网格编码, 网格名称 and 社区编码 are accepted too. A missing
column refuses the file; a bad value is the problem of its feature, like a bad geometry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from gridapp.core.codes import CELL_CODE
from gridapp.core.import_fields import code_value, field_values, name_problem, where
from gridapp.core.layer_read import Layer, Problem

CELL_FIELDS: Mapping[str, tuple[str, ...]] = {
    "code": ("code", "网格编码", "网格编号", "编码", "grid_code", "wgbm"),
    "name": ("name", "网格名称", "名称", "grid_name", "wgmc"),
    "community_code": ("community_code", "comm_code", "社区编码", "sqbm"),
}
MAX_NAME = 100


@dataclass(frozen=True)
class IncomingCell:
    number: int  # the feature's number in the file (1-based)
    code: str
    name: str
    geom: Polygon | None  # WGS-84; None when the geometry has a problem
    shown: BaseGeometry | None = None  # the geometry as read, even when invalid (previews)

    @property
    def community_code(self) -> str:
        return self.code[:12]


def incoming_cells(layer: Layer) -> tuple[list[IncomingCell], list[Problem]]:
    """The layer's features as cells, and every problem (the layer's and the fields')."""
    rows = field_values(layer, CELL_FIELDS, ("code", "name"))
    cells: list[IncomingCell] = []
    problems = list(layer.problems)
    first_of: dict[str, int] = {}
    for feature, values in zip(layer.features, rows, strict=True):
        code, name = code_value(values["code"]), values["name"]
        problem = _code_problem(feature.number, code, code_value(values["community_code"]))
        if problem is None and code in first_of:
            message = f"网格编码 {code} 重复：第 {first_of[code]} 个和第 {feature.number} 个要素"
            problem = Problem(feature.number, "编码重复", message, where(feature.geom))
        if problem is None:
            problem = name_problem(feature.number, f"网格 {code}", name, MAX_NAME, feature.geom)
        if problem is not None:
            problems.append(problem)
        first_of.setdefault(code, feature.number)
        geom = feature.geom if isinstance(feature.geom, Polygon) else None
        cells.append(IncomingCell(feature.number, code, name[:MAX_NAME], geom, feature.shown))
    problems.sort(key=lambda p: p.feature)
    return cells, problems


def _code_problem(number: int, code: str, community_code: str) -> Problem | None:
    if not code:
        return Problem(number, "缺少编码", f"第 {number} 个要素没有网格编码")
    if not CELL_CODE.match(code):
        message = (
            f"第 {number} 个要素的网格编码 {code!r} 不是 15 位数字"
            "（区县 6 位 + 街道 3 位 + 社区 3 位 + 序号 3 位）"
        )
        return Problem(number, "编码格式错误", message)
    if code.endswith("000"):
        return Problem(number, "编码格式错误", f"网格编码 {code} 的序号不能是 000")
    if community_code and community_code != code[:12]:
        message = f"网格 {code} 的社区编码 {community_code} 与网格编码的前 12 位 {code[:12]} 不一致"
        return Problem(number, "社区编码不符", message)
    return None
