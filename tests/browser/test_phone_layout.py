"""Phones (375 × 812, touch) in a real Chromium: on /, /service, /coverage and
/organisations, for the field worker and a coordinator,

- the map comes first: its top lies within the first screen and most of it is visible;
- every visible control is at least 44 × 44 px: links, buttons, inputs, selects, <summary>
  toggles, labels of form fields and Leaflet's own controls — also with the menu, every
  folded panel and the layer control opened;
- no text is smaller than 12 px;
- nothing is wider than the screen: the page does not scroll sideways, and every table cell
  lies inside the screen and is at least 48 px wide (tables become cards rather than columns
  squeezed to a character per line);
- legends start closed;
- the field worker's map opens on her own cell, not on the whole subdistrict.

One exception to the 44 px rule, and why: a checkbox or radio button whose label is at least
44 × 44 px. The label is the touch target (a tap on it ticks the box); the box inside it is
drawn at 20 px so that the text stays readable.

Also here: service points that would cover each other pile up into one marker until the map
is zoomed in, and on a desktop an open legend stays in a corner of the map.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from geoalchemy2.shape import to_shape
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from gridapp.extensions import db
from gridapp.models import GridCell, Subdistrict
from tests.browser.field_live import field_households  # noqa: F401 (fixture)
from tests.browser.test_map_browser import save_screenshot
from tests.world import World

LoginAs = Callable[[str], Chrome]  # the `login_as` fixture (tests/browser/conftest.py)

WAIT_SECONDS = 20
PHONE = {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": True}
MIN_TARGET_PX = 44
MIN_FONT_PX = 12
# The page's root, and its attribute saying that everything is drawn.
PAGES = {
    "/": ("#grid-map", "data-layers-loaded", "true"),
    "/service": ("#service-page", "data-state", "ready"),
    "/coverage": ("#coverage", "data-state", "ready"),
    "/organisations": ("#organisations", "data-state", "ready"),
    "/data/": ("#grid-map", "data-loaded", "true"),
}
MAP_PAGES = ("/", "/service", "/coverage")

# Visible controls smaller than 44 px in either dimension, except checkboxes and radio
# buttons inside (or named by) a label that is itself at least 44 × 44 px.
SMALL_CONTROLS_JS = """
const min = arguments[0];
const visible = (e) => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
};
const big = (r) => r.width >= min && r.height >= min;
const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
  + 'label, .leaflet-control a';
const small = [];
for (const e of document.querySelectorAll(selector)) {
  if (!visible(e)) continue;
  if (e.tagName === 'LABEL' && !e.control) continue;  // only labels of form fields
  const r = e.getBoundingClientRect();
  if (big(r)) continue;
  if (e.type === 'checkbox' || e.type === 'radio') {
    const labels = [...(e.labels || [])].filter(visible);
    if (labels.some((l) => big(l.getBoundingClientRect()))) continue;
  }
  const name = (e.textContent || e.value || e.title || e.getAttribute('aria-label') || '')
    .trim().replace(/\\s+/g, ' ').slice(0, 20);
  small.push(`${e.tagName.toLowerCase()}.${e.className} "${name}" `
    + `${Math.round(r.width)}×${Math.round(r.height)}`);
}
return small;
"""

# Visible text set smaller than 12 px.
TINY_TEXT_JS = """
const min = arguments[0];
const tiny = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const text = walker.currentNode.textContent.trim();
  const parent = walker.currentNode.parentElement;
  if (!text || !parent || parent.closest('script, style')) continue;
  if (!parent.getClientRects().length) continue;
  const size = parseFloat(getComputedStyle(parent).fontSize);
  if (size < min) tiny.push(`"${text.slice(0, 20)}" ${size}px in ${parent.className}`);
}
return tiny;
"""

# Page width; table cells reaching past the screen's edges, or so narrow that their text
# stands one or two characters to a line (a table squeezed into the screen).
OVERFLOW_JS = """
const width = window.innerWidth;
const minCell = arguments[0];
const out = [];
for (const cell of document.querySelectorAll('table td, table th')) {
  const r = cell.getBoundingClientRect();
  const text = cell.textContent.trim();
  if (!r.width || !r.height || !text) continue;
  if (r.left < -1 || r.right > width + 1 || r.width < minCell) {
    out.push(`"${text.slice(0, 12)}" ${Math.round(r.left)}–${Math.round(r.right)}`);
  }
}
return {width, scrollWidth: document.documentElement.scrollWidth, cells: out};
"""
MIN_CELL_PX = 48  # three or four characters

# Open what a user can open: the menu, every folded panel and legend, the layer control.
OPEN_EVERYTHING_JS = """
const toggle = document.querySelector('.menu-toggle');
if (toggle && toggle.getAttribute('aria-expanded') !== 'true') toggle.click();
for (const d of document.querySelectorAll('main details')) d.open = true;
for (const c of document.querySelectorAll('.leaflet-control-layers')) {
  c.classList.add('leaflet-control-layers-expanded');
}
"""

MAP_RECT_JS = """
const r = document.querySelector('#grid-map .leaflet-container').getBoundingClientRect();
return {top: r.top, bottom: r.bottom, height: r.height, viewport: window.innerHeight};
"""

VIEW_BOUNDS_JS = """
const map = window[document.getElementById('grid-map').dataset.mapVar];
const b = map.getBounds();
return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
"""


@pytest.fixture
def phone(browser: Chrome) -> Iterator[Chrome]:
    """The shared browser as a 375 × 812 touch phone."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    try:
        yield browser
    finally:
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def open_page(driver: Chrome, base_url: str, path: str) -> None:
    """Load a page and wait until its script has drawn everything."""
    driver.get(f"{base_url}{path}")
    selector, attribute, ready = PAGES[path]
    root = driver.find_element(By.CSS_SELECTOR, selector)
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: root.get_attribute(attribute) in (ready, "error"), f"{path} still loading"
    )
    assert root.get_attribute(attribute) == ready, f"{path} failed to load"
    # Let Leaflet finish a fit or zoom animation before measuring.
    driver.execute_async_script("setTimeout(arguments[arguments.length - 1], 400)")


def check_phone_page(driver: Chrome, path: str) -> None:
    """The checks every page passes on a phone (the module docstring lists them)."""
    overflow: dict[str, Any] = driver.execute_script(OVERFLOW_JS, MIN_CELL_PX)
    assert overflow["width"] == PHONE["width"], f"{path}: the page widened the viewport"
    assert overflow["scrollWidth"] <= PHONE["width"], f"{path}: the page scrolls sideways"
    assert overflow["cells"] == [], f"{path}: table cells off the screen or squeezed"

    if path in MAP_PAGES:
        rect: dict[str, Any] = driver.execute_script(MAP_RECT_JS)
        visible = min(rect["bottom"], rect["viewport"]) - rect["top"]
        assert rect["top"] < rect["viewport"], f"{path}: the map starts below the screen {rect}"
        assert visible >= 0.4 * rect["viewport"], f"{path}: too little of the map shows {rect}"
        legend = driver.find_element(By.CSS_SELECTOR, "#grid-map .map-legend")
        assert legend.get_attribute("open") is None, f"{path}: the legend starts open"

    assert driver.execute_script(TINY_TEXT_JS, MIN_FONT_PX) == [], f"{path}: text under 12 px"
    assert driver.execute_script(SMALL_CONTROLS_JS, MIN_TARGET_PX) == [], path

    driver.execute_script(OPEN_EVERYTHING_JS)
    assert driver.execute_script(SMALL_CONTROLS_JS, MIN_TARGET_PX) == [], f"{path}, all opened"
    assert driver.execute_script(TINY_TEXT_JS, MIN_FONT_PX) == [], f"{path}, all opened"
    overflow = driver.execute_script(OVERFLOW_JS, MIN_CELL_PX)
    assert overflow["scrollWidth"] <= PHONE["width"], f"{path}, all opened"
    assert overflow["cells"] == [], f"{path}, all opened: table cells off the screen or squeezed"


@pytest.mark.parametrize("username", ["t_field", "t_coordinator"])
def test_phone_pages_put_the_map_first_with_big_controls_and_readable_text(
    phone: Chrome, login_as: LoginAs, live_server: str, username: str
) -> None:
    login_as(username)
    for path in PAGES:
        open_page(phone, live_server, path)
        save_screenshot(phone, f"phone-{username}-{path.strip('/') or 'map'}.png")
        check_phone_page(phone, path)


def test_phone_menu_folds_the_navigation_behind_one_button(
    phone: Chrome, login_as: LoginAs
) -> None:
    driver = login_as("t_coordinator")
    links = driver.find_elements(By.CSS_SELECTOR, ".main-nav a")
    assert links and not any(link.is_displayed() for link in links)
    toggle = driver.find_element(By.CSS_SELECTOR, ".menu-toggle")
    assert toggle.text.startswith("菜单")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert [link.text for link in links if link.is_displayed()][:1] == ["地图"]
    assert driver.find_element(By.CSS_SELECTOR, ".topbar .user button").is_displayed()
    toggle.click()
    assert not any(link.is_displayed() for link in links)


def _bounds(geom: Any) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = to_shape(geom).bounds
    return (minx, miny, maxx, maxy)


def _contains(outer: list[float], inner: tuple[float, float, float, float]) -> bool:
    eps = 1e-9
    return (
        outer[0] <= inner[0] + eps
        and outer[1] <= inner[1] + eps
        and outer[2] >= inner[2] - eps
        and outer[3] >= inner[3] - eps
    )


def test_field_worker_maps_open_on_her_own_cell(
    phone: Chrome, login_as: LoginAs, live_server: str, app: Flask, world: World
) -> None:
    with app.app_context():
        cell_geom = db.session.get(GridCell, world.cells["A1N"])
        subdistrict_geom = db.session.get(Subdistrict, world.subdistricts["A"])
        assert cell_geom is not None and subdistrict_geom is not None
        cell = _bounds(cell_geom.geom)
        subdistrict = _bounds(subdistrict_geom.geom)
    login_as("t_field")
    for path in MAP_PAGES:
        open_page(phone, live_server, path)
        view: list[float] = phone.execute_script(VIEW_BOUNDS_JS)
        assert _contains(view, cell), f"{path}: her cell is not all in view {view}"
        assert not _contains(view, subdistrict), f"{path}: opens on the whole subdistrict"
        # the cell fills most of the screen's width or height
        fill_x = (cell[2] - cell[0]) / (view[2] - view[0])
        fill_y = (cell[3] - cell[1]) / (view[3] - view[1])
        assert max(fill_x, fill_y) >= 0.5, f"{path}: her cell is small in view {view}"


def test_service_points_pile_up_until_zoomed_in(
    phone: Chrome, login_as: LoginAs, live_server: str
) -> None:
    driver = login_as("t_coordinator")
    open_page(driver, live_server, "/")
    markers = driver.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .sp-icon")
    assert len(markers) == 2
    # zoomed out, the two stations (1 km apart) would touch: one pile of two, tap to zoom in
    driver.execute_script(
        "const m = window[document.getElementById('grid-map').dataset.mapVar];"
        "m.setZoom(12, {animate: false});"
    )
    piles = driver.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .marker-pile")
    assert [p.text.replace("\n", "") for p in piles] == ["党×2"]
    assert not any(m.is_displayed() for m in markers)
    zoom_before = driver.execute_script(
        "return window[document.getElementById('grid-map').dataset.mapVar].getZoom()"
    )
    piles[0].click()
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .marker-pile") == [],
        "the pile did not come apart after a tap",
    )
    zoom_after = driver.execute_script(
        "return window[document.getElementById('grid-map').dataset.mapVar].getZoom()"
    )
    assert zoom_after > zoom_before
    assert all(m.is_displayed() for m in markers)


def test_desktop_legend_is_open_but_stays_in_a_corner(login_as: LoginAs, live_server: str) -> None:
    driver = login_as("t_coordinator")
    for path in ("/service", "/coverage"):
        open_page(driver, live_server, path)
        legend = driver.find_element(By.CSS_SELECTOR, "#grid-map .map-legend")
        assert legend.get_attribute("open") is not None, f"{path}: closed on a desktop"
        box = legend.rect
        area = driver.find_element(By.CSS_SELECTOR, "#grid-map .leaflet-container").rect
        assert box["width"] <= 0.4 * area["width"], f"{path}: legend {box} in map {area}"
        assert box["height"] <= 0.4 * area["height"], f"{path}: legend {box} in map {area}"
        share = box["width"] * box["height"] / (area["width"] * area["height"])
        assert share <= 0.12, f"{path}: the legend covers {share:.0%} of the map"
        legend.find_element(By.TAG_NAME, "summary").click()
        assert legend.get_attribute("open") is None


# The field pages (网格员 on a phone): the same checks, with their forms (bottom sheets)
# opened one by one; 我的网格 and the cell sheet put their map within the first screen.
FIELD_PAGES = ("/field/", "/field/cells/{A1N}", "/field/visits", "/field/log", "/field/events")
FIELD_MAP_PAGES = ("/field/", "/field/cells/{A1N}", "/field/events")
FIELD_DIALOGS_JS = "return [...document.querySelectorAll('dialog.field-dialog')].map((d) => d.id)"
SHOW_DIALOG_JS = """
for (const d of document.querySelectorAll('dialog[open]')) d.close();
const dialog = document.getElementById(arguments[0]);
dialog.showModal();
return dialog.getBoundingClientRect().width;
"""


def open_field_page(driver: Chrome, url: str) -> None:
    driver.get(url)
    root = driver.find_element(By.ID, "field")
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: root.get_attribute("data-state") in ("ready", "error"), f"{url} still loading"
    )
    assert root.get_attribute("data-state") == "ready", f"{url} failed to load: {root.text}"
    maps = driver.find_elements(By.ID, "grid-map")
    if maps:
        WebDriverWait(driver, WAIT_SECONDS).until(
            lambda _: maps[0].get_attribute("data-layers-loaded") in ("true", "error"),
            f"{url}: map still loading",
        )
        assert maps[0].get_attribute("data-layers-loaded") == "true", url
    driver.execute_async_script("setTimeout(arguments[arguments.length - 1], 400)")


@pytest.mark.parametrize("username", ["t_field", "t_coordinator"])
def test_field_pages_fit_a_phone_with_big_controls_and_readable_text(
    phone: Chrome,
    login_as: LoginAs,
    live_server: str,
    world: World,
    field_households: dict[str, list[int]],  # noqa: F811
    username: str,
) -> None:
    login_as(username)
    for template in FIELD_PAGES:
        path = template.format(A1N=world.cells["A1N"])
        open_field_page(phone, f"{live_server}{path}")
        name = path.strip("/").replace("/", "-")
        save_screenshot(phone, f"phone-{username}-{name}.png")
        if template in FIELD_MAP_PAGES:
            rect: dict[str, Any] = phone.execute_script(MAP_RECT_JS)
            assert rect["top"] < 0.5 * rect["viewport"], f"{path}: the map starts low {rect}"
            assert rect["height"] >= 0.3 * rect["viewport"], f"{path}: the map is small {rect}"
        check_phone_page(phone, path)
        for dialog in phone.execute_script(FIELD_DIALOGS_JS):
            width = phone.execute_script(SHOW_DIALOG_JS, dialog)
            assert width <= PHONE["width"], f"{path} #{dialog}: wider than the screen"
            save_screenshot(phone, f"phone-{username}-{name}-{dialog}.png")
            check_phone_page(phone, f"{path} #{dialog}")
