"""The field journey's API (网格员): household records (住户), visits (走访) and the
"四访" due list, the user's cells, events (事件上报), the field log (民情日志), their
photos, and the cell sheet (网格档案).

Names, addresses, phones and tags only for the reader's cells; anything else is a 404, so
ids don't leak (``services.field.households``). Every household record read is logged.
Counts are for every role within the cells they see. The access log is for admins. Visits,
events and the field log are idempotent writes by ``client_key`` (201 new, 200 a retry);
visits and events are multipart/form-data (a photo in the same request); each write's
permission is checked before its body is validated (``check_writes_first``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from gridapp.core.vocab import PHOTO_FORMATS
from gridapp.services import field
from gridapp.services.field import events, field_log, photos, sheet
from gridapp.web.common import ID, WriteCheck, check_writes_first, doc_errors, json_body, query_args
from gridapp.web.field import record_schemas as r
from gridapp.web.field import schemas as s
from gridapp.web.field import sheet_schemas
from gridapp.web.field import visit_schemas as v

bp = Blueprint(
    "field_api",
    __name__,
    url_prefix="/api",
    description="网格员：住户信息（按网格保护隐私）、走访与提醒、事件上报、民情日志、照片、网格档案",
)

# Each write's permission check, run before its body is validated (see check_writes_first).
WRITE_CHECKS: dict[str, WriteCheck] = {
    "field_api.record_visit": lambda user, t: field.authorize_visit(
        user, t.number("household_id"), t.number("member_id")
    ),
    "field_api.report_event": lambda user, t: events.authorize_report(user, t.number("cell_id")),
    "field_api.close_event": lambda user, t: events.closable_event(user, t.path["event_id"]),
    "field_api.write_field_log": lambda user, t: field_log.authorize_write(
        user, t.number("cell_id")
    ),
}
check_writes_first(bp, WRITE_CHECKS)


def _route() -> str:
    return str(request.endpoint or request.path)


def _submitted(record: dict[str, Any], created: bool) -> tuple[Response, int]:
    return jsonify({**record, "duplicate": not created}), 201 if created else 200


def _uploaded_photo() -> bytes | None:
    """The form's photo file (at most one byte over the limit read), or None when the
    form has none (a browser sends an empty, nameless part for an empty file input)."""
    upload = request.files.get("photo")
    if upload is None or not (upload.filename or upload.content_length):
        return None
    return photos.read_upload(upload.stream)


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
    answer, created = field.record_visit(
        current_user, field.VisitInput(**form), _uploaded_photo(), _route()
    )
    return _submitted(answer, created)


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


# --- events (事件上报) ----------------------------------------------------------------------


@bp.post("/events")
@bp.arguments(
    r.EventForm, location="form", content_type="multipart/form-data", error_status_code=400
)
@bp.response(201, r.EventSubmitted, description="新上报的事件")
@bp.alt_response(200, schema=r.EventSubmitted, description="重复提交：已保存的事件")
@doc_errors(bp, 400, 403, 404, 409, 413, 415, 422)
def report_event(form: dict[str, Any]) -> tuple[Response, int]:
    """上报事件（可附一张照片；同一 client_key 重复提交返回已保存的事件）"""
    report = events.EventReport(
        client_key=form["client_key"],
        cell_id=form["cell_id"],
        category=form["category"],
        description=form["description"],
        lat=form["lat"],
        lon=form["lon"],
    )
    event, created = events.report_event(current_user, report, _uploaded_photo())
    return _submitted(event, created)


@bp.get("/events")
@query_args(bp, r.EventArgs)
@bp.response(200, r.EventPage)
@doc_errors(bp, 400, 403, 404)
def list_events(**args: Any) -> Response:
    """管辖范围内的事件（最新在前）"""
    page = events.events(current_user, **args)
    return jsonify(page)


@bp.post(f"/events/<{ID}:event_id>/close")
@json_body(bp, r.CloseBody)
@bp.response(200, r.Event)
@doc_errors(bp, 400, 404, 409, 422)
def close_event(body: dict[str, Any], event_id: int) -> Response:
    """办结事件（已办结的事件返回 409）"""
    return jsonify(events.close_event(current_user, event_id, body["note"]))


# --- field log (民情日志) --------------------------------------------------------------------


@bp.post("/field-logs")
@json_body(bp, r.FieldLogBody)
@bp.response(201, r.FieldLogSubmitted, description="新写的日志")
@bp.alt_response(200, schema=r.FieldLogSubmitted, description="重复提交：已保存的日志")
@doc_errors(bp, 400, 403, 404, 409, 422)
def write_field_log(body: dict[str, Any]) -> tuple[Response, int]:
    """写民情日志（日期默认今天，按北京时间）"""
    day: date | None = body.get("day")
    entry, created = field_log.write_log(
        current_user,
        body["client_key"],
        body["cell_id"],
        day=day,
        seen=body["seen"],
        problems=body["problems"],
    )
    return _submitted(entry, created)


@bp.get("/field-logs")
@query_args(bp, r.FieldLogArgs)
@bp.response(200, r.FieldLogPage)
@doc_errors(bp, 400, 403, 404)
def field_logs(**args: Any) -> Response:
    """管辖范围内的民情日志（最新在前；q 在所见所闻和发现的问题中搜索）"""
    return jsonify(field_log.field_logs(current_user, **args))


# --- photos and the cell sheet ---------------------------------------------------------------


@bp.get(f"/photos/<{ID}:photo_id>")
@bp.doc(
    responses={
        200: {
            "description": "照片（JPEG、PNG 或 WebP）",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in PHOTO_FORMATS.values()
            },
        }
    }
)
@doc_errors(bp, 404)
def photo(photo_id: int) -> Response:
    """照片（走访照片仅本网格住户信息的查阅人；事件照片看得到该网格的人都能看）"""
    path, mime = photos.photo_file(current_user, photo_id)
    # read whole (a re-encoded photo is small): no file handle outlives the request
    response = Response(path.read_bytes(), mimetype=mime)
    response.headers["Cache-Control"] = "private"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get(f"/cells/<{ID}:cell_id>/sheet")
@bp.response(200, sheet_schemas.CellSheet)
@doc_errors(bp, 404)
def cell_sheet(cell_id: int) -> Response:
    """网格档案（困难群众姓名仅本网格住户信息的查阅人，查阅记入访问记录）"""
    return jsonify(sheet.cell_sheet(current_user, cell_id, _route()))
