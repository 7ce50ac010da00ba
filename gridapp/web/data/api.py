"""Data API (数据导入导出): layers the user sees, exported as files another GIS or a
spreadsheet opens; and layers imported from a subdistrict's own files (upload → preview →
commit)."""

from __future__ import annotations

from typing import Any

from flask import Response as FlaskResponse
from flask import jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from gridapp.core.datums import Datum
from gridapp.core.errors import BadRequest
from gridapp.core.layer_write import MIMETYPES, ExportFormat
from gridapp.services import data
from gridapp.services.data import imports
from gridapp.web.common import (
    ID,
    Target,
    binary_doc,
    body_limit,
    check_writes_first,
    doc_errors,
    download,
    json_body,
    query_args,
)
from gridapp.web.data import schemas as s
from gridapp.web.walk_args import walk_params

bp = Blueprint("data_api", __name__, url_prefix="/api", description="数据导入导出")
LAYER_NAMES = "any(" + ", ".join(data.LAYERS) + ")"


@bp.get(f"/exports/<{LAYER_NAMES}:layer>")
@query_args(bp, s.ExportArgs)
@binary_doc(
    bp, "图层文件（GeoJSON、GeoPackage、Shapefile 压缩包、KML、CSV 或 XLSX）", MIMETYPES.values()
)
@doc_errors(bp, 400, 403, 404)
def export_layer(layer: str, **args: Any) -> FlaskResponse:
    """导出图层：网格、社区、楼栋、服务阵地、住户统计（只有数字）、组织覆盖、工作覆盖、服务盲点
    （只含您可见的要素；步行参数只用于工作覆盖和服务盲点）"""
    selection = data.Selection(args.get("community_id"), walk_params(args))
    exported, filename = data.export_layer(
        current_user, layer, ExportFormat(args["format"]), Datum(args["datum"]), selection
    )
    return download(exported.data, exported.mimetype, filename)


@bp.post("/layer-imports")
@body_limit(bp, "MAX_IMPORT_LENGTH")
@bp.arguments(
    s.ImportForm, location="form", content_type="multipart/form-data", error_status_code=400
)
@bp.response(202, s.ImportJob, description="已接收：小文件已读完（附预览），大文件在后台读取")
@doc_errors(bp, 400, 403, 413, 415, 422)
def start_import(form: dict[str, Any]) -> tuple[FlaskResponse, int]:
    """上传图层文件导入（先读取并生成预览，确认后再写入；大文件在后台读取，轮询该导入看进度）"""
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("请选择要上传的文件（表单字段 file）")
    job = imports.start(
        current_user,
        form["layer"],
        Datum(form["crs"]),
        form["mode"],
        imports.Upload(upload.stream, upload.filename or ""),
    )
    return jsonify(job), 202


@bp.get("/layer-imports")
@bp.response(200, s.ImportList)
@doc_errors(bp, 403)
def list_imports() -> FlaskResponse:
    """最近的导入（本人的；系统管理员可见全部）"""
    return jsonify({"items": imports.recent(current_user)})


@bp.get(f"/layer-imports/<{ID}:import_id>")
@bp.response(200, s.ImportJob)
@doc_errors(bp, 403, 404)
def get_import(import_id: int) -> FlaskResponse:
    """导入的进度、预览（要素、问题、划分检查）或错误"""
    return jsonify(imports.get(current_user, import_id))


@bp.post(f"/layer-imports/<{ID}:import_id>/commit")
@json_body(bp, s.CommitBody)
@bp.response(202, s.ImportJob, description="已开始写入；轮询该导入查看结果")
@doc_errors(bp, 400, 403, 404, 409)
def commit_import(body: dict[str, Any], import_id: int) -> tuple[FlaskResponse, int]:
    """确认导入（一次事务：全部写入或全部不写入）"""
    return jsonify(imports.commit(current_user, import_id, body["reason"])), 202


@bp.post(f"/layer-imports/<{ID}:import_id>/discard")
@bp.response(200, s.ImportJob)
@doc_errors(bp, 403, 404, 409)
def discard_import(import_id: int) -> FlaskResponse:
    """放弃导入（不写入任何数据）"""
    return jsonify(imports.discard(current_user, import_id))


def _own(user: Any, target: Target) -> object:
    return imports.own_import(user, int(target.path["import_id"]))


check_writes_first(
    bp,
    {
        "data_api.start_import": lambda user, _target: imports.require_importer(user),
        "data_api.commit_import": _own,
        "data_api.discard_import": _own,
    },
)
