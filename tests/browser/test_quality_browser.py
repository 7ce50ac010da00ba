"""The partition check and proposal pages in Chromium: the real page, its JS and the API."""

from __future__ import annotations

from collections.abc import Callable

from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.world import World

LoginAs = Callable[[str], Chrome]
WAIT = 20


def _wait_state(driver: Chrome, *states: str) -> str:
    shell = driver.find_element(By.ID, "grid-map")
    WebDriverWait(driver, WAIT).until(
        lambda _: shell.get_attribute("data-state") in states,
        f"page state stayed {shell.get_attribute('data-state')!r}",
    )
    return str(shell.get_attribute("data-state"))


def test_check_page_runs_the_check_and_reports_a_clean_subdistrict(
    login_as: LoginAs, live_server: str, world: World
) -> None:
    driver = login_as("t_coordinator")
    driver.get(f"{live_server}/check")
    Select(driver.find_element(By.ID, "check-target")).select_by_value(
        f"subdistrict:{world.subdistricts['A']}"
    )
    driver.find_element(By.CSS_SELECTOR, "#check-form button[type=submit]").click()
    assert _wait_state(driver, "done", "error") == "done"
    summary = driver.find_element(By.CSS_SELECTOR, ".check-summary").text
    assert "测试甲街道" in summary and "未发现问题" in summary
    assert driver.find_element(By.ID, "grid-map").get_attribute("data-problem-count") == "0"
    # the map shows the subdistrict's four cells and the URL remembers the choice
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.grid-cell")) == 4
    assert f"subdistrict={world.subdistricts['A']}" in driver.current_url
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_proposal_page_shows_the_servers_message_when_a_draft_is_impossible(
    login_as: LoginAs, live_server: str, world: World
) -> None:
    driver = login_as("t_manager")
    driver.get(f"{live_server}/proposal?community={world.communities['A1']}")
    WebDriverWait(driver, WAIT).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "path.grid-cell")) == 2
    )
    driver.find_element(By.CSS_SELECTOR, "#proposal-form button[type=submit]").click()
    assert _wait_state(driver, "draft", "error") == "error"
    status = driver.find_element(By.CSS_SELECTOR, ".proposal-status").text
    assert "没有街坊" in status  # the world has no blocks: the API's Chinese 400 message
    assert not driver.find_element(By.CSS_SELECTOR, ".proposal-result").is_displayed()
