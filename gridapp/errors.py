"""Typed domain errors with Chinese messages, mapped to HTTP once (see register_handlers)."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, jsonify, redirect, request, url_for
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
)

# Chinese messages for the HTTP errors the app itself raises.
HTTP_MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "没有权限",
    404: "未找到",
    405: "不支持该请求方法",
    409: "数据已被他人修改，请刷新后重试",
    422: "数据校验未通过",
    500: "服务器内部错误",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(err: DomainError) -> tuple[Response, int] | Response:
        if wants_json():
            return jsonify(err.to_json()), err.status
        flash(err.message, "error")
        return redirect(request.referrer or url_for("maps.index"))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> tuple[Response, int] | HTTPException:
        status = err.code or 500
        if wants_json():
            body: dict[str, Any] = {
                "code": status,
                "status": err.name,
                "message": HTTP_MESSAGES.get(status, err.name),
            }
            # flask-smorest / webargs put validation details on err.data
            data = getattr(err, "data", None)
            if isinstance(data, dict) and "messages" in data:
                body["errors"] = data["messages"]
            response = jsonify(body)
            # Keep the exception's own headers (e.g. Allow on 405), not its HTML content type.
            for name, value in err.get_headers():
                if name.lower() != "content-type":
                    response.headers[name] = value
            return response, status
        return err
