"""The map page: a folium/Leaflet map whose layers are read from the JSON API.

The server renders only the frame (``gridapp.web.mapframe``); the browser fills the layer
groups from the JSON API (static/js/map-page.js), so the map shows exactly what the API
gives the user. Every script and stylesheet is served from /static; nothing from a CDN.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from gridapp.core.vocab import SERVICE_KIND_LABELS, ServiceKind
from gridapp.services.editing import EDIT_ROLES
from gridapp.web.mapframe import build_map

bp = Blueprint("maps", __name__)

# One short glyph per kind of service point, drawn inside its round icon (no icon font).
SERVICE_KIND_GLYPHS: dict[ServiceKind, str] = {
    ServiceKind.PARTY_SERVICE_CENTRE: "党",
    ServiceKind.CONVENIENCE_STATION: "便",
    ServiceKind.VOLUNTEER_STATION: "志",
    ServiceKind.PUBLIC_ORDER_STATION: "综",
    ServiceKind.ACTIVITY_ROOM: "活",
    ServiceKind.TOWER_SERVICE_STATION: "楼",
    ServiceKind.MEMBER_SERVICE_POINT: "员",
    ServiceKind.LOVE_POST: "爱",
    ServiceKind.DEPUTIES_OFFICE: "代",
}
# API routes the page reads, by the key the JavaScript uses.
API_ENDPOINTS = {
    "me": "api.Me",
    "communities": "api.Communities",
    "cells": "api.Cells",
    "buildings": "api.Buildings",
    "streets": "api.Streets",
    "service_points": "api.ServicePoints",
}


def service_kinds() -> list[dict[str, str]]:
    """Kinds of service point with their Chinese label and glyph (CSS class: sp-<kind>)."""
    return [
        {"kind": kind.value, "label": SERVICE_KIND_LABELS[kind], "glyph": glyph}
        for kind, glyph in SERVICE_KIND_GLYPHS.items()
    ]


@bp.get("/")
def index() -> str:
    parts = build_map(
        lambda path: url_for("static", filename=path),
        tile_url=str(current_app.config.get("TILE_URL") or ""),
        tile_attribution=str(current_app.config.get("TILE_ATTRIBUTION") or ""),
    )
    api_urls = {key: url_for(endpoint) for key, endpoint in API_ENDPOINTS.items()}
    return render_template(
        "map/index.html",
        map_parts=parts,
        api_urls=api_urls,
        service_kinds=service_kinds(),
        can_edit=current_user.role in EDIT_ROLES,
    )
