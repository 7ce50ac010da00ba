"""Request and response schemas of the household API (住户); those of visits and the due
list are in ``visit_schemas.py``."""

from __future__ import annotations

from marshmallow import fields, validate

from gridapp.core.vocab import HOUSEHOLD_TAGS
from gridapp.services.field.paging import MAX_PER_PAGE
from gridapp.web.validation import Schema

ROW_ID = validate.Range(min=1, max=2**31 - 1)


class HouseholdListArgs(Schema):
    tag = fields.String(
        validate=validate.OneOf(HOUSEHOLD_TAGS),
        metadata={"label": "住户标签", "description": "只列出带该标签的住户"},
    )


class CountArgs(Schema):
    community_id = fields.Integer(validate=ROW_ID, metadata={"description": "只统计该社区"})
    subdistrict_id = fields.Integer(validate=ROW_ID, metadata={"description": "只统计该街道"})


class PageArgs(Schema):
    """The page of a list answer (1…) and its size (1…MAX_PER_PAGE)."""

    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=100000), metadata={"label": "页码"}
    )
    per_page = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"label": "每页条数"},
    )


class AccessArgs(PageArgs):
    user_id = fields.Integer(
        validate=ROW_ID, metadata={"label": "查阅人编号", "description": "只看该用户的查阅"}
    )
    household_id = fields.Integer(
        validate=ROW_ID, metadata={"label": "住户编号", "description": "只看该住户被查阅的记录"}
    )


class HouseholdSchema(Schema):
    id = fields.Integer(required=True)
    building_id = fields.Integer(required=True)
    building_name = fields.String(required=True, metadata={"description": "楼栋"})
    cell_id = fields.Integer(required=True)
    cell_code = fields.String(required=True)
    cell_name = fields.String(required=True)
    community_id = fields.Integer(required=True)
    unit = fields.String(required=True, metadata={"description": "单元"})
    room = fields.String(required=True, metadata={"description": "门牌"})
    address = fields.String(required=True, metadata={"description": "楼栋 + 单元 + 门牌"})
    head_name = fields.String(required=True, metadata={"description": "户主"})
    size = fields.Integer(required=True, metadata={"description": "人数"})
    phone = fields.String(required=True)
    tags = fields.List(fields.String(validate=validate.OneOf(HOUSEHOLD_TAGS)), required=True)
    tag_labels = fields.List(fields.String(), required=True, metadata={"description": "标签名称"})
    in_difficulty = fields.Boolean(required=True, metadata={"description": "困难群众"})
    updated_at = fields.String(required=True)


class CellRef(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    community_id = fields.Integer(required=True)


class CellHouseholds(Schema):
    cell = fields.Nested(CellRef, required=True)
    count = fields.Integer(required=True)
    households = fields.List(fields.Nested(HouseholdSchema), required=True)


class TagInfo(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    difficulty = fields.Boolean(required=True, metadata={"description": "属于困难群众"})


class Figures(Schema):
    households = fields.Integer(required=True, metadata={"description": "住户记录数"})
    in_difficulty = fields.Integer(required=True, metadata={"description": "困难群众户数"})
    by_tag = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class CellCounts(Figures):
    cell_id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    community_id = fields.Integer(required=True)


class CommunityCounts(Figures):
    community_id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    cells = fields.Integer(required=True, metadata={"description": "计入的可见网格数"})


class HouseholdCounts(Schema):
    tags = fields.List(fields.Nested(TagInfo), required=True)
    cells = fields.List(fields.Nested(CellCounts), required=True)
    communities = fields.List(fields.Nested(CommunityCounts), required=True)


class AccessRow(Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True, allow_none=True)
    user_name = fields.String(required=True)
    at = fields.String(required=True)
    household_id = fields.Integer(required=True)
    cell_id = fields.Integer(required=True, allow_none=True)
    route = fields.String(required=True)
    purpose = fields.String(required=True)


class AccessPage(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    items = fields.List(fields.Nested(AccessRow), required=True)
