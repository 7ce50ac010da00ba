"""Pages of the field journey (网格员 on a phone): 我的网格, the cell sheet (网格档案), the
field log (民情日志), events (事件) and visits (走访记录), and the web app manifest and
service worker that let them open offline.

Every page is a view of the JSON API: the server renders the frame (and the folium map
frame where there is a map) and says which controls the user's role may use; small ES
modules (static/js/field/) read and write through the API routes named in the page's
``data-api-urls``. Every write goes through the phone's outbox (static/js/field/outbox.js).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, url_for
from flask_login import current_user

from gridapp.core.errors import NotFound
from gridapp.core.vocab import (
    EVENT_CATEGORY_LABELS,
    EVENT_STATUS_LABELS,
    HOUSEHOLD_TAG_LABELS,
    VISIT_METHOD_LABELS,
    service_kind_legend,
)
from gridapp.services.field.pages import may_read_access_log, may_record, page_cell
from gridapp.web.common import ID, base_data_urls, url_template
from gridapp.web.field import offline
from gridapp.web.mapframe import page_map

bp = Blueprint("field", __name__, url_prefix="/field")

CELL_NOT_FOUND = "未找到该网格，或该网格不在您的管辖范围内"
ACCESS_FORBIDDEN = "只有系统管理员可以查看住户信息访问记录"
# Layer groups of the field maps (key, name in the layer control), bottom to top.
HOME_OVERLAYS = (
    ("streets", "道路"),
    ("buildings", "建筑"),
    ("cells", "我的网格"),
    ("service_points", "服务阵地"),
    ("me", "我的位置"),
)
CELL_OVERLAYS = (
    ("streets", "道路"),
    ("buildings", "建筑"),
    ("cells", "网格"),
    ("service_points", "服务阵地"),
    ("events", "事件"),
    ("me", "我的位置"),
)
EVENT_OVERLAYS = (
    ("streets", "道路"),
    ("cells", "网格"),
    ("events", "事件"),
    ("me", "我的位置"),
)
# The API routes the pages' scripts read and write (key -> endpoint); those with an id
# are handed to the scripts as templates ("/api/cells/{id}/sheet").
FIELD_API = {
    "my_cells": "field_api.my_cells",
    "due": "field_api.due",
    "visits": "field_api.visits",
    "record_visit": "field_api.record_visit",
    "events": "field_api.list_events",
    "report_event": "field_api.report_event",
    "field_logs": "field_api.field_logs",
    "write_field_log": "field_api.write_field_log",
}
FIELD_API_TEMPLATES = {
    "sheet": ("field_api.cell_sheet", "cell_id"),
    "close_event": ("field_api.close_event", "event_id"),
}


def _api_urls(*base: str) -> dict[str, str]:
    urls = {key: url_for(endpoint) for key, endpoint in FIELD_API.items()}
    for key, (endpoint, arg) in FIELD_API_TEMPLATES.items():
        urls[key] = url_template(endpoint, **{arg: 1})
    # the cell sheet page, "/field/cells/{id}"
    urls["cell_page"] = url_for("field.cell", cell_id=1).rsplit("/", 1)[0] + "/{id}"
    return {**base_data_urls(*base), **urls}


def _vocab() -> dict[str, Any]:
    return {
        "methods": VISIT_METHOD_LABELS,
        "categories": EVENT_CATEGORY_LABELS,
        "statuses": EVENT_STATUS_LABELS,
        "tags": HOUSEHOLD_TAG_LABELS,
        "service_kinds": service_kind_legend(),
    }


def _render(template: str, page: str, **context: Any) -> str:
    """A field page: the frame every field page shares (field/frame.html) and its own part."""
    return render_template(
        template,
        field_page=page,
        user_id=current_user.id,
        can_record=may_record(current_user),
        vocab=_vocab(),
        sw_url=url_for("field.service_worker"),
        sw_scope=url_for("field.home"),
        **context,
    )


@bp.get("/")
def home() -> str:
    """我的网格: my cells on a map with my position, and what is due today in each."""
    return _render(
        "field/home.html",
        "home",
        map_parts=page_map(HOME_OVERLAYS),
        api_urls=_api_urls("me", "communities", "buildings", "streets", "service_points"),
    )


@bp.get(f"/cells/<{ID}:cell_id>")
def cell(cell_id: int) -> str | tuple[str, int]:
    """网格档案: the cell sheet, with 走访 and 上报事件."""
    try:
        found = page_cell(current_user, cell_id)
    except NotFound:
        return render_template("error.html", message=CELL_NOT_FOUND), 404
    return _render(
        "field/cell.html",
        "cell",
        cell=found,
        map_parts=page_map(CELL_OVERLAYS),
        api_urls=_api_urls("communities", "cells", "buildings", "streets", "service_points"),
    )


@bp.get("/log")
def log() -> str:
    """民情日志: today's entry; everyone in scope searches the entries."""
    return _render("field/log.html", "log", api_urls=_api_urls("cells"))


@bp.get("/events")
def events() -> str:
    """事件: the events in scope on a map and in a list, with 办结."""
    return _render(
        "field/events.html",
        "events",
        map_parts=page_map(EVENT_OVERLAYS),
        api_urls=_api_urls("me", "communities", "cells", "streets"),
    )


@bp.get("/visits")
def visits() -> str:
    """走访记录: my visits (everyone's in scope for those who oversee) and the 四访 due list."""
    return _render("field/visits.html", "visits", api_urls=_api_urls("cells"))


@bp.get("/access")
def access() -> str | tuple[str, int]:
    """住户信息访问记录: the household access log (admins only, like its API)."""
    if not may_read_access_log(current_user):
        return render_template("error.html", message=ACCESS_FORBIDDEN), 403
    return render_template("field/access.html", api_url=url_for("field_api.household_access"))


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    return offline.manifest_response()


@bp.get("/sw.js")
def service_worker() -> Response:
    return offline.service_worker_response()
