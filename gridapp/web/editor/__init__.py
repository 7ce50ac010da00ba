"""The boundary editor page (grid managers and admins).

The server renders the map frame (``gridapp.web.mapframe``), the side panel and the API
routes the page talks to; everything else happens in the browser (static/js/editor.js),
which reads and writes cells only through the JSON API of ``gridapp.web.editing``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from gridapp.services.editing import require_editor
from gridapp.web.mapframe import build_map

bp = Blueprint("editor", __name__)

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
    "me": ("api.Me", None),
    "communities": ("api.Communities", None),
    "cells": ("api.Cells", None),
    "cell": ("api.CellItem", "cell_id"),
    "buildings": ("api.Buildings", None),
    "streets": ("api.Streets", None),
    "save": ("editing.save_change", None),
    "split": ("editing.split_cell", "cell_id"),
    "merge": ("editing.merge_cells", None),
    "draw": ("editing.draw_cell", None),
    "rename": ("editing.rename_cell", "cell_id"),
    "history": ("editing.cell_history", "cell_id"),
    "revert": ("editing.revert_change", "change_id"),
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
    parts = build_map(
        lambda path: url_for("static", filename=path),
        tile_url=str(current_app.config.get("TILE_URL") or ""),
        tile_attribution=str(current_app.config.get("TILE_ATTRIBUTION") or ""),
        overlays=OVERLAYS,
    )
    return render_template(
        "editing/index.html",
        map_parts=parts,
        api_urls=api_urls(),
        id_placeholder=ID_PLACEHOLDER,
    )
