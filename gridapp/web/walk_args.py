"""The walk that makes a 15-minute service circle, as request arguments: shared by the work
coverage API (``web/coverage``) and the export of its tables (``web/data``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate

from gridapp.core.coverage import MAX_MINUTES, MAX_SPEED, MIN_MINUTES, MIN_SPEED
from gridapp.core.vocab import ServiceKind
from gridapp.services.coverage.report import OFF_NETWORK_M, Params
from gridapp.web.validation import Schema

KINDS = [k.value for k in ServiceKind]


class WalkArgs(Schema):
    minutes = fields.Float(
        load_default=15, validate=validate.Range(min=MIN_MINUTES, max=MAX_MINUTES),
        metadata={"description": "步行时间（分钟），5/10/15 等"},
    )  # fmt: skip
    speed = fields.Float(
        load_default=4.0, validate=validate.Range(min=MIN_SPEED, max=MAX_SPEED),
        metadata={"description": "步行速度（公里/小时），老年人约 3"},
    )  # fmt: skip
    kind = fields.List(
        fields.String(validate=validate.OneOf(KINDS)),
        load_default=list,
        metadata={"description": "计入的服务阵地类型（可重复；不填 = 全部）"},
    )
    off_network = fields.Float(
        load_default=OFF_NETWORK_M, validate=validate.Range(min=0, max=200),
        metadata={"description": "服务圈离开道路的距离（米）"},
    )  # fmt: skip


def walk_params(args: Mapping[str, Any]) -> Params:
    """The walk of parsed arguments (``kind`` in a query, ``kinds`` in a JSON body)."""
    return Params(
        minutes=args.get("minutes", 15),
        speed_kmh=args.get("speed", 4.0),
        kinds=list(args.get("kind") or args.get("kinds") or []),
        off_network_m=args.get("off_network", OFF_NETWORK_M),
    )
