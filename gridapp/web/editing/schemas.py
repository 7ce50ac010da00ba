"""Request and response schemas of the editing API (documented in /api/openapi.json)."""

from __future__ import annotations

from marshmallow import fields, validate

from gridapp.web.validation import GeometrySchema, Schema

ID = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
VERSION = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
GEOMETRY_HELP = "GeoJSON 几何 (EPSG:4326 经纬度)"


class PolygonGeometry(GeometrySchema):
    type = fields.String(required=True, validate=validate.OneOf(["Polygon", "MultiPolygon"]))
    coordinates = fields.List(fields.Raw(allow_none=True), required=True)


class LineGeometry(GeometrySchema):
    type = fields.String(required=True, validate=validate.Equal("LineString"))
    coordinates = fields.List(fields.List(fields.Float()), required=True)


class CellChangeInput(Schema):
    id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    version = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    key = fields.String(
        validate=validate.Length(min=1, max=40), metadata={"description": "新网格的临时标识"}
    )
    name = fields.String(validate=validate.Length(min=1, max=100))
    geometry = fields.Nested(PolygonGeometry, metadata={"description": GEOMETRY_HELP})
    delete = fields.Boolean(load_default=False)


class ChangeBody(Schema):
    community_id = ID
    cells = fields.List(
        fields.Nested(CellChangeInput), required=True, validate=validate.Length(min=1, max=200)
    )
    override_reason = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"description": "强制保存（边界穿过建筑）时必须填写的理由"},
    )
    dry_run = fields.Boolean(load_default=False, metadata={"description": "只预览影响，不保存"})


class DryRunBody(Schema):
    dry_run = fields.Boolean(load_default=False)


class SplitBody(Schema):
    version = VERSION
    line = fields.Nested(
        LineGeometry, required=True, metadata={"description": "分割线 (GeoJSON LineString)"}
    )
    names = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list)
    assignments_to = fields.Integer(
        validate=validate.Range(min=0, max=99),
        metadata={"description": "党组织、服务队、网格员随哪一部分（0 = 保留原编码的部分）"},
    )
    override_reason = fields.String(load_default="", validate=validate.Length(max=500))
    dry_run = fields.Boolean(load_default=False)


class MergeCell(Schema):
    id = ID
    version = VERSION


class MergeBody(Schema):
    cells = fields.List(
        fields.Nested(MergeCell), required=True, validate=validate.Length(min=2, max=50)
    )
    keep = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    name = fields.String(validate=validate.Length(min=1, max=100))
    dry_run = fields.Boolean(load_default=False)


class DrawBody(Schema):
    community_id = ID
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    carve = fields.Boolean(
        load_default=False,
        metadata={"description": "从重叠的网格中划出（重叠网格相应缩小）；否则只取空闲区域"},
    )
    override_reason = fields.String(load_default="", validate=validate.Length(max=500))
    geometry = fields.Nested(
        PolygonGeometry, required=True, metadata={"description": GEOMETRY_HELP}
    )
    dry_run = fields.Boolean(load_default=False)


class RenameBody(Schema):
    version = VERSION
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class Transfer(Schema):
    from_cell = fields.String(allow_none=True, required=True)
    from_label = fields.String(required=True)
    to_cell = fields.String(allow_none=True, required=True)
    to_label = fields.String(required=True)
    buildings = fields.List(fields.Integer(), required=True)
    households = fields.Integer(required=True)
    residents = fields.Integer(required=True)


class AssignmentMove(Schema):
    assignment_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    from_cell = fields.String(required=True)
    from_label = fields.String(required=True)
    to_cell = fields.String(required=True)
    to_label = fields.String(required=True)


class CellImpact(Schema):
    cell = fields.String(required=True)
    label = fields.String(required=True)
    area_before_m2 = fields.Float(required=True)
    area_after_m2 = fields.Float(required=True)
    households_before = fields.Integer(required=True)
    households_after = fields.Integer(required=True)


class Impact(Schema):
    summary = fields.String(required=True)
    transfers = fields.List(fields.Nested(Transfer), required=True)
    assignments = fields.List(fields.Nested(AssignmentMove), required=True)
    cells = fields.List(fields.Nested(CellImpact), required=True)
    cut_buildings = fields.List(fields.Integer(), required=True)


class ChangeResult(Schema):
    change_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "预览时为 null"}
    )
    cells = fields.List(
        fields.Dict(), required=True, metadata={"description": "修改后的网格 (GeoJSON Feature)"}
    )
    impact = fields.Nested(Impact, required=True)
    overlapped = fields.List(fields.Integer(), metadata={"description": "新画网格压到的已有网格"})


class HistoryEntry(Schema):
    change_id = fields.Integer(required=True)
    op = fields.String(required=True)
    summary = fields.String(required=True)
    user = fields.String(required=True)
    at = fields.String(required=True)
    override_reason = fields.String(required=True)
    reverts_change_id = fields.Integer(allow_none=True, required=True)
    cell_code = fields.String(required=True)
    version_before = fields.Integer(allow_none=True, required=True)
    version_after = fields.Integer(allow_none=True, required=True)
    area_before_m2 = fields.Float(required=True)
    area_after_m2 = fields.Float(required=True)
    households_before = fields.Integer(required=True)
    households_after = fields.Integer(required=True)
    geometry_before = fields.Dict(allow_none=True, required=True)
    geometry_after = fields.Dict(allow_none=True, required=True)


class History(Schema):
    entries = fields.List(fields.Nested(HistoryEntry), required=True)
