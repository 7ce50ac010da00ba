"""The 15-minute service page as HTML: login required, every role may open it (field staff
see their own cells through the API), only local assets, the parameters offered, and the API
routes its scripts read."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gridapp import ROOT
from gridapp.core.vocab import SERVICE_KIND_LABELS
from tests.conftest import login
from tests.web.module_graph import module_graph
from tests.world import World

ROLES = ("t_admin", "t_coordinator", "t_manager", "t_field")


class Page(HTMLParser):
    """Script sources, stylesheets, attributes of elements with an id, form controls."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.ids: dict[str, dict[str, str | None]] = {}
        self.inputs: list[dict[str, str | None]] = []
        self.options: list[str] = []
        self.buttons: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"] or "")
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href") or "")
        elif tag == "input":
            self.inputs.append(a)
        elif tag == "option":
            self.options.append(a.get("value") or "")
        elif tag == "button":
            self.buttons.append(a)
        if a.get("id"):
            self.ids[a["id"] or ""] = a


def page(client: FlaskClient) -> tuple[str, Page]:
    response = client.get("/service")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    parsed = Page()
    parsed.feed(html)
    return html, parsed


def test_service_page_redirects_to_login_when_logged_out(client: FlaskClient) -> None:
    response = client.get("/service")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("username", ROLES)
def test_every_role_may_open_the_service_page(app: Flask, world: World, username: str) -> None:
    client = login(app.test_client(), username)
    _, parsed = page(client)
    root = parsed.ids["service-page"]
    assert root["data-ready"] == "false"  # the script fills the page from the API
    assert root["data-state"] == "loading"
    layers = json.loads(parsed.ids["grid-map"]["data-layer-vars"] or "")
    assert {"land", "streets", "cells", "circles", "gaps", "stations", "scenario",
            "suggestions"} <= set(layers)  # fmt: skip


def test_subdistrict_choice_follows_the_users_scope(app: Flask, world: World) -> None:
    # the admin sees both subdistricts of the world and picks one; the others have one
    _, admin = page(login(app.test_client(), "t_admin"))
    assert admin.options == [str(world.subdistricts["A"]), str(world.subdistricts["B"])]
    for username in ("t_coordinator", "t_field"):
        _, parsed = page(login(app.test_client(), username))
        assert parsed.options == []
        hidden = [i for i in parsed.inputs if i.get("name") == "subdistrict_id"]
        assert [i["value"] for i in hidden] == [str(world.subdistricts["A"])]
        subs = json.loads(parsed.ids["service-page"]["data-subdistricts"] or "")
        assert [s["name"] for s in subs] == ["测试甲街道"]


def test_parameters_offered(as_coordinator: FlaskClient) -> None:
    html, parsed = page(as_coordinator)
    minutes = [b["data-minutes"] for b in parsed.buttons if b.get("data-minutes")]
    speeds = [b["data-speed"] for b in parsed.buttons if b.get("data-speed")]
    assert minutes == ["5", "10", "15"] and speeds == ["4", "3"]
    assert "老年人步速 3 km/h" in html
    pressed = [b for b in parsed.buttons if b.get("aria-pressed") == "true"]
    assert {b.get("data-minutes") or b.get("data-speed") for b in pressed} == {"15", "4"}
    kinds = [i["value"] for i in parsed.inputs if i.get("name") == "kind"]
    assert kinds == [k.value for k in SERVICE_KIND_LABELS]
    for label in SERVICE_KIND_LABELS.values():
        assert label in html
    assert all("checked" in i for i in parsed.inputs if i.get("name") == "kind")  # all count
    limits = json.loads(parsed.ids["service-page"]["data-limits"] or "")
    assert limits == {"minutes": [1, 60], "speed": [1.0, 8.0]}
    k = next(i for i in parsed.inputs if i.get("name") == "k")
    assert k["value"] == "3"
    candidates = [i["value"] for i in parsed.inputs if i.get("name") == "candidates"]
    assert candidates == ["buildings", "nodes"]
    for text in ("添加假设站点", "恢复", "建议新站点", "两个覆盖", "盲点", "党员中心户"):
        assert text in html, text


def test_service_page_loads_scripts_and_styles_only_from_static(
    as_coordinator: FlaskClient,
) -> None:
    html, parsed = page(as_coordinator)
    assert "/static/vendor/leaflet/leaflet.js" in parsed.scripts
    assert "/static/js/coverage/page.js" in parsed.scripts
    assert "/static/css/coverage.css" in parsed.stylesheets
    for src in parsed.scripts + parsed.stylesheets:
        assert src.startswith(("/static/vendor/", "/static/js/", "/static/css/")), src
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "jquery", "bootstrap", "font-awesome"):
        assert cdn not in html.lower(), cdn


def test_every_module_the_service_page_uses_is_served(as_coordinator: FlaskClient) -> None:
    modules = module_graph(as_coordinator, "/static/js/coverage/page.js")
    for name in ("map.js", "markers.js", "scenario.js", "suggest.js", "table.js", "figures.js",
                 "controls.js", "format.js"):  # fmt: skip
        assert f"/static/js/coverage/{name}" in modules, name
    for name in ("api.js", "map-layers.js"):  # reused
        assert f"/static/js/common/{name}" in modules, name
    for url in modules:
        assert (ROOT / url.lstrip("/")).is_file(), url
        source = (ROOT / url.lstrip("/")).read_text()
        assert "innerHTML" not in source and "insertAdjacentHTML" not in source, url


def test_service_page_names_the_api_routes_its_scripts_read(
    as_coordinator: FlaskClient, world: World
) -> None:
    _, parsed = page(as_coordinator)
    urls = json.loads(parsed.ids["service-page"]["data-api-urls"] or "")
    for key in ("me", "communities", "cells", "buildings", "streets", "service_points",
                "organisation", "coverage", "gaps", "circles"):  # fmt: skip
        response = as_coordinator.get(urls[key])
        assert response.status_code == 200, (key, response.get_data(as_text=True))
        assert response.is_json, key
    report = as_coordinator.get(urls["coverage"]).json
    assert {"summary", "communities", "cells", "stations", "off_network"} <= set(report)
    what_if = as_coordinator.post(urls["what_if"], json={"remove": []})
    assert what_if.status_code == 200 and {"before", "after"} <= set(what_if.json)
    suggest = as_coordinator.post(urls["suggest"], json={"k": 1, "candidates": "nodes"})
    assert suggest.status_code == 200 and "sites" in suggest.json
    export = as_coordinator.get(urls["export"] + "?format=csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert parsed.ids["export-xlsx"]["href"] == urls["export"] + "?format=xlsx"
