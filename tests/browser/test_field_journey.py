"""The field journey in a real headless Chromium as a 375 × 812 phone: a grid worker logs in
and lands on 我的网格, opens her cell's sheet, records a visit in two taps and sees it listed,
reports an event at her position; then the phone goes offline (DevTools network emulation),
she records a visit with a photo, sees "待上传 1", reloads the sheet (it opens from the service
worker's copy, the record still waiting), the phone comes back online and the visit is
stored exactly once. A refusal the server gives later (a 4xx) leaves the queue and is shown.
The service worker keeps the cell sheet she saw, and logging out deletes it.

Taps counted from the open sheet: a visit is 走访 (1) and 保存 (2); an event is 上报事件 (1),
a category (2), typing the description, and 上报 (3) — the point is her position.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from geoalchemy2.shape import from_shape
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from shapely.geometry import Point
from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.models import CellEvent, FieldLog, Photo, Visit
from tests.browser.field_live import field_households, small_photo  # noqa: F401 (fixture)
from tests.browser.test_coverage_browser import street_grid  # noqa: F401 (fixture)
from tests.browser.test_map_browser import save_screenshot
from tests.browser.test_organisations_browser import (  # noqa: F401 (fixtures)
    HUB_NAME,
    TEAM_NAME,
    AreaMembers,
    area_members,
    grid_work,
)
from tests.browser.test_phone_layout import PHONE
from tests.world import World

LoginAs = Callable[[str], Chrome]  # the `login_as` fixture (tests/browser/conftest.py)

WAIT_SECONDS = 20
# Her position: inside cell A1N (116.40–116.41, 39.905–39.91).
HERE = {"latitude": 39.9082, "longitude": 116.4046, "accuracy": 12}
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
ONLINE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}

OUTBOX_KEYS_JS = """
const done = arguments[arguments.length - 1];
const open = indexedDB.open('gridapp-offline');
open.onsuccess = () => {
  const request = open.result.transaction('outbox').objectStore('outbox').getAll();
  request.onsuccess = () => done(request.result.map((item) => [
    item.key, item.state, item.photo ? item.photo.size : 0, (item.fields || item.json).client_key,
  ]));
  request.onerror = () => done(['error']);
};
open.onerror = () => done(['error']);
"""
CACHED_URLS_JS = """
const done = arguments[arguments.length - 1];
(async () => {
  const out = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    out[name] = (await cache.keys()).map((r) => new URL(r.url).pathname);
  }
  return out;
})().then(done, (err) => done({error: String(err)}));
"""
QUEUE_REFUSED_JS = """
const [userId, url, done] = arguments;
import('/static/js/field/outbox.js').then(async ({Outbox}) => {
  const outcome = await new Outbox(userId).submit({
    kind: 'visit', label: '走访 不存在的住户', url,
    fields: {household_id: 999999999, method: 'home', note: ''},
  });
  done(outcome.status);
}, (err) => done(String(err)));
"""


class Network:
    """The phone's network off and on. DevTools emulates it per target, and the service
    worker fetches for the page on its own: both are switched (the worker's target through
    Target.sendMessageToTarget, as Selenium speaks only to the page's)."""

    def __init__(self, driver: Chrome) -> None:
        self.driver = driver
        self.sessions: list[str] = []
        self.blocked = False

    def _send(self, session: str, method: str, params: dict[str, Any]) -> None:
        message = json.dumps({"id": len(self.sessions) + 1, "method": method, "params": params})
        self.driver.execute_cdp_cmd(
            "Target.sendMessageToTarget", {"sessionId": session, "message": message}
        )

    def off(self) -> None:
        d = self.driver
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.emulateNetworkConditions", OFFLINE)
        for target in d.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]:
            if target["type"] == "service_worker":
                session = d.execute_cdp_cmd(
                    "Target.attachToTarget", {"targetId": target["targetId"], "flatten": False}
                )["sessionId"]
                self.sessions.append(session)
                self._send(session, "Network.enable", {})
                self._send(session, "Network.emulateNetworkConditions", OFFLINE)
        wait(d, lambda _: d.execute_script("return navigator.onLine") is False, "still online")

    def unreachable(self, pattern: str) -> None:
        """The phone online, but requests to URLs matching `pattern` fail as if the server
        could not be reached (a weak signal). Only the page's own requests: the service
        worker never handles a POST."""
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": [pattern]})
        self.blocked = True

    def on(self) -> None:
        if self.blocked:
            self.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
            self.blocked = False
        for session in self.sessions:
            self._send(session, "Network.emulateNetworkConditions", ONLINE)
            self.driver.execute_cdp_cmd("Target.detachFromTarget", {"sessionId": session})
        self.sessions = []
        self.driver.execute_cdp_cmd("Network.emulateNetworkConditions", ONLINE)


@pytest.fixture
def field_phone(browser: Chrome, live_server: str) -> Iterator[Chrome]:
    """The shared browser as a touch phone that may use its position (in cell A1N)."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    browser.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": live_server, "permissions": ["geolocation"]}
    )
    browser.execute_cdp_cmd("Emulation.setGeolocationOverride", HERE)
    try:
        yield browser
    finally:
        browser.execute_cdp_cmd("Network.emulateNetworkConditions", ONLINE)
        browser.execute_cdp_cmd("Emulation.clearGeolocationOverride", {})
        browser.execute_cdp_cmd("Browser.resetPermissions", {})
        browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture
def network(field_phone: Chrome) -> Iterator[Network]:
    """The phone's network switch; back on after the test, whatever happened."""
    switch = Network(field_phone)
    try:
        yield switch
    finally:
        switch.on()


def wait(driver: Chrome, condition: Callable[[Chrome], Any], message: str) -> Any:
    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message)


def tap(driver: Chrome, element: WebElement) -> None:
    """Tap like a thumb: what is tapped is first scrolled to the middle of the screen (not
    under the tab bar at the bottom)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def wait_ready(driver: Chrome) -> WebElement:
    root = driver.find_element(By.ID, "field")
    wait(driver, lambda _: root.get_attribute("data-state") in ("ready", "error"), "page loading")
    assert root.get_attribute("data-state") == "ready", root.text
    return root


def due_names(driver: Chrome) -> list[str]:
    items = driver.find_elements(By.CSS_SELECTOR, '[data-section="due"] .due-item .item-title')
    return [i.text for i in items]


def recent_titles(driver: Chrome) -> list[str]:
    items = driver.find_elements(By.CSS_SELECTOR, '[data-section="recent"] .visit-item')
    return [i.find_element(By.CSS_SELECTOR, ".item-title").text for i in items]


def visit_button(driver: Chrome, household_id: int) -> WebElement:
    return driver.find_element(
        By.CSS_SELECTOR,
        f'[data-section="due"] .due-item[data-target-id="{household_id}"] button.visit-button',
    )


def toast(driver: Chrome, text: str) -> None:
    """Wait for the toast saying ``text``."""
    node = driver.find_element(By.CSS_SELECTOR, ".field-toast")
    wait(driver, lambda _: node.is_displayed() and text in node.text, f"no toast {text!r}")


def visits_of(app: Flask, household_id: int) -> list[Visit]:
    with app.app_context():
        rows = db.session.scalars(select(Visit).where(Visit.household_id == household_id)).all()
        db.session.expunge_all()
        return list(rows)


def test_grid_worker_records_visits_and_an_event_online_and_offline(
    network: Network,
    login_as: LoginAs,
    live_server: str,
    app: Flask,
    world: World,
    field_households: dict[str, list[int]],  # noqa: F811
    tmp_path: Path,
) -> None:
    driver = login_as("t_field")
    zhao, qian, _sun = field_households["A1N"]  # 低保户, 独居老人, 党员中心户
    cell = world.cells["A1N"]

    # 我的网格: she lands here after logging in; her one cell with what is due today
    assert driver.current_url == f"{live_server}/field/"
    wait_ready(driver)
    shell = driver.find_element(By.ID, "grid-map")
    wait(driver, lambda _: shell.get_attribute("data-layers-loaded") == "true", "map loading")
    save_screenshot(driver, "field-home-phone.png")
    cards = driver.find_elements(By.CSS_SELECTOR, ".cell-card")
    assert [c.get_attribute("data-cell-id") for c in cards] == [str(cell)]
    assert "待走访 2" in cards[0].text and "未办结事件 0" in cards[0].text
    assert len(driver.find_elements(By.CSS_SELECTOR, "#grid-map path.grid-cell")) == 1

    # 网格档案: tap the card
    tap(driver, cards[0])
    wait(driver, lambda d: d.current_url.endswith(f"/field/cells/{cell}"), "no sheet")
    wait_ready(driver)
    assert sorted(due_names(driver)) == ["赵甲", "钱乙"]
    save_screenshot(driver, "field-sheet-phone.png")

    # a visit in two taps: 走访, 保存 (method 入户走访 already chosen)
    tap(driver, visit_button(driver, qian))  # tap 1
    dialog = driver.find_element(By.ID, "visit-dialog")
    assert dialog.is_displayed()
    assert dialog.find_element(By.CSS_SELECTOR, "input[value=home]").is_selected()
    wait(driver, lambda _: "已获取位置" in dialog.text, "no position in the visit form")
    save_screenshot(driver, "field-visit-phone.png")
    tap(driver, dialog.find_element(By.CSS_SELECTOR, "button.save"))  # tap 2
    toast(driver, "已保存：走访 钱乙")
    wait(driver, lambda d: "钱乙" not in due_names(d), "the visited household is still due")
    assert "钱乙" in recent_titles(driver)
    [visit] = visits_of(app, qian)
    assert (visit.method, visit.user_name, visit.cell_id) == ("home", "t_field", cell)
    assert visit.location is not None and visit.accuracy_m == 12

    # an event at her position: 上报事件, a category, a description, 上报
    tap(driver, driver.find_element(By.CSS_SELECTOR, "button.report-event"))
    dialog = driver.find_element(By.ID, "event-dialog")
    wait(driver, lambda _: "已使用您的位置" in dialog.text, "her position was not used")
    tap(driver, dialog.find_element(By.XPATH, ".//label[contains(., '环境卫生')]"))
    dialog.find_element(By.ID, "event-description").send_keys("3号楼门口垃圾堆放<b>未清")
    save_screenshot(driver, "field-event-phone.png")
    tap(driver, dialog.find_element(By.CSS_SELECTOR, "button.save"))
    toast(driver, "事件已上报")
    wait(
        driver,
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-section="events"] .event-item'),
        "no event",
    )
    events = driver.find_elements(By.CSS_SELECTOR, '[data-section="events"] .event-item')
    assert [e.find_element(By.CSS_SELECTOR, ".item-title").text for e in events] == [
        "3号楼门口垃圾堆放<b>未清"  # markup shows as text
    ]
    with app.app_context():
        event = db.session.scalars(select(CellEvent).where(CellEvent.cell_id == cell)).one()
        assert (event.category, event.status, event.reporter_name) == (
            "sanitation",
            "open",
            "t_field",
        )

    # offline: a visit with a photo waits in the outbox, "待上传 1"
    wait(driver, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"), "SW")
    network.off()
    tap(driver, visit_button(driver, zhao))
    dialog = driver.find_element(By.ID, "visit-dialog")
    dialog.find_element(By.CSS_SELECTOR, "textarea[name=note]").send_keys("低保复核材料已收")
    photo = small_photo(tmp_path)
    dialog.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(photo))
    tap(driver, dialog.find_element(By.CSS_SELECTOR, "button.save"))
    toast(driver, "联网后自动上传")
    badge = driver.find_element(By.CSS_SELECTOR, ".outbox-badge")
    wait(driver, lambda _: badge.is_displayed(), "no outbox badge")
    assert badge.text == "待上传 1"
    save_screenshot(driver, "field-offline-phone.png")
    [(key, state, photo_bytes, client_key)] = driver.execute_async_script(OUTBOX_KEYS_JS)
    assert state == "pending" and photo_bytes > 0 and client_key == key
    assert visits_of(app, zhao) == []
    # still offline, the sheet opens again from the service worker's copy, the record waits
    driver.refresh()
    wait_ready(driver)
    saved = driver.find_element(By.CSS_SELECTOR, ".data-saved")
    assert saved.is_displayed() and saved.text.startswith("离线：显示的是")
    assert "赵甲" in due_names(driver)
    badge = driver.find_element(By.CSS_SELECTOR, ".outbox-badge")
    wait(driver, lambda _: badge.is_displayed() and badge.text == "待上传 1", "lost offline")
    save_screenshot(driver, "field-offline-reload-phone.png")

    # back online: sent once, the badge goes, the sheet shows it
    network.on()
    wait(driver, lambda _: not badge.is_displayed(), "the outbox was not sent")
    wait(driver, lambda d: "赵甲" in recent_titles(d), "the sent visit is not listed")
    assert driver.execute_async_script(OUTBOX_KEYS_JS) == []
    driver.refresh()  # a reload sends nothing again
    wait_ready(driver)
    [sent] = visits_of(app, zhao)
    assert (sent.client_key, sent.note, sent.method) == (key, "低保复核材料已收", "home")
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Visit).where(Visit.client_key == key)
            )
            == 1
        )
        assert db.session.get(Photo, sent.photo_id) is not None


def test_a_refusal_after_the_fact_leaves_the_queue_and_is_shown(
    network: Network,
    login_as: LoginAs,
    live_server: str,
    world: World,
    field_households: dict[str, list[int]],  # noqa: F811
) -> None:
    driver = login_as("t_field")
    wait_ready(driver)
    network.off()
    outcome = driver.execute_async_script(QUEUE_REFUSED_JS, world.users["t_field"], "/api/visits")
    assert outcome == "queued"
    network.on()
    driver.refresh()  # the page load sends what waits
    wait_ready(driver)
    refused = driver.find_element(By.CSS_SELECTOR, ".outbox-refused")
    wait(driver, lambda _: refused.is_displayed(), "the refusal is not shown")
    badge = driver.find_element(By.CSS_SELECTOR, ".outbox-badge")
    assert not badge.is_displayed()
    assert "不存在的住户" in refused.text and "未找到" in refused.text
    tap(driver, refused.find_element(By.CSS_SELECTOR, "button.dismiss"))
    wait(driver, lambda _: not refused.is_displayed(), "the refusal stays after 知道了")
    assert driver.execute_async_script(OUTBOX_KEYS_JS) == []


def test_the_last_seen_sheet_is_kept_for_offline_use_and_logout_deletes_it(
    network: Network,
    login_as: LoginAs,
    live_server: str,
    world: World,
    field_households: dict[str, list[int]],  # noqa: F811
) -> None:
    driver = login_as("t_field")
    wait_ready(driver)
    cell = world.cells["A1N"]
    # the service worker controls the field pages once installed: what they read from then on
    # is kept
    wait(driver, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"), "no SW")
    for page in ("/field/", f"/field/cells/{cell}"):
        driver.get(f"{live_server}{page}")
        wait_ready(driver)
    cached = driver.execute_async_script(CACHED_URLS_JS)
    assert f"/api/cells/{cell}/sheet" in cached["gridapp-field-data"]
    assert "/api/field/my-cells" in cached["gridapp-field-data"]
    assert f"/field/cells/{cell}" in cached["gridapp-field-pages"]
    [shell] = [name for name in cached if name.startswith("gridapp-field-shell-")]
    assert "/static/js/field/outbox.js" in cached[shell]
    assert "/static/vendor/leaflet/leaflet.js" in cached[shell]

    # a record waiting (the phone online but the server out of reach, so nothing sends it
    # before the tap): logout asks first (here: no, stay), then deletes it with the copies
    network.unreachable("*/api/visits*")
    outcome = driver.execute_async_script(QUEUE_REFUSED_JS, world.users["t_field"], "/api/visits")
    assert outcome == "queued"
    logout = driver.find_element(By.CSS_SELECTOR, ".topbar .user button")
    driver.find_element(By.CSS_SELECTOR, ".menu-toggle").click()
    logout.click()
    wait(driver, ec.alert_is_present(), "no question before losing a record")
    assert driver.switch_to.alert.text.startswith("还有 1 条记录未上传")
    driver.switch_to.alert.dismiss()
    assert driver.current_url.endswith(f"/field/cells/{cell}")
    assert len(driver.execute_async_script(OUTBOX_KEYS_JS)) == 1
    assert logout.is_displayed()  # the menu is still open
    logout.click()
    wait(driver, ec.alert_is_present(), "no question before losing a record")
    driver.switch_to.alert.accept()
    wait(driver, lambda d: "/login" in d.current_url, "not logged out")
    cached = driver.execute_async_script(CACHED_URLS_JS)
    assert not any(name in cached for name in ("gridapp-field-data", "gridapp-field-pages")), cached
    assert driver.execute_async_script(OUTBOX_KEYS_JS) == []


def test_another_user_on_the_same_phone_never_gets_the_last_ones_copies(
    field_phone: Chrome,
    login_as: LoginAs,
    live_server: str,
    world: World,
    field_households: dict[str, list[int]],  # noqa: F811
) -> None:
    driver = login_as("t_field")
    wait_ready(driver)
    wait(driver, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"), "no SW")
    driver.get(f"{live_server}/field/cells/{world.cells['A1N']}")
    wait_ready(driver)
    assert "gridapp-field-data" in driver.execute_async_script(CACHED_URLS_JS)
    # her session ends without logout (the cookies go); the coordinator logs in
    driver.get(f"{live_server}/static/css/app.css")
    driver.delete_all_cookies()
    login_as("t_coordinator")
    wait(
        driver,
        lambda d: "gridapp-field-data" not in d.execute_async_script(CACHED_URLS_JS),
        "the last user's copies are still there",
    )
    assert "gridapp-field-pages" not in driver.execute_async_script(CACHED_URLS_JS)


def test_a_coordinator_closes_an_event_from_the_events_page(
    login_as: LoginAs,
    live_server: str,
    app: Flask,
    world: World,
    field_households: dict[str, list[int]],  # noqa: F811
) -> None:
    cell = world.cells["A2S"]  # a cell of her subdistrict, not the worker's
    with app.app_context():
        event = CellEvent(
            client_key="browser-close-1", cell_id=cell, category="facility",
            description="路灯不亮<i>", geom=from_shape(Point(116.415, 39.902), srid=4326),
            reported_by=world.users["t_manager"], reporter_name="t_manager",
        )  # fmt: skip
        db.session.add(event)
        db.session.commit()
        event_id = event.id
    driver = login_as("t_coordinator")
    driver.get(f"{live_server}/field/events")
    wait_ready(driver)
    card = driver.find_element(By.CSS_SELECTOR, f'.event-card[data-event-id="{event_id}"]')
    assert "路灯不亮<i>" in card.text and "设施损坏" in card.text and "待处理" in card.text
    assert len(driver.find_elements(By.CSS_SELECTOR, ".leaflet-marker-pane .event-icon")) == 1
    save_screenshot(driver, "field-events-desktop.png")
    tap(driver, card.find_element(By.CSS_SELECTOR, "button.close-event"))
    dialog = driver.find_element(By.ID, "close-dialog")
    dialog.find_element(By.ID, "close-note").send_keys("已报修，当晚修复")
    tap(driver, dialog.find_element(By.CSS_SELECTOR, "button.save"))
    toast(driver, "事件已办结")
    wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, ".event-card"), "still open")
    with app.app_context():
        closed = db.session.get(CellEvent, event_id)
        assert closed is not None
        assert (closed.status, closed.closer_name, closed.close_note) == (
            "closed",
            "t_coordinator",
            "已报修，当晚修复",
        )
    # the closed list shows who closed it
    Select(driver.find_element(By.ID, "event-status")).select_by_value("closed")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".event-card.status-closed"), "none")
    closed_card = driver.find_element(By.CSS_SELECTOR, ".event-card.status-closed")
    assert "t_coordinator" in closed_card.text and "已报修，当晚修复" in closed_card.text


def test_a_worker_writes_the_field_log_and_a_coordinator_finds_it(
    field_phone: Chrome,
    login_as: LoginAs,
    live_server: str,
    app: Flask,
    world: World,
    field_households: dict[str, list[int]],  # noqa: F811
) -> None:
    driver = login_as("t_field")
    driver.get(f"{live_server}/field/log")
    wait_ready(driver)
    form = driver.find_element(By.CSS_SELECTOR, ".log-form")
    form.find_element(By.ID, "log-seen").send_keys("巡查3号楼，楼道堆物已清")
    form.find_element(By.ID, "log-problems").send_keys("东门路灯不亮")
    tap(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    toast(driver, "日志已保存")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".entry-card"), "not listed")
    entry = driver.find_element(By.CSS_SELECTOR, ".entry-card")
    assert "巡查3号楼" in entry.text and "甲一社区第1网格" in entry.text
    with app.app_context():
        [row] = db.session.scalars(select(FieldLog).where(FieldLog.cell_id == world.cells["A1N"]))
        assert (row.user_name, row.problems) == ("t_field", "东门路灯不亮")

    driver.delete_all_cookies()
    driver = login_as("t_coordinator")
    driver.get(f"{live_server}/field/log")
    wait_ready(driver)
    assert driver.find_elements(By.CSS_SELECTOR, ".log-form") == []  # she searches, not writes
    search = driver.find_element(By.CSS_SELECTOR, ".log-search")
    search.find_element(By.ID, "search-q").send_keys("路灯")
    tap(driver, search.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    status = driver.find_element(By.CSS_SELECTOR, ".list-status")
    wait(driver, lambda _: status.text == "共 1 条", "no search result")
    save_screenshot(driver, "field-log-search-phone.png")
    assert "东门路灯不亮" in driver.find_element(By.CSS_SELECTOR, ".entry-card").text


def test_the_sheet_shows_the_cells_people_and_visits_a_hub_in_two_taps(
    field_phone: Chrome,
    login_as: LoginAs,
    live_server: str,
    app: Flask,
    world: World,
    field_households: dict[str, list[int]],  # noqa: F811
    area_members: AreaMembers,  # noqa: F811
    street_grid: None,  # noqa: F811
) -> None:
    driver = login_as("t_field")
    driver.get(f"{live_server}/field/cells/{world.cells['A1N']}")
    wait_ready(driver)

    def section(key: str) -> WebElement:
        return driver.find_element(By.CSS_SELECTOR, f'[data-section="{key}"]')

    # households in difficulty by name (she reads them), each phone a tel: link
    difficulty = section("difficulty")
    assert "2 户" in difficulty.text and "低保户 1" in difficulty.text
    names = difficulty.find_elements(By.CSS_SELECTOR, ".household-item .item-title")
    assert sorted(n.text for n in names) == ["赵甲", "钱乙"]
    phones = difficulty.find_elements(By.CSS_SELECTOR, 'a[href^="tel:"]')
    assert sorted(p.get_attribute("href") for p in phones) == ["tel:13800000001", "tel:13800000002"]
    # the branch answering for the cell, its 党员中心户 (markup in a name shows as text)
    party = section("party")
    assert "A1N党支部" in party.text and "党支部" in party.text
    hub = party.find_element(By.CSS_SELECTOR, f'.hub-item[data-member-id="{area_members.hub}"]')
    assert HUB_NAME in hub.text and "联系 12 户" in hub.text
    # the team and its captain (phones of team members are not for field staff)
    teams = section("teams")
    assert TEAM_NAME in teams.text and "队长 王队长" in teams.text
    assert teams.find_elements(By.CSS_SELECTOR, 'a[href^="tel:"]') == []
    # the nearest service points by walking, with their hours
    points = section("service-points")
    assert "甲一社区党群服务中心<script>alert(1)</script>" in points.text
    assert "周一至周五 9:00-17:00" in points.text and "步行约" in points.text
    buildings = section("buildings")
    assert "甲一社区1号楼" in buildings.text and "3 户" in buildings.text
    save_screenshot(driver, "field-sheet-people-phone.png")
    assert driver.execute_script("return window.__alerts") == []

    # a visit to the 党员中心户: 走访, 保存
    tap(driver, hub.find_element(By.CSS_SELECTOR, "button.visit-button"))
    dialog = driver.find_element(By.ID, "visit-dialog")
    assert HUB_NAME in dialog.find_element(By.CSS_SELECTOR, ".dialog-target").text
    tap(driver, dialog.find_element(By.CSS_SELECTOR, "button.save"))
    toast(driver, f"已保存：走访 {HUB_NAME}")
    wait(driver, lambda d: HUB_NAME in recent_titles(d), "the member's visit is not listed")
    with app.app_context():
        [visit] = db.session.scalars(select(Visit).where(Visit.member_id == area_members.hub))
        assert (visit.method, visit.household_id) == ("home", None)


def test_locate_shows_her_position_on_my_cells_or_says_why_it_cannot(
    field_phone: Chrome,
    login_as: LoginAs,
    live_server: str,
    field_households: dict[str, list[int]],  # noqa: F811
) -> None:
    driver = login_as("t_field")
    wait_ready(driver)
    message = driver.find_element(By.CSS_SELECTOR, ".geo-message")
    tap(driver, driver.find_element(By.CSS_SELECTOR, "#grid-map .locate-button"))
    wait(driver, lambda _: "已定位" in message.text, "no position")
    assert message.text == "已定位（约 12 米）：您在「甲一社区第1网格」内"
    assert len(driver.find_elements(By.CSS_SELECTOR, "#grid-map path.me-dot")) == 1
    # refused: a Chinese message saying what to do
    driver.execute_cdp_cmd(
        "Browser.setPermission",
        {"permission": {"name": "geolocation"}, "setting": "denied", "origin": live_server},
    )
    driver.refresh()
    wait_ready(driver)
    message = driver.find_element(By.CSS_SELECTOR, ".geo-message")
    tap(driver, driver.find_element(By.CSS_SELECTOR, "#grid-map .locate-button"))
    wait(driver, lambda _: "未获得定位权限" in message.text, "no message when refused")
    assert "error" in (message.get_attribute("class") or "")
    assert driver.find_elements(By.CSS_SELECTOR, "#grid-map path.me-dot") == []


def test_a_manager_reads_one_workers_visit_log(
    field_phone: Chrome,
    login_as: LoginAs,
    live_server: str,
    app: Flask,
    world: World,
    field_households: dict[str, list[int]],  # noqa: F811
) -> None:
    """The per-worker log: a grid manager sees the visits of her community and picks one
    grid worker's."""
    with app.app_context():
        for username, cell, key in (("t_field", "A1N", "log-a"), ("t_manager", "A1S", "log-b")):
            db.session.add(
                Visit(
                    client_key=f"worker-{key}", cell_id=world.cells[cell],
                    household_id=field_households[cell][0], user_id=world.users[username],
                    user_name=username, method="home", visited_at=func.now(),
                )
            )  # fmt: skip
        db.session.commit()
    driver = login_as("t_manager")
    driver.get(f"{live_server}/field/visits")
    wait_ready(driver)
    status = driver.find_element(By.CSS_SELECTOR, '[data-section="visits"] .list-status')
    wait(driver, lambda _: status.text == "共 2 次", "both visits not listed")
    picker = Select(driver.find_element(By.ID, "visit-worker"))
    wait(driver, lambda _: len(picker.options) > 1, "no worker to pick")
    picker.select_by_value(str(world.users["t_field"]))
    wait(driver, lambda _: status.text == "共 1 次", "the log is not filtered by worker")
    cards = driver.find_elements(By.CSS_SELECTOR, '[data-section="visits"] .visit-cards > li')
    assert len(cards) == 1 and "t_field" in cards[0].text


def test_an_admin_reads_the_household_access_log(
    field_phone: Chrome,
    login_as: LoginAs,
    live_server: str,
    app: Flask,
    world: World,
    field_households: dict[str, list[int]],  # noqa: F811
) -> None:
    """The worker's reads of her cell's households are listed for the admin, newest first,
    and filtered by household."""
    reader = login_as("t_field")
    households = field_households["A1N"]
    for household in households:
        reader.get(f"{live_server}/api/households/{household}")
    reader.delete_all_cookies()
    driver = login_as("t_admin")
    driver.get(f"{live_server}/field/access")
    root = driver.find_element(By.ID, "access-log")
    wait(driver, lambda _: root.get_attribute("data-state") == "ready", "log not drawn")
    status = root.find_element(By.CSS_SELECTOR, ".list-status")
    assert status.text == f"共 {len(households)} 条"
    first = root.find_element(By.CSS_SELECTOR, "tbody tr")
    assert str(households[-1]) in first.text and "t_field" in first.text  # newest first
    root.find_element(By.ID, "access-household").send_keys(str(households[0]))
    tap(driver, root.find_element(By.CSS_SELECTOR, ".access-filter button[type=submit]"))
    wait(driver, lambda _: status.text == "共 1 条", "not filtered by household")
    save_screenshot(driver, "field-access-log-phone.png")
