"""The boundary editor page (grid managers and admins).

The server renders the map frame (``gridapp.web.mapframe``), the side panel and the API
routes the page talks to; everything else happens in the browser (static/js/editing/page.js),
which reads and writes cells only through the JSON API (``gridapp.web.editing.api``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from gridapp.services.editing import require_editor
from gridapp.web.mapframe import page_map

bp = Blueprint("editing", __name__)

# Layers the editor shows under the cells (the cells have their own editable group).
OVERLAYS: tuple[tuple[str, str], ...] = (
    ("communities", "社区"),
    ("buildings", "建筑"),
    ("streets", "道路"),
)
# Stands for the id in routes with one (the script puts the real id in its place).
ID_PLACEHOLDER = 2147483647
# API routes the page uses, by the key the JavaScript uses: (endpoint, takes an id).
API_ENDPOINTS: dict[str, tuple[str, str | None]] = {
    "me": ("map_api.Me", None),
    "communities": ("map_api.Communities", None),
    "cells": ("map_api.Cells", None),
    "cell": ("map_api.CellItem", "cell_id"),
    "buildings": ("map_api.Buildings", None),
    "streets": ("map_api.Streets", None),
    "save": ("editing_api.save_change", None),
    "split": ("editing_api.split_cell", "cell_id"),
    "merge": ("editing_api.merge_cells", None),
    "draw": ("editing_api.draw_cell", None),
    "rename": ("editing_api.rename_cell", "cell_id"),
    "history": ("editing_api.cell_history", "cell_id"),
    "revert": ("editing_api.revert_change", "change_id"),
}


def api_urls() -> dict[str, str]:
    """Route URLs for the script; routes with an id carry ``ID_PLACEHOLDER`` in its place."""
    urls = {}
    for key, (endpoint, arg) in API_ENDPOINTS.items():
        values: dict[str, Any] = {arg: ID_PLACEHOLDER} if arg else {}
        urls[key] = url_for(endpoint, **values)
    return urls


@bp.get("/edit")
def index() -> str:
    require_editor(current_user)
    return render_template(
        "editing/index.html",
        map_parts=page_map(OVERLAYS),
        api_urls=api_urls(),
        id_placeholder=ID_PLACEHOLDER,
    )
