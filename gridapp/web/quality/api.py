"""Partition quality: the partition check and partition proposals (API + pages).

Check: ``GET /api/communities/<id>/partition-check`` and ``GET /api/subdistricts/<id>/
partition-check`` (coordinators, grid managers, admins), page ``/check``.
Proposal: ``POST /api/communities/<id>/proposal`` (draft, no writes) and ``…/proposal/accept``
(one validated save), grid managers and admins only; page ``/proposal?community=N``.
Write routes check the CSRF token (header ``X-CSRFToken``, from the page's meta tag).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint as PageBlueprint
from flask import current_app, jsonify, render_template, request, url_for
from flask_login import current_user
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.wrappers import Response

from gridapp.core.errors import BadRequest
from gridapp.services import proposal, quality
from gridapp.services.editing import require_editor
from gridapp.web.common import ID, check_writes_first, doc_errors, json_body
from gridapp.web.mapframe import MapParts, build_map
from gridapp.web.quality import schemas as s

api_bp = ApiBlueprint("quality", __name__, url_prefix="/api", description="网格划分检查与方案")
pages = PageBlueprint("quality_pages", __name__)


@api_bp.before_request
def editors_only_write() -> None:
    """Proposals (the POST routes) are for grid managers and admins: others are refused
    before the body is even read."""
    if request.method == "POST" and current_user.is_authenticated:
        require_editor(current_user)


# A proposal's community is checked before its body is validated (see check_writes_first).
check_writes_first(
    api_bp,
    {
        endpoint: lambda user, t: proposal.require_community(user, t.path["community_id"])
        for endpoint in ("quality.proposal_draft", "quality.proposal_accept")
    },
)


@api_bp.get(f"/communities/<{ID}:community_id>/partition-check")
@api_bp.response(200, s.CheckReport)
@doc_errors(api_bp, 403, 404)
def community_check(community_id: int) -> Response:
    """检查社区的网格划分：重叠、空隙、碎片、超出社区、建筑被切开、几何无效"""
    return jsonify(quality.check_community(current_user, community_id))


@api_bp.get(f"/subdistricts/<{ID}:subdistrict_id>/partition-check")
@api_bp.response(200, s.CheckReport)
@doc_errors(api_bp, 403, 404)
def subdistrict_check(subdistrict_id: int) -> Response:
    """检查整个街道的网格划分（须管辖整个街道）"""
    return jsonify(quality.check_subdistrict(current_user, subdistrict_id))


@api_bp.post(f"/communities/<{ID}:community_id>/proposal")
@json_body(api_bp, s.RangeBody)
@api_bp.response(200, s.ProposalDraft)
@doc_errors(api_bp, 400, 403, 404)
def proposal_draft(body: dict[str, Any], community_id: int) -> Response:
    """生成网格划分方案草案（按街坊/小区组合，不切分街坊；不保存）"""
    d = proposal.draft(current_user, community_id, body["min_households"], body["max_households"])
    return jsonify(proposal.draft_json(d))


@api_bp.post(f"/communities/<{ID}:community_id>/proposal/accept")
@json_body(api_bp, s.AcceptBody)
@api_bp.response(200, s.AcceptResult)
@doc_errors(api_bp, 400, 403, 404, 409, 422)
def proposal_accept(body: dict[str, Any], community_id: int) -> Response:
    """采纳方案：服务器重新计算同一方案，并作为一次经校验的保存写入（版本变化时 409）"""
    versions = {int(k): v for k, v in body["versions"].items()}
    result = proposal.accept(
        current_user,
        community_id,
        body["min_households"],
        body["max_households"],
        versions,
        body.get("fingerprint"),
    )
    return jsonify({"change_id": result.change_id, "cells": result.cells, "impact": result.impact})


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise BadRequest(f"参数 {name} 应为正整数")
    return int(raw)


def _url_template(endpoint: str, **ids: Any) -> str:
    """A route's URL with ``{id}`` in place of its id (filled in by the page's JavaScript)."""
    return url_for(endpoint, **ids).replace("/1/", "/{id}/", 1)


def _map(overlays: tuple[tuple[str, str], ...]) -> MapParts:
    return build_map(
        lambda path: url_for("static", filename=path),
        tile_url=str(current_app.config.get("TILE_URL") or ""),
        tile_attribution=str(current_app.config.get("TILE_ATTRIBUTION") or ""),
        overlays=overlays,
    )


@pages.get("/check")
def check_page() -> str:
    """The partition check: pick a community or a whole subdistrict, see every problem."""
    quality.require_checker(current_user)
    return render_template(
        "quality/check.html",
        map_parts=_map((("communities", "社区"), ("cells", "网格"), ("problems", "问题"))),
        api_urls={
            "me": url_for("api.Me"),
            "communities": url_for("api.Communities"),
            "cells": url_for("api.Cells"),
            "community_check": _url_template("quality.community_check", community_id=1),
            "subdistrict_check": _url_template("quality.subdistrict_check", subdistrict_id=1),
        },
        selected={"community": _int_arg("community"), "subdistrict": _int_arg("subdistrict")},
        choices=quality.choices(current_user),
    )


@pages.get("/proposal")
def proposal_page() -> str:
    """A partition proposal for one community: parameters, draft on the map, accept/discard."""
    require_editor(current_user)
    return render_template(
        "quality/proposal.html",
        map_parts=_map((("communities", "社区"), ("cells", "现有网格"), ("proposal", "方案"))),
        api_urls={
            "me": url_for("api.Me"),
            "communities": url_for("api.Communities"),
            "cells": url_for("api.Cells"),
            "draft": _url_template("quality.proposal_draft", community_id=1),
            "accept": _url_template("quality.proposal_accept", community_id=1),
            "check_page": url_for("quality_pages.check_page"),
        },
        selected={"community": _int_arg("community")},
        communities=proposal.editable_communities(current_user),
    )


def register(api: Api) -> None:
    api.register_blueprint(api_bp)
