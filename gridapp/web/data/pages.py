"""The data page (数据导入导出, ``/data/``): export any layer the user sees as a file;
grid managers and admins also import cells, communities, buildings and service points from
a file (upload → preview on the map → commit), through the data API."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from gridapp.core.datums import DATUM_LABELS
from gridapp.core.layer_files import ACCEPTED
from gridapp.core.layer_write import FORMAT_LABELS
from gridapp.services import data
from gridapp.services.data import imports
from gridapp.web.common import base_data_urls, url_template
from gridapp.web.mapframe import page_map

bp = Blueprint("data", __name__, url_prefix="/data")


@bp.get("/")
def index() -> str:
    can_import = imports.can_import(current_user)
    return render_template(
        "data/index.html",
        map_parts=page_map(
            (
                ("communities", "社区"),
                ("cells", "现有要素"),
                ("incoming", "导入的要素"),
                ("problems", "问题"),
            )
        ),
        api_urls={
            **base_data_urls("communities"),
            "imports": url_for("data_api.list_imports"),
            "import": url_template("data_api.get_import", import_id=1),
            "commit": url_template("data_api.commit_import", import_id=1),
            "discard": url_template("data_api.discard_import", import_id=1),
            "export": url_for("data_api.export_layer", layer="cells").replace("/cells", "/{layer}"),
            "map_page": url_for("map.index"),
        },
        can_import=can_import,
        import_layers=imports.importable_layers(current_user),
        import_hints=imports.IMPORT_HINTS,
        layers=data.LAYERS,
        formats=FORMAT_LABELS,
        datums=DATUM_LABELS,
        modes=imports.MODES,
        accepted=ACCEPTED,
        communities=data.export_communities(current_user),
        max_import_mb=round(current_app.config["MAX_IMPORT_LENGTH"] / 1024 / 1024),
    )
