"""The organisation pages as HTML: login required, who sees which controls, only local
assets (vendored Chart.js among them), and the API routes the pages' scripts read."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gridapp import ROOT
from tests.conftest import login
from tests.web.module_graph import module_graph
from tests.world import World

PAGES = ("/organisations", "/coverage")
ROLES = ("t_admin", "t_coordinator", "t_manager", "t_field")
CHART_JS = "/static/vendor/chart.js/chart.umd.min.js"


class Page(HTMLParser):
    """Script sources, stylesheets, links and the attributes of elements with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.links: list[str] = []
        self.ids: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"] or "")
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href") or "")
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if a.get("id"):
            self.ids[a["id"] or ""] = a


def page(client: FlaskClient, url: str) -> tuple[str, Page]:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    parsed = Page()
    parsed.feed(html)
    return html, parsed


@pytest.mark.parametrize("url", PAGES)
def test_org_pages_redirect_to_login_when_logged_out(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("username", ROLES)
@pytest.mark.parametrize("url", PAGES)
def test_every_role_may_open_the_org_pages(
    app: Flask, world: World, url: str, username: str
) -> None:
    client = login(app.test_client(), username)
    _, parsed = page(client, url)
    root = parsed.ids["coverage" if url == "/coverage" else "organisations"]
    assert root["data-state"] == "loading"  # the script fills the page from the API
    # the header links to both pages
    assert "/organisations" in parsed.links and "/coverage" in parsed.links


def test_write_controls_follow_the_roles(app: Flask, world: World) -> None:
    expected = {
        # username: (may manage the tree and import, may assign)
        "t_admin": ("true", "true"),
        "t_coordinator": ("true", "true"),
        "t_manager": ("false", "true"),
        "t_field": ("false", "false"),
    }
    for username, (manage, assign) in expected.items():
        client = login(app.test_client(), username)
        _, tree = page(client, "/organisations")
        assert tree.ids["organisations"]["data-can-manage"] == manage, username
        html, coverage = page(client, "/coverage")
        assert coverage.ids["coverage"]["data-can-assign"] == assign, username
        assert coverage.ids["coverage"]["data-can-manage"] == manage, username
        assert ("import" in coverage.ids) == (manage == "true"), username
        assert ('class="check">检查</button>' in html) == (manage == "true"), username
        # Leaflet-Geoman (drawing 党员责任区) only for those who may assign
        geoman = "/static/vendor/leaflet-geoman/leaflet-geoman.js" in coverage.scripts
        assert geoman == (assign == "true"), username


def test_org_pages_load_scripts_and_styles_only_from_static(as_coordinator: FlaskClient) -> None:
    for url in PAGES:
        html, parsed = page(as_coordinator, url)
        assert "/static/css/organisations.css" in parsed.stylesheets
        for src in parsed.scripts + parsed.stylesheets:
            assert src.startswith(("/static/vendor/", "/static/js/", "/static/css/")), src
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), url
        for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "jquery", "bootstrap"):
            assert cdn not in html.lower(), (url, cdn)
    _, coverage = page(as_coordinator, "/coverage")
    assert CHART_JS in coverage.scripts
    assert "/static/vendor/leaflet/leaflet.js" in coverage.scripts
    assert "/static/js/organisations/coverage-page.js" in coverage.scripts
    _, tree = page(as_coordinator, "/organisations")
    # no map on the tree page: only its own module and the helpers every page loads
    assert tree.scripts == [
        "/static/js/common/phone.js",
        "/static/js/common/offline-session.js",
        "/static/js/organisations/tree-page.js",
    ]


def test_every_asset_and_module_the_org_pages_use_is_served(as_coordinator: FlaskClient) -> None:
    urls: set[str] = set()
    for url in PAGES:
        _, parsed = page(as_coordinator, url)
        urls |= set(parsed.stylesheets) | set(parsed.scripts)
        for src in parsed.scripts:
            if src.startswith("/static/js/"):
                urls |= module_graph(as_coordinator, src)
    for module in ("coverage-map.js", "coverage-panel.js", "coverage-areas.js", "api.js"):
        assert f"/static/js/organisations/{module}" in urls
    for module in ("api.js", "map-layers.js"):  # reused
        assert f"/static/js/common/{module}" in urls
    for url in urls:
        assert (ROOT / url.lstrip("/")).is_file(), url
        with as_coordinator.get(url) as response:
            assert response.status_code == 200, url


def test_chart_js_is_vendored_at_the_pinned_version(as_coordinator: FlaskClient) -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["chart.js"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), "chart.js must be pinned to an exact version"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/chart.js"]["version"] == pinned
    assert "resolved" not in json.dumps(lock)  # .npmrc keeps registry URLs out of the lock
    versions = (ROOT / "static/vendor/VERSIONS").read_text().split()
    assert f"chart.js@{pinned}" in versions
    with as_coordinator.get(CHART_JS) as response:
        assert response.status_code == 200
        assert response.mimetype in ("text/javascript", "application/javascript")
        head = response.get_data(as_text=True)[:300]
    assert f"Chart.js v{pinned}" in head


def test_coverage_page_names_the_api_routes_its_scripts_read(
    as_coordinator: FlaskClient, world: World
) -> None:
    _, parsed = page(as_coordinator, "/coverage")
    urls = json.loads(parsed.ids["coverage"]["data-api-urls"] or "")
    cell = world.cells["A1N"]
    for key in ("me", "communities", "cells", "streets", "units", "coverage", "tree", "teams",
                "workers", "assignments", "members", "registrations"):  # fmt: skip
        url = urls[key].replace("{id}", str(cell))
        response = as_coordinator.get(url)
        assert response.status_code == 200, key
        assert response.is_json, key
    export = as_coordinator.get(urls["export"] + "?format=csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    template = as_coordinator.get(urls["template"].replace("{kind}", "teams") + "?format=xlsx")
    assert template.status_code == 200 and template.mimetype.endswith("spreadsheetml.sheet")
    assert urls["import"].replace("{kind}", "members") == "/api/imports/members"
    assert urls["end"].replace("{id}", "7") == "/api/assignments/7/end"
    assert urls["area"].replace("{id}", "7") == "/api/members/7/responsibility-area"
    # the map frame: the coverage layers by Chinese name, filled by the script
    layers = json.loads(parsed.ids["grid-map"]["data-layer-vars"] or "")
    assert {"land", "streets", "communities", "cells", "units", "areas"} <= set(layers)
    assert "网格覆盖" in as_coordinator.get("/coverage").get_data(as_text=True)


def test_tree_page_names_the_api_routes_and_the_levels(
    as_coordinator: FlaskClient, world: World
) -> None:
    _, parsed = page(as_coordinator, "/organisations")
    root = parsed.ids["organisations"]
    urls = json.loads(root["data-api-urls"] or "")
    for key in ("communities", "coverage", "tree", "teams", "zones", "units"):
        response = as_coordinator.get(urls[key])
        assert response.status_code == 200 and response.is_json, key
    assert urls["rename"] == "/api/party-orgs/{id}/rename"
    assert urls["dissolve"] == "/api/party-orgs/{id}/dissolve"
    vocab = json.loads(root["data-vocab"] or "")
    levels = [lv["label"] for lv in vocab["levels"]]
    assert levels == ["党工委", "党委", "党总支", "党支部", "党小组"]
    assert {"value": "tower", "label": "楼宇"} in vocab["kinds"]


def test_import_offers_the_only_subdistrict_of_a_coordinator(
    as_coordinator: FlaskClient, world: World
) -> None:
    html, _ = page(as_coordinator, "/coverage")
    assert f'name="subdistrict" value="{world.subdistricts["A"]}"' in html
    assert '<option value="members">党员</option>' in html


def test_admin_picks_the_subdistrict_to_import_into(as_admin: FlaskClient, world: World) -> None:
    html, _ = page(as_admin, "/coverage")
    assert '<select name="subdistrict">' in html
    assert "测试甲街道" in html and "测试乙街道" in html
