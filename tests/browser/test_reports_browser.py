"""The subdistrict report in Chromium: the page as a coordinator sees it, its print layout,
and the PDF Chromium prints from it on A4 (WebDriver's print command), read back with pypdf:
pages, the Chinese text and the embedded Chinese font."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

from pypdf import PdfReader
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions
from selenium.webdriver.support.ui import WebDriverWait

from tests.world import World

LoginAs = Callable[[str], Chrome]
WAIT = 20
A4_MM = (210, 297)
PT_PER_MM = 72 / 25.4


def _open_report(driver: Chrome, live_server: str, world: World) -> None:
    driver.get(f"{live_server}/reports/subdistricts/{world.subdistricts['A']}")
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_element(By.ID, "print-report").is_enabled(),
        "the 打印 button was never enabled (static/js/reports/print.js)",
    )


def _fonts(reader: PdfReader) -> Iterator[tuple[str, bool]]:
    """(name, embedded) of every font the pages use."""
    for page in reader.pages:
        fonts: Any = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            holder = descendants[0].get_object() if descendants else font
            descriptor = holder.get("/FontDescriptor")
            files = descriptor.get_object().keys() if descriptor else ()
            embedded = any(k in files for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            yield str(font.get("/BaseFont", "")), embedded


def test_the_subdistrict_report_prints_on_a4_with_its_chinese_text_and_font(
    login_as: LoginAs, live_server: str, world: World
) -> None:
    driver = login_as("t_coordinator")
    _open_report(driver, live_server, world)
    assert driver.find_element(By.CSS_SELECTOR, "#report h1").text == "测试甲街道"
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.report-map-svg path.map-cell")) == 4
    # 打印 opens the browser's print dialog (stubbed: headless Chromium has none)
    driver.execute_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
    driver.find_element(By.ID, "print-report").click()
    assert driver.execute_script("return window.__printed") == 1

    options = PrintOptions()
    options.orientation = "portrait"
    options.page_width, options.page_height = A4_MM[0] / 10, A4_MM[1] / 10  # cm
    options.background = True
    reader = PdfReader(io.BytesIO(base64.b64decode(driver.print_page(options))))

    assert 1 <= len(reader.pages) <= 4  # four cells: a short report
    for page in reader.pages:
        box = page.mediabox
        size = (round(float(box.width) / PT_PER_MM), round(float(box.height) / PT_PER_MM))
        assert size == A4_MM
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    for expected in ("测试甲街道", "甲一社区第1网格", "五、盲点清单", "组织覆盖盲点", "网格一览"):
        assert expected in text, expected
    fonts = list(_fonts(reader))
    assert any("WenQuanYi" in name and embedded for name, embedded in fonts), fonts
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_the_print_layout_hides_the_page_chrome_and_repeats_table_headers(
    login_as: LoginAs, live_server: str, world: World
) -> None:
    driver = login_as("t_coordinator")
    _open_report(driver, live_server, world)
    assert driver.find_element(By.CSS_SELECTOR, ".topbar").is_displayed()
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not driver.find_element(By.CSS_SELECTOR, ".topbar").is_displayed()
        assert not driver.find_element(By.CSS_SELECTOR, ".report-actions").is_displayed()
        style = driver.execute_script(
            "const s = (q, p) => getComputedStyle(document.querySelector(q))[p];"
            "return [s('#report-cells thead', 'display'),"
            " s('#report-cells tbody tr', 'breakInside'), s('.report-map', 'breakInside'),"
            " s('#report h1', 'fontFamily')];"
        )
        assert style[:3] == ["table-header-group", "avoid", "avoid"]
        assert style[3].startswith('"WenQuanYi Zen Hei"')
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
