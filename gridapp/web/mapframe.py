"""The map frame shared by every page with a map: a folium/Leaflet map rendered into our
own templates, with panes and one empty layer group per layer.

The server renders only the frame: the Leaflet map, its panes, one empty layer group per
layer and the layer control (folium). The browser fills the groups from the JSON API.
Every script and stylesheet is served from /static (vendored Leaflet); nothing from a CDN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import folium
from branca.element import Element, Figure
from flask import current_app, url_for
from markupsafe import Markup

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
    static_url: Callable[[str], str],
    tile_url: str = "",
    tile_attribution: str = "",
    overlays: tuple[tuple[str, str], ...] = OVERLAYS,
) -> MapParts:
    """Build the map frame. ``static_url`` maps a path under static/ to its URL;
    ``overlays`` are the (key, Chinese name) of the layer groups in the layer control."""
    # Starts over China; the browser fits the view to the user's cells (/api/me extent).
    # prefer_canvas=False: SVG, so each cell is a <path class="grid-cell"> tests can count.
    m = folium.Map(location=(35.0, 105.0), zoom_start=4, tiles=None, prefer_canvas=False)
    # zoom_snap 0.25: fitting the view to the user's cells fills a phone's narrow screen
    m.options.update(max_zoom=MAX_ZOOM, min_zoom=3, zoom_snap=0.25)
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
    for key, label in overlays:
        groups[key] = folium.FeatureGroup(name=label, overlay=True, show=True).add_to(m).get_name()
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    return _render_parts(m, groups)


def page_map(overlays: tuple[tuple[str, str], ...] = OVERLAYS) -> MapParts:
    """The map frame of the page being rendered, with the app's base-map settings."""
    return build_map(
        lambda path: url_for("static", filename=path),
        tile_url=str(current_app.config.get("TILE_URL") or ""),
        tile_attribution=str(current_app.config.get("TILE_ATTRIBUTION") or ""),
        overlays=overlays,
    )


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
