"""The map page: a folium/Leaflet map whose layers are read from the JSON API.

The server renders only the frame: the Leaflet map, its panes, one empty layer group per
layer and the layer control (folium). The browser fills the groups from the JSON API
(static/js/map-page.js), so the map shows exactly what the API gives the user.
Every script and stylesheet is served from /static (vendored Leaflet); nothing from a CDN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import folium
from branca.element import Element, Figure
from flask import Blueprint, current_app, render_template, url_for
from markupsafe import Markup

from gridapp.core.vocab import SERVICE_KIND_LABELS, ServiceKind

bp = Blueprint("maps", __name__)

# Layer keys used by the JavaScript, with their Chinese names in the layer control.
LAND = ("land", "简图")  # base layer drawn from our own data (land colour under our areas)
TILES = ("tiles", "在线底图")  # optional base layer, only when TILE_URL is configured
OVERLAYS: tuple[tuple[str, str], ...] = (
    ("communities", "社区"),
    ("cells", "网格"),
    ("buildings", "建筑"),
    ("streets", "道路"),
    ("service_points", "服务阵地"),
)
# Leaflet panes, bottom to top: (pane name, z-index, receives clicks). Streets lie under the
# cells (cell boundaries follow streets and must stay visible); buildings lie over the cell
# fill so they stay clickable; community outlines are drawn over both. Markers use Leaflet's
# markerPane (600), labels its tooltipPane (650).
PANES: tuple[tuple[str, int, bool], ...] = (
    ("gridLand", 190, False),
    ("gridStreets", 370, False),
    ("gridCells", 390, True),
    ("gridBuildings", 420, True),
    ("gridCommunities", 430, False),
)
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
MAX_ZOOM = 20
MAX_NATIVE_TILE_ZOOM = 18


@dataclass(frozen=True)
class MapParts:
    """The pieces of a rendered folium figure, to be placed into our own template."""

    header: Markup  # <script>/<link> tags for vendored Leaflet
    html: Markup  # the map <div>
    script: Markup  # JavaScript creating the map, panes, layer groups and layer control
    map_var: str  # global JavaScript name of the L.map
    layer_vars: dict[str, str] = field(default_factory=dict)  # layer key -> global JS name


def build_map(
    static_url: Callable[[str], str], tile_url: str = "", tile_attribution: str = ""
) -> MapParts:
    """Build the map frame. ``static_url`` maps a path under static/ to its URL."""
    # Starts over China; the browser fits the view to the user's cells (/api/me extent).
    # prefer_canvas=False: SVG, so each cell is a <path class="grid-cell"> tests can count.
    m = folium.Map(location=(35.0, 105.0), zoom_start=4, tiles=None, prefer_canvas=False)
    m.options.update(max_zoom=MAX_ZOOM, min_zoom=3, zoom_snap=0.5)
    # Instance attributes: folium's class defaults point at CDNs (jQuery, Bootstrap, ...).
    m.default_js = [("leaflet", static_url("vendor/leaflet/leaflet.js"))]
    m.default_css = [("leaflet_css", static_url("vendor/leaflet/leaflet.css"))]

    for name, z_index, interactive in PANES:
        folium.map.CustomPane(name, z_index=z_index, pointer_events=interactive).add_to(m)

    groups: dict[str, str] = {}
    land = folium.FeatureGroup(name=LAND[1], overlay=False, show=True).add_to(m)
    groups[LAND[0]] = land.get_name()
    if tile_url:
        tiles = folium.TileLayer(
            tiles=tile_url,
            attr=tile_attribution or TILES[1],
            name=TILES[1],
            overlay=False,
            show=False,
            max_zoom=MAX_ZOOM,
            max_native_zoom=MAX_NATIVE_TILE_ZOOM,
        ).add_to(m)
        groups[TILES[0]] = tiles.get_name()
    for key, label in OVERLAYS:
        groups[key] = folium.FeatureGroup(name=label, overlay=True, show=True).add_to(m).get_name()
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    return _render_parts(m, groups)


def _render_parts(m: folium.Map, groups: dict[str, str]) -> MapParts:
    figure = m.get_root()
    assert isinstance(figure, Figure)
    for child in figure._children.values():  # what Figure.render does before its template
        child.render()
    # Drop folium's page-level header pieces: a second viewport meta (user-scalable=no),
    # full-page html/body/#map styles and a content-type meta. base.html and map.css
    # own the page; only the Leaflet script/stylesheet links remain.
    headers: dict[str, Element] = figure.header._children
    headers.pop(m.get_name(), None)
    headers.pop("meta_http", None)
    return MapParts(
        header=Markup(figure.header.render()),
        html=Markup(figure.html.render()),
        script=Markup(figure.script.render()),
        map_var=m.get_name(),
        layer_vars=groups,
    )


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
        "maps/index.html",
        map_parts=parts,
        api_urls=api_urls,
        service_kinds=service_kinds(),
    )
