"""Request and response schemas of the field records: events (事件上报), the field log
(民情日志) and their paging. The record rules (category, texts, the point in the cell, the
day) are the services' (422 in Chinese); these schemas check types and formats (400)."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, validate

from gridapp.core.vocab import EVENT_CATEGORY_LABELS, EVENT_STATUSES
from gridapp.services.field import events, field_log
from gridapp.web.field.schemas import ROW_ID, PageArgs
from gridapp.web.validation import Schema

CATEGORIES = "、".join(f"{key} {label}" for key, label in EVENT_CATEGORY_LABELS.items())


def client_key() -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$"),
        metadata={
            "label": "提交编号（client_key）",
            "description": "手机生成的唯一编号（8–64 位字母、数字、- 或 _，如 UUID）；"
            "同一编号再次提交返回已保存的记录",
        },
    )


class PhotoField(Upload):
    """The photo of a multipart form. Documented as a binary file; the route reads it from
    the uploaded files — a text field of that name is refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        raise ValidationError("照片应作为文件上传（multipart/form-data）")


class EventForm(Schema):
    client_key = client_key()
    cell_id = fields.Integer(required=True, validate=ROW_ID, metadata={"label": "网格编号"})
    category = fields.String(
        required=True,
        metadata={
            "label": "事件类别",
            "enum": list(EVENT_CATEGORY_LABELS),
            "description": f"事件类别：{CATEGORIES}",
        },
    )
    description = fields.String(
        required=True,
        metadata={"label": "事件描述", "description": f"1–{events.MAX_DESCRIPTION} 个字"},
    )
    lat = fields.Float(
        required=True, validate=validate.Range(min=-90, max=90), metadata={"label": "纬度"}
    )
    lon = fields.Float(
        required=True, validate=validate.Range(min=-180, max=180), metadata={"label": "经度"}
    )
    photo = PhotoField(
        metadata={
            "label": "照片",
            "description": "可选：JPEG、PNG 或 WebP 照片（重新编码，去除位置等元数据）",
        }
    )


class EventArgs(PageArgs):
    status = fields.String(
        load_default="all",
        validate=validate.OneOf(events.STATUSES),
        metadata={
            "label": "事件状态",
            "description": "open 待处理、closed 已办结、all 全部（默认）",
        },
    )
    cell_id = fields.Integer(validate=ROW_ID, metadata={"label": "网格编号"})
    community_id = fields.Integer(validate=ROW_ID, metadata={"label": "社区编号"})


class CloseBody(Schema):
    note = fields.String(
        load_default="",
        metadata={"label": "办结说明", "description": f"最多 {events.MAX_NOTE} 个字"},
    )


class Event(Schema):
    id = fields.Integer(required=True)
    cell_id = fields.Integer(required=True, allow_none=True)
    cell_code = fields.String(required=True)
    cell_name = fields.String(required=True)
    community_id = fields.Integer(required=True, allow_none=True)
    community_name = fields.String(required=True)
    category = fields.String(required=True, validate=validate.OneOf(list(EVENT_CATEGORY_LABELS)))
    category_label = fields.String(required=True)
    description = fields.String(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    status = fields.String(required=True, validate=validate.OneOf(EVENT_STATUSES))
    status_label = fields.String(required=True)
    reporter = fields.String(required=True, metadata={"description": "上报人"})
    reported_at = fields.String(required=True)
    closer = fields.String(required=True, metadata={"description": "办结人（未办结为空）"})
    closed_at = fields.String(required=True, allow_none=True)
    close_note = fields.String(required=True)
    photo_id = fields.Integer(required=True, allow_none=True)
    photo_url = fields.String(required=True, allow_none=True)


class EventSubmitted(Event):
    duplicate = fields.Boolean(required=True, metadata={"description": "重复提交（已保存过）"})


class EventPage(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    items = fields.List(fields.Nested(Event), required=True)


class FieldLogBody(Schema):
    client_key = client_key()
    cell_id = fields.Integer(required=True, validate=ROW_ID, metadata={"label": "网格编号"})
    day = fields.Date(
        metadata={
            "label": "日期",
            "description": "默认今天（北京时间）；不能晚于今天，"
            f"最多补记 {field_log.MAX_DAYS_BACK} 天",
        }
    )
    seen = fields.String(
        load_default="",
        metadata={"label": "所见所闻", "description": f"最多 {field_log.MAX_TEXT} 个字"},
    )
    problems = fields.String(
        load_default="",
        metadata={"label": "发现的问题", "description": f"最多 {field_log.MAX_TEXT} 个字"},
    )


class FieldLogArgs(PageArgs):
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={
            "label": "搜索词",
            "description": "在所见所闻和发现的问题中查找（空格分隔多个词）",
        },
    )
    cell_id = fields.Integer(validate=ROW_ID, metadata={"label": "网格编号"})
    user_id = fields.Integer(validate=ROW_ID, metadata={"label": "填写人编号"})
    date_from = fields.Date(metadata={"label": "起始日期"})
    date_to = fields.Date(metadata={"label": "截止日期"})


class FieldLogEntry(Schema):
    id = fields.Integer(required=True)
    cell_id = fields.Integer(required=True, allow_none=True)
    cell_code = fields.String(required=True)
    cell_name = fields.String(required=True)
    community_id = fields.Integer(required=True, allow_none=True)
    user_id = fields.Integer(required=True, allow_none=True)
    user_name = fields.String(required=True)
    day = fields.String(required=True, metadata={"description": "日期（北京时间）"})
    seen = fields.String(required=True)
    problems = fields.String(required=True)
    created_at = fields.String(required=True)


class FieldLogSubmitted(FieldLogEntry):
    duplicate = fields.Boolean(required=True, metadata={"description": "重复提交（已保存过）"})


class FieldLogPage(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    items = fields.List(fields.Nested(FieldLogEntry), required=True)
