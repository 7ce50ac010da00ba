"""Household API (住户), the first routes of the ``field`` journey.

Names, addresses, phones and tags only for the reader's cells; anything else is a 404, so
ids don't leak (``services.field.households``). Every record read is logged. Counts are for
every role within the cells they see. The access log is for admins.
All routes are reads (GET).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from gridapp.services import field
from gridapp.web.common import ID, doc_errors, query_args
from gridapp.web.field import schemas as s

bp = Blueprint("field_api", __name__, url_prefix="/api", description="住户信息（按网格保护隐私）")


def _route() -> str:
    return str(request.endpoint or request.path)


@bp.get(f"/cells/<{ID}:cell_id>/households")
@query_args(bp, s.HouseholdListArgs)
@bp.response(200, s.CellHouseholds)
@doc_errors(bp, 400, 404)
def cell_households(cell_id: int, tag: str | None = None) -> Response:
    """网格住户名册（仅本人负责的网格；每条记录的查阅均记入访问记录）"""
    return jsonify(field.cell_households(current_user, cell_id, _route(), tag))


@bp.get("/households/counts")
@query_args(bp, s.CountArgs)
@bp.response(200, s.HouseholdCounts)
@doc_errors(bp, 400, 403, 404)
def household_counts(
    community_id: int | None = None, subdistrict_id: int | None = None
) -> Response:
    """各网格、各社区的住户数与困难群众、党员户数（只有数字，不含姓名）"""
    return jsonify(field.household_counts(current_user, community_id, subdistrict_id))


@bp.get(f"/households/<{ID}:household_id>")
@bp.response(200, s.HouseholdSchema)
@doc_errors(bp, 404)
def household(household_id: int) -> Response:
    """单个住户（仅本人负责的网格；查阅记入访问记录）"""
    return jsonify(field.household(current_user, household_id, _route()))


@bp.get("/household-access")
@query_args(bp, s.AccessArgs)
@bp.response(200, s.AccessPage)
@doc_errors(bp, 400, 403)
def household_access(**args: Any) -> Response:
    """住户信息访问记录（仅系统管理员）"""
    return jsonify(field.access_log(current_user, **args))
