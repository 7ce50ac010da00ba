"""The buildings (楼栋) of an imported layer: their fields found under any accepted name and
checked (no Flask, no database).

Every field is optional: ``code`` (楼栋编码, kept as the building's ``source_ref``; a code
``#<id>`` names one of our own buildings by its id, as our export writes it for a building
without a code), ``name``, ``kind`` (an English key or a Chinese label of
``vocab.BUILDING_KIND_LABELS``, 住宅 for 住宅楼 …; missing: other), ``levels`` (default 1),
``households`` and ``residents`` (default 0). A column the file lacks is not "given": an
update keeps the building's value, an insert takes the default. A bad value is the problem
of its feature.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from gridapp.core.import_fields import (
    count_value,
    duplicate_problem,
    field_columns,
    field_key,
    field_values,
    where,
)
from gridapp.core.layer_read import Layer, Problem
from gridapp.core.vocab import BUILDING_KIND_LABELS

BUILDING_FIELDS: Mapping[str, tuple[str, ...]] = {
    "code": ("code", "楼栋编码", "楼栋编号", "编码", "ref", "bldg_code"),
    "name": ("name", "名称", "楼栋名称", "建筑名称"),
    "kind": ("kind", "类型", "建筑类型", "楼栋类型", "type"),
    "levels": ("levels", "层数", "楼层数", "building:levels"),
    "households": ("households", "户数", "住户数"),
    "residents": ("residents", "人口", "人数", "常住人口"),
}
MAX_CODE = 50
MAX_NAME = 200
LIMITS = {"levels": 300, "households": 100_000, "residents": 1_000_000}
DEFAULTS = {"levels": 1, "households": 0, "residents": 0}
COUNT_LABELS = {"levels": "层数", "households": "户数", "residents": "人口"}
OWN_ID = re.compile(r"^#([0-9]{1,12})$")  # our export's code of a building without one

# Other names of the kinds, besides their keys and labels (compared after field_key).
KIND_ALIASES = {
    "住宅": "residential",
    "居民楼": "residential",
    "楼房": "residential",
    "平房区": "lowrise",
    "低层住宅": "lowrise",
    "商务楼": "office",
    "写字楼": "office",
    "办公楼": "office",
    "商铺": "commercial",
    "商业楼": "commercial",
    "公建": "public",
    "其它": "other",
}


def _kinds() -> dict[str, str]:
    out = {field_key(k): k for k in BUILDING_KIND_LABELS}
    out.update({field_key(label): k for k, label in BUILDING_KIND_LABELS.items()})
    out.update({field_key(alias): k for alias, k in KIND_ALIASES.items()})
    return out


KINDS = _kinds()
ACCEPTED_KINDS = "、".join(f"{label}（{k}）" for k, label in BUILDING_KIND_LABELS.items())


@dataclass(frozen=True)
class IncomingBuilding:
    number: int  # the feature's number in the file (1-based)
    code: str  # as given ("" when none); ``own_id`` when it is ``#<id>``
    name: str
    kind: str  # a key of BUILDING_KIND_LABELS
    levels: int
    households: int
    residents: int
    geom: MultiPolygon | None  # WGS-84; None when the geometry has a problem
    shown: BaseGeometry | None = None  # as read, even when invalid (previews)
    given: frozenset[str] = frozenset()  # the fields the file has a column for

    @property
    def own_id(self) -> int | None:
        """The id of our building a code ``#<id>`` names."""
        match = OWN_ID.match(self.code)
        return int(match.group(1)) if match else None

    @property
    def source_ref(self) -> str:
        """What the building keeps as its code (not our own ``#<id>``)."""
        return "" if self.own_id is not None else self.code


def kind_value(text: str) -> str | None:
    """The kind's key: "" is other; an unknown name None."""
    if not text:
        return "other"
    return KINDS.get(field_key(text))


def incoming_buildings(layer: Layer) -> tuple[list[IncomingBuilding], list[Problem]]:
    """The layer's features as buildings, and every problem (the layer's and the fields')."""
    given = frozenset(field_columns(layer, BUILDING_FIELDS, ()))
    rows = field_values(layer, BUILDING_FIELDS, ())
    problems = list(layer.problems)
    first_of: dict[str, int] = {}
    out: list[IncomingBuilding] = []
    for feature, values in zip(layer.features, rows, strict=True):
        number, geom = feature.number, feature.geom
        code, name = values["code"], values["name"]
        label = f"第 {number} 个要素" + (f"（{code}）" if code else "")
        found: list[Problem] = []
        if len(code) > MAX_CODE:
            message = f"{label}的楼栋编码超过 {MAX_CODE} 个字符"
            found.append(Problem(number, "编码过长", message, where(geom)))
        duplicate = duplicate_problem(first_of, code, number, "楼栋编码", geom)
        if duplicate is not None:
            found.append(duplicate)
        if len(name) > MAX_NAME:
            message = f"{label}的名称超过 {MAX_NAME} 个字"
            found.append(Problem(number, "名称过长", message, where(geom)))
        kind = kind_value(values["kind"])
        if kind is None:
            message = f"{label}的类型“{values['kind']}”无法识别；可用的类型：{ACCEPTED_KINDS}"
            found.append(Problem(number, "类型未知", message, where(geom)))
        counts: dict[str, int] = {}
        for key, default in DEFAULTS.items():
            text = values[key]
            value = count_value(text, LIMITS[key]) if text else default
            if value is None:
                message = f"{label}的{COUNT_LABELS[key]}“{text}”不是 0 到 {LIMITS[key]} 之间的整数"
                found.append(Problem(number, "数值错误", message, where(geom)))
            counts[key] = default if value is None else value
        problems.extend(found)
        out.append(
            IncomingBuilding(
                number,
                code[:MAX_CODE],
                name[:MAX_NAME],
                kind or "other",
                counts["levels"],
                counts["households"],
                counts["residents"],
                geom if isinstance(geom, MultiPolygon) else None,
                feature.shown,
                given,
            )
        )
    problems.sort(key=lambda p: p.feature)
    return out, problems
