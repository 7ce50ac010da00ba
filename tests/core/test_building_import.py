"""The fields of imported buildings (core/building_import.py): accepted names, kinds,
counts, codes."""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import MultiPolygon, box

from gridapp.core.building_import import incoming_buildings, kind_value
from gridapp.core.layer_read import Feature, Layer, Problem

SQUARE = MultiPolygon([box(116.40, 39.90, 116.401, 39.901)])


def layer(*rows: dict[str, Any], problems: list[Problem] | None = None) -> Layer:
    features = [Feature(n, row, SQUARE, SQUARE) for n, row in enumerate(rows, start=1)]
    return Layer(features, "EPSG:4326", problems or [])


def test_chinese_and_english_names_give_the_same_building() -> None:
    chinese = layer(
        {"楼栋编码": "B-1", "楼栋名称": "一号楼", "建筑类型": "住宅", "层数": 6.0,
         "户数": "24", "常住人口": 60}
    )  # fmt: skip
    english = layer(
        {"ref": "B-1", "name": "一号楼", "kind": "residential", "levels": 6, "households": 24,
         "residents": "60"}
    )  # fmt: skip
    (a,), problems_a = incoming_buildings(chinese)
    (b,), problems_b = incoming_buildings(english)
    assert problems_a == problems_b == []
    assert (a.code, a.name, a.kind, a.levels, a.households, a.residents) == (
        "B-1", "一号楼", "residential", 6, 24, 60
    )  # fmt: skip
    assert (a.code, a.name, a.kind, a.levels, a.households, a.residents) == (
        b.code, b.name, b.kind, b.levels, b.households, b.residents
    )  # fmt: skip
    assert a.given == b.given == {"code", "name", "kind", "levels", "households", "residents"}


def test_missing_fields_take_their_defaults_and_are_not_given() -> None:
    (b,), problems = incoming_buildings(layer({"编码": "X"}))
    assert problems == []
    assert (b.kind, b.levels, b.households, b.residents, b.name) == ("other", 1, 0, 0, "")
    assert b.given == {"code"}


def test_an_empty_value_takes_the_default() -> None:
    (b,), problems = incoming_buildings(layer({"code": "X", "层数": "", "户数": None}))
    assert problems == [] and (b.levels, b.households) == (1, 0)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("住宅楼", "residential"), ("住宅", "residential"), ("平房", "lowrise"),
     ("Office", "office"), ("商务楼宇", "office"), ("其它", "other"), ("", "other"),
     ("城堡", None)],
)  # fmt: skip
def test_kinds_by_key_label_or_alias(text: str, kind: str | None) -> None:
    assert kind_value(text) == kind


def test_an_unknown_kind_names_the_accepted_ones() -> None:
    (building,), (problem,) = incoming_buildings(layer({"类型": "城堡"}))
    assert building.kind == "other"
    assert problem.category == "类型未知" and problem.feature == 1
    assert "城堡" in problem.message and "平房（lowrise）" in problem.message
    assert problem.where is not None


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [("户数", "-1", "户数"), ("户数", "2.5", "户数"), ("人口", "many", "人口"),
     ("层数", "1000", "层数"), ("households", float("inf"), "户数")],
)  # fmt: skip
def test_bad_counts_are_problems_of_their_feature(field: str, value: Any, label: str) -> None:
    _, problems = incoming_buildings(layer({"code": "A"}, {"code": "B", field: value}))
    (problem,) = problems
    assert problem.feature == 2 and problem.category == "数值错误"
    assert label in problem.message


def test_a_duplicate_or_too_long_code_is_a_problem() -> None:
    _, problems = incoming_buildings(
        layer({"code": "A"}, {"code": "B"}, {"code": "A"}, {"code": "x" * 51})
    )
    assert [(p.feature, p.category) for p in problems] == [(3, "编码重复"), (4, "编码过长")]
    assert "第 1 个和第 3 个" in problems[0].message


def test_features_without_a_code_are_never_duplicates() -> None:
    buildings, problems = incoming_buildings(layer({"name": "甲"}, {"name": "乙"}))
    assert problems == [] and [b.code for b in buildings] == ["", ""]


def test_our_own_id_code_is_not_kept_as_a_source_ref() -> None:
    (own, other), _ = incoming_buildings(layer({"code": "#42"}, {"code": "way/42"}))
    assert (own.own_id, own.source_ref) == (42, "")
    assert (other.own_id, other.source_ref) == (None, "way/42")


def test_the_layers_geometry_problems_come_first_in_feature_order() -> None:
    geometry = Problem(1, "几何缺失", "第 1 个要素没有几何")
    features = [Feature(1, {"户数": "x"}, None, None), Feature(2, {}, SQUARE, SQUARE)]
    buildings, problems = incoming_buildings(Layer(features, "EPSG:4326", [geometry]))
    assert [(p.feature, p.category) for p in problems] == [(1, "几何缺失"), (1, "数值错误")]
    assert buildings[0].geom is None and buildings[1].geom is SQUARE
