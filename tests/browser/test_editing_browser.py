"""The boundary editor in a real headless Chromium: a grid manager drags a shared vertex with
the mouse (Geoman markers), saves through the preview dialog and finds the new boundary after
a reload; invalid and conflicting saves are shown, not lost.

These tests write to the committed ``world``: the ``restore_a1`` fixture puts community A1's
cells (outline, version, counts), its buildings' cells and its change history back as they
were, whatever the test did.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from selenium.webdriver import Chrome
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from shapely import get_coordinates
from shapely.geometry import shape
from sqlalchemy import text

from gridapp.extensions import db
from tests.conftest import login
from tests.world import World

LoginAs = Callable[[str], Chrome]  # the `login_as` fixture (tests/browser/conftest.py)

WAIT_SECONDS = 20
# Community A1 (tests/world.py): 116.40-116.41 E, 39.90-39.91 N; cell N above 39.905, S below.
MID = (39.905, 116.405)  # middle of the boundary cells N and S share
NE = (39.91, 116.41)  # north-east corner of cell N (and of the community)


# --- restoring the shared world ---------------------------------------------------------


def _rows(conn: Any, table: str, where: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Whole rows of a table (geometry as EWKB), to be written back as they were."""
    cols = conn.execute(
        text(
            "SELECT column_name, udt_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = :t"
        ),
        {"t": table},
    ).all()
    select_list = ", ".join(f"ST_AsEWKB({c}) AS {c}" if udt == "geometry" else c for c, udt in cols)
    rows = conn.execute(text(f"SELECT {select_list} FROM {table} WHERE {where}"), params)
    return [dict(r) for r in rows.mappings()]


def _put_back(conn: Any, table: str, row: dict[str, Any], geometry: tuple[str, ...] = ()) -> None:
    """Write a recorded row back: update it, or insert it again when the test deleted it."""
    value = {c: f"ST_GeomFromEWKB(:{c})" if c in geometry else f":{c}" for c in row}
    sets = ", ".join(f"{c} = {v}" for c, v in value.items() if c != "id")
    if conn.execute(text(f"UPDATE {table} SET {sets} WHERE id = :id"), row).rowcount == 0:
        names = ", ".join(value)
        conn.execute(
            text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(value.values())})"), row
        )


@pytest.fixture
def restore_a1(app: Flask, world: World) -> Iterator[None]:
    """Record community A1's cells, their buildings and scopes; put them back afterwards."""
    community = world.communities["A1"]
    with app.app_context():
        conn = db.session.connection()
        cells = _rows(conn, "grid_cells", "community_id = :c", {"c": community})
        ids = [c["id"] for c in cells]
        buildings = conn.execute(
            text("SELECT id, cell_id FROM buildings WHERE cell_id = ANY(:ids)"), {"ids": ids}
        ).all()
        scopes = _rows(conn, "user_scopes", "cell_id = ANY(:ids)", {"ids": ids})
        db.session.rollback()
    yield
    with app.app_context():
        conn = db.session.connection()
        conn.execute(text("DELETE FROM cell_changes WHERE community_id = :c"), {"c": community})
        conn.execute(
            text("DELETE FROM grid_cells WHERE community_id = :c AND NOT (id = ANY(:ids))"),
            {"c": community, "ids": ids},
        )
        for cell in cells:
            _put_back(conn, "grid_cells", cell, geometry=("geom",))
        for scope in scopes:  # a deleted cell took its users' scopes with it
            _put_back(conn, "user_scopes", scope)
        for building_id, cell_id in buildings:
            conn.execute(
                text("UPDATE buildings SET cell_id = :cell WHERE id = :id"),
                {"cell": cell_id, "id": building_id},
            )
        db.session.commit()


# --- driving the page --------------------------------------------------------------------


def save_screenshot(driver: Chrome, name: str) -> None:
    """Keep a screenshot when GRIDAPP_SCREENSHOT_DIR is set, to look at the page by eye."""
    folder = os.environ.get("GRIDAPP_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(Path(folder) / name))


def editor(driver: Chrome) -> WebElement:
    return driver.find_element(By.ID, "editor")


def wait_for(driver: Chrome, attribute: str, values: tuple[str, ...], why: str) -> str:
    """Wait until #editor's data-<attribute> is one of `values`; return it."""
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: editor(driver).get_attribute(f"data-{attribute}") in values, why
    )
    return editor(driver).get_attribute(f"data-{attribute}") or ""


def open_editor(driver: Chrome, base_url: str, query: str = "") -> None:
    driver.get(f"{base_url}/edit{query}")
    state = wait_for(driver, "ready", ("true", "error"), "editor still loading")
    assert state == "true", driver.find_element(By.CSS_SELECTOR, ".map-status").text


def api_get(driver: Chrome, path: str) -> Any:
    script = (
        "const done = arguments[arguments.length - 1];"
        f"fetch({json.dumps(path)}, {{credentials: 'same-origin'}})"
        ".then(r => r.json()).then(done, e => done(String(e)));"
    )
    return driver.execute_async_script(script)


def screen_point(driver: Chrome, latlng: tuple[float, float]) -> tuple[float, float]:
    """Where a place is in the viewport (CSS pixels)."""
    x, y = driver.execute_script(
        "const map = window[document.getElementById('editor').dataset.mapVar];"
        "const p = map.latLngToContainerPoint(arguments[0]);"
        "const box = map.getContainer().getBoundingClientRect();"
        "return [box.left + p.x, box.top + p.y];",
        list(latlng),
    )
    return float(x), float(y)


def marker_at(driver: Chrome, latlng: tuple[float, float]) -> WebElement:
    """The Geoman vertex (or mid-edge) marker drawn at a place."""
    x, y = screen_point(driver, latlng)
    for marker in driver.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .marker-icon"):
        r = marker.rect
        if abs(r["x"] + r["width"] / 2 - x) < 3 and abs(r["y"] + r["height"] / 2 - y) < 3:
            return marker
    raise AssertionError(f"no editing marker at {latlng}")


def drag(driver: Chrome, marker: WebElement, dx: float, dy: float, steps: int = 8) -> None:
    """Press on a marker, move the mouse in steps, release: a user's drag."""
    chain = ActionChains(driver, duration=20).move_to_element(marker).click_and_hold()
    moved_x = moved_y = 0
    for i in range(1, steps + 1):
        x, y = round(dx * i / steps), round(dy * i / steps)
        chain.move_by_offset(x - moved_x, y - moved_y)
        moved_x, moved_y = x, y
    chain.release().perform()


def select_cell(driver: Chrome, cell_id: int) -> None:
    driver.find_element(
        By.CSS_SELECTOR, f'#editor-cells li[data-cell-id="{cell_id}"] button'
    ).click()
    wait_for(driver, "selected-cell", (str(cell_id),), "cell not selected")
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: driver.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .marker-icon"),
        "no vertex markers on the selected cell",
    )


def message(driver: Chrome) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, "#editor-message .message")


def path_points(driver: Chrome, cell_id: int) -> list[tuple[float, float]]:
    """The vertices of a cell as drawn: the numbers of its SVG path."""
    d = driver.find_element(By.CSS_SELECTOR, f'path.editor-cell[data-cell-id="{cell_id}"]')
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d.get_attribute("d") or "")]
    return list(zip(numbers[0::2], numbers[1::2], strict=True))


def confirm_dialog(driver: Chrome) -> WebElement:
    dialog = WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: driver.find_element(By.CSS_SELECTOR, "dialog#editor-dialog[open]"),
        "no preview dialog",
    )
    return dialog


def severe_console_messages(driver: Chrome) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def click_map(driver: Chrome, latlng: tuple[float, float]) -> None:
    """A mouse click on the map at a place."""
    x, y = screen_point(driver, latlng)
    container = driver.find_element(By.CSS_SELECTOR, "#editor .folium-map")
    r = container.rect
    dx, dy = round(x - r["x"] - r["width"] / 2), round(y - r["y"] - r["height"] / 2)
    ActionChains(driver).move_to_element_with_offset(container, dx, dy).click().perform()


def cell_ids(driver: Chrome) -> list[int]:
    items = driver.find_elements(By.CSS_SELECTOR, "#editor-cells li")
    return [int(li.get_attribute("data-cell-id") or 0) for li in items]


@pytest.fixture(autouse=True)
def leave_no_unsaved_edits(browser: Chrome) -> Iterator[None]:
    """Drop what a (failed) test left unsaved, so leaving the page asks nothing."""
    yield
    browser.execute_script("if (window.gridEditor) window.gridEditor.discard();")


# --- tests -------------------------------------------------------------------------------


def test_dragging_a_shared_boundary_moves_both_cells_and_survives_a_reload(
    login_as: LoginAs, live_server: str, world: World, restore_a1: None
) -> None:
    north, south = world.cells["A1N"], world.cells["A1S"]
    community = world.communities["A1"]
    driver = login_as("t_manager")
    open_editor(driver, live_server)
    select_cell(driver, north)
    save_screenshot(driver, "editor-selected.png")

    # Drag the middle of the boundary N shares with S southwards, past S's building.
    _, y_mid = screen_point(driver, MID)
    _, y_target = screen_point(driver, (39.9015, 116.405))
    drag(driver, marker_at(driver, MID), 0, y_target - y_mid)
    wait_for(driver, "dirty-count", ("2",), "the neighbour did not follow the shared vertex")
    assert editor(driver).get_attribute("data-undo-depth") == "1"
    save_screenshot(driver, "editor-dragged.png")

    # Save: a preview first, naming what moves between the two cells.
    driver.find_element(By.ID, "editor-save").click()
    dialog = confirm_dialog(driver)
    assert wait_for(driver, "state", ("preview", "error"), "no preview") == "preview"
    assert "1 栋建筑、200 户改变所属网格" in dialog.text
    assert "甲一社区第2网格" in dialog.text and "甲一社区第1网格" in dialog.text
    save_screenshot(driver, "editor-preview.png")
    dialog.find_element(By.CSS_SELECTOR, "button.dialog-confirm").click()
    assert wait_for(driver, "state", ("saved", "error", "conflict"), "not saved") == "saved"
    assert "已保存" in message(driver).text

    # After a reload the page draws the new boundary: both cells share the moved vertex.
    open_editor(driver, live_server, f"?community={community}&cell={north}")
    assert editor(driver).get_attribute("data-selected-cell") == str(north)
    north_points, south_points = path_points(driver, north), path_points(driver, south)
    assert len(north_points) == len(south_points) == 5
    shared = sorted(set(north_points) & set(south_points), key=lambda p: p[1])
    assert len(shared) == 3  # the boundary's two ends and the dragged vertex, below them
    (_, y_end), (_, y_other_end), (_, y_dragged) = shared
    assert y_end == y_other_end and y_dragged > y_end + 50
    save_screenshot(driver, "editor-after-reload.png")

    # And the API agrees: both saved (version 2), no gap, no overlap, the building moved.
    cells = {
        f["properties"]["id"]: f
        for f in api_get(driver, f"/api/cells?community_id={community}")["features"]
    }
    assert cells[north]["properties"]["version"] == cells[south]["properties"]["version"] == 2
    assert cells[north]["properties"]["households"] == 300
    assert cells[south]["properties"]["households"] == 0
    n, s = shape(cells[north]["geometry"]), shape(cells[south]["geometry"])
    assert n.intersection(s).area < 1e-12
    assert abs(n.area + s.area - 0.01 * 0.01) < 1e-12
    inner = [(x, y) for x, y in get_coordinates(n) if 116.4 < x < 116.41 and y < 39.905 - 1e-6]
    assert len(inner) == 1  # the dragged vertex, where the mouse left it
    lon, lat = inner[0]
    assert abs(lon - 116.405) < 2e-5 and abs(lat - 39.9015) < 2e-5
    # The history lists the change.
    history = driver.find_element(By.CSS_SELECTOR, "#editor-cell .history")
    assert "调整边界" in history.text and "t_manager" in history.text
    assert severe_console_messages(driver) == []


def test_vertex_dragged_out_of_the_community_is_refused_and_highlighted(
    login_as: LoginAs, live_server: str, world: World, restore_a1: None
) -> None:
    north = world.cells["A1N"]
    driver = login_as("t_manager")
    open_editor(driver, live_server)
    select_cell(driver, north)
    drag(driver, marker_at(driver, NE), 120, -40)
    wait_for(driver, "dirty-count", ("1",), "the drag changed nothing")

    driver.find_element(By.ID, "editor-save").click()
    assert wait_for(driver, "state", ("error", "preview"), "no answer") == "error"
    box = message(driver)
    assert "超出了所属社区的边界" in box.text
    assert box.get_attribute("data-code") == "outside_community"
    highlight = driver.find_elements(By.CSS_SELECTOR, "path.error-highlight")
    assert len(highlight) == 1 and highlight[0].is_displayed()
    save_screenshot(driver, "editor-error.png")
    # Nothing was saved and the edit is kept, to be fixed or dropped.
    assert editor(driver).get_attribute("data-dirty-count") == "1"
    assert api_get(driver, f"/api/cells/{north}")["properties"]["version"] == 1

    driver.find_element(By.ID, "editor-undo").click()
    wait_for(driver, "dirty-count", ("0",), "undo did not bring the outline back")
    assert driver.find_element(By.ID, "editor-save").get_attribute("disabled") is not None


def test_bow_tie_is_refused_with_the_crossing_marked(
    login_as: LoginAs, live_server: str, world: World, restore_a1: None
) -> None:
    driver = login_as("t_manager")
    open_editor(driver, live_server)
    select_cell(driver, world.cells["A1N"])
    # Drag the north-east corner across the west edge: the ring crosses itself.
    x_ne, _ = screen_point(driver, NE)
    x_w, _ = screen_point(driver, (39.9075, 116.399))
    _, y_low = screen_point(driver, (39.9074, 116.40))
    _, y_ne = screen_point(driver, NE)
    ActionChains(driver).key_down("\ue00a").perform()  # Alt: no snapping to the outline
    try:
        drag(driver, marker_at(driver, NE), x_w - x_ne, y_low - y_ne)
    finally:
        ActionChains(driver).key_up("\ue00a").perform()
    driver.find_element(By.ID, "editor-save").click()
    assert wait_for(driver, "state", ("error", "preview"), "no answer") == "error"
    box = message(driver)
    assert box.get_attribute("data-code") == "invalid_geometry"
    assert "自相交" in box.text
    # GEOS names the crossing point: a circle marks it on the map.
    assert driver.find_elements(By.CSS_SELECTOR, "path.error-highlight")
    save_screenshot(driver, "editor-bow-tie.png")
    driver.find_element(By.ID, "editor-discard").click()
    wait_for(driver, "dirty-count", ("0",), "discard left changes")


def test_conflicting_save_shows_both_versions_and_can_overwrite_knowingly(
    app: Flask, login_as: LoginAs, live_server: str, world: World, restore_a1: None
) -> None:
    north, south = world.cells["A1N"], world.cells["A1S"]
    driver = login_as("t_manager")
    open_editor(driver, live_server)
    select_cell(driver, north)
    _, y_mid = screen_point(driver, MID)
    _, y_target = screen_point(driver, (39.904, 116.405))
    drag(driver, marker_at(driver, MID), 0, y_target - y_mid)
    wait_for(driver, "dirty-count", ("2",), "the neighbour did not follow the shared vertex")

    # Meanwhile a colleague renames the southern cell (its version goes to 2).
    colleague = app.test_client()
    login(colleague, "t_admin")
    renamed = colleague.post(f"/api/cells/{south}/rename", json={"version": 1, "name": "南区网格"})
    assert renamed.status_code == 200, renamed.get_json()

    driver.find_element(By.ID, "editor-save").click()
    assert wait_for(driver, "state", ("conflict", "preview", "error"), "no answer") == "conflict"
    box = message(driver)
    assert "已被他人修改" in box.text and "第 2 版" in box.text
    assert driver.find_elements(By.CSS_SELECTOR, "path.conflict-theirs")
    assert driver.find_elements(By.CSS_SELECTOR, "path.conflict-yours")
    save_screenshot(driver, "editor-conflict.png")
    assert editor(driver).get_attribute("data-dirty-count") == "2"  # nothing lost

    box.find_element(By.CSS_SELECTOR, "button.overwrite").click()
    dialog = confirm_dialog(driver)
    wait_for(driver, "state", ("preview",), "no preview after choosing to overwrite")
    dialog.find_element(By.CSS_SELECTOR, "button.dialog-confirm").click()
    assert wait_for(driver, "state", ("saved", "error", "conflict"), "not saved") == "saved"
    cell = api_get(driver, f"/api/cells/{south}")
    assert cell["properties"]["version"] == 3
    assert cell["properties"]["name"] == "南区网格"  # the colleague's rename survives
    assert len(get_coordinates(shape(cell["geometry"]))) == 6  # and so does our boundary


def test_gap_left_by_an_unlinked_drag_can_be_given_to_the_neighbour(
    login_as: LoginAs, live_server: str, world: World, restore_a1: None
) -> None:
    north, south = world.cells["A1N"], world.cells["A1S"]
    community = world.communities["A1"]
    driver = login_as("t_manager")
    open_editor(driver, live_server)
    select_cell(driver, north)
    driver.find_element(By.ID, "editor-link-shared").click()  # move only the northern cell
    _, y_mid = screen_point(driver, MID)
    _, y_target = screen_point(driver, (39.906, 116.405))
    drag(driver, marker_at(driver, MID), 0, y_target - y_mid)
    wait_for(driver, "dirty-count", ("1",), "the drag changed nothing")

    driver.find_element(By.ID, "editor-save").click()
    assert wait_for(driver, "state", ("error", "preview"), "no answer") == "error"
    box = message(driver)
    assert box.get_attribute("data-code") == "gap"
    assert "空隙" in box.text
    assert driver.find_elements(By.CSS_SELECTOR, "path.error-highlight")
    save_screenshot(driver, "editor-gap.png")

    fix = box.find_element(By.CSS_SELECTOR, "button.fix-gap")
    assert "甲一社区第2网格" in fix.text
    fix.click()
    dialog = confirm_dialog(driver)
    wait_for(driver, "state", ("preview",), "no preview after the fix")
    assert editor(driver).get_attribute("data-dirty-count") == "2"
    dialog.find_element(By.CSS_SELECTOR, "button.dialog-confirm").click()
    assert wait_for(driver, "state", ("saved", "error", "conflict"), "not saved") == "saved"
    cells = {
        f["properties"]["id"]: shape(f["geometry"])
        for f in api_get(driver, f"/api/cells?community_id={community}")["features"]
    }
    n, s = cells[north], cells[south]
    assert n.intersection(s).area < 1e-12
    assert abs(n.area + s.area - 0.01 * 0.01) < 1e-12
    assert s.area > 0.01 * 0.005  # the south grew by the gap


def test_split_along_a_drawn_line_then_merge_back_then_revert_the_merge(
    login_as: LoginAs, live_server: str, world: World, restore_a1: None
) -> None:
    north, south = world.cells["A1N"], world.cells["A1S"]
    community = world.communities["A1"]
    driver = login_as("t_manager")
    open_editor(driver, live_server)
    select_cell(driver, north)

    # Split: draw a line across the northern cell, clicking on the map (Geoman), end on
    # the last point again.
    driver.find_element(By.CSS_SELECTOR, '.editor-tools button[data-mode="split"]').click()
    for point in [(39.908, 116.3995), (39.908, 116.4105), (39.908, 116.4105)]:
        click_map(driver, point)
    dialog = confirm_dialog(driver)
    wait_for(driver, "state", ("preview",), "no split preview")
    assert "分割为 2 个网格" in dialog.text
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.preview-cell")) == 2
    save_screenshot(driver, "editor-split-preview.png")
    name = dialog.find_element(By.CSS_SELECTOR, 'input[name="name-1"]')
    name.clear()
    name.send_keys("北片网格")
    dialog.find_element(By.CSS_SELECTOR, "button.dialog-confirm").click()
    assert wait_for(driver, "state", ("saved", "error", "conflict"), "not split") == "saved"
    ids = cell_ids(driver)
    assert len(ids) == 3
    (part,) = set(ids) - {north, south}
    cells = {
        f["properties"]["id"]: f
        for f in api_get(driver, f"/api/cells?community_id={community}")["features"]
    }
    assert cells[part]["properties"]["name"] == "北片网格"
    assert cells[part]["properties"]["code"] == "110199001001003"
    halves = shape(cells[north]["geometry"]).union(shape(cells[part]["geometry"]))
    assert abs(halves.area - 0.01 * 0.005) < 1e-12

    # Merge the new part back into the northern cell (it has the households: it survives).
    driver.find_element(By.CSS_SELECTOR, '.editor-tools button[data-mode="merge"]').click()
    driver.find_element(By.CSS_SELECTOR, f'#editor-cells li[data-cell-id="{part}"] button').click()
    driver.find_element(By.ID, "editor-merge-preview").click()
    dialog = confirm_dialog(driver)
    wait_for(driver, "state", ("preview",), "no merge preview")
    dialog.find_element(By.CSS_SELECTOR, "button.dialog-confirm").click()
    assert wait_for(driver, "state", ("saved", "error", "conflict"), "not merged") == "saved"
    assert sorted(cell_ids(driver)) == sorted([north, south])

    # Revert the merge from the northern cell's history: the part comes back with its code.
    select_cell(driver, north)
    entry = WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: driver.find_element(By.CSS_SELECTOR, ".history-entry"), "no history"
    )
    assert "合并" in entry.text
    entry.find_element(By.CSS_SELECTOR, "button.history-revert").click()
    dialog = confirm_dialog(driver)
    wait_for(driver, "state", ("preview",), "no revert preview")
    dialog.find_element(By.CSS_SELECTOR, "button.dialog-confirm").click()
    assert wait_for(driver, "state", ("saved", "error", "conflict"), "not reverted") == "saved"
    assert len(cell_ids(driver)) == 3
    back = api_get(driver, f"/api/cells?community_id={community}")["features"]
    assert "110199001001003" in {f["properties"]["code"] for f in back}


def test_drawing_a_new_cell_in_a_full_community_carves_it_out_of_its_neighbours(
    login_as: LoginAs, live_server: str, world: World, restore_a1: None
) -> None:
    community = world.communities["A1"]
    driver = login_as("t_manager")
    open_editor(driver, live_server)
    driver.find_element(By.CSS_SELECTOR, '.editor-tools button[data-mode="draw"]').click()
    # a rectangle across the A1N/A1S boundary, west of both buildings; close on the start
    corners = [(39.9085, 116.401), (39.9085, 116.403), (39.9035, 116.403), (39.9035, 116.401)]
    for point in [*corners, corners[0]]:
        click_map(driver, point)
    dialog = confirm_dialog(driver)
    wait_for(driver, "state", ("preview",), "no draw preview")
    assert "划出" in dialog.text  # the community is full: the drawing is carved out
    name = dialog.find_element(By.CSS_SELECTOR, 'input[name="name"]')
    name.send_keys("新建小区网格")
    dialog.find_element(By.CSS_SELECTOR, "button.dialog-confirm").click()
    assert wait_for(driver, "state", ("saved", "error", "conflict"), "not drawn") == "saved"
    cells = api_get(driver, f"/api/cells?community_id={community}")["features"]
    by_code = {f["properties"]["code"]: f for f in cells}
    assert by_code["110199001001003"]["properties"]["name"] == "新建小区网格"
    total = sum(shape(f["geometry"]).area for f in cells)
    assert abs(total - 0.01 * 0.01) < 1e-12  # still covers the community exactly
