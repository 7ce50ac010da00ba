"""With 天地图 configured, the key reaches no browser: not in any page, script, stylesheet,
API answer or header the app sends, for any role — while the pages do show the map through
the app's tile proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gridapp import ROOT
from gridapp.extensions import db
from tests.conftest import login
from tests.tile_upstream import KEY, tianditu_app
from tests.world import World

STATIC = ROOT / "static"


@pytest.fixture(scope="module")
def key_app(world: World) -> Iterator[Flask]:
    # upstream never asked here: no test below fetches a tile
    app = tianditu_app("http://127.0.0.1:9/t{s}", TIANDITU_LAYER="img")
    yield app
    with app.app_context():
        db.engine.dispose()


def app_urls(app: Flask, world: World) -> list[str]:
    """Every GET route without arguments, and one of each with arguments that a page or
    script fetches by id (a cell, its sheet, an export)."""
    urls = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments and rule.endpoint != "static"
    ]
    cell = world.cells["A1N"]
    urls += [f"/field/cells/{cell}", f"/api/cells/{cell}/sheet", "/api/exports/cells"]
    return sorted(urls)


def assert_no_key(response_text: str, headers: str, where: str) -> None:
    assert KEY not in response_text, where
    assert KEY.lower() not in response_text.lower(), where
    assert KEY not in headers, where


@pytest.mark.parametrize("username", ["t_admin", "t_coordinator", "t_manager", "t_field"])
def test_no_page_or_answer_carries_the_key(key_app: Flask, world: World, username: str) -> None:
    client = login(key_app.test_client(), username)
    for url in app_urls(key_app, world):
        with client.get(url) as response:
            assert_no_key(
                response.get_data().decode("utf-8", "replace"), str(response.headers), url
            )


def test_map_pages_show_tianditu_through_the_proxy(key_app: Flask) -> None:
    client = login(key_app.test_client(), "t_admin")
    for url in ("/", "/edit", "/check", "/proposal", "/service", "/coverage", "/data/"):
        html = client.get(url).get_data(as_text=True)
        assert "/tiles/tianditu/img/{z}/{x}/{y}" in html, url
        assert "/tiles/tianditu/cia/{z}/{x}/{y}" in html, url
        assert "tianditu.gov.cn" not in html and "127.0.0.1:9" not in html, url
        assert '"gridDatumLabel": "CGCS2000"' in html, url
    field = login(key_app.test_client(), "t_field")
    assert "/tiles/tianditu/img/{z}/{x}/{y}" in field.get("/field/").get_data(as_text=True)


def test_no_static_file_carries_the_key(key_app: Flask) -> None:
    client: FlaskClient = login(key_app.test_client(), "t_coordinator")
    files = sorted(p for p in STATIC.rglob("*") if p.is_file())
    assert any(p.suffix == ".js" for p in files)
    for path in files:
        url = "/static/" + path.relative_to(STATIC).as_posix()
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert_no_key(
                response.get_data().decode("utf-8", "replace"), str(response.headers), url
            )


def test_login_page_and_refusals_carry_no_key(key_app: Flask) -> None:
    client = key_app.test_client()
    for url in ("/login", "/", "/tiles/tianditu/img/3/1/1", "/api/me"):
        with client.get(url) as response:
            assert_no_key(response.get_data(as_text=True), str(response.headers), url)
    logged_in = login(client, "t_coordinator")
    for url in ("/tiles/tianditu/vec/3/1/1", "/tiles/tianditu/img/0/0/0", "/no-such-page"):
        with logged_in.get(url) as response:
            assert response.status_code == 404
            assert_no_key(response.get_data(as_text=True), str(response.headers), url)
