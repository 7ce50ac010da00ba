"""The 天地图 tile proxy against a fake upstream: the key goes upstream and nowhere else,
tiles come back with our own headers and are cached on disk, bad addresses and layers are
404 without asking upstream, upstream failures are 502/504 with a small body."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gridapp import create_app
from gridapp.core.basemap import BaseMapConfigError
from gridapp.extensions import db
from tests.conftest import TEST_DATABASE_URL, login
from tests.tile_upstream import KEY, TILE, FakeUpstream, fake_upstream, tianditu_app
from tests.world import World

TILE_PATH = "/tiles/tianditu/vec/12/3371/1552"


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    with fake_upstream() as fake:
        yield fake


def proxy_test_app(upstream: FakeUpstream, **extra: object) -> Flask:
    url = str(extra.pop("TIANDITU_URL", upstream.tianditu_url))
    return tianditu_app(url, TILE_TIMEOUT=0.5, **extra)


@pytest.fixture(scope="module")
def proxy_app(upstream: FakeUpstream, world: World) -> Iterator[Flask]:
    app = proxy_test_app(upstream)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def proxy(proxy_app: Flask, upstream: FakeUpstream, tmp_path: Path) -> FlaskClient:
    """A coordinator's client of the 天地图 app, with an empty tile cache and a fresh fake."""
    proxy_app.config["TILE_CACHE_DIR"] = str(tmp_path / "tiles")
    proxy_app.config["TILE_CACHE_MAX_BYTES"] = 10 * 1024 * 1024
    upstream.mode = "png"
    with upstream.lock:
        upstream.requests.clear()
    return login(proxy_app.test_client(), "t_coordinator")


def test_tile_is_fetched_upstream_with_the_key_and_passed_on(
    proxy: FlaskClient, upstream: FakeUpstream
) -> None:
    response = proxy.get(TILE_PATH)
    assert response.status_code == 200
    assert response.data == TILE
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "private, max-age=86400"
    assert "X-Upstream-Secret" not in response.headers  # our headers, not upstream's
    assert KEY not in str(response.headers)

    (url,) = upstream.asked()
    assert url.startswith(f"/t{(3371 + 1552) % 8}/vec_w/wmts?")  # subdomain t0–t7
    (query,) = upstream.queries()
    assert query == {
        "SERVICE": "WMTS",
        "REQUEST": "GetTile",
        "VERSION": "1.0.0",
        "LAYER": "vec",
        "STYLE": "default",
        "TILEMATRIXSET": "w",
        "FORMAT": "tiles",
        "TILEMATRIX": "12",
        "TILEROW": "1552",
        "TILECOL": "3371",
        "tk": KEY,
    }


def test_second_request_is_served_from_the_disk_cache(
    proxy: FlaskClient, proxy_app: Flask, upstream: FakeUpstream
) -> None:
    assert proxy.get(TILE_PATH).status_code == 200
    assert proxy.get(TILE_PATH).data == TILE
    assert len(upstream.asked()) == 1
    cached = Path(proxy_app.config["TILE_CACHE_DIR"]) / "tianditu/vec/12/3371/1552"
    assert cached.read_bytes() == TILE
    # Upstream down: the cached tile still answers.
    upstream.mode = "error"
    assert proxy.get(TILE_PATH).data == TILE


def test_annotation_layer_of_the_chosen_base_is_proxied_too(
    proxy: FlaskClient, upstream: FakeUpstream
) -> None:
    assert proxy.get("/tiles/tianditu/cva/3/6/3").status_code == 200
    assert upstream.queries()[0]["LAYER"] == "cva"
    assert upstream.asked()[0].startswith("/t1/cva_w/wmts?")


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/tianditu/vec/0/0/0",  # 天地图's w matrix starts at level 1
        "/tiles/tianditu/vec/19/0/0",
        "/tiles/tianditu/vec/3/8/0",  # x beyond 2^z - 1
        "/tiles/tianditu/vec/3/0/8",
        "/tiles/tianditu/vec/3/-1/0",
        "/tiles/tianditu/vec/3/1.5/0",
        "/tiles/tianditu/vec/3/1/0.png",
        "/tiles/tianditu/vec/3/1/99999999999999999999",
        "/tiles/tianditu/vec/３/1/1",  # full-width digit
        "/tiles/tianditu/img/3/1/1",  # a known layer, but not the one configured (vec)
        "/tiles/tianditu/cia/3/1/1",
        "/tiles/tianditu/ter/3/1/1",
        "/tiles/tianditu/vec_w/3/1/1",
        "/tiles/tianditu/..%2Fvec/3/1/1",
        "/tiles/tianditu/vec/3/1",
    ],
)
def test_bad_addresses_and_unknown_layers_are_404_without_asking_upstream(
    proxy: FlaskClient, upstream: FakeUpstream, path: str
) -> None:
    response = proxy.get(path)
    assert response.status_code == 404
    assert upstream.asked() == []


@pytest.mark.parametrize("mode", ["error", "html"])
def test_upstream_failure_is_502_with_a_small_body_and_no_key(
    proxy: FlaskClient, upstream: FakeUpstream, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    upstream.mode = mode
    with caplog.at_level(logging.DEBUG):
        response = proxy.get(TILE_PATH)
    assert response.status_code == 502
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "天地图瓦片暂时无法获取"
    assert response.headers["Cache-Control"] == "no-store"
    assert KEY not in str(response.headers)
    assert len(upstream.asked()) == 1
    assert "获取失败" in caplog.text  # logged by kind …
    assert KEY not in caplog.text  # … never with the URL
    assert "upstream broke" not in response.get_data(as_text=True)
    # nothing cached: the next request asks again
    upstream.mode = "png"
    assert proxy.get(TILE_PATH).status_code == 200
    assert len(upstream.asked()) == 2


def test_upstream_that_does_not_answer_in_time_is_504(
    proxy: FlaskClient, upstream: FakeUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    upstream.mode = "hang"
    try:
        response = proxy.get(TILE_PATH)
    finally:
        upstream.release.set()
    upstream.release.clear()
    assert response.status_code == 504
    assert response.get_data(as_text=True) == "天地图响应超时"
    assert KEY not in caplog.text


def test_unreachable_upstream_is_502(
    upstream: FakeUpstream, world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A port nobody listens on: take one from the OS, then close it.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = proxy_test_app(upstream, TIANDITU_URL=f"http://127.0.0.1:{port}", TILE_CACHE_DIR=tmp_path)
    try:
        client = login(app.test_client(), "t_coordinator")
        response = client.get(TILE_PATH)
        assert response.status_code == 502
        assert KEY not in caplog.text
    finally:
        with app.app_context():
            db.engine.dispose()


def test_logged_out_tile_request_goes_to_login(
    proxy_app: Flask, upstream: FakeUpstream, proxy: FlaskClient
) -> None:
    response = proxy_app.test_client().get(TILE_PATH)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert upstream.asked() == []


def test_cache_keeps_under_its_bound_removing_the_oldest_tiles(
    proxy: FlaskClient, proxy_app: Flask, upstream: FakeUpstream
) -> None:
    # Room for two tiles: the third write removes the oldest down to 80 % of the bound.
    proxy_app.config["TILE_CACHE_MAX_BYTES"] = 2 * len(TILE) + 10
    root = Path(proxy_app.config["TILE_CACHE_DIR"]) / "tianditu/vec/3"
    for n, x in enumerate((1, 2, 3)):
        assert proxy.get(f"/tiles/tianditu/vec/3/{x}/1").status_code == 200
        path = root / str(x) / "1"
        os.utime(path, (1_000_000 + n, 1_000_000 + n))  # written in this order
    assert not (root / "1/1").exists()
    assert (root / "3/1").exists()
    files = [p for p in root.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= proxy_app.config["TILE_CACHE_MAX_BYTES"]


def test_cache_off_asks_upstream_every_time(
    proxy: FlaskClient, proxy_app: Flask, upstream: FakeUpstream
) -> None:
    proxy_app.config["TILE_CACHE_MAX_BYTES"] = 0
    proxy.get(TILE_PATH)
    proxy.get(TILE_PATH)
    assert len(upstream.asked()) == 2
    assert not Path(proxy_app.config["TILE_CACHE_DIR"]).exists()


def test_without_tianditu_the_proxy_serves_nothing(as_coordinator: FlaskClient) -> None:
    assert as_coordinator.get(TILE_PATH).status_code == 404


def test_a_bad_base_map_setting_stops_the_app_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDAPP_BASEMAP", "tianditu")
    monkeypatch.delenv("GRIDAPP_TIANDITU_KEY", raising=False)
    with pytest.raises(BaseMapConfigError) as caught:
        create_app({"DATABASE_URL": TEST_DATABASE_URL})
    assert "需要设置 GRIDAPP_TIANDITU_KEY" in str(caught.value)
    assert "needs GRIDAPP_TIANDITU_KEY" in str(caught.value)
