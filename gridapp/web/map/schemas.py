"""Marshmallow schemas that describe the JSON API in the OpenAPI document."""

from __future__ import annotations

import marshmallow
from marshmallow import fields, validate

from gridapp.core.vocab import Role, ServiceKind
from gridapp.services.map.features import BBOX_PATTERN
from gridapp.web.validation import Schema

BBOX_HELP = "最小经度,最小纬度,最大经度,最大纬度 (EPSG:4326), e.g. 116.45,39.90,116.50,39.93"


class BBoxArgs(Schema):
    # Documented here, enforced with Chinese messages by BBox.parse; empty means no bbox.
    bbox = fields.String(metadata={"description": BBOX_HELP, "pattern": f"^({BBOX_PATTERN})?$"})


class CellArgs(BBoxArgs):
    community_id = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "只看该社区的网格"}
    )


class ServicePointArgs(BBoxArgs):
    kind = fields.List(
        fields.String(validate=validate.OneOf([k.value for k in ServiceKind])),
        metadata={"description": "服务阵地类型，可重复"},
    )


class Geometry(Schema):
    type = fields.String(required=True)
    coordinates = fields.List(fields.Raw(), required=True)


class CommunityProps(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "12 位社区编码"})
    name = fields.String(required=True)
    subdistrict_id = fields.Integer(required=True)
    cell_count = fields.Integer(required=True)
    households = fields.Integer(required=True)
    residents = fields.Integer(required=True)


class CellProps(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "15 位网格编码 (DB11/T 2157)"})
    name = fields.String(required=True)
    community_id = fields.Integer(required=True)
    community_name = fields.String(required=True)
    households = fields.Integer(required=True)
    residents = fields.Integer(required=True)
    version = fields.Integer(required=True)


class ServicePointProps(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ServiceKind]))
    kind_label = fields.String(required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)
    hours = fields.String(required=True)
    contact = fields.String(required=True)
    services = fields.List(fields.String(), required=True)
    community_id = fields.Integer(required=True, allow_none=True)
    cell_id = fields.Integer(required=True, allow_none=True)


class BuildingProps(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    name = fields.String(required=True)
    levels = fields.Integer(required=True)
    households = fields.Integer(required=True)
    residents = fields.Integer(required=True)
    cell_id = fields.Integer(required=True, allow_none=True)


class StreetProps(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    name = fields.String(required=True)
    length_m = fields.Float(required=True)


def _feature_schemas(
    props: type[Schema], name: str
) -> tuple[type[marshmallow.Schema], type[marshmallow.Schema]]:
    feature = Schema.from_dict(
        {
            "type": fields.String(required=True, validate=validate.Equal("Feature")),
            "id": fields.Integer(required=True),
            "geometry": fields.Nested(Geometry, required=True),
            "properties": fields.Nested(props, required=True),
        },
        name=f"{name}Feature",
    )
    collection = Schema.from_dict(
        {
            "type": fields.String(required=True, validate=validate.Equal("FeatureCollection")),
            "features": fields.List(fields.Nested(feature), required=True),
        },
        name=f"{name}Collection",
    )
    return feature, collection


CommunityFeature, CommunityCollection = _feature_schemas(CommunityProps, "Community")
CellFeature, CellCollection = _feature_schemas(CellProps, "Cell")
ServicePointFeature, ServicePointCollection = _feature_schemas(ServicePointProps, "ServicePoint")
_, BuildingCollection = _feature_schemas(BuildingProps, "Building")
_, StreetCollection = _feature_schemas(StreetProps, "Street")


class MeSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    role_label = fields.String(required=True)
    extent = fields.List(
        fields.Float(),
        required=True,
        allow_none=True,
        metadata={"description": "可见网格的范围 [最小经度, 最小纬度, 最大经度, 最大纬度]"},
    )
