"""The base-data API of the map (GeoJSON FeatureCollections): the user and their extent,
communities, cells, service points, buildings and streets they may see."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from gridapp.core.vocab import ROLE_LABELS, Role
from gridapp.services.map import features
from gridapp.web.common import ID, doc_errors, query_args
from gridapp.web.map import schemas as s
from gridapp.web.validation import Schema

bp = Blueprint("map_api", __name__, url_prefix="/api", description="网格 GIS 数据接口")


def _doc_errors(*extra: int) -> Any:
    return doc_errors(bp, *extra)


def _query(schema: type[Schema]) -> Any:
    return query_args(bp, schema)


def _json(body: dict[str, Any]) -> Response:
    return jsonify(body)


@bp.route("/me")
class Me(MethodView):
    @bp.response(200, s.MeSchema)
    @_doc_errors()
    def get(self) -> Response:
        """当前用户、角色与可见范围"""
        return _json(
            {
                "id": current_user.id,
                "username": current_user.username,
                "display_name": current_user.display_name,
                "role": current_user.role,
                "role_label": ROLE_LABELS[Role(current_user.role)],
                "extent": features.extent(current_user),
            }
        )


@bp.route("/communities")
class Communities(MethodView):
    @_query(s.BBoxArgs)
    @bp.response(200, s.CommunityCollection)
    @_doc_errors(400)
    def get(self, bbox: str | None = None) -> Response:
        """社区 (GeoJSON FeatureCollection)"""
        box = features.BBox.parse(bbox)
        return _json(features.communities(current_user, box))


@bp.route(f"/communities/<{ID}:community_id>")
class CommunityItem(MethodView):
    @bp.response(200, s.CommunityFeature)
    @_doc_errors(403, 404)
    def get(self, community_id: int) -> Response:
        """单个社区 (GeoJSON Feature)"""
        return _json(features.community(current_user, community_id))


@bp.route("/cells")
class Cells(MethodView):
    @_query(s.CellArgs)
    @bp.response(200, s.CellCollection)
    @_doc_errors(400, 403, 404)
    def get(self, bbox: str | None = None, community_id: int | None = None) -> Response:
        """网格 (GeoJSON FeatureCollection)"""
        box = features.BBox.parse(bbox)
        return _json(features.cells(current_user, box, community_id))


@bp.route(f"/cells/<{ID}:cell_id>")
class CellItem(MethodView):
    @bp.response(200, s.CellFeature)
    @_doc_errors(403, 404)
    def get(self, cell_id: int) -> Response:
        """单个网格 (GeoJSON Feature)"""
        return _json(features.cell(current_user, cell_id))


@bp.route("/service-points")
class ServicePoints(MethodView):
    @_query(s.ServicePointArgs)
    @bp.response(200, s.ServicePointCollection)
    @_doc_errors(400)
    def get(self, bbox: str | None = None, kind: list[str] | None = None) -> Response:
        """服务阵地 (GeoJSON FeatureCollection)"""
        box = features.BBox.parse(bbox)
        return _json(features.service_points(current_user, box, kind or ()))


@bp.route(f"/service-points/<{ID}:point_id>")
class ServicePointItem(MethodView):
    @bp.response(200, s.ServicePointFeature)
    @_doc_errors(403, 404)
    def get(self, point_id: int) -> Response:
        """单个服务阵地 (GeoJSON Feature)"""
        return _json(features.service_point(current_user, point_id))


@bp.route("/buildings")
class Buildings(MethodView):
    @_query(s.BBoxArgs)
    @bp.response(200, s.BuildingCollection)
    @_doc_errors(400)
    def get(self, bbox: str | None = None) -> Response:
        """可见网格内的建筑 (GeoJSON FeatureCollection)"""
        box = features.BBox.parse(bbox)
        return _json(features.buildings(current_user, box))


@bp.route("/streets")
class Streets(MethodView):
    @_query(s.BBoxArgs)
    @bp.response(200, s.StreetCollection)
    @_doc_errors(400)
    def get(self, bbox: str | None = None) -> Response:
        """步行路网 (GeoJSON FeatureCollection)"""
        box = features.BBox.parse(bbox)
        return _json(features.streets(current_user, box))
