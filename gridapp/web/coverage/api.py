"""15-minute service circles and work coverage (工作覆盖): the JSON API of the /service page."""

from __future__ import annotations

from typing import Any

from flask import Response as FlaskResponse
from flask import current_app, jsonify
from flask_login import current_user
from flask_smorest import Blueprint
from shapely.geometry import Point
from werkzeug.wrappers import Response

from gridapp.services.coverage import circles as service_circles
from gridapp.services.coverage import planning
from gridapp.services.coverage import report as sc
from gridapp.web.common import binary_doc, doc_errors, json_body, query_args, table_download
from gridapp.web.coverage import schemas as s
from gridapp.web.walk_args import walk_params

bp = Blueprint("coverage_api", __name__, url_prefix="/api", description="15分钟服务圈与工作覆盖")


def _compute(args: dict[str, Any]) -> tuple[sc.Network, sc.Coverage]:
    """The walking network of the subdistrict asked for, and its coverage."""
    return sc.compute(current_user, args.get("subdistrict_id"), walk_params(args))


@bp.get("/coverage/service")
@query_args(bp, s.Params)
@bp.response(200, s.Report)
@doc_errors(bp, 400, 403, 404)
def coverage(**args: Any) -> Response:
    """工作覆盖：每栋楼到最近服务阵地的步行距离，按网格、社区汇总覆盖的户数和人口"""
    net, cov = _compute(args)
    return jsonify(sc.report(current_user, net, cov))


@bp.get("/coverage/service/gaps")
@query_args(bp, s.Params)
@bp.response(200, s.Collection)
@doc_errors(bp, 400, 403, 404)
def gaps(**args: Any) -> Response:
    """盲点：所有服务圈之外的住宅楼 (GeoJSON)"""
    net, cov = _compute(args)
    return jsonify(sc.gaps(current_user, net, cov))


@bp.get("/coverage/circles")
@query_args(bp, s.CircleArgs)
@bp.response(200, s.Circles)
@doc_errors(bp, 400, 403, 404)
def circles(**args: Any) -> Response:
    """服务圈：沿步行路网可达的范围 (GeoJSON 多边形，按地图缩放级别简化；只含您可查看的服务阵地)"""
    text = service_circles.circles_json(
        current_user,
        args.get("subdistrict_id"),
        walk_params(args),
        args["point_id"],
        zoom=args.get("zoom"),
        tolerance=args.get("tolerance"),
    )
    return current_app.response_class(text, mimetype="application/json")


@bp.post("/coverage/what-if")
@json_body(bp, s.ScenarioBody)
@bp.response(200, s.WhatIf)
@doc_errors(bp, 400, 403, 404)
def what_if(body: dict[str, Any]) -> Response:
    """假设：增加、移动或撤除服务阵地（不保存），立即看覆盖变化"""
    scenario = planning.Scenario(
        add=[Point(p["lon"], p["lat"]) for p in body["add"]],
        move={p["id"]: Point(p["lon"], p["lat"]) for p in body["move"]},
        remove=list(body["remove"]),
    )
    return jsonify(
        planning.what_if(current_user, body.get("subdistrict_id"), walk_params(body), scenario)
    )


@bp.post("/coverage/suggest")
@json_body(bp, s.SuggestBody)
@bp.response(200, s.Suggestions)
@doc_errors(bp, 400, 403, 404)
def suggest(body: dict[str, Any]) -> Response:
    """建议新站点：覆盖最多未覆盖居民的 k 个位置（贪心 + 交换改进）"""
    return jsonify(
        planning.suggest(
            current_user,
            body.get("subdistrict_id"),
            walk_params(body),
            body["k"],
            body["candidates"],
            body["building_kinds"],
            body["max_candidates"],
        )
    )


@bp.get("/coverage/service/export")
@query_args(bp, s.ExportArgs)
@binary_doc(bp, "工作覆盖表 (CSV 或 XLSX)")
@doc_errors(bp, 400, 403, 404)
def export(**args: Any) -> FlaskResponse:
    """导出工作覆盖表"""
    net, cov = _compute(args)
    rows = sc.export_rows(current_user, net, cov)
    return table_download(rows, args["format"], "工作覆盖", "service-coverage")
