"""Request and response schemas of the partition check and proposal API."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from gridapp.services.quality.proposal import MAX_HOUSEHOLDS
from gridapp.web.validation import Schema

KINDS = ["invalid", "outside", "overlap", "gap", "sliver", "building_cut"]
HOUSEHOLDS = validate.Range(min=1, max=MAX_HOUSEHOLDS)


class ProblemCounts(Schema):
    invalid = fields.Integer(required=True, metadata={"description": "几何无效"})
    outside = fields.Integer(required=True, metadata={"description": "超出社区"})
    overlap = fields.Integer(required=True, metadata={"description": "网格重叠"})
    gap = fields.Integer(required=True, metadata={"description": "空隙"})
    sliver = fields.Integer(required=True, metadata={"description": "碎片"})
    building_cut = fields.Integer(required=True, metadata={"description": "建筑被切开"})


class CheckScope(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["community", "subdistrict"]))
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class Checked(Schema):
    communities = fields.Integer(required=True)
    cells = fields.Integer(required=True)
    buildings = fields.Integer(required=True)


class Thresholds(Schema):
    inside_m = fields.Float(required=True, metadata={"description": "允许超出社区的距离（米）"})
    overlap_m2 = fields.Float(required=True)
    gap_m2 = fields.Float(required=True)
    building_m2 = fields.Float(required=True)
    sliver_area_m2 = fields.Float(required=True, metadata={"description": "碎片面积阈值"})
    sliver_width_m = fields.Float(
        required=True, metadata={"description": "碎片宽度阈值（2·面积/周长）"}
    )


class Problem(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    kind_label = fields.String(required=True)
    message = fields.String(required=True, metadata={"description": "中文说明"})
    community_id = fields.Integer(required=True, allow_none=True)
    community_name = fields.String(required=True, allow_none=True)
    cells = fields.List(fields.String(), required=True, metadata={"description": "网格编码"})
    buildings = fields.List(fields.Integer(), required=True, metadata={"description": "建筑编号"})
    area_m2 = fields.Float(required=True)
    geometry = fields.Dict(required=True, metadata={"description": "问题所在 (GeoJSON, EPSG:4326)"})


class CheckReport(Schema):
    ok = fields.Boolean(required=True, metadata={"description": "没有任何问题"})
    scope = fields.Nested(CheckScope, required=True)
    counts = fields.Nested(ProblemCounts, required=True)
    kind_labels = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    checked = fields.Nested(Checked, required=True)
    thresholds = fields.Nested(Thresholds, required=True)
    problems = fields.List(fields.Nested(Problem), required=True)


class RangeBody(Schema):
    min_households = fields.Integer(
        required=True, validate=HOUSEHOLDS, metadata={"description": "每个网格最少户数"}
    )
    max_households = fields.Integer(
        required=True, validate=HOUSEHOLDS, metadata={"description": "每个网格最多户数"}
    )

    @validates_schema
    def min_not_above_max(self, data: dict[str, int], **_: object) -> None:
        if data["min_households"] > data["max_households"]:
            raise ValidationError("最少户数不能大于最多户数", "min_households")


class AcceptBody(RangeBody):
    versions = fields.Dict(
        keys=fields.String(
            validate=validate.Regexp(r"^[1-9][0-9]{0,9}$"), metadata={"label": "网格编号"}
        ),
        values=fields.Integer(
            validate=validate.Range(min=1, max=2**31 - 1), metadata={"label": "版本号"}
        ),
        required=True,
        metadata={"description": "生成方案时社区内每个网格的版本号 {网格编号: 版本}"},
    )
    fingerprint = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": "方案指纹（来自草案）：方案变化时拒绝采纳"},
    )


class BalanceStats(Schema):
    cells = fields.Integer(required=True)
    households_total = fields.Integer(required=True)
    households_min = fields.Integer(required=True)
    households_median = fields.Float(required=True)
    households_max = fields.Integer(required=True)
    below_min = fields.Integer(required=True)
    above_max = fields.Integer(required=True)
    outside_range = fields.Integer(required=True, metadata={"description": "户数超出范围的网格数"})
    mean_polsby_popper = fields.Float(
        required=True, metadata={"description": "平均紧凑度 4πA/P²（圆为 1）"}
    )
    min_polsby_popper = fields.Float(required=True)


class ProposalStats(BalanceStats):
    min_households = fields.Integer(required=True)
    max_households = fields.Integer(required=True)
    blocks = fields.Integer(required=True)
    oversized_blocks = fields.Integer(
        required=True, metadata={"description": "户数本身超过上限、无法再分的街坊数"}
    )
    kept_codes = fields.Integer(required=True)
    new_cells = fields.Integer(required=True)
    deleted_cells = fields.Integer(required=True)
    current = fields.Nested(BalanceStats, required=True, metadata={"description": "现有划分"})


class ExistingCell(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    version = fields.Integer(required=True)
    households = fields.Integer(required=True)
    kept = fields.Boolean(required=True, metadata={"description": "编码保留（对应方案中的网格）"})
    heir_index = fields.Integer(
        required=True, allow_none=True, metadata={"description": "党组织等随之转入的方案网格序号"}
    )


class ProposalDraft(Schema):
    community_id = fields.Integer(required=True)
    community_name = fields.String(required=True)
    cells = fields.Dict(
        required=True,
        metadata={
            "description": "方案网格 (GeoJSON FeatureCollection；properties: households, "
            "residents, blocks, matched_cell_id, matched_cell_code …)"
        },
    )
    stats = fields.Nested(ProposalStats, required=True)
    existing = fields.List(fields.Nested(ExistingCell), required=True)
    versions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    fingerprint = fields.String(required=True)


class AcceptResult(Schema):
    change_id = fields.Integer(required=True)
    cells = fields.List(fields.Dict(), required=True, metadata={"description": "保存后的网格"})
    impact = fields.Dict(required=True, metadata={"description": "变化影响（同 /api/changes）"})
