"""Response schema of the cell sheet (网格档案, ``GET /api/cells/<id>/sheet``), the shape of
docs/FIELD.md."""

from __future__ import annotations

from marshmallow import fields

from gridapp.core.vocab import DIFFICULTY_TAGS
from gridapp.web.field.record_schemas import Event
from gridapp.web.field.schemas import HouseholdSchema
from gridapp.web.validation import Schema


class SheetCell(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    community_id = fields.Integer(required=True)
    community_name = fields.String(required=True)
    households = fields.Integer(required=True, metadata={"description": "户数"})
    residents = fields.Integer(required=True, metadata={"description": "人口"})


class SheetBuilding(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    households = fields.Integer(required=True, metadata={"description": "住户记录数"})


class Difficulty(Schema):
    count = fields.Integer(required=True, metadata={"description": "困难群众户数"})
    by_tag = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": f"按标签计数（{'、'.join(DIFFICULTY_TAGS)}）"},
    )
    households = fields.List(
        fields.Nested(HouseholdSchema),
        required=True,
        allow_none=True,
        metadata={
            "description": "困难群众住户（仅本网格住户信息的查阅人；查阅记入访问记录），否则为 null"
        },
    )


class SheetOrg(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    level_label = fields.String(required=True)
    secretary = fields.String(required=True)


class Hub(Schema):
    member_id = fields.Integer(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True)
    building_name = fields.String(required=True)
    hub_households = fields.Integer(required=True, metadata={"description": "联系服务的户数"})


class SheetParty(Schema):
    orgs = fields.List(fields.Nested(SheetOrg), required=True)
    hubs = fields.List(fields.Nested(Hub), required=True, metadata={"description": "党员中心户"})


class Captain(Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True, metadata={"description": "网格员看不到（为空）"})


class SheetTeam(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind_label = fields.String(required=True)
    captain = fields.Nested(Captain, required=True, allow_none=True)


class NearbyPoint(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    hours = fields.String(required=True)
    address = fields.String(required=True)
    walk_m = fields.Integer(required=True, metadata={"description": "沿路网的步行距离（米）"})
    walk_min = fields.Integer(required=True, metadata={"description": "步行时间（分钟，向上取整）"})


class CellSheet(Schema):
    cell = fields.Nested(SheetCell, required=True)
    can_read_names = fields.Boolean(required=True)
    buildings = fields.List(fields.Nested(SheetBuilding), required=True)
    difficulty = fields.Nested(Difficulty, required=True)
    party = fields.Nested(SheetParty, required=True)
    teams = fields.List(fields.Nested(SheetTeam), required=True)
    service_points = fields.List(
        fields.Nested(NearbyPoint),
        required=True,
        metadata={"description": "步行最近的 5 个服务阵地（沿路网，不是直线距离）"},
    )
    events_open = fields.List(fields.Nested(Event), required=True)
    visits_due = fields.List(
        fields.Dict(),
        required=True,
        allow_none=True,
        metadata={"description": "本网格“四访”到期提醒（无权查看姓名时为 null）"},
    )
    visits_due_count = fields.Integer(required=True)
    visits_recent = fields.List(
        fields.Dict(), required=True, metadata={"description": "最近的走访"}
    )
