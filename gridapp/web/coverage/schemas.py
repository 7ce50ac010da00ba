"""Schemas of the service-coverage API."""

from __future__ import annotations

from marshmallow import fields, validate

from gridapp.core.coverage import MAX_MINUTES, MAX_SPEED, MIN_MINUTES, MIN_SPEED
from gridapp.services.coverage.circles import (
    DEFAULT_TOLERANCE_M,
    MAX_TOLERANCE_M,
    MAX_ZOOM,
    MIN_ZOOM,
)
from gridapp.web.validation import Schema
from gridapp.web.walk_args import KINDS, WalkArgs

POSITIVE = validate.Range(min=1, max=2**31 - 1)


class Params(WalkArgs):
    subdistrict_id = fields.Integer(validate=POSITIVE)


class CircleArgs(Params):
    point_id = fields.List(
        fields.Integer(validate=POSITIVE), load_default=list,
        metadata={"description": "服务阵地编号（可重复；不填 = 所选类型中您可查看的全部）"},
    )  # fmt: skip
    zoom = fields.Float(
        validate=validate.Range(min=MIN_ZOOM, max=MAX_ZOOM),
        metadata={
            "description": "地图缩放级别：服务圈按该级别一个像素的大小简化（米），返回更小更快；"
            f"不填且不给 tolerance 时按 {DEFAULT_TOLERANCE_M:g} 米简化"
        },
    )
    tolerance = fields.Float(
        validate=validate.Range(min=0, max=MAX_TOLERANCE_M),
        metadata={"description": "简化容差（米，0 = 不简化）；给出时优先于 zoom"},
    )


class ExportArgs(Params):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class LonLat(Schema):
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))


class MovedPoint(LonLat):
    id = fields.Integer(required=True, validate=POSITIVE)


class ScenarioBody(Schema):
    subdistrict_id = fields.Integer(validate=POSITIVE)
    minutes = fields.Float(
        load_default=15, validate=validate.Range(min=MIN_MINUTES, max=MAX_MINUTES)
    )
    speed = fields.Float(load_default=4.0, validate=validate.Range(min=MIN_SPEED, max=MAX_SPEED))
    kinds = fields.List(fields.String(validate=validate.OneOf(KINDS)), load_default=list)
    add = fields.List(fields.Nested(LonLat), load_default=list, validate=validate.Length(max=20))
    move = fields.List(
        fields.Nested(MovedPoint), load_default=list, validate=validate.Length(max=50)
    )
    remove = fields.List(fields.Integer(validate=POSITIVE), load_default=list)


class SuggestBody(Schema):
    subdistrict_id = fields.Integer(validate=POSITIVE)
    minutes = fields.Float(
        load_default=15, validate=validate.Range(min=MIN_MINUTES, max=MAX_MINUTES)
    )
    speed = fields.Float(load_default=4.0, validate=validate.Range(min=MIN_SPEED, max=MAX_SPEED))
    kinds = fields.List(fields.String(validate=validate.OneOf(KINDS)), load_default=list)
    k = fields.Integer(load_default=3, validate=validate.Range(min=1, max=20))
    candidates = fields.String(
        load_default="buildings", validate=validate.OneOf(["buildings", "nodes"])
    )
    building_kinds = fields.List(
        fields.String(validate=validate.OneOf(
            ["residential", "lowrise", "office", "school", "commercial", "public", "other"]
        )),
        load_default=list,
    )  # fmt: skip
    max_candidates = fields.Integer(load_default=2000, validate=validate.Range(min=1, max=5000))


class Figures(Schema):
    """Households and residents of an area, how many are within reach, and the shares."""

    households = fields.Integer(required=True)
    residents = fields.Integer(required=True)
    households_covered = fields.Integer(required=True)
    residents_covered = fields.Integer(required=True)
    share_households = fields.Float(required=True)
    share_residents = fields.Float(required=True)


class Summary(Figures):
    buildings = fields.Integer(required=True)
    buildings_uncovered = fields.Integer(required=True)


class ParamsOut(Schema):
    minutes = fields.Float(required=True)
    speed_kmh = fields.Float(required=True)
    distance_m = fields.Float(required=True)
    kinds = fields.List(fields.String(), required=True)
    subdistrict_id = fields.Integer(required=True)


class CellRow(Figures):
    cell_id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    community_id = fields.Integer(required=True)
    community_name = fields.String(required=True)
    uncovered_buildings = fields.Integer(required=True)
    share_residents_before = fields.Float()


class CommunityRow(Figures):
    community_id = fields.Integer(required=True)
    name = fields.String(required=True)


class StationOut(Schema):
    id = fields.Integer(required=True, allow_none=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    name = fields.String(required=True)
    geometry = fields.Dict(required=True)


class Report(Schema):
    params = fields.Nested(ParamsOut, required=True)
    summary = fields.Nested(Summary, required=True)
    communities = fields.List(fields.Nested(CommunityRow), required=True)
    cells = fields.List(fields.Nested(CellRow), required=True)
    stations = fields.List(
        fields.Nested(StationOut), required=True,
        metadata={"description": "计入覆盖、您可查看的服务阵地"},
    )  # fmt: skip
    off_network = fields.List(
        fields.Nested(StationOut), required=True,
        metadata={"description": "离道路过远、未计入的服务阵地（您可查看的）"},
    )  # fmt: skip
    stations_outside_scope = fields.Integer(
        required=True,
        metadata={"description": "计入覆盖但不在您查看范围内的服务阵地数（不列出）"},
    )


class Collection(Schema):
    type = fields.String(required=True)
    features = fields.List(fields.Dict(), required=True)


class Circles(Collection):
    tolerance_m = fields.Float(required=True, metadata={"description": "服务圈的简化容差（米）"})


class WhatIf(Schema):
    params = fields.Nested(ParamsOut, required=True)
    before = fields.Nested(Summary, required=True)
    after = fields.Nested(Summary, required=True)
    cells = fields.List(fields.Nested(CellRow), required=True)
    circles = fields.Nested(Collection, required=True)
    gaps_after = fields.Nested(
        Collection, required=True, metadata={"description": "假设方案下仍在所有服务圈之外的住宅楼"}
    )


class Site(Schema):
    geometry = fields.Dict(required=True)
    building_id = fields.Integer(required=True, allow_none=True)
    residents_gained = fields.Integer(required=True)
    residents_covered_after = fields.Integer(required=True)
    share_residents_after = fields.Float(required=True)


class Suggestions(Schema):
    params = fields.Nested(ParamsOut, required=True)
    before = fields.Nested(Summary, required=True)
    sites = fields.List(fields.Nested(Site), required=True)
    candidates = fields.Integer(required=True)
