"""The service points (服务阵地) of an imported layer: their fields found under any accepted
name, their values checked (no Flask, no database).

A point needs ``kind`` (the English key or the Chinese label of a kind of service point:
党群服务中心, 便民服务站 …) and ``name``; ``address``, ``hours``, ``contact`` and
``services`` (服务项目, split on 、,，;；|) are optional. A column the file lacks, or a null
(a GeoJSON feature without that property), is not an empty value: updating an existing
point leaves that attribute as it is (``given``); an empty text clears it.
Texts longer than their database columns are problems of their features, as are a
missing or unknown kind, a missing name and a (kind, name) pair held twice in the file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from gridapp.core.import_fields import field_columns, field_key, text_value, where
from gridapp.core.layer_read import Layer, Problem
from gridapp.core.vocab import SERVICE_KIND_LABELS

POINT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "kind": ("kind", "类型", "阵地类型", "种类", "type"),
    "name": ("name", "名称", "阵地名称"),
    "address": ("address", "地址", "addr"),
    "hours": ("hours", "开放时间", "服务时间", "营业时间"),
    "contact": ("contact", "联系方式", "联系电话", "电话", "联系人", "phone", "tel"),
    "services": ("services", "服务项目", "服务内容"),
}
REQUIRED = ("kind", "name")
# The lengths of the columns of ``models.ServicePoint``.
MAX_LENGTHS = {"name": 200, "address": 300, "hours": 200, "contact": 100}
FIELD_LABELS = {"name": "名称", "address": "地址", "hours": "开放时间", "contact": "联系方式"}
SERVICE_SEPARATORS = re.compile(r"[、,，;；|]")
KIND_BY_NAME: dict[str, str] = {
    **{field_key(kind.value): kind.value for kind in SERVICE_KIND_LABELS},
    **{field_key(label): kind.value for kind, label in SERVICE_KIND_LABELS.items()},
}
KIND_CHOICES = "、".join(SERVICE_KIND_LABELS.values())


@dataclass(frozen=True)
class IncomingPoint:
    number: int  # the feature's number in the file (1-based)
    kind: str  # the English key; "" when missing or unknown
    name: str
    address: str
    hours: str
    contact: str
    services: tuple[str, ...]
    given: frozenset[str]  # the optional fields the feature has a value (maybe "") for
    geom: Point | None  # WGS-84; None when the geometry has a problem
    shown: BaseGeometry | None = None  # the geometry as read, even when wrong (previews)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


def kind_label(kind: str) -> str:
    labels = {k.value: v for k, v in SERVICE_KIND_LABELS.items()}
    return labels.get(kind, kind)


def kind_of(text: str) -> str | None:
    """The English key of a kind named by its key or its Chinese label; None if unknown."""
    return KIND_BY_NAME.get(field_key(text))


def split_services(text: str) -> tuple[str, ...]:
    """服务项目 as a list: split on 、,，;；| and trimmed; empty items and repeats dropped."""
    items = (s.strip() for s in SERVICE_SEPARATORS.split(text))
    return tuple(dict.fromkeys(s for s in items if s))


def _null(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def incoming_points(layer: Layer) -> tuple[list[IncomingPoint], list[Problem]]:
    """The layer's features as service points, and every problem (the layer's and the
    fields'); a layer lacking the kind or name column is refused (``LayerRejected``)."""
    columns = field_columns(layer, POINT_FIELDS, REQUIRED)
    points: list[IncomingPoint] = []
    problems = list(layer.problems)
    first_of: dict[tuple[str, str], int] = {}
    for feature in layer.features:
        raw = {key: feature.attrs.get(column) for key, column in columns.items()}
        values = {key: text_value(raw.get(key)) for key in POINT_FIELDS}
        given = frozenset(k for k, v in raw.items() if k not in REQUIRED and not _null(v))
        number, at = feature.number, where(feature.shown)
        label = f"第 {number} 个要素" + (f"“{values['name'][:50]}”" if values["name"] else "")
        kind = kind_of(values["kind"]) if values["kind"] else None
        if not values["kind"]:
            message = f"{label}没有类型；可用的类型：{KIND_CHOICES}"
            problems.append(Problem(number, "缺少类型", message, at))
        elif kind is None:
            message = (
                f"{label}的类型“{values['kind'][:40]}”不是服务阵地的类型；"
                f"可用的类型：{KIND_CHOICES}"
            )
            problems.append(Problem(number, "类型未知", message, at))
        if not values["name"]:
            problems.append(Problem(number, "缺少名称", f"{label}没有名称", at))
        for key, limit in MAX_LENGTHS.items():
            if len(values[key]) > limit:
                message = f"{label}的{FIELD_LABELS[key]}超过 {limit} 个字"
                problems.append(Problem(number, "内容过长", message, at))
        if kind is not None and values["name"]:
            pair = (kind, values["name"])
            if pair in first_of:
                message = (
                    f"{kind_label(kind)}“{values['name']}”重复：第 {first_of[pair]} 个和"
                    f"第 {number} 个要素"
                )
                problems.append(Problem(number, "名称重复", message, at))
            else:
                first_of[pair] = number
        points.append(
            IncomingPoint(
                number=number,
                kind=kind or "",
                name=values["name"][: MAX_LENGTHS["name"]],
                address=values["address"][: MAX_LENGTHS["address"]],
                hours=values["hours"][: MAX_LENGTHS["hours"]],
                contact=values["contact"][: MAX_LENGTHS["contact"]],
                services=split_services(values["services"]),
                given=given,
                geom=feature.geom if isinstance(feature.geom, Point) else None,
                shown=feature.shown,
            )
        )
    problems.sort(key=lambda p: p.feature)
    return points, problems
