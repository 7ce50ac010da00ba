"""Pieces the journeys' blueprints share: OpenAPI error docs, argument parsing, GeoJSON
input, the permission check that runs before a write's body is validated, table downloads,
and the URLs a page hands to its scripts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard
from urllib.parse import quote

from flask import Request, current_app, request, url_for
from flask import Response as FlaskResponse
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields
from shapely.geometry.base import BaseGeometry
from werkzeug.routing import BaseConverter

from gridapp.core.errors import NotFound
from gridapp.core.geojson import read_geometry
from gridapp.web.validation import Schema

# Row ids are PostgreSQL integers. The "id" converter takes up to 18 digits and the app
# answers 404 for anything beyond int32 (see reject_out_of_range_ids), so a huge id is
# "not found" whatever method is used, instead of reaching the database.
ID = "id"
MAX_ID = 2**31 - 1


class IdConverter(BaseConverter):
    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(int(value))


def id_param_schema(_converter: BaseConverter) -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def reject_out_of_range_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """url_value_preprocessor: an id outside 1..int32 names no row."""
    for value in (values or {}).values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise NotFound("未找到该编号的记录")


ERROR_TEXT = {
    400: "参数错误",
    401: "未登录",
    403: "无权访问",
    404: "未找到",
    409: "冲突（他人已修改；或与已有记录冲突，如提交编号已被他人使用、事件已办结）",
    413: "请求内容过大（请求体超过上限，或提交的几何顶点过多）",
    415: "上传的文件不是可接受的格式（如照片不是 JPEG、PNG 或 WebP 图片）",
    422: "数据校验未通过（违反业务规则；几何出错时返回出错的几何）",
}


class ApiError(Schema):
    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True, metadata={"description": "中文错误说明"})
    errors = fields.Raw(metadata={"description": "细节：出错的网格、建议并入的网格等"})
    geometry = fields.Dict(metadata={"description": "出错的几何 (GeoJSON, EPSG:4326)"})
    geometry_note = fields.String(
        metadata={"description": "出错的几何过于复杂时的说明（已简化，或未随错误返回）"}
    )


def doc_errors(bp: Blueprint, *extra: int) -> Any:
    """Document the JSON error bodies a route can answer with (401 for every route)."""

    def wrap(func: Any) -> Any:
        for status in sorted({401, *extra}):
            func = bp.alt_response(status, schema=ApiError, description=ERROR_TEXT[status])(func)
        return func

    return wrap


def query_args(bp: Blueprint, schema: type[Schema]) -> Any:
    """Parse query arguments; a value the schema refuses is a 400 (the app's JSON error)."""
    return bp.arguments(schema, location="query", as_kwargs=True, error_status_code=400)


def _doc_too_large(bp: Blueprint) -> Any:
    return bp.alt_response(413, schema=ApiError, description=ERROR_TEXT[413])


def json_body(bp: Blueprint, schema: type[Schema]) -> Any:
    """Parse a JSON body; a body the schema refuses is a 400 (the app's JSON error), one
    above MAX_CONTENT_LENGTH a 413."""
    parse = bp.arguments(schema, location="json", error_status_code=400)
    return lambda func: _doc_too_large(bp)(parse(func))


# A view with this attribute takes request bodies up to the config value it names.
BODY_LIMIT = "max_content_length_setting"


def upload_body(bp: Blueprint, schema: type[Schema]) -> Any:
    """Parse an uploaded file (multipart/form-data). The route takes bodies up to
    MAX_UPLOAD_LENGTH instead of MAX_CONTENT_LENGTH; a larger one is a 413."""
    parse = bp.arguments(schema, location="files", error_status_code=400)
    return lambda func: body_limit(bp, "MAX_UPLOAD_LENGTH")(parse(func))


def body_limit(bp: Blueprint, setting: str) -> Any:
    """The route takes bodies up to the config value ``setting`` instead of
    MAX_CONTENT_LENGTH; a larger one is a 413 (Werkzeug counts the bytes while it streams
    them, whatever Content-Length claims)."""

    def wrap(func: Any) -> Any:
        func = _doc_too_large(bp)(func)
        setattr(func, BODY_LIMIT, setting)
        return func

    return wrap


class SizedRequest(Request):
    """A request whose body limit is its route's (``upload_body``), else MAX_CONTENT_LENGTH.

    The limit must be known before anything reads the body, and the CSRF check reads the
    form in a before-request hook, so it is decided here, from the matched route.
    """

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None or self.url_rule is None or not current_app:
            return super().max_content_length
        view = current_app.view_functions.get(self.url_rule.endpoint)
        setting = getattr(view, BODY_LIMIT, None)
        return current_app.config[setting] if setting else super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def lonlat_geometry(data: Any, what: str, types: tuple[str, ...]) -> BaseGeometry:
    """A GeoJSON geometry in EPSG:4326, or a Chinese error saying what is wrong: 400 for a
    malformed one (see ``gridapp.core.geojson``), 413 above MAX_GEOMETRY_VERTICES."""
    return read_geometry(data, what, types, int(current_app.config["MAX_GEOMETRY_VERTICES"]))


# --- permission before validation --------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a write names, read before its body is parsed: path ids, and the ids in the
    JSON body (or the form fields of a form) or the query string when they are
    well-formed (else None: the schema will refuse the request after the permission
    check)."""

    path: dict[str, Any]
    body: dict[str, Any]
    query: dict[str, str]

    def number(self, key: str) -> int | None:
        value = self.body.get(key, self.query.get(key))
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        return value if _row_id(value) else None

    def numbers(self, key: str, item_key: str) -> list[int]:
        items = self.body.get(key)
        if not isinstance(items, list):
            return []
        values = [i.get(item_key) for i in items if isinstance(i, dict)]
        return [v for v in values if _row_id(v)]


def _row_id(value: object) -> TypeGuard[int]:
    """An int that can name a row (1..int32); anything else is left to the schema."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


WriteCheck = Callable[[Any, Target], object]


def check_writes_first(bp: Blueprint, checks: Mapping[str, WriteCheck]) -> None:
    """Run each write route's permission check (a service function) before the request
    body is parsed or validated: a user without rights on the target gets 403 (an unknown
    id 404) and learns nothing from validation. The service checks again when it runs.
    ``checks`` maps an endpoint ("blueprint.function") to its check."""

    @bp.before_request
    def permission_before_validation() -> None:
        check = checks.get(request.endpoint or "")
        if check is None or not current_user.is_authenticated:
            return
        body = request.get_json(silent=True) if request.is_json else _form_fields()
        check(
            current_user,
            Target(
                path=dict(request.view_args or {}),
                body=body if isinstance(body, dict) else {},
                query=request.args.to_dict(),
            ),
        )


def _form_fields() -> dict[str, str] | None:
    """The text fields of a form body (multipart or urlencoded), else None."""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return request.form.to_dict()
    return None


# Table downloads (CSV with a BOM so that Excel reads UTF-8, or XLSX).
FILE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def binary_doc(bp: Blueprint, description: str, types: Iterable[str] = ()) -> Any:
    """Document a 200 that is a file: CSV or XLSX unless ``types`` names others."""
    content = {
        t.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
        for t in (types or FILE_TYPES.values())
    }
    return bp.doc(responses={200: {"description": description, "content": content}})


def download(data: bytes, mimetype: str, filename: str) -> FlaskResponse:
    response = FlaskResponse(data, mimetype=mimetype.split(";")[0])
    response.headers["Content-Type"] = mimetype
    if filename.isascii():
        response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    else:  # RFC 6266: a plain fallback, and the Chinese name for every current browser
        fallback = "download" + filename[filename.rfind(".") :]
        response.headers["Content-Disposition"] = (
            f"attachment; filename={fallback}; filename*=UTF-8''{quote(filename)}"
        )
    return response


def table_download(rows: list[list[Any]], fmt: str, title: str, filename: str) -> FlaskResponse:
    """A table as a CSV or XLSX download (``fmt`` is "csv" or "xlsx")."""
    from gridapp.services.tables import to_csv, to_xlsx

    data = to_xlsx(rows, title) if fmt == "xlsx" else to_csv(rows)
    return download(data, FILE_TYPES[fmt], f"{filename}.{fmt}")


# --- URLs for a page's scripts -----------------------------------------------------------

# The base data every map page reads (the ``map`` journey's API), by the key the scripts use.
BASE_DATA = {
    "me": "map_api.Me",
    "communities": "map_api.Communities",
    "cells": "map_api.Cells",
    "buildings": "map_api.Buildings",
    "streets": "map_api.Streets",
    "service_points": "map_api.ServicePoints",
}


def base_data_urls(*keys: str) -> dict[str, str]:
    """URLs of the base-data routes named by ``keys`` (all of them when none is named)."""
    return {key: url_for(BASE_DATA[key]) for key in keys or BASE_DATA}


ID_PLACEHOLDER = 987654321  # a number no other part of a URL holds


def url_template(endpoint: str, **ids: Any) -> str:
    """A route's URL with ``{id}`` in place of its id (filled in by the page's JavaScript);
    ``ids`` names the route's id argument (its value is not used), e.g. ``cell_id=1``."""
    if not ids:
        return url_for(endpoint)
    ((name, _),) = ids.items()
    values: dict[str, Any] = {name: ID_PLACEHOLDER}
    return url_for(endpoint, **values).replace(str(ID_PLACEHOLDER), "{id}", 1)
