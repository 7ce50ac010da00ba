"""Partition quality pages: the partition check (``/check``) and a partition proposal for
one community (``/proposal?community=N``); both read and write through the quality API."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from gridapp.core.errors import BadRequest
from gridapp.services.editing import require_editor
from gridapp.services.quality import check, proposal
from gridapp.web.common import base_data_urls, url_template
from gridapp.web.mapframe import page_map

bp = Blueprint("quality", __name__)


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise BadRequest(f"参数 {name} 应为正整数")
    return int(raw)


@bp.get("/check")
def check_page() -> str:
    """The partition check: pick a community or a whole subdistrict, see every problem."""
    check.require_checker(current_user)
    return render_template(
        "quality/check.html",
        map_parts=page_map((("communities", "社区"), ("cells", "网格"), ("problems", "问题"))),
        api_urls={
            **base_data_urls("me", "communities", "cells"),
            "community_check": url_template("quality_api.community_check", community_id=1),
            "subdistrict_check": url_template("quality_api.subdistrict_check", subdistrict_id=1),
        },
        selected={"community": _int_arg("community"), "subdistrict": _int_arg("subdistrict")},
        choices=check.choices(current_user),
    )


@bp.get("/proposal")
def proposal_page() -> str:
    """A partition proposal for one community: parameters, draft on the map, accept/discard."""
    require_editor(current_user)
    return render_template(
        "quality/proposal.html",
        map_parts=page_map((("communities", "社区"), ("cells", "现有网格"), ("proposal", "方案"))),
        api_urls={
            **base_data_urls("me", "communities", "cells"),
            "draft": url_template("quality_api.proposal_draft", community_id=1),
            "accept": url_template("quality_api.proposal_accept", community_id=1),
            "check_page": url_for("quality.check_page"),
        },
        selected={"community": _int_arg("community")},
        communities=proposal.editable_communities(current_user),
    )
