"""Data API (数据导入导出): layers the user sees, exported as files another GIS opens."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask_login import current_user
from flask_smorest import Blueprint

from gridapp.core.datums import Datum
from gridapp.core.layer_write import MIMETYPES, ExportFormat
from gridapp.services import data
from gridapp.web.common import binary_doc, doc_errors, download, query_args
from gridapp.web.data import schemas as s

bp = Blueprint("data_api", __name__, url_prefix="/api", description="数据导入导出")
LAYER_NAMES = "any(" + ", ".join(data.LAYERS) + ")"


@bp.get(f"/exports/<{LAYER_NAMES}:layer>")
@query_args(bp, s.ExportArgs)
@binary_doc(bp, "图层文件（GeoJSON、GeoPackage、Shapefile 压缩包、KML 或 CSV）", MIMETYPES.values())
@doc_errors(bp, 400, 403, 404)
def export_layer(
    layer: str, format: str = "gpkg", datum: str = "wgs84", community_id: int | None = None
) -> FlaskResponse:
    """导出图层（网格、社区、楼栋、服务阵地；只含您可见的要素）"""
    exported, filename = data.export_layer(
        current_user, layer, ExportFormat(format), Datum(datum), community_id
    )
    return download(exported.data, exported.mimetype, filename)
