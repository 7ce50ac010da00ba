"""Request schemas of the data API (数据导入导出)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from marshmallow import fields, validate

from gridapp.core.datums import DATUM_LABELS, Datum
from gridapp.core.layer_write import FORMAT_LABELS, ExportFormat
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
