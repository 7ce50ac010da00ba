"""Request and response schemas of the visits API (走访), the "四访" due list and the
user's cells (我的网格)."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, validate, validates_schema

from gridapp.core.reminders import REASON_LABELS
from gridapp.core.vocab import VISIT_METHODS
from gridapp.web.field.schemas import ROW_ID, PageArgs
from gridapp.web.validation import Schema

CLIENT_KEY = r"^[A-Za-z0-9_-]{8,64}$"
TARGETS = ("household", "member")


class VisitForm(Schema):
    """``POST /api/visits`` (multipart/form-data); the photo comes as the file ``photo``."""

    client_key = fields.String(
        required=True,
        validate=validate.Regexp(CLIENT_KEY),
        metadata={
            "label": "提交编号",
            "description": "手机生成的唯一编号（8–64 位字母、数字、_ 或 -）",
        },
    )
    household_id = fields.Integer(validate=ROW_ID, metadata={"label": "住户编号"})
    member_id = fields.Integer(validate=ROW_ID, metadata={"label": "党员编号"})
    method = fields.String(
        load_default="home",
        validate=validate.OneOf(VISIT_METHODS),
        metadata={
            "label": "走访方式",
            "description": "home 入户走访 / phone 电话联系 / street 路遇交谈",
        },
    )
    note = fields.String(
        load_default="", validate=validate.Length(max=500), metadata={"label": "走访情况"}
    )
    visited_at = fields.DateTime(
        metadata={
            "label": "走访时间",
            "description": "ISO 8601；默认为现在；不晚于现在、不早于 30 天前",
        }
    )
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    lon = fields.Float(validate=validate.Range(min=-180, max=180))
    accuracy_m = fields.Float(
        validate=validate.Range(min=0, max=100_000), metadata={"label": "定位精度（米）"}
    )
    photo = Upload(metadata={"label": "照片", "description": "可选：一张 JPEG、PNG 或 WebP 照片"})

    @validates_schema
    def one_target_and_both_coordinates(self, data: dict[str, Any], **_: Any) -> None:
        if ("household_id" in data) == ("member_id" in data):
            raise ValidationError("请指定走访对象：住户编号或党员编号，二者选一")
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("经度和纬度应同时填写")


class VisitListArgs(PageArgs):
    cell_id = fields.Integer(validate=ROW_ID, metadata={"label": "网格编号"})
    user_id = fields.Integer(validate=ROW_ID, metadata={"label": "网格员编号"})


class VisitSchema(Schema):
    """A visit; ``redacted``: time, cell, worker and method only (no household reader)."""

    id = fields.Integer(required=True)
    client_key = fields.String(
        required=True, allow_none=True, metadata={"description": "本人的提交编号"}
    )
    cell_id = fields.Integer(required=True, allow_none=True)
    cell_code = fields.String(required=True, allow_none=True)
    cell_name = fields.String(required=True, allow_none=True)
    user_id = fields.Integer(required=True, allow_none=True)
    user_name = fields.String(required=True, metadata={"description": "走访人"})
    method = fields.String(required=True, validate=validate.OneOf(VISIT_METHODS))
    method_label = fields.String(required=True)
    visited_at = fields.String(required=True)
    created_at = fields.String(required=True)
    redacted = fields.Boolean(
        required=True, metadata={"description": "无权查看住户信息：只含时间、网格、走访人与方式"}
    )
    target = fields.String(required=True, allow_none=True, validate=validate.OneOf(TARGETS))
    household_id = fields.Integer(required=True, allow_none=True)
    member_id = fields.Integer(required=True, allow_none=True)
    name = fields.String(required=True, allow_none=True, metadata={"description": "户主或党员姓名"})
    address = fields.String(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    photo_id = fields.Integer(required=True, allow_none=True)
    photo_url = fields.String(required=True, allow_none=True)
    lat = fields.Float(required=True, allow_none=True)
    lon = fields.Float(required=True, allow_none=True)
    accuracy_m = fields.Float(required=True, allow_none=True)


class VisitAnswer(VisitSchema):
    duplicate = fields.Boolean(
        required=True, metadata={"description": "重复提交：返回已保存的记录"}
    )


class VisitWorker(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class VisitPage(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    items = fields.List(fields.Nested(VisitSchema), required=True)
    workers = fields.List(
        fields.Nested(VisitWorker),
        required=True,
        metadata={"description": "在范围内有走访记录的网格员（按人筛选）"},
    )


class DueArgs(Schema):
    cell_id = fields.Integer(
        validate=ROW_ID, metadata={"label": "网格编号", "description": "只看该网格"}
    )


class DueItem(Schema):
    target = fields.String(required=True, validate=validate.OneOf(TARGETS))
    id = fields.Integer(required=True, metadata={"description": "住户或党员编号"})
    name = fields.String(required=True)
    address = fields.String(required=True)
    cell_id = fields.Integer(required=True)
    cell_name = fields.String(required=True)
    reasons = fields.List(
        fields.String(validate=validate.OneOf(list(REASON_LABELS))), required=True
    )
    reason_labels = fields.List(fields.String(), required=True)
    interval_days = fields.Integer(required=True, metadata={"description": "走访间隔（天）"})
    last_visit_at = fields.String(required=True, allow_none=True)
    days_since = fields.Integer(required=True, allow_none=True)
    overdue_days = fields.Integer(
        required=True, allow_none=True, metadata={"description": "逾期天数，0 为今天到期"}
    )
    never_visited = fields.Boolean(required=True)


class DueList(Schema):
    items = fields.List(fields.Nested(DueItem), required=True)


class MyCell(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    community_id = fields.Integer(required=True)
    community_name = fields.String(required=True)
    households = fields.Integer(required=True, metadata={"description": "住户记录数"})
    in_difficulty = fields.Integer(required=True, metadata={"description": "困难群众户数"})
    visits_due = fields.Integer(required=True, metadata={"description": "今天到期或逾期的走访"})
    visits_overdue = fields.Integer(required=True, metadata={"description": "其中逾期或从未走访"})
    open_events = fields.Integer(required=True, metadata={"description": "待处理事件"})
    can_read_names = fields.Boolean(required=True, metadata={"description": "可查看住户姓名"})
    geometry = fields.Dict(required=True, metadata={"description": "网格边界 (GeoJSON, EPSG:4326)"})


class MyCells(Schema):
    cells = fields.List(fields.Nested(MyCell), required=True)
