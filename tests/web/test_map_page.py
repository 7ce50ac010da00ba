"""The map page as HTML: login required, only local assets, the layers and the API it reads."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

from flask.testing import FlaskClient

from gridapp import ROOT
from gridapp.core.basemap import BaseMap, BaseMapKind, TileDatum
from gridapp.web.mapframe import build_map

LAYER_NAMES = ["社区", "网格", "建筑", "道路", "服务阵地"]


class AssetLinks(HTMLParser):
    """Collects script sources, stylesheet links and the map container's data attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.viewports = 0
        self.shell: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"] or "")
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href") or "")
        elif tag == "meta" and a.get("name") == "viewport":
            self.viewports += 1
        elif a.get("id") == "grid-map":
            self.shell = a


def parse(html: str) -> AssetLinks:
    links = AssetLinks()
    links.feed(html)
    return links


def module_imports(client: FlaskClient, url: str) -> list[str]:
    """URLs of the ES modules ``url`` imports, resolved against it."""
    with client.get(url) as response:
        source = response.get_data(as_text=True)
    return [urljoin(url, m) for m in re.findall(r"""from\s+['"](\.[^'"]+)['"]""", source)]


def test_map_page_redirects_to_login_when_logged_out(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_map_page_loads_scripts_and_styles_only_from_static(as_coordinator: FlaskClient) -> None:
    response = as_coordinator.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    links = parse(html)
    assert "/static/vendor/leaflet/leaflet.js" in links.scripts
    assert "/static/js/map/page.js" in links.scripts
    assert "/static/vendor/leaflet/leaflet.css" in links.stylesheets
    assert "/static/css/map.css" in links.stylesheets
    for url in links.scripts + links.stylesheets:
        assert url.startswith(("/static/vendor/", "/static/js/", "/static/css/")), url
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    for cdn_library in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers"):
        assert cdn_library not in html.lower()
    assert links.viewports == 1  # base.html's; folium's own (user-scalable=no) is dropped


def css_images(client: FlaskClient, url: str) -> list[str]:
    """URLs of the files a stylesheet refers to with url(...), data: URLs left out."""
    with client.get(url) as response:
        source = response.get_data(as_text=True)
    refs = re.findall(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""", source)
    return [urljoin(url, r) for r in refs if not r.startswith(("data:", "#"))]


def test_every_asset_the_map_page_uses_is_served(as_coordinator: FlaskClient) -> None:
    links = parse(as_coordinator.get("/").get_data(as_text=True))
    urls = links.scripts + links.stylesheets
    for src in links.scripts:
        if src.startswith("/static/js/"):
            urls += module_imports(as_coordinator, src)
    for href in links.stylesheets:
        urls += css_images(as_coordinator, href)
    assert "/static/js/common/api.js" in urls and "/static/js/common/map-layers.js" in urls
    assert "/static/vendor/leaflet/images/layers.png" in urls
    for url in urls:
        assert (ROOT / url.lstrip("/")).is_file(), url
        with as_coordinator.get(url) as response:
            assert response.status_code == 200, url


def layer_control_names(html: str) -> tuple[list[str], list[str]]:
    """(base layer names, overlay names) from the layer control folium writes."""
    match = re.search(r"base_layers\s*:\s*\{(.*?)\},\s*overlays\s*:\s*\{(.*?)\},", html, re.S)
    assert match is not None, "no layer control on the page"
    key = r'("(?:[^"\\]|\\.)*")\s*:'
    base, overlays = ([json.loads(k) for k in re.findall(key, group)] for group in match.groups())
    return base, overlays


def test_map_page_offers_the_layers_by_chinese_name(as_coordinator: FlaskClient) -> None:
    html = as_coordinator.get("/").get_data(as_text=True)
    base, overlays = layer_control_names(html)
    assert overlays == LAYER_NAMES
    assert base[0] == "简图"


def test_map_container_names_the_layers_and_api_routes_for_the_script(
    as_coordinator: FlaskClient,
) -> None:
    html = as_coordinator.get("/").get_data(as_text=True)
    shell = parse(html).shell
    assert shell["data-layers-loaded"] == "false"
    layer_vars = json.loads(shell["data-layer-vars"] or "")
    assert set(layer_vars) == {
        "land",
        "communities",
        "cells",
        "buildings",
        "streets",
        "service_points",
    }
    for js_name in [*layer_vars.values(), shell["data-map-var"]]:
        assert f"var {js_name} = " in html
    api_urls = json.loads(shell["data-api-urls"] or "")
    for key, url in api_urls.items():
        response = as_coordinator.get(url)
        assert response.status_code == 200, key
        assert response.is_json, key
    kinds = json.loads(shell["data-service-kinds"] or "")
    assert {"kind": "love_post", "label": "爱心驿站", "glyph": "爱"} in kinds


def static(path: str) -> str:
    return f"/static/{path}"


def test_configured_tile_url_becomes_the_base_layer_shown_on_opening() -> None:
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    base = BaseMap(BaseMapKind.URL, tile_url=url, attribution="© 示例")
    parts = build_map(static, base)
    assert "tiles" in parts.layer_vars
    assert f"var {parts.layer_vars['tiles']} = L.tileLayer(" in parts.script
    assert json.dumps(url) in parts.script
    assert json.dumps("© 示例") in parts.script
    assert layer_control_names(parts.script)[0] == ["简图", "在线底图"]
    # The configured base map opens; 简图 stays in the control for use without a network.
    assert f"{parts.layer_vars['tiles']}.addTo(" in parts.script
    assert f"{parts.layer_vars['land']}.addTo(" not in parts.script
    assert '"gridDatum": "wgs84"' in parts.script
    assert '"gridDatumLabel": "WGS-84"' in parts.script
    assert "https://" not in parts.header
    assert "gcoord" not in parts.header


def test_gcj02_tiles_say_so_and_bring_the_converter() -> None:
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    parts = build_map(static, BaseMap(BaseMapKind.URL, TileDatum.GCJ02, tile_url=url))
    assert '"gridDatum": "gcj02"' in parts.script
    assert '"gridDatumLabel": "GCJ-02"' in parts.script
    assert '<script src="/static/vendor/gcoord/gcoord.global.prod.js">' in parts.header
    assert (ROOT / "static/vendor/gcoord/gcoord.global.prod.js").is_file()


def test_tianditu_is_one_base_layer_of_two_proxied_tile_layers() -> None:
    base = BaseMap(
        BaseMapKind.TIANDITU,
        TileDatum.CGCS2000,
        attribution="天地图",
        tianditu_layer="img",
        tianditu_key="0123456789abcdef0123456789abcdef",
    )
    parts = build_map(static, base, lambda layer: f"/app/tiles/tianditu/{layer}/{{z}}/{{x}}/{{y}}")
    assert layer_control_names(parts.script)[0] == ["简图", "天地图影像"]
    group = parts.layer_vars["tiles"]
    assert f"{group}.addTo(" in parts.script
    tile_urls = re.findall(r"L\.tileLayer\(\s*(\"[^\"]*\")", parts.script)
    assert [json.loads(u) for u in tile_urls] == [
        "/app/tiles/tianditu/img/{z}/{x}/{y}",
        "/app/tiles/tianditu/cia/{z}/{x}/{y}",
    ]
    assert parts.script.count(f".addTo({group})") == 2  # both inside the one base layer
    assert parts.script.count('"gridDatumLabel": "CGCS2000"') == 2
    assert "0123456789abcdef" not in parts.script + parts.header + parts.html
    assert "tianditu.gov.cn" not in parts.script


def test_map_frame_without_tile_url_has_no_tile_layer() -> None:
    parts = build_map(static)
    assert "L.tileLayer" not in parts.script
    assert "tiles" not in parts.layer_vars
    assert layer_control_names(parts.script)[0] == ["简图"]
    assert f"{parts.layer_vars['land']}.addTo(" in parts.script
