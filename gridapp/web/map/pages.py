"""The map page: a folium/Leaflet map whose layers are read from the JSON API.

The server renders only the frame (``gridapp.web.mapframe``); the browser fills the layer
groups from the JSON API (static/js/map/page.js), so the map shows exactly what the API
gives the user. Every script and stylesheet is served from /static; nothing from a CDN.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from gridapp.core.vocab import service_kind_legend
from gridapp.services.editing import EDIT_ROLES
from gridapp.web.common import base_data_urls
from gridapp.web.mapframe import page_map

bp = Blueprint("map", __name__)


@bp.get("/")
def index() -> str:
    return render_template(
        "map/index.html",
        map_parts=page_map(),
        api_urls=base_data_urls(),
        service_kinds=service_kind_legend(),
        can_edit=current_user.role in EDIT_ROLES,
    )
