"""Browser fixtures: the app on a live local server and a headless Chromium driving it.

Chromium and chromedriver come from Debian (/usr/bin/chromium, /usr/bin/chromedriver).
When they are missing the fixtures fail; browser tests never skip. The driver is shared by
the session; each test starts logged out with an empty network log.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from selenium.webdriver import Chrome, ChromeOptions
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tests.world import World

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 20
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--lang=zh-CN",
    "--window-size=1280,800",
)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="session")
def live_server(app: Flask, world: World) -> Iterator[str]:
    """Serve the session app (with the committed ``world``) on 127.0.0.1; yield its base URL."""
    with serving(app) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    assert CHROMIUM.exists(), f"{CHROMIUM} missing: apt-get install chromium"
    assert CHROMEDRIVER.exists(), f"{CHROMEDRIVER} missing: apt-get install chromium-driver"
    options = ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # An explicit driver path: Selenium Manager (which may download drivers) is not used.
    driver = Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(WAIT_SECONDS)
    driver.set_script_timeout(WAIT_SECONDS)
    # Record alert() calls instead of opening dialogs, in every document the browser loads.
    driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": "window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));"},
    )
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium: Chrome, live_server: str) -> Chrome:
    """The shared browser, logged out, with the network log of earlier tests drained."""
    chromium.set_window_size(1280, 800)
    # A file that runs no script (not /login: a logged-in user is sent on to a page whose
    # scripts would still be loading, without cookies, after the test has begun).
    chromium.get(f"{live_server}/static/css/app.css")
    chromium.delete_all_cookies()
    chromium.get_log("performance")
    chromium.get_log("browser")
    return chromium


class LoginAs:
    """Log the shared browser in through the real login form and wait for the map page."""

    def __init__(self, driver: Chrome, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def __call__(self, username: str, password: str = PASSWORD) -> Chrome:
        driver = self.driver
        driver.get(f"{self.base_url}/login")
        driver.find_element(By.NAME, "username").send_keys(username)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
        WebDriverWait(driver, WAIT_SECONDS).until(
            ec.presence_of_element_located((By.ID, "grid-map")),
            f"no map page after logging in as {username}; at {driver.current_url}",
        )
        return driver


@pytest.fixture
def login_as(browser: Chrome, live_server: str) -> LoginAs:
    return LoginAs(browser, live_server)
