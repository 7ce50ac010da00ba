"""Typed domain errors with Chinese messages, mapped to HTTP once (see register_handlers)."""

from __future__ import annotations

from typing import Any

import shapely
from flask import Flask, current_app, flash, jsonify, redirect, render_template, request, url_for
from shapely.geometry import mapping, shape
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from gridapp.core.errors import (  # noqa: F401  (re-exported: the app's error vocabulary)
    BadRequest,
    BuildingCutError,
    Conflict,
    DomainError,
    Forbidden,
    GapError,
    InvalidGeometry,
    NotAdjacent,
    NotFound,
    OutsideCommunity,
    OverlapError,
    PartitionError,
    StaleVersion,
    TooLarge,
)
from gridapp.web.validation import explain

# Chinese messages for the HTTP errors the app itself raises.
HTTP_MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "没有权限",
    404: "未找到",
    405: "不支持该请求方法",
    409: "数据已被他人修改，请刷新后重试",
    413: "请求内容过大",
    422: "数据校验未通过",
    500: "服务器内部错误",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"


def too_large_message() -> str:
    limit = request.max_content_length
    length = request.content_length
    if limit is not None and (length is None or length > limit):
        return f"请求内容过大：本次提交的上限为 {_size(limit)}，请缩小文件或分批提交"
    # werkzeug also refuses a single form field above MAX_FORM_MEMORY_SIZE
    return f"{HTTP_MESSAGES[413]}：表单中有一项内容过长"


# Tolerances tried, as a share of the geometry's larger side, to simplify a refused geometry.
SIMPLIFY_STEPS = (1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)


def capped_geometry(geometry: dict[str, Any], limit: int) -> tuple[dict[str, Any] | None, str]:
    """A refused geometry small enough to send back: itself, simplified, or left out; and a
    note when it is not the original ("" when it is)."""
    geom = shape(geometry)
    vertices = int(shapely.get_num_coordinates(geom))
    if vertices <= limit:
        return geometry, ""
    xmin, ymin, xmax, ymax = geom.bounds
    side = max(xmax - xmin, ymax - ymin)
    for step in SIMPLIFY_STEPS:
        simple = geom.simplify(side * step, preserve_topology=True)
        kept = int(shapely.get_num_coordinates(simple))
        if 0 < kept <= limit:
            note = f"出错的几何有 {vertices} 个顶点，已简化为 {kept} 个顶点后返回"
            return dict(mapping(simple)), note
    return None, f"出错的几何有 {vertices} 个顶点，过于复杂，未随错误返回"


def domain_error_body(err: DomainError) -> dict[str, Any]:
    body = err.to_json()
    if isinstance(body.get("geometry"), dict):
        limit = int(current_app.config["MAX_ERROR_GEOMETRY_VERTICES"])
        geometry, note = capped_geometry(body["geometry"], limit)
        if geometry is None:
            del body["geometry"]
        else:
            body["geometry"] = geometry
        if note:
            body["geometry_note"] = note
    return body


def _page_error(err: HTTPException, status: int, message: str) -> Response | tuple[str, int]:
    """A page's HTTP error in Chinese: a form too large goes back with a flash, any other
    refusal gets a Chinese page (a server error a bare one: the layout may be what failed)."""
    if status == 413:
        flash(message, "error")
        return redirect(request.referrer or url_for("map.index"))
    if status >= 500:
        return f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><p>{message}</p>', status
    page = render_template("error.html", message=message)
    return _with_headers_of(err, Response(page, status=status, mimetype="text/html"))


def _with_headers_of(err: HTTPException, response: Response) -> Response:
    """Keep the exception's own headers (e.g. Allow on 405), not its HTML content type."""
    for name, value in err.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def register_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(err: DomainError) -> tuple[Response, int] | Response:
        if wants_json():
            return jsonify(domain_error_body(err)), err.status
        flash(err.message, "error")
        return redirect(request.referrer or url_for("map.index"))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> tuple[Response, int] | tuple[str, int] | Response:
        status = err.code or 500
        message = too_large_message() if status == 413 else HTTP_MESSAGES.get(status, err.name)
        if not wants_json():
            return _page_error(err, status, message)
        body: dict[str, Any] = {"code": status, "status": err.name, "message": message}
        # flask-smorest / webargs put validation details on err.data: in Chinese, by field
        data = getattr(err, "data", None)
        if isinstance(data, dict) and "messages" in data:
            body["errors"], body["message"] = explain(data["messages"])
        return _with_headers_of(err, jsonify(body)), status
