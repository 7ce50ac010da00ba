"""The map frame shared by every page with a map: a folium/Leaflet map rendered into our
own templates, with panes and one empty layer group per layer.

The server renders only the frame: the Leaflet map, its panes, one empty layer group per
layer, the base layers and the layer control (folium). The browser fills the groups from
the JSON API. Every script and stylesheet is served from /static (vendored Leaflet); nothing
from a CDN. The base map (core/basemap.py) is our own 简图, an OSM-style URL, or 天地图
through the app's tile proxy; each tile layer carries the datum its tiles are drawn in
(``gridDatum``/``gridDatumLabel`` options), which static/js/common/coord-readout.js shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import folium
from branca.element import Element, Figure
from flask import url_for
from markupsafe import Markup

from gridapp.core.basemap import (
    TIANDITU_NAMES,
    BaseMap,
    BaseMapKind,
    TileDatum,
)
from gridapp.services import basemap

# Layer keys used by the JavaScript, with their Chinese names in the layer control.
LAND = ("land", "简图")  # base layer drawn from our own data (land colour under our areas)
TILES = ("tiles", "在线底图")  # the configured base map (URL or 天地图), shown on opening
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
TILE_PROXY = "/tiles/tianditu"  # gridapp/web/basemap/pages.py


@dataclass(frozen=True)
class MapParts:
    """The pieces of a rendered folium figure, to be placed into our own template."""

    header: Markup  # <script>/<link> tags for vendored Leaflet
    html: Markup  # the map <div>
    script: Markup  # JavaScript creating the map, panes, layer groups and layer control
    map_var: str  # global JavaScript name of the L.map
    layer_vars: dict[str, str] = field(default_factory=dict)  # layer key -> global JS name


def tianditu_proxy_template(layer: str) -> str:
    """The tile proxy's URL template for one 天地图 layer (Leaflet's {z}/{x}/{y})."""
    return (
        url_for("basemap.tianditu", layer=layer, z="{z}", x="{x}", y="{y}")
        .replace("%7B", "{")
        .replace("%7D", "}")
    )


def build_map(
    static_url: Callable[[str], str],
    base: BaseMap | None = None,
    proxy_template: Callable[[str], str] | None = None,
    overlays: tuple[tuple[str, str], ...] = OVERLAYS,
) -> MapParts:
    """Build the map frame. ``static_url`` maps a path under static/ to its URL; ``base``
    is the base map (none: our own 简图 only); ``proxy_template`` gives the tile proxy's
    URL template of a 天地图 layer (default: the route's path with no URL prefix);
    ``overlays`` are the (key, Chinese name) of the layer groups in the layer control."""
    base = base or BaseMap()
    proxy_template = proxy_template or (lambda layer: f"{TILE_PROXY}/{layer}/{{z}}/{{x}}/{{y}}")
    # Starts over China; the browser fits the view to the user's cells (/api/me extent).
    # prefer_canvas=False: SVG, so each cell is a <path class="grid-cell"> tests can count.
    m = folium.Map(location=(35.0, 105.0), zoom_start=4, tiles=None, prefer_canvas=False)
    # zoom_snap 0.25: fitting the view to the user's cells fills a phone's narrow screen
    m.options.update(max_zoom=MAX_ZOOM, min_zoom=3, zoom_snap=0.25)
    # Instance attributes: folium's class defaults point at CDNs (jQuery, Bootstrap, ...).
    m.default_js = [("leaflet", static_url("vendor/leaflet/leaflet.js"))]
    m.default_css = [("leaflet_css", static_url("vendor/leaflet/leaflet.css"))]
    if base.datum is TileDatum.GCJ02:  # the readout converts WGS-84 to GCJ-02 with gcoord
        m.default_js.append(("gcoord", static_url("vendor/gcoord/gcoord.global.prod.js")))

    for name, z_index, interactive in PANES:
        folium.map.CustomPane(name, z_index=z_index, pointer_events=interactive).add_to(m)

    groups: dict[str, str] = {}
    # The configured base map is shown on opening; 简图 stays in the control (no network).
    tiles = base.kind is not BaseMapKind.NONE
    land = folium.FeatureGroup(name=LAND[1], overlay=False, show=not tiles).add_to(m)
    groups[LAND[0]] = land.get_name()
    if base.kind is BaseMapKind.URL:
        groups[TILES[0]] = _tile_layer(base, base.tile_url, TILES[1]).add_to(m).get_name()
    elif base.kind is BaseMapKind.TIANDITU:
        name = TIANDITU_NAMES[base.tianditu_layer]
        group = folium.FeatureGroup(name=name, overlay=False, show=True).add_to(m)
        for layer in base.proxied_layers:  # the base layer, then its annotation over it
            _tile_layer(base, proxy_template(layer), name).add_to(group)
        groups[TILES[0]] = group.get_name()
    for key, label in overlays:
        groups[key] = folium.FeatureGroup(name=label, overlay=True, show=True).add_to(m).get_name()
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    return _render_parts(m, groups)


def _tile_layer(base: BaseMap, url: str, name: str) -> folium.TileLayer:
    return folium.TileLayer(
        tiles=url,
        attr=base.attribution or TILES[1],
        name=name,
        overlay=False,
        show=True,
        max_zoom=MAX_ZOOM,
        max_native_zoom=MAX_NATIVE_TILE_ZOOM,
        grid_datum=str(base.datum),
        grid_datum_label=base.datum_label,
    )


def page_map(overlays: tuple[tuple[str, str], ...] = OVERLAYS) -> MapParts:
    """The map frame of the page being rendered, with the app's base map."""
    return build_map(
        lambda path: url_for("static", filename=path),
        base=basemap.settings(),
        proxy_template=tianditu_proxy_template,
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
