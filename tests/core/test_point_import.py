"""The fields of an imported layer of service points (core.point_import): accepted names,
kinds, services, lengths, duplicates and which attributes a feature gives."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import Point, box

from gridapp.core.layer_read import Feature, Layer, LayerRejected
from gridapp.core.point_import import incoming_points, kind_of, split_services

HERE = Point(116.405, 39.9075)


def layer(*rows: dict[str, Any], geom: Any = HERE) -> Layer:
    features = [Feature(n, dict(row), geom, geom) for n, row in enumerate(rows, start=1)]
    return Layer(features, "EPSG:4326")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("party_service_centre", "party_service_centre"),
        ("PARTY_SERVICE_CENTRE ", "party_service_centre"),
        ("党群服务中心", "party_service_centre"),
        (" 便民服务站 ", "convenience_station"),
        ("爱心驿站", "love_post"),
        ("ｌｏｖｅ＿ｐｏｓｔ", "love_post"),  # full-width letters
        ("小卖部", None),
        ("党群服务", None),
    ],
)
def test_a_kind_is_its_english_key_or_its_chinese_label(text: str, kind: str | None) -> None:
    assert kind_of(text) == kind


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("代缴水电费、快递代收", ("代缴水电费", "快递代收")),
        ("a, b，c; d；e | f", ("a", "b", "c", "d", "e", "f")),
        ("  ", ()),
        ("", ()),
        ("理发、、理发、 ", ("理发",)),
        ("一项服务", ("一项服务",)),
    ],
)
def test_services_are_split_on_any_separator_and_trimmed(text: str, items: tuple[str]) -> None:
    assert split_services(text) == items


@pytest.mark.parametrize(
    "names",
    [
        {"kind": "kind", "name": "name", "address": "address", "hours": "hours",
         "contact": "contact", "services": "services"},
        {"kind": "类型", "name": "名称", "address": "地址", "hours": "开放时间",
         "contact": "联系电话", "services": "服务项目"},
        {"kind": "阵地类型", "name": "阵地名称", "address": "地址", "hours": "服务时间",
         "contact": "联系人", "services": "服务内容"},
        {"kind": "种类", "name": "Name", "address": "ADDRESS", "hours": "营业时间",
         "contact": "电话", "services": "服务内容"},
    ],
)  # fmt: skip
def test_every_accepted_field_name_is_read(names: dict[str, str]) -> None:
    values = {
        "kind": "便民服务站",
        "name": "北楼便民服务站",
        "address": "测试路8号",
        "hours": "8:00-20:00",
        "contact": "张三 13800000000",
        "services": "理发、修鞋",
    }
    (point,), problems = incoming_points(layer({names[k]: v for k, v in values.items()}))
    assert problems == []
    assert (point.kind, point.name, point.address, point.hours, point.contact) == (
        "convenience_station",
        "北楼便民服务站",
        "测试路8号",
        "8:00-20:00",
        "张三 13800000000",
    )
    assert point.services == ("理发", "修鞋") and point.kind_label == "便民服务站"
    assert point.given == {"address", "hours", "contact", "services"}
    assert point.geom == HERE


@pytest.mark.parametrize(
    ("columns", "missing"),
    [({"名称": "站"}, "kind（类型）"), ({"类型": "爱心驿站"}, "name（名称）")],
)
def test_a_layer_without_kind_or_name_is_refused_naming_the_column(
    columns: dict[str, str], missing: str
) -> None:
    with pytest.raises(LayerRejected, match=missing):
        incoming_points(layer(columns))


def test_a_missing_column_or_null_is_not_given_but_an_empty_text_is() -> None:
    (one, two), problems = incoming_points(
        layer(
            {"类型": "爱心驿站", "名称": "甲", "地址": None, "开放时间": ""},
            {"类型": "爱心驿站", "名称": "乙", "地址": float("nan"), "开放时间": "全天"},
        )
    )
    assert problems == []
    assert one.given == {"hours"} and one.hours == ""
    assert two.given == {"hours"} and two.hours == "全天" and two.address == ""


def test_bad_values_are_problems_of_their_features() -> None:
    points, problems = incoming_points(
        layer(
            {"类型": "爱心驿站", "名称": "好的"},
            {"类型": "", "名称": "无类型"},
            {"类型": "小卖部", "名称": "怪类型"},
            {"类型": "爱心驿站", "名称": ""},
            {"类型": "love_post", "名称": "好的"},
            {"类型": "便民服务站", "名称": "好的"},  # another kind: not a duplicate
            {"类型": "爱心驿站", "名称": "长" * 201},
            {"类型": "爱心驿站", "名称": "长地址", "地址": "路" * 301},
            {"类型": "爱心驿站", "名称": "长电话", "联系电话": "1" * 101},
            {"类型": "爱心驿站", "名称": "长时间", "开放时间": "时" * 201},
            {"类型": "爱心驿站", "名称": "刚好", "地址": "路" * 300, "联系电话": "1" * 100},
        )
    )
    got = [(p.feature, p.category) for p in problems]
    assert got == [
        (2, "缺少类型"),
        (3, "类型未知"),
        (4, "缺少名称"),
        (5, "名称重复"),
        (7, "内容过长"),
        (8, "内容过长"),
        (9, "内容过长"),
        (10, "内容过长"),
    ]
    messages = {p.feature: p.message for p in problems}
    for label in ("党群服务中心", "便民服务站", "党代表工作室"):
        assert label in messages[2] and label in messages[3]
    assert "小卖部" in messages[3]
    assert "爱心驿站“好的”重复：第 1 个和第 5 个要素" in messages[5]
    assert "名称超过 200" in messages[7] and "地址超过 300" in messages[8]
    assert "联系方式超过 100" in messages[9] and "开放时间超过 200" in messages[10]
    assert all(p.where == (116.405, 39.9075) for p in problems)
    assert [p.kind for p in points[:3]] == ["love_post", "", ""]


def test_a_polygon_keeps_its_layer_problem_and_has_no_point() -> None:
    square = box(116.40, 39.90, 116.41, 39.91)
    (point,), problems = incoming_points(layer({"类型": "爱心驿站", "名称": "面"}, geom=square))
    assert point.geom is None and point.shown == square and problems == []
