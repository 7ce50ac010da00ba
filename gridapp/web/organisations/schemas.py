"""Schemas of the organisation API (documented in /api/openapi.json)."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from gridapp.core.vocab import ASSIGNMENT_KINDS, OrgKind, OrgLevel
from gridapp.web.validation import GeometrySchema, Schema

POSITIVE = validate.Range(min=1, max=2**31 - 1)


class OrgNode(Schema):
    id = fields.Integer(required=True)
    parent_id = fields.Integer(required=True, allow_none=True)
    subdistrict_id = fields.Integer(required=True)
    community_id = fields.Integer(required=True, allow_none=True)
    level = fields.String(required=True)
    level_label = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    name = fields.String(required=True)
    secretary = fields.String(required=True)
    members = fields.Integer(required=True)
    cells = fields.Integer(required=True)
    children = fields.List(fields.Nested(lambda: OrgNode()))


class OrgTree(Schema):
    tree = fields.List(fields.Nested(OrgNode), required=True)


class TreeArgs(Schema):
    subdistrict_id = fields.Integer(validate=POSITIVE)


class OrgCreate(Schema):
    parent_id = fields.Integer(required=True, validate=POSITIVE)
    level = fields.String(required=True, validate=validate.OneOf([v.value for v in OrgLevel]))
    kind = fields.String(
        load_default=OrgKind.REGULAR.value, validate=validate.OneOf([k.value for k in OrgKind])
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    community_id = fields.Integer(validate=POSITIVE)
    secretary = fields.String(load_default="", validate=validate.Length(max=50))


class OrgRename(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    secretary = fields.String(validate=validate.Length(max=50))


class OrgMove(Schema):
    parent_id = fields.Integer(required=True, validate=POSITIVE)


class Done(Schema):
    ok = fields.Boolean(required=True)


class TeamPerson(Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True)
    is_captain = fields.Boolean(required=True)
    is_party_member = fields.Boolean(required=True)


class Team(Schema):
    id = fields.Integer(required=True)
    community_id = fields.Integer(required=True, allow_none=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    name = fields.String(required=True)
    members = fields.List(fields.Nested(TeamPerson), required=True)


class Teams(Schema):
    teams = fields.List(fields.Nested(Team), required=True)


class CommunityArgs(Schema):
    community_id = fields.Integer(validate=POSITIVE)


class Assignment(Schema):
    id = fields.Integer(required=True)
    cell_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    target_id = fields.Integer(required=True)
    label = fields.String(required=True)
    assigned_at = fields.String(required=True, allow_none=True)
    ended_at = fields.String(required=True, allow_none=True)


class Assignments(Schema):
    assignments = fields.List(fields.Nested(Assignment), required=True)


class HistoryArgs(Schema):
    history = fields.Boolean(load_default=False, metadata={"description": "包括已解除的分配"})


class AssignBody(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(ASSIGNMENT_KINDS))
    target_id = fields.Integer(required=True, validate=POSITIVE)


class Worker(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    cells = fields.List(fields.Integer(), required=True)


class Workers(Schema):
    workers = fields.List(fields.Nested(Worker), required=True)


class CellMember(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    gender = fields.String(required=True)
    status = fields.String(required=True)
    org = fields.String(required=True)
    phone = fields.String(required=True)
    is_hub = fields.Boolean(required=True)
    hub_households = fields.Integer(required=True)
    responsibility_area = fields.Dict(
        required=True, allow_none=True, metadata={"description": "党员责任区 (GeoJSON Polygon)"}
    )


class CellMembers(Schema):
    members = fields.List(fields.Nested(CellMember), required=True)


class ItemShare(Schema):
    label = fields.String(required=True)
    cells = fields.Integer(required=True)
    share = fields.Float(required=True)
    households = fields.Integer(required=True)


class CoverageSummary(Schema):
    label = fields.String(required=True)
    cells = fields.Integer(required=True)
    households = fields.Integer(required=True)
    blind_spots = fields.Integer(required=True)
    items = fields.Dict(keys=fields.String(), values=fields.Nested(ItemShare), required=True)
    community_id = fields.Integer()


class CellCoverage(Schema):
    cell_id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    community_id = fields.Integer(required=True)
    community_name = fields.String(required=True)
    households = fields.Integer(required=True)
    party_orgs = fields.List(fields.String(), required=True)
    workers = fields.List(fields.String(), required=True)
    teams = fields.List(fields.String(), required=True)
    hubs = fields.Integer(required=True)
    missing = fields.List(fields.String(), required=True)
    blind_spot = fields.Boolean(required=True)


class CoverageItem(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)


class Coverage(Schema):
    items = fields.List(fields.Nested(CoverageItem), required=True)
    total = fields.Nested(CoverageSummary, required=True)
    communities = fields.List(fields.Nested(CoverageSummary), required=True)
    cells = fields.List(fields.Nested(CellCoverage), required=True)


class ExportArgs(CommunityArgs):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class TemplateArgs(Schema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class ImportFile(Schema):
    file = Upload(required=True, metadata={"description": "CSV (UTF-8) 或 XLSX 文件"})


class ImportArgs(Schema):
    subdistrict_id = fields.Integer(validate=POSITIVE)
    dry_run = fields.Boolean(load_default=False)


class ImportResult(Schema):
    imported = fields.Integer(required=True)
    rows = fields.Integer(required=True)
    dry_run = fields.Boolean(required=True)


class Registration(Schema):
    member_id = fields.Integer(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True)
    team = fields.String(required=True)
    registered_at = fields.String(required=True, allow_none=True)


class Registrations(Schema):
    registrations = fields.List(fields.Nested(Registration), required=True)


class ZoneInfo(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    committee = fields.String(required=True)
    communities = fields.List(fields.Integer(), required=True)
    cells = fields.List(fields.Integer(), required=True)
    buildings = fields.List(fields.Integer(), required=True)


class Zones(Schema):
    zones = fields.List(fields.Nested(ZoneInfo), required=True)


class UnitProps(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    resources = fields.List(fields.String(), required=True)
    zone_id = fields.Integer(required=True, allow_none=True)
    party_org = fields.String(required=True)
    service_point_id = fields.Integer(required=True, allow_none=True)


class UnitFeature(Schema):
    type = fields.String(required=True)
    id = fields.Integer(required=True)
    geometry = fields.Dict(required=True)
    properties = fields.Nested(UnitProps, required=True)


class Units(Schema):
    type = fields.String(required=True)
    features = fields.List(fields.Nested(UnitFeature), required=True)


class RegisterBody(Schema):
    member_id = fields.Integer(required=True, validate=POSITIVE)
    team_id = fields.Integer(validate=POSITIVE, allow_none=True)


class AreaGeometry(GeometrySchema):
    type = fields.String(required=True, validate=validate.Equal("Polygon"))
    coordinates = fields.List(fields.Raw(allow_none=True), required=True)


class AreaBody(Schema):
    geometry = fields.Nested(
        AreaGeometry, metadata={"description": "责任区多边形 (EPSG:4326)；与 clear 二选一"}
    )
    clear = fields.Boolean(load_default=False, metadata={"description": "撤销责任区"})


class AreaResult(Schema):
    member_id = fields.Integer(required=True)
    responsibility_area = fields.Dict(required=True, allow_none=True)
