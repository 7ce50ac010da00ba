"""Chinese validation messages for every request field, and one place that explains them.

marshmallow and webargs answer in English ("Not a valid integer.", "Must be one of: …",
"Invalid input type."). Every request schema derives from :class:`Schema` here, which gives
each field and each validator a Chinese message naming the field (``FIELD_LABELS``), when
the field is bound. :func:`explain` then turns webargs' error tree into the JSON error's
``errors`` (same shape, Chinese leaves) and a one-line Chinese ``message`` that says which
field is wrong. A message with no Chinese in it is library text that slipped through
(a new field kind, a new validator, webargs' own "Invalid JSON body."): it is replaced,
never shown.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import marshmallow
from flask import current_app
from marshmallow import fields, pre_load, validate

from gridapp.core.geojson import check_vertices

# The Chinese name of every request field, by field name. A field may instead carry its
# own, e.g. ``fields.Integer(metadata={"label": "…"})``. tests/web/test_error_messages.py
# fails when a request field has neither.
FIELD_LABELS = {
    # editing
    "cells": "网格",
    "id": "编号",
    "version": "版本号",
    "versions": "网格版本号",
    "key": "新网格的临时标识",
    "name": "名称",
    "names": "新网格名称",
    "geometry": "几何",
    "line": "分割线",
    "type": "类型",
    "coordinates": "坐标",
    "delete": "删除标记",
    "carve": "划出标记",
    "keep": "保留的网格",
    "assignments_to": "党组织等随之转入的部分",
    "override_reason": "强制保存的理由",
    "dry_run": "仅预览",
    # places and rows
    "bbox": "地图范围",
    "community_id": "社区编号",
    "subdistrict_id": "街道编号",
    "point_id": "服务阵地编号",
    "member_id": "党员编号",
    "team_id": "服务队编号",
    "parent_id": "上级党组织编号",
    "target_id": "分配对象编号",
    # organisations
    "kind": "类型",
    "level": "层级",
    "secretary": "书记",
    "history": "含已解除的分配",
    "clear": "撤销责任区",
    "format": "文件格式",
    "file": "文件",
    # service coverage
    "minutes": "步行时间（分钟）",
    "speed": "步行速度（公里/小时）",
    "off_network": "离开道路的距离（米）",
    "kinds": "服务阵地类型",
    "add": "新增的站点",
    "move": "移动的站点",
    "remove": "撤除的站点",
    "lon": "经度",
    "lat": "纬度",
    "k": "建议站点个数",
    "candidates": "候选位置",
    "building_kinds": "候选建筑类型",
    "max_candidates": "候选位置上限",
    "zoom": "地图缩放级别",
    "tolerance": "简化容差（米）",
    # partition proposal
    "min_households": "每个网格最少户数",
    "max_households": "每个网格最多户数",
    "fingerprint": "方案指纹",
}
# The parts of a request webargs names at the top of its error tree.
LOCATION_LABELS = {
    "json": "请求体",
    "query": "查询参数",
    "querystring": "查询参数",
    "files": "上传的文件",
    "form": "表单",
}
# Messages webargs writes itself (not from a schema).
KNOWN_MESSAGES = {"Invalid JSON body.": "请求体不是有效的 JSON"}
UNKNOWN_FIELD = "不是可接受的字段"
NOT_AN_OBJECT = "应为 JSON 对象（键值对）"
CJK = re.compile(r"[\u3400-\u9fff]")
MAX_SUMMARY = 3  # field problems spelled out in the one-line message


def is_chinese(text: str) -> bool:
    return bool(CJK.search(text))


def label_of(name: str, field: fields.Field | None = None) -> str:
    """The Chinese name of a field (its own ``label``, else ``FIELD_LABELS``)."""
    if field is not None and field.metadata.get("label"):
        return str(field.metadata["label"])
    if not name:
        return ""
    return FIELD_LABELS.get(name, f"“{name}”")


class Schema(marshmallow.Schema):
    """Base of every request schema: Chinese messages for each field and validator."""

    error_messages = {"type": NOT_AN_OBJECT, "unknown": UNKNOWN_FIELD}  # noqa: RUF012

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        localise(field_obj, label_of(field_name, field_obj))


class GeometrySchema(Schema):
    """A GeoJSON geometry in a request (its coordinates are read by gridapp.core.geojson).
    Too many vertices are refused (413) before marshmallow reads a single point."""

    error_messages = {"type": "应为 GeoJSON 几何对象"}  # noqa: RUF012

    @pre_load
    def not_too_many_vertices(self, data: Any, **_: Any) -> Any:
        check_vertices(data, "几何", int(current_app.config["MAX_GEOMETRY_VERTICES"]))
        return data


def _braces(text: str) -> str:
    """Text put into a template that is filled in later with str.format."""
    return text.replace("{", "{{").replace("}", "}}")


def _field_messages(field: fields.Field, label: str) -> dict[str, str]:
    lab = _braces(label)
    messages = {
        "required": f"{lab}必须填写",
        "null": f"{lab}不能为空值",
        "validator_failed": f"{lab}的值不符合要求",
    }
    if isinstance(field, fields.Integer):
        messages["invalid"] = f"{lab}应为整数"
    elif isinstance(field, fields.Number):
        messages["invalid"] = f"{lab}应为数字"
    if isinstance(field, fields.Number):
        messages["too_large"] = f"{lab}的数值过大"
        messages["special"] = f"{lab}应为有限的数字"
    if isinstance(field, fields.Boolean):
        messages["invalid"] = f"{lab}应为布尔值（是或否）"
    if isinstance(field, fields.String):
        messages["invalid"] = f"{lab}应为文字"
        messages["invalid_utf8"] = f"{lab}含有无效的字符"
    if isinstance(field, fields.List | fields.Tuple):
        messages["invalid"] = f"{lab}应为数组"
    if isinstance(field, fields.Mapping):
        messages["invalid"] = f"{lab}{NOT_AN_OBJECT}"
    if isinstance(field, fields.Nested):
        messages["type"] = f"{lab}应为对象数组" if field.many else f"{lab}{NOT_AN_OBJECT}"
    return messages


def _validator(v: Any, label: str, sized: str) -> Any:
    """A copy of validator ``v`` (same class, so the OpenAPI document is unchanged) whose
    messages are Chinese; one that already has a Chinese message is kept."""
    if not isinstance(v, validate.Validator) or is_chinese(str(getattr(v, "error", "") or "")):
        return v
    v = copy.copy(v)
    lab = _braces(label)
    if isinstance(v, validate.Range):
        low = "不小于" if v.min_inclusive else "大于"
        high = "不大于" if v.max_inclusive else "小于"
        v.error = None
        v.message_min = f"{lab}应{low} {{min}}"
        v.message_max = f"{lab}应{high} {{max}}"
        v.message_all = (
            f"{lab}应在 {{min}} 到 {{max}} 之间"
            if v.min_inclusive and v.max_inclusive
            else f"{lab}应{low} {{min}} 且{high} {{max}}"
        )
    elif isinstance(v, validate.Length):
        v.error = None
        v.message_min = f"{lab}不能为空" if v.min == 1 else f"{lab}至少 {{min}} {sized}"
        v.message_max = f"{lab}最多 {{max}} {sized}"
        v.message_all = (
            f"{lab}不能为空，最多 {{max}} {sized}"
            if v.min == 1
            else f"{lab}应为 {{min}}–{{max}} {sized}"
        )
        v.message_equal = f"{lab}应为 {{equal}} {sized}"
    elif isinstance(v, validate.OneOf):
        choices = [_braces(str(c)) for c in v.choices]
        listed = " 或 ".join(choices) if len(choices) == 2 else "、".join(choices) + " 之一"
        v.error = f"{lab}应为 {listed}"
    elif isinstance(v, validate.Equal):
        v.error = f"{lab}应为 {{other}}"
    elif isinstance(v, validate.Regexp):
        v.error = f"{lab}的格式不正确"
    else:
        v.error = f"{lab}的值不符合要求"
    return v


def localise(field: fields.Field, label: str) -> None:
    """Give ``field`` (and the fields inside a list or mapping) Chinese messages."""
    chinese = _field_messages(field, label)
    generic = f"{_braces(label)}的值不符合要求"
    field.error_messages = {
        key: msg if isinstance(msg, str) and is_chinese(msg) else chinese.get(key, generic)
        for key, msg in {**chinese, **field.error_messages}.items()
    }
    sized = "项" if isinstance(field, fields.List | fields.Tuple | fields.Mapping) else "个字"
    field.validators = [_validator(v, label, sized) for v in field.validators]
    if isinstance(field, fields.List):
        localise(field.inner, label)
    elif isinstance(field, fields.Tuple):
        for inner in field.tuple_fields:
            localise(inner, label)
    elif isinstance(field, fields.Mapping):
        # marshmallow does not copy these per schema (as it does a list's inner field)
        if field.key_field is not None:
            field.key_field = copy.copy(field.key_field)
            localise(field.key_field, label_of("", field.key_field) or f"{label}中的键")
        if field.value_field is not None:
            field.value_field = copy.copy(field.value_field)
            localise(field.value_field, label_of("", field.value_field) or f"{label}中的值")


# -- explaining webargs' error tree -------------------------------------------------


def _leaves(tree: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, (*path, str(key)))
    elif isinstance(tree, list | tuple):
        for item in tree:
            yield from _leaves(item, path)
    else:
        yield path, str(tree)


def _named(path: tuple[str, ...]) -> list[str]:
    """The field names along a path (not the location, list indexes or marshmallow's own
    keys for whole-object and mapping-key errors)."""
    body = path[1:] if path and path[0] in LOCATION_LABELS else path
    return [k for k in body if not k.isdigit() and k not in ("_schema", "key", "value")]


def _owner(path: tuple[str, ...]) -> str:
    """The Chinese name of what a message is about: its field, else the request part."""
    named = _named(path)
    if named:
        return label_of(named[-1])
    return LOCATION_LABELS.get(path[0], "请求数据") if path else "请求数据"


def _chinese(path: tuple[str, ...], message: str) -> str:
    """A leaf message in Chinese. A whole-object message ("应为 …") gets the object's name;
    library text (no Chinese in it) is replaced by a Chinese message on the field."""
    if path and path[-1] == "_schema" and message.startswith("应"):
        return f"{_owner(path)}{message}"
    if is_chinese(message):
        return message
    if message in KNOWN_MESSAGES:
        return KNOWN_MESSAGES[message]
    return f"{_owner(path)}的值不符合要求"


def _translate(tree: Any, path: tuple[str, ...] = ()) -> Any:
    if isinstance(tree, dict):
        return {key: _translate(value, (*path, str(key))) for key, value in tree.items()}
    if isinstance(tree, list | tuple):
        return [_translate(item, path) for item in tree]
    return _chinese(path, str(tree))


def _where(path: tuple[str, ...]) -> str:
    """Where a field sits, e.g. ("cells", "0", "geometry") → "网格第 1 项 › 几何"."""
    parts: list[str] = []
    for key in path:
        if key.isdigit():
            item = f"第 {int(key) + 1} 项"
            parts[-1:] = [parts[-1] + item] if parts else [item]
        elif key not in ("_schema", "key", "value"):
            parts.append(label_of(key))
    return " › ".join(parts)


def explain(messages: Any) -> tuple[Any, str]:
    """webargs' error tree → (the same tree with Chinese messages, a one-line summary)."""
    errors = _translate(messages)
    lines = []
    for path, message in _leaves(errors):
        body = path[1:] if path and path[0] in LOCATION_LABELS else path
        if message == UNKNOWN_FIELD and body:
            lines.append(f"不接受的字段“{body[-1]}”")
            continue
        # Each message names its own field; say where that field sits (list item, object).
        end = len(body)
        while end and (body[end - 1].isdigit() or body[end - 1] in ("_schema", "key", "value")):
            end -= 1
        where = _where(body[: max(end - 1, 0)])
        lines.append(f"{where} › {message}" if where else message)
    shown = "；".join(lines[:MAX_SUMMARY])
    more = f"（共 {len(lines)} 处问题）" if len(lines) > MAX_SUMMARY else ""
    return errors, f"请求数据有误：{shown}{more}" if lines else "请求数据有误"
