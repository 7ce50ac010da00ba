"""The communities of an imported layer: their fields found under any accepted name, their
codes checked (no Flask, no database).

A community needs ``code`` (12 digits after DB11/T 2157: district 6 + subdistrict 3 +
community 3) and ``name``; ``subdistrict_code`` is optional and, when given, must equal the
first 9 digits of the code. The Chinese names 社区编码, 社区名称 and 街道编码 are accepted
too (a Shapefile's 10-character ``sub_code`` as well).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from gridapp.core.codes import COMMUNITY_CODE
from gridapp.core.import_fields import code_value, duplicate_problem, field_values, name_problem
from gridapp.core.layer_read import Layer, Problem

COMMUNITY_FIELDS: Mapping[str, tuple[str, ...]] = {
    "code": ("code", "社区编码", "社区编号", "编码", "community_code", "comm_code", "sqbm"),
    "name": ("name", "社区名称", "名称", "community_name", "sqmc"),
    "subdistrict_code": ("subdistrict_code", "街道编码", "sub_code", "jdbm"),
}
CSV_CODE_HEADERS = ("code", "社区编码", "社区编号", "编码")
MAX_NAME = 100


@dataclass(frozen=True)
class IncomingCommunity:
    number: int  # the feature's number in the file (1-based)
    code: str
    name: str
    geom: Polygon | None  # WGS-84; None when the feature has a problem
    shown: BaseGeometry | None = None  # as read, even when invalid (previews)

    @property
    def subdistrict_code(self) -> str:
        return self.code[:9]


def incoming_communities(layer: Layer) -> tuple[list[IncomingCommunity], list[Problem]]:
    """The layer's features as communities, and every problem (the layer's and the fields')."""
    rows = field_values(layer, COMMUNITY_FIELDS, ("code", "name"))
    out: list[IncomingCommunity] = []
    problems = list(layer.problems)
    first_of: dict[str, int] = {}
    for feature, values in zip(layer.features, rows, strict=True):
        code, name, number = code_value(values["code"]), values["name"], feature.number
        problem = _code_problem(number, code, code_value(values["subdistrict_code"]))
        if problem is None:
            problem = duplicate_problem(first_of, code, number, "社区编码", feature.geom)
        if problem is None:
            problem = name_problem(number, f"社区 {code}", name, MAX_NAME, feature.geom)
        if problem is not None:
            problems.append(problem)
        geom = feature.geom if isinstance(feature.geom, Polygon) else None
        out.append(IncomingCommunity(number, code, name[:MAX_NAME], geom, feature.shown))
    problems.sort(key=lambda p: p.feature)
    return out, problems


def _code_problem(number: int, code: str, subdistrict_code: str) -> Problem | None:
    if not code:
        return Problem(number, "缺少编码", f"第 {number} 个要素没有社区编码")
    if not COMMUNITY_CODE.match(code):
        message = (
            f"第 {number} 个要素的社区编码 {code!r} 不是 12 位数字"
            "（区县 6 位 + 街道 3 位 + 社区 3 位）"
        )
        return Problem(number, "编码格式错误", message)
    if code.endswith("000"):
        return Problem(number, "编码格式错误", f"社区编码 {code} 的社区序号不能是 000")
    if subdistrict_code and subdistrict_code != code[:9]:
        message = f"社区 {code} 的街道编码 {subdistrict_code} 与社区编码的前 9 位 {code[:9]} 不一致"
        return Problem(number, "街道编码不符", message)
    return None
