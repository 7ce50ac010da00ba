"""The map page in a real headless Chromium: layers drawn from the API, escaped popups,
no request leaving the local server, a phone-sized view for field staff."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium.webdriver import Chrome
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

LoginAs = Callable[[str], Chrome]  # the `login_as` fixture (tests/browser/conftest.py)

WAIT_SECONDS = 20
LAYER_NAMES = ["社区", "网格", "建筑", "道路", "服务阵地"]
SCRIPT_NAME = "<script>alert(1)</script>"


def wait_for_layers(driver: Chrome) -> None:
    """Wait until the page has loaded every layer from the API; fail on a load error."""
    shell = driver.find_element(By.ID, "grid-map")
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: shell.get_attribute("data-layers-loaded") in ("true", "error"),
        "layers still loading",
    )
    status = driver.find_element(By.CSS_SELECTOR, "#grid-map .map-status")
    assert shell.get_attribute("data-layers-loaded") == "true", status.text


def api_count(driver: Chrome, path: str) -> int:
    """Number of features the API gives the logged-in browser user."""
    script = (
        "const done = arguments[arguments.length - 1];"
        f"fetch({json.dumps(path)}, {{credentials: 'same-origin'}})"
        ".then(r => r.json()).then(b => done(b.features.length), e => done(String(e)));"
    )
    count: Any = driver.execute_async_script(script)
    assert isinstance(count, int), count
    return count


def requested_urls(driver: Chrome) -> list[str]:
    """Every URL the browser asked for since the log was last drained."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def severe_console_messages(driver: Chrome) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def save_screenshot(driver: Chrome, name: str) -> None:
    """Keep a screenshot when GRIDAPP_SCREENSHOT_DIR is set, to look at the page by eye."""
    folder = os.environ.get("GRIDAPP_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(Path(folder) / name))


def test_coordinator_map_draws_every_cell_the_api_returns(login_as: LoginAs) -> None:
    driver = login_as("t_coordinator")
    wait_for_layers(driver)
    save_screenshot(driver, "map-coordinator.png")

    cells = api_count(driver, "/api/cells")
    assert cells == 4
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.grid-cell")) == cells
    shell = driver.find_element(By.ID, "grid-map")
    assert shell.get_attribute("data-cell-count") == str(cells)
    buildings = api_count(driver, "/api/buildings")
    assert buildings > 0
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.building")) == buildings
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.community")) == api_count(
        driver, "/api/communities"
    )
    # One white line and one casing per street.
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.street-line")) == api_count(
        driver, "/api/streets"
    )
    labels = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".cell-label-name")]
    assert "甲一社区第1网格" in labels
    assert severe_console_messages(driver) == []


def open_layer_control(driver: Chrome) -> WebElement:
    """Hover to open the collapsed layer control, as a mouse user does; answer it."""
    control = driver.find_element(By.CSS_SELECTOR, ".leaflet-control-layers")
    ActionChains(driver).move_to_element(control).perform()
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: "leaflet-control-layers-expanded" in (control.get_attribute("class") or ""),
        "layer control did not open on hover",
    )
    # Leaflet ignores clicks until a zero-delay timer set on opening has run; let it run.
    driver.execute_async_script("setTimeout(arguments[arguments.length - 1], 0)")
    return control


def test_layer_control_offers_the_layers_by_chinese_name(login_as: LoginAs) -> None:
    driver = login_as("t_coordinator")
    wait_for_layers(driver)
    control = open_layer_control(driver)
    overlays = control.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays label")
    assert [e.text.strip() for e in overlays] == LAYER_NAMES
    bases = control.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-base label")
    assert bases[0].text.strip() == "简图"  # the only one without a configured base map

    # Unticking 网格 takes the cell polygons off the map; ticking it brings them back.
    overlays[LAYER_NAMES.index("网格")].click()
    assert driver.find_elements(By.CSS_SELECTOR, "path.grid-cell") == []
    overlays[LAYER_NAMES.index("网格")].click()
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.grid-cell")) == 4


def test_service_point_popup_shows_script_name_as_text(login_as: LoginAs) -> None:
    driver = login_as("t_coordinator")
    wait_for_layers(driver)
    markers = driver.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .sp-icon")
    assert len(markers) == api_count(driver, "/api/service-points") == 2
    assert "sp-party_service_centre" in (markers[0].get_attribute("class") or "")
    assert markers[0].text == "党"

    markers[0].click()
    popup = WebDriverWait(driver, WAIT_SECONDS).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, ".leaflet-popup-content")),
        "no popup after clicking the service point",
    )
    # .text is what the user sees; it stays empty while the popup fades in.
    title = WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: popup.find_element(By.CSS_SELECTOR, ".info-title").text,
        "popup title stays empty",
    )
    save_screenshot(driver, "map-popup.png")
    assert title == f"甲一社区党群服务中心{SCRIPT_NAME}"
    assert "周一至周五 9:00-17:00" in popup.text
    assert "党员活动" in popup.text
    assert popup.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.CSS_SELECTOR, "#grid-map script") == []
    assert driver.execute_script("return window.__alerts") == []


def test_map_requests_nothing_outside_the_local_server(login_as: LoginAs, live_server: str) -> None:
    driver = login_as("t_coordinator")
    wait_for_layers(driver)
    urls = requested_urls(driver)
    paths = {u.removeprefix(live_server).split("?")[0] for u in urls}
    assert {"/static/vendor/leaflet/leaflet.js", "/static/js/map/page.js", "/api/cells"} <= paths
    outside = [u for u in urls if not u.startswith((f"{live_server}/", "data:", "blob:"))]
    assert outside == []


PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}


def test_field_worker_on_a_phone_sees_exactly_one_cell(
    browser: Chrome, login_as: LoginAs, live_server: str
) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    try:
        driver = login_as("t_field")  # lands on 我的网格 (/field/); the map page is /
        driver.get(f"{live_server}/")
        wait_for_layers(driver)
        save_screenshot(driver, "map-field-phone.png")
        assert driver.execute_script("return window.innerWidth") == PHONE["width"]
        assert len(driver.find_elements(By.CSS_SELECTOR, "path.grid-cell")) == 1
        assert api_count(driver, "/api/cells") == 1
        # The map fills the screen below the header.
        viewport = driver.execute_script("return window.innerHeight")
        header = driver.find_element(By.CSS_SELECTOR, "header.topbar").rect
        box = driver.find_element(By.CSS_SELECTOR, "#grid-map .folium-map").rect
        assert box["y"] >= header["y"] + header["height"] - 1
        assert box["y"] + box["height"] >= viewport - 1
        assert box["width"] >= PHONE["width"] - 1
    finally:
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
