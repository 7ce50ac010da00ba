"""Partition quality API: the partition check and partition proposals.

Check: ``GET /api/communities/<id>/partition-check`` and ``GET /api/subdistricts/<id>/
partition-check`` (coordinators, grid managers, admins).
Proposal: ``POST /api/communities/<id>/proposal`` (draft, no writes) and ``…/proposal/accept``
(one validated save), grid managers and admins only.
Write routes check the CSRF token (header ``X-CSRFToken``, from the page's meta tag).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from gridapp.services.editing import require_editor
from gridapp.services.quality import check, proposal
from gridapp.web.common import ID, check_writes_first, doc_errors, json_body
from gridapp.web.quality import schemas as s

bp = Blueprint("quality_api", __name__, url_prefix="/api", description="网格划分检查与方案")


@bp.before_request
def editors_only_write() -> None:
    """Proposals (the POST routes) are for grid managers and admins: others are refused
    before the body is even read."""
    if request.method == "POST" and current_user.is_authenticated:
        require_editor(current_user)


# A proposal's community is checked before its body is validated (see check_writes_first).
check_writes_first(
    bp,
    {
        endpoint: lambda user, t: proposal.require_community(user, t.path["community_id"])
        for endpoint in ("quality_api.proposal_draft", "quality_api.proposal_accept")
    },
)


@bp.get(f"/communities/<{ID}:community_id>/partition-check")
@bp.response(200, s.CheckReport)
@doc_errors(bp, 403, 404)
def community_check(community_id: int) -> Response:
    """检查社区的网格划分：重叠、空隙、碎片、超出社区、建筑被切开、几何无效"""
    return jsonify(check.check_community(current_user, community_id))


@bp.get(f"/subdistricts/<{ID}:subdistrict_id>/partition-check")
@bp.response(200, s.CheckReport)
@doc_errors(bp, 403, 404)
def subdistrict_check(subdistrict_id: int) -> Response:
    """检查整个街道的网格划分（须管辖整个街道）"""
    return jsonify(check.check_subdistrict(current_user, subdistrict_id))


@bp.post(f"/communities/<{ID}:community_id>/proposal")
@json_body(bp, s.RangeBody)
@bp.response(200, s.ProposalDraft)
@doc_errors(bp, 400, 403, 404)
def proposal_draft(body: dict[str, Any], community_id: int) -> Response:
    """生成网格划分方案草案（按街坊/小区组合，不切分街坊；不保存）"""
    d = proposal.draft(current_user, community_id, body["min_households"], body["max_households"])
    return jsonify(proposal.draft_json(d))


@bp.post(f"/communities/<{ID}:community_id>/proposal/accept")
@json_body(bp, s.AcceptBody)
@bp.response(200, s.AcceptResult)
@doc_errors(bp, 400, 403, 404, 409, 422)
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
