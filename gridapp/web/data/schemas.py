"""Request schemas of the data API (数据导入导出)."""

from __future__ import annotations

from marshmallow import fields, validate

from gridapp.core.datums import DATUM_LABELS, Datum
from gridapp.core.layer_write import FORMAT_LABELS, ExportFormat
from gridapp.web.validation import Schema


class ExportArgs(Schema):
    format = fields.String(
        load_default=ExportFormat.GPKG.value,
        validate=validate.OneOf([f.value for f in ExportFormat]),
        metadata={
            "label": "文件格式",
            "description": "；".join(f"{k.value}: {v}" for k, v in FORMAT_LABELS.items()),
        },
    )
    datum = fields.String(
        load_default=Datum.WGS84.value,
        validate=validate.OneOf([d.value for d in Datum]),
        metadata={
            "label": "坐标系",
            "description": "；".join(f"{k.value}: {v}" for k, v in DATUM_LABELS.items()),
        },
    )
    community_id = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"label": "社区编号", "description": "只导出该社区"},
    )
