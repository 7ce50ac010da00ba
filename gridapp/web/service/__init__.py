"""15-minute service circles and work coverage: JSON API (and the coordinator page)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint as PageBlueprint
from flask import Response as FlaskResponse
from flask import current_app, jsonify, render_template, url_for
from flask_login import current_user
from flask_smorest import Api, Blueprint
from shapely.geometry import Point
from sqlalchemy import select
from werkzeug.wrappers import Response

from gridapp.core.coverage import MAX_MINUTES, MAX_SPEED, MIN_MINUTES, MIN_SPEED
from gridapp.core.vocab import BUILDING_KIND_LABELS
from gridapp.extensions import db
from gridapp.models import Subdistrict
from gridapp.services import scope, service_circles, service_planning
from gridapp.services import service_coverage as sc
from gridapp.web.common import binary_doc, doc_errors, json_body, query_args, table_download
from gridapp.web.mapframe import build_map
from gridapp.web.maps import service_kinds
from gridapp.web.service import schemas as s

bp = Blueprint("service", __name__, url_prefix="/api", description="15分钟服务圈与工作覆盖")
pages = PageBlueprint("service_pages", __name__)
EXPORT_HEADER = ["社区", "网格编码", "网格名称", "户数", "覆盖户数", "户数覆盖率", "人口",
                 "覆盖人口", "人口覆盖率", "未覆盖楼栋"]  # fmt: skip


def _params(args: dict[str, Any]) -> sc.Params:
    return sc.Params(
        minutes=args.get("minutes", 15),
        speed_kmh=args.get("speed", 4.0),
        kinds=list(args.get("kind") or args.get("kinds") or []),
        off_network_m=args.get("off_network", sc.OFF_NETWORK_M),
    )


@bp.get("/coverage/service")
@query_args(bp, s.Params)
@bp.response(200, s.Report)
@doc_errors(bp, 400, 403, 404)
def coverage(**args: Any) -> Response:
    """工作覆盖：每栋楼到最近服务阵地的步行距离，按网格、社区汇总覆盖的户数和人口"""
    net, cov = sc.compute(current_user, args.get("subdistrict_id"), _params(args))
    return jsonify(sc.report(current_user, net, cov))


@bp.get("/coverage/service/gaps")
@query_args(bp, s.Params)
@bp.response(200, s.Collection)
@doc_errors(bp, 400, 403, 404)
def gaps(**args: Any) -> Response:
    """盲点：所有服务圈之外的住宅楼 (GeoJSON)"""
    net, cov = sc.compute(current_user, args.get("subdistrict_id"), _params(args))
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
        _params(args),
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
    scenario = service_planning.Scenario(
        add=[Point(p["lon"], p["lat"]) for p in body["add"]],
        move={p["id"]: Point(p["lon"], p["lat"]) for p in body["move"]},
        remove=list(body["remove"]),
    )
    return jsonify(
        service_planning.what_if(current_user, body.get("subdistrict_id"), _params(body), scenario)
    )


@bp.post("/coverage/suggest")
@json_body(bp, s.SuggestBody)
@bp.response(200, s.Suggestions)
@doc_errors(bp, 400, 403, 404)
def suggest(body: dict[str, Any]) -> Response:
    """建议新站点：覆盖最多未覆盖居民的 k 个位置（贪心 + 交换改进）"""
    return jsonify(
        service_planning.suggest(
            current_user,
            body.get("subdistrict_id"),
            _params(body),
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
    net, cov = sc.compute(current_user, args.get("subdistrict_id"), _params(args))
    report = sc.report(current_user, net, cov)
    rows: list[list[Any]] = [EXPORT_HEADER]
    for c in report["cells"]:
        rows.append(
            [c["community_name"], c["code"], c["name"], c["households"], c["households_covered"],
             c["share_households"], c["residents"], c["residents_covered"], c["share_residents"],
             c["uncovered_buildings"]]
        )  # fmt: skip
    return table_download(rows, args["format"], "工作覆盖", "service-coverage")


# The coordinator page: layer groups of its map (key, name in the layer control), bottom
# to top as listed; the API routes its scripts read; the building kinds a new site may use.
PAGE_OVERLAYS = (
    ("streets", "道路"),
    ("cells", "网格覆盖率"),
    ("buildings", "建筑"),
    ("communities", "社区"),
    ("circles", "服务圈"),
    ("gaps", "盲点（未覆盖住宅）"),
    ("stations", "服务阵地"),
    ("scenario", "假设站点"),
    ("suggestions", "建议新站点"),
)
PAGE_API = {
    "me": "api.Me",
    "communities": "api.Communities",
    "cells": "api.Cells",
    "buildings": "api.Buildings",
    "streets": "api.Streets",
    "service_points": "api.ServicePoints",
    "coverage": "service.coverage",
    "gaps": "service.gaps",
    "circles": "service.circles",
    "what_if": "service.what_if",
    "suggest": "service.suggest",
    "export": "service.export",
    "organisation": "organisations.organisation_coverage",
}
SITE_BUILDING_KINDS = ("public", "school", "commercial", "office", "residential", "lowrise")


def _visible_subdistricts() -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Subdistrict.id, Subdistrict.name, Subdistrict.code)
        .where(Subdistrict.id.in_(scope.visible_subdistrict_ids(current_user)))
        .order_by(Subdistrict.code)
    ).all()
    return [{"id": i, "name": name, "code": code} for i, name, code in rows]


@pages.get("/service")
def page() -> str:
    """15分钟服务圈: circles, coverage per cell and community next to the organisation
    coverage, gaps, what-if stations and suggested sites; every figure comes from the API."""
    parts = build_map(
        lambda path: url_for("static", filename=path),
        tile_url=str(current_app.config.get("TILE_URL") or ""),
        tile_attribution=str(current_app.config.get("TILE_ATTRIBUTION") or ""),
        overlays=PAGE_OVERLAYS,
    )
    return render_template(
        "coverage/index.html",
        map_parts=parts,
        api_urls={key: url_for(endpoint) for key, endpoint in PAGE_API.items()},
        service_kinds=service_kinds(),
        subdistricts=_visible_subdistricts(),
        building_kinds=[{"kind": k, "label": BUILDING_KIND_LABELS[k]} for k in SITE_BUILDING_KINDS],
        limits={"minutes": [MIN_MINUTES, MAX_MINUTES], "speed": [MIN_SPEED, MAX_SPEED]},
    )


def register(api: Api) -> None:
    api.register_blueprint(bp)
