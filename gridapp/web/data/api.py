"""Data API (数据导入导出): layers the user sees, exported as files another GIS or a
spreadsheet opens."""

from __future__ import annotations

from typing import Any

from flask import Response as FlaskResponse
from flask_login import current_user
from flask_smorest import Blueprint

from gridapp.core.datums import Datum
from gridapp.core.layer_write import MIMETYPES, ExportFormat
from gridapp.services import data
from gridapp.web.common import binary_doc, doc_errors, download, query_args
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
