"""The ``field`` journey's API: households (住户), visits (走访), the "四访" due list and
the user's cells.

Names, addresses, phones and tags only for the reader's cells; anything else is a 404, so
ids don't leak (``services.field.households``). Every record read is logged. Counts are for
every role within the cells they see. The access log is for admins. A visit is sent as
multipart/form-data (its photo in the same request) with the ``X-CSRFToken`` header; its
permission is checked before the form is validated (``check_writes_first``).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from gridapp.services import field
from gridapp.web.common import ID, WriteCheck, check_writes_first, doc_errors, query_args
from gridapp.web.field import schemas as s
from gridapp.web.field import visit_schemas as v

bp = Blueprint(
    "field_api",
    __name__,
    url_prefix="/api",
    description="网格员：住户信息（按网格保护隐私）、走访与提醒",
)

# Each write's permission check, run before its body is validated (see check_writes_first).
WRITE_CHECKS: dict[str, WriteCheck] = {
    "field_api.record_visit": lambda user, t: field.authorize_visit(
        user, t.number("household_id"), t.number("member_id")
    ),
}
check_writes_first(bp, WRITE_CHECKS)


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


@bp.post("/visits")
@bp.arguments(
    v.VisitForm, location="form", content_type="multipart/form-data", error_status_code=400
)
@bp.response(201, v.VisitAnswer, description="新的走访记录")
@bp.alt_response(200, schema=v.VisitAnswer, description="重复提交：已保存的走访记录")
@doc_errors(bp, 400, 403, 404, 409, 413, 415, 422)
def record_visit(form: dict[str, Any]) -> tuple[Response, int]:
    """登记走访（可附一张照片，照片去除位置等元数据后保存；同一 client_key 只保存一次）"""
    form.pop("photo", None)  # the photo is the uploaded file, never a text field
    upload = request.files.get("photo")
    photo = field.read_upload(upload.stream) if upload is not None and upload.filename else None
    answer, created = field.record_visit(current_user, field.VisitInput(**form), photo, _route())
    return jsonify({**answer, "duplicate": not created}), 201 if created else 200


@bp.get("/visits")
@query_args(bp, v.VisitListArgs)
@bp.response(200, v.VisitPage)
@doc_errors(bp, 400, 404)
def visits(**args: Any) -> Response:
    """走访记录（最新在前；可按网格、网格员筛选；无权查看住户信息时只含时间、网格、走访人与方式）"""
    return jsonify(field.list_visits(current_user, _route(), **args))


@bp.get("/field/due")
@query_args(bp, v.DueArgs)
@bp.response(200, v.DueList)
@doc_errors(bp, 400, 404)
def due(cell_id: int | None = None) -> Response:
    """ "四访"提醒：到期或逾期未走访的困难群众与党员（从未走访的在前，再按逾期天数）"""
    return jsonify(field.due(current_user, cell_id, _route()))


@bp.get("/field/my-cells")
@bp.response(200, v.MyCells)
@doc_errors(bp)
def my_cells() -> Response:
    """我的网格：可见网格的住户数、待走访数、待处理事件数与边界"""
    return jsonify(field.my_cells(current_user))
