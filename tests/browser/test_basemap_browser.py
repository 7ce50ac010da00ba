"""Base maps in a real Chromium: 天地图 through the app's tile proxy (pointed at a fake
upstream; the browser never talks to any other host and never sees the key), and the
coordinate readout naming the datum of the base map on view — CGCS2000 for 天地图,
WGS-84 for our 简图, GCJ-02 (converted by the vendored gcoord, checked against prcoords)
for tiles declared GCJ-02."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import prcoords
import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from gridapp.extensions import db
from tests.browser.conftest import LoginAs, serving
from tests.browser.test_map_browser import (
    open_layer_control,
    requested_urls,
    save_screenshot,
    wait_for_layers,
)
from tests.tile_upstream import KEY, FakeUpstream, app_with_settings, fake_upstream
from tests.world import World

WAIT_SECONDS = 20
READOUT = re.compile(r"经 (-?\d+\.\d{6}) 纬 (-?\d+\.\d{6})")

LOADED_TILES_JS = """
return [...document.querySelectorAll('img.leaflet-tile-loaded')].map((img) => img.src);
"""
CENTRE_JS = """
const map = window[document.getElementById('grid-map').dataset.mapVar];
const c = map.getCenter();
return [c.lng, c.lat];
"""


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    with fake_upstream() as fake:
        yield fake


@pytest.fixture(scope="module")
def tianditu_server(
    upstream: FakeUpstream, world: World, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    app = app_with_settings(
        BASEMAP="tianditu",
        TIANDITU_KEY=KEY,
        TIANDITU_URL=upstream.tianditu_url,
        TILE_CACHE_DIR=str(tmp_path_factory.mktemp("tiles")),
    )
    with serving(app) as base_url:
        yield base_url
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def gcj02_server(upstream: FakeUpstream, world: World) -> Iterator[str]:
    app = app_with_settings(
        BASEMAP="url",
        TILE_URL=f"{upstream.base_url}/gcj/{{z}}/{{x}}/{{y}}.png",
        TILE_DATUM="gcj02",
    )
    with serving(app) as base_url:
        yield base_url
    with app.app_context():
        db.engine.dispose()


def readout(driver: Chrome) -> tuple[str, str, tuple[float, float]]:
    """(datum label, 中心 or 光标, (lon, lat)) as the readout shows them."""
    box = driver.find_element(By.CSS_SELECTOR, "#grid-map .coord-readout")
    label = box.find_element(By.CSS_SELECTOR, ".coord-datum").text
    where = box.find_element(By.CSS_SELECTOR, ".coord-where").text
    match = READOUT.fullmatch(box.find_element(By.CSS_SELECTOR, ".coord-value").text)
    assert match, box.text
    return label, where, (float(match.group(1)), float(match.group(2)))


def wait_for_readout(
    driver: Chrome, expected: Callable[[float, float], tuple[float, float]]
) -> None:
    """Wait until the readout shows ``expected(map centre)`` to the 6th decimal (the view
    may still be settling after fitting the user's cells)."""

    def agrees(_: Chrome) -> bool:
        centre = driver.execute_script(CENTRE_JS)
        want = expected(*centre)
        shown = readout(driver)[2]
        return abs(shown[0] - want[0]) < 2e-6 and abs(shown[1] - want[1]) < 2e-6

    WebDriverWait(driver, WAIT_SECONDS).until(agrees, "the readout does not show the centre")


def choose_base_layer(driver: Chrome, name: str) -> None:
    control = open_layer_control(driver)
    labels = control.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-base label")
    [label] = [e for e in labels if e.text.strip() == name]
    label.click()


def test_tianditu_tiles_come_through_the_proxy_and_the_readout_says_cgcs2000(
    browser: Chrome, tianditu_server: str, upstream: FakeUpstream
) -> None:
    driver = LoginAs(browser, tianditu_server)("t_coordinator")
    wait_for_layers(driver)
    # both layers, the roads (vec) and the annotation above them (cva): they load apart,
    # so wait for one tile of each rather than for the first tile drawn
    tiles: list[str] = WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: (
            (
                (loaded := d.execute_script(LOADED_TILES_JS))
                and all(
                    any(f"/tiles/tianditu/{layer}/" in src for src in loaded)
                    for layer in ("vec", "cva")
                )
                and loaded
            )
            or None
        ),
        "the roads and the annotation tiles were not both drawn",
    )
    save_screenshot(driver, "basemap-tianditu.png")
    assert all(src.startswith(f"{tianditu_server}/tiles/tianditu/") for src in tiles)

    asked = requested_urls(driver)
    assert any(url.startswith(f"{tianditu_server}/tiles/tianditu/vec/") for url in asked)
    outside = [u for u in asked if not u.startswith((tianditu_server, "data:"))]
    assert outside == []  # neither the fake upstream nor any other host
    assert not any(KEY in url for url in asked)
    assert KEY not in driver.page_source
    # The proxy did ask upstream, with the key.
    queries = upstream.queries()
    assert queries and {q["tk"] for q in queries} == {KEY}

    label, where, _ = readout(driver)
    assert (label, where) == ("CGCS2000", "中心")
    # CGCS2000 and WGS-84 agree to centimetres: the readout shows the map's own numbers.
    wait_for_readout(driver, lambda lon, lat: (lon, lat))

    map_element = driver.find_element(By.CSS_SELECTOR, "#grid-map .leaflet-container")
    ActionChains(driver).move_to_element_with_offset(map_element, 40, 30).perform()
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: readout(driver)[1] == "光标", "the readout does not follow the mouse"
    )

    choose_base_layer(driver, "简图")
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: readout(driver)[0] == "WGS-84", "the readout keeps the tiles' datum on 简图"
    )


def test_gcj02_tiles_show_gcj02_coordinates(
    browser: Chrome, gcj02_server: str, upstream: FakeUpstream
) -> None:
    driver = LoginAs(browser, gcj02_server)("t_coordinator")
    wait_for_layers(driver)
    box = driver.find_element(By.CSS_SELECTOR, "#grid-map .coord-readout")
    assert "数百米" in (box.get_attribute("title") or "")
    label, where, _ = readout(driver)
    assert (label, where) == ("GCJ-02", "中心")

    def gcj02(lon: float, lat: float) -> tuple[float, float]:
        shifted = prcoords.wgs_gcj(prcoords.Coords(lat, lon), True)
        assert abs(shifted.lon - lon) > 1e-3  # really shifted (hundreds of metres) here
        return shifted.lon, shifted.lat

    # gcoord in the browser agrees with prcoords (the server's GCJ-02) to the 6th decimal.
    wait_for_readout(driver, gcj02)


def test_gcoord_is_vendored_for_the_readout() -> None:
    root = Path(__file__).resolve().parents[2]
    assert (root / "static/vendor/gcoord/gcoord.global.prod.js").is_file()
    assert "gcoord@" in (root / "static/vendor/VERSIONS").read_text()
