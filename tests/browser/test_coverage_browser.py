"""The 15-minute service page in a real headless Chromium: circles, figures, a hypothetical
station placed with the mouse (before → after), a suggested site on the map.

The test world has almost no streets, so the ``street_grid`` fixture commits a small grid
over subdistrict A (the live server reads committed rows) and deletes it afterwards:
north–south streets at lon 116.400/.405/.410/.415/.420, east–west at lat 39.900/.905/.910.
Homes sit on the .405/.415 streets at lat 39.9075 (250 residents each) and 39.9025 (500
each); the two service points at lat 39.909 on the same streets.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from geoalchemy2.shape import from_shape
from selenium.webdriver import Chrome
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait
from shapely.geometry import LineString
from sqlalchemy import delete

from gridapp.core.projection import LocalProjection
from gridapp.extensions import db
from gridapp.models import StreetEdge
from gridapp.services.coverage import network
from tests.world import World

LoginAs = Callable[[str], Chrome]  # the `login_as` fixture (tests/browser/conftest.py)
WAIT = 20
LONS = [116.400, 116.405, 116.410, 116.415, 116.420]
LATS = [39.900, 39.905, 39.910]


@pytest.fixture
def street_grid(app: Flask, world: World) -> Iterator[None]:
    """Commit a walking grid over subdistrict A; remove it (and the cached graph) after."""
    network.clear_cache()
    proj = LocalProjection(116.41, 39.905)
    node = {(i, j): 5000 + i * len(LONS) + j for i in range(len(LATS)) for j in range(len(LONS))}
    ids: list[int] = []
    with app.app_context():
        for i, lat in enumerate(LATS):
            for j, lon in enumerate(LONS):
                for di, dj in ((0, 1), (1, 0)):
                    if i + di < len(LATS) and j + dj < len(LONS):
                        line = LineString([(lon, lat), (LONS[j + dj], LATS[i + di])])
                        edge = StreetEdge(
                            subdistrict_id=world.subdistricts["A"],
                            u=node[(i, j)],
                            v=node[(i + di, j + dj)],
                            kind="residential",
                            name="测试网格路",
                            length_m=proj.to_metric(line).length,
                            geom=from_shape(line, srid=4326),
                        )
                        db.session.add(edge)
                        db.session.flush()
                        ids.append(edge.id)
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context():
            db.session.execute(delete(StreetEdge).where(StreetEdge.id.in_(ids)))
            db.session.commit()
        network.clear_cache()


def page(driver: Chrome) -> WebElement:
    return driver.find_element(By.ID, "service-page")


def state(driver: Chrome) -> str:
    return str(page(driver).get_attribute("data-state"))


def generation(driver: Chrome) -> int:
    return int(page(driver).get_attribute("data-generation") or 0)


def wait_shown(driver: Chrome, after: int) -> None:
    """Wait until the page shows figures newer than generation ``after``."""
    WebDriverWait(driver, WAIT).until(
        lambda _: generation(driver) > after and state(driver) != "loading",
        "no new figures",
    )
    status = driver.find_element(By.CSS_SELECTOR, ".svc-status").text
    assert state(driver) == "ready", status


def figure(driver: Chrome) -> tuple[str, str]:
    """The residents figure as shown, and its data-share-residents marker."""
    figures = driver.find_element(By.ID, "svc-figures")
    value = figures.find_element(By.CSS_SELECTOR, ".fig-residents .fig-value").text
    return value, str(figures.get_attribute("data-share-residents"))


def circle_width(driver: Chrome) -> float:
    """Width on screen of the widest service circle."""
    widths = [c.rect["width"] for c in driver.find_elements(By.CSS_SELECTOR, "path.service-circle")]
    return max(widths)


def click_map(driver: Chrome, lat: float, lon: float) -> None:
    """A mouse click on the map at a place (scrolled back up to the map first)."""
    driver.execute_script("window.scrollTo(0, 0)")
    x, y = driver.execute_script(
        "const map = window[document.getElementById('grid-map').dataset.mapVar];"
        "const p = map.latLngToContainerPoint(arguments[0]); return [p.x, p.y];",
        [lat, lon],
    )
    container = driver.find_element(By.CSS_SELECTOR, "#grid-map .folium-map")
    r = container.rect
    dx, dy = round(x - r["width"] / 2), round(y - r["height"] / 2)
    ActionChains(driver).move_to_element_with_offset(container, dx, dy).click().perform()


def severe_console_messages(driver: Chrome) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def outside_requests(driver: Chrome, base: str) -> list[str]:
    urls: list[str] = []
    for entry in driver.get_log("performance"):
        message: Any = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith((base, "data:")):
                urls.append(url)
    return urls


def test_coordinator_sees_circles_tries_a_station_and_asks_for_a_site(
    login_as: LoginAs, live_server: str, street_grid: None
) -> None:
    driver = login_as("t_coordinator")
    driver.get(f"{live_server}/service")
    WebDriverWait(driver, WAIT).until(
        lambda _: state(driver) in ("ready", "error"), "the page never became ready"
    )
    assert state(driver) == "ready" and page(driver).get_attribute("data-ready") == "true"

    # 5 minutes at 4 km/h (333 m) reach only the north homes; 15 minutes reach every home
    before = generation(driver)
    driver.find_element(By.CSS_SELECTOR, 'button[data-minutes="5"]').click()
    wait_shown(driver, before)
    assert figure(driver) == ("33.3%", "0.3333")
    small = circle_width(driver)
    before = generation(driver)
    driver.find_element(By.CSS_SELECTOR, 'button[data-minutes="15"]').click()
    wait_shown(driver, before)
    fifteen = driver.find_element(By.CSS_SELECTOR, 'button[data-minutes="15"]')
    assert fifteen.get_attribute("aria-pressed") == "true"
    assert figure(driver) == ("100%", "1")
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.service-circle")) == 2
    assert driver.find_element(By.ID, "grid-map").get_attribute("data-circle-count") == "2"
    assert circle_width(driver) > small * 1.5  # the circles grew with the walk
    assert driver.find_elements(By.CSS_SELECTOR, "path.svc-gap") == []
    status = driver.find_element(By.CSS_SELECTOR, ".svc-status").text
    assert "测试甲街道" in status and "1,000 米" in status
    households = driver.find_element(By.CSS_SELECTOR, ".fig-households .fig-value").text
    assert households == "100%"
    # the cell table: every cell of A, covered, with its organisation coverage
    rows = driver.find_elements(By.CSS_SELECTOR, "#svc-cell-table tbody tr")
    assert len(rows) == 4
    assert {r.get_attribute("data-share-residents") for r in rows} == {"1"}

    # at 2 km/h 15 minutes are 500 m: the south homes fall outside (盲点)
    before = generation(driver)
    speed = driver.find_element(By.NAME, "speed")
    speed.send_keys(Keys.CONTROL, "a")
    speed.send_keys("2")
    wait_shown(driver, before)
    assert figure(driver) == ("33.3%", "0.3333")
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.svc-gap")) == 2
    shares = [
        r.get_attribute("data-share-residents")
        for r in driver.find_elements(By.CSS_SELECTOR, "#svc-cell-table tbody tr")
    ]
    assert shares == ["0", "0", "1", "1"]  # worst coverage first
    driver.find_element(By.CSS_SELECTOR, '#svc-cell-table th[data-sort="residents"] button').click()
    driver.find_element(By.CSS_SELECTOR, '#svc-cell-table th[data-sort="residents"] button').click()
    first = driver.find_element(By.CSS_SELECTOR, "#svc-cell-table tbody tr td.num:nth-of-type(4)")
    assert first.text == "500"  # sorted by residents, largest first

    # a hypothetical station by the south-west home: 33.3% → 66.7%, its circle drawn
    before = generation(driver)
    driver.find_element(By.ID, "whatif-add").click()
    assert driver.find_element(By.ID, "grid-map").get_attribute("data-placing") == "true"
    click_map(driver, 39.901, 116.405)
    wait_shown(driver, before)
    assert figure(driver) == ("33.3% → 66.7%", "0.6667")
    whatif = driver.find_element(By.ID, "svc-whatif")
    assert whatif.get_attribute("data-state") == "done"
    assert "33.3% → 66.7%" in whatif.find_element(By.CSS_SELECTOR, ".whatif-change").text
    changed = whatif.find_elements(By.CSS_SELECTOR, ".changed-cells tbody tr")
    assert [r.text for r in changed] == ["甲一社区第2网格 0% → 100%"]
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.scenario-circle")) == 1
    assert len(driver.find_elements(By.CSS_SELECTOR, "[data-hypothetical]")) == 1

    # 建议新站点: one site, numbered on the map, with the residents it adds
    driver.find_element(By.CSS_SELECTOR, ".suggest-form input[name=k]").clear()
    driver.find_element(By.CSS_SELECTOR, ".suggest-form input[name=k]").send_keys("1")
    driver.find_element(By.CSS_SELECTOR, ".suggest-form button[type=submit]").click()
    box = driver.find_element(By.ID, "svc-suggest")
    WebDriverWait(driver, WAIT).until(
        lambda _: box.get_attribute("data-state") in ("done", "error"), "no suggestion"
    )
    assert box.get_attribute("data-state") == "done", box.text
    markers = driver.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane [data-suggestion]")
    assert [m.text for m in markers] == ["1"] and markers[0].is_displayed()
    [item] = box.find_elements(By.CSS_SELECTOR, ".suggest-list li")
    assert item.get_attribute("data-residents-gained") == "500"
    assert "新增覆盖 500 人" in item.text and "66.7%" in item.text

    # 恢复: the scenario is gone, the figures are today's again
    before = generation(driver)
    driver.find_element(By.ID, "whatif-reset").click()
    wait_shown(driver, before)
    assert figure(driver) == ("33.3%", "0.3333")
    assert driver.find_elements(By.CSS_SELECTOR, "path.scenario-circle") == []

    # the stations' names (with a <script> in them) stayed text; nothing left the server
    assert driver.execute_script("return window.__alerts") == []
    assert severe_console_messages(driver) == []
    assert outside_requests(driver, live_server) == []


def test_admin_switches_subdistrict_and_sees_a_station_off_the_network(
    login_as: LoginAs, live_server: str, street_grid: None, world: World
) -> None:
    driver = login_as("t_admin")
    driver.get(f"{live_server}/service")
    WebDriverWait(driver, WAIT).until(
        lambda _: page(driver).get_attribute("data-ready") == "true", "page not ready"
    )
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.svc-cell")) == 4  # subdistrict A
    before = generation(driver)
    Select(driver.find_element(By.NAME, "subdistrict_id")).select_by_visible_text("测试乙街道")
    wait_shown(driver, before)
    # B's only street is ~1 km from its station: the station does not count, nobody is covered
    status = driver.find_element(By.CSS_SELECTOR, ".svc-status").text
    assert "测试乙街道" in status and "离道路过远" in status
    assert "<script>alert(1)</script>" in status  # the name shown as text, not run
    assert figure(driver) == ("0%", "0")
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.svc-cell")) == 1
    assert driver.find_elements(By.CSS_SELECTOR, "path.service-circle") == []
    assert len(driver.find_elements(By.CSS_SELECTOR, ".svc-station-off")) == 1
    assert driver.find_elements(By.CSS_SELECTOR, ".svc-station") == []
    [row] = driver.find_elements(By.CSS_SELECTOR, "#svc-cell-table tbody tr")
    assert row.get_attribute("data-cell-id") == str(world.cells["B1X"])
    export = driver.find_element(By.ID, "export-csv").get_attribute("href") or ""
    assert f"subdistrict_id={world.subdistricts['B']}" in export and "format=csv" in export
    assert driver.execute_script("return window.__alerts") == []
    assert severe_console_messages(driver) == []


def test_field_worker_sees_the_circles_of_their_subdistricts_stations(
    login_as: LoginAs, live_server: str, street_grid: None, world: World
) -> None:
    driver = login_as("t_field")
    driver.get_log("performance")  # forget the login's requests
    driver.get(f"{live_server}/service")
    WebDriverWait(driver, WAIT).until(
        lambda _: page(driver).get_attribute("data-ready") == "true", "page not ready"
    )
    # service points are public inside the subdistrict: A2's station (another community)
    # is drawn too, subdistrict B's is not
    circles = driver.find_elements(By.CSS_SELECTOR, "path.service-circle")
    drawn = sorted(c.get_attribute("data-point-id") or "" for c in circles)
    assert drawn == sorted(str(world.service_points[k]) for k in ("A1", "A2"))
    status = driver.find_element(By.CSS_SELECTOR, ".svc-status").text
    assert "计入服务阵地 2 处" in status and "查看范围外" not in status
    assert "甲二社区" not in driver.find_element(By.ID, "grid-map").text
    # the circles were asked for simplified to the zoom in view (never coarser than 14); fitted
    # to the worker's cell the map zoomed in, and finer circles were asked for at that zoom
    view = int(
        driver.execute_script(
            "return window[document.getElementById('grid-map').dataset.mapVar].getZoom()"
        )
    )
    assert view >= 15
    zooms: list[int] = []

    def asked_at_view(_: Any) -> bool:
        for u in requests_sent(driver):
            if "/api/coverage/circles?" in u:
                zooms.append(int(u.split("zoom=")[1].split("&")[0]) if "zoom=" in u else -1)
        return view in zooms

    WebDriverWait(driver, WAIT).until(asked_at_view, "no circles asked for at the zoom in view")
    assert min(zooms) >= 14
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.service-circle")) == 2
    assert severe_console_messages(driver) == []


def requests_sent(driver: Chrome) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message: Any = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls
