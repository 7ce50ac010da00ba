"""Request schemas of the data API (数据导入导出)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields, validate

from gridapp.core.datums import DATUM_LABELS, Datum
from gridapp.core.layer_files import ACCEPTED
from gridapp.core.layer_write import FORMAT_LABELS, ExportFormat
from gridapp.core.vocab import IMPORT_LAYER_LABELS, IMPORT_STATUS_LABELS
from gridapp.services.data import imports
from gridapp.web.validation import Schema
from gridapp.web.walk_args import WalkArgs

E = TypeVar("E", bound=StrEnum)


def _choice(default: E, labels: Mapping[E, str], label: str) -> fields.String:
    """A string field taking one key of ``labels`` (documented with their Chinese names)."""
    return fields.String(
        load_default=default.value,
        validate=validate.OneOf([str(k) for k in labels]),
        metadata={
            "label": label,
            "description": "；".join(f"{k}: {v}" for k, v in labels.items()),
        },
    )


class ExportArgs(WalkArgs):
    """The file, its datum and the community; the walk (``WalkArgs``) only for the work
    coverage layers (service_coverage, service_gaps), as at /api/coverage/service."""

    format = _choice(ExportFormat.GPKG, FORMAT_LABELS, "文件格式")
    datum = _choice(Datum.WGS84, DATUM_LABELS, "坐标系")
    community_id = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"label": "社区编号", "description": "只导出该社区"},
    )


# --- imports ---------------------------------------------------------------------------------


class FileField(Upload):
    """The file of a multipart form. Documented as a binary file; the route reads it from
    the uploaded files — a text field of that name is refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        raise ValidationError("文件应作为文件上传（multipart/form-data）")


class ImportForm(Schema):
    file = FileField(
        required=False,
        metadata={
            "label": "文件",
            "description": f"图层文件：{ACCEPTED}；"
            "大小上限由 GRIDAPP_MAX_IMPORT_MB 设定（默认 50 MB）",
        },
    )
    layer = fields.String(
        load_default="cells",
        validate=validate.OneOf(list(IMPORT_LAYER_LABELS)),
        metadata={
            "label": "图层",
            "description": "；".join(f"{k}: {v}" for k, v in IMPORT_LAYER_LABELS.items())
            + "（社区只能由系统管理员或街道级网格管理员导入）",
        },
    )
    crs = _choice(Datum.WGS84, DATUM_LABELS, "坐标系")
    mode = fields.String(
        load_default="merge",
        validate=validate.OneOf(list(imports.MODES)),
        metadata={
            "label": "导入方式",
            "description": "；".join(f"{k}: {v}" for k, v in imports.MODES.items()),
        },
    )


class CommitBody(Schema):
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"label": "理由", "description": "新边界穿过建筑时必填（同编辑网格时的强制保存）"},
    )


class ImportJob(Schema):
    id = fields.Integer(required=True)
    layer = fields.String(required=True)
    layer_label = fields.String(required=True)
    filename = fields.String(required=True)
    datum = fields.String(required=True)
    user_name = fields.String(required=True)
    status = fields.String(
        required=True,
        metadata={"enum": list(IMPORT_STATUS_LABELS), "description": str(IMPORT_STATUS_LABELS)},
    )
    status_label = fields.String(required=True)
    progress = fields.Integer(required=True, metadata={"description": "进度 0–100"})
    stage = fields.String(required=True)
    error = fields.Dict(allow_none=True, metadata={"description": "失败时的错误（同 API 错误体）"})
    result = fields.Dict(allow_none=True, metadata={"description": "写入后：修改记录编号与条数"})
    created_at = fields.String(allow_none=True)
    committed_at = fields.String(allow_none=True)
    preview = fields.Dict(
        metadata={
            "description": "预览：要素（GeoJSON，含每个要素的问题）、问题清单、划分检查、"
            "现有网格、将撤销的网格、汇总、能否导入、是否需要理由、提示"
        }
    )


class ImportList(Schema):
    items = fields.List(fields.Nested(ImportJob), required=True)
