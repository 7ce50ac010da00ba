"""The data page in Chromium: an admin uploads a zipped Shapefile of cells drawn in GCJ-02,
sees the preview with its one problem highlighted, fixes nothing; then uploads a clean
file, commits it (read and written by the background jobs, followed by the progress bar)
and sees the new cells on the map. Service points from a CSV; buildings in "replace" mode
list what goes and where its household records go.

The cells go into a community made for this test (and removed afterwards), so the
session's world stays as the other tests expect it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from flask import Flask
from geoalchemy2.shape import from_shape, to_shape
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy import delete, select

from gridapp.core.datums import Datum, from_wgs84
from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellChange,
    Community,
    GridCell,
    Household,
    ImportJob,
    ServicePoint,
)
from tests.world import World

LoginAs = Callable[[str], Chrome]
WAIT = 30
CODE = "110199002009"  # a community of subdistrict B made for this test
WEST = box(116.520, 39.900, 116.525, 39.905)
EAST = box(116.525, 39.900, 116.530, 39.905)
OVER_A1N = box(116.4045, 39.9072, 116.4055, 39.9078)  # covers A1's north building
HOSTILE = '北楼<img src=x onerror="window.__pwned=1">'
BOW_TIE = Polygon([(116.525, 39.900), (116.530, 39.905), (116.530, 39.900), (116.525, 39.905)])


@pytest.fixture
def empty_community(app: Flask, world: World) -> Iterator[int]:
    app.config["IMPORT_JOBS_INLINE"] = False  # the real background jobs
    with app.app_context():
        community = Community(
            subdistrict_id=world.subdistricts["B"],
            code=CODE,
            name="导入测试社区",
            geom=from_shape(MultiPolygon([box(116.520, 39.900, 116.530, 39.905)]), srid=4326),
        )
        db.session.add(community)
        db.session.commit()
        community_id = community.id
    try:
        yield community_id
    finally:
        app.config["IMPORT_JOBS_INLINE"] = True
        with app.app_context():
            db.session.execute(delete(ImportJob))
            db.session.execute(delete(CellChange).where(CellChange.community_id == community_id))
            db.session.execute(delete(GridCell).where(GridCell.community_id == community_id))
            db.session.execute(delete(Community).where(Community.id == community_id))
            db.session.commit()


def _shapefile_zip(tmp_path: Path, name: str, cells: list[tuple[str, str, Polygon]]) -> Path:
    frame = gpd.GeoDataFrame(
        {"code": [c[0] for c in cells], "name": [c[1] for c in cells]},
        geometry=[from_wgs84(c[2], Datum.GCJ02) for c in cells],  # drawn on a 高德 map
        crs="EPSG:4326",
    )
    folder = tmp_path / name
    folder.mkdir()
    frame.to_file(folder / "cells.shp", driver="ESRI Shapefile", encoding="UTF-8")
    path = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    return path


def _upload(driver: Chrome, path: Path, layer: str = "cells", crs: str = "gcj02") -> str:
    Select(driver.find_element(By.ID, "import-layer")).select_by_value(layer)
    driver.find_element(By.ID, "import-file").send_keys(str(path))
    Select(driver.find_element(By.ID, "import-crs")).select_by_value(crs)
    driver.find_element(By.ID, "import-upload").click()
    shell = driver.find_element(By.ID, "grid-map")
    WebDriverWait(driver, WAIT).until(
        lambda _: shell.get_attribute("data-state") in ("ready", "failed"),
        f"state stayed {shell.get_attribute('data-state')!r}",
    )
    return str(shell.get_attribute("data-state"))


def test_a_shapefile_with_a_problem_is_previewed_and_a_clean_one_committed(
    app: Flask, login_as: LoginAs, live_server: str, empty_community: int, tmp_path: Path
) -> None:
    driver = login_as("t_admin")
    driver.get(f"{live_server}/data/")
    broken = _shapefile_zip(
        tmp_path, "broken", [(CODE + "001", "西片", WEST), (CODE + "002", "东片", BOW_TIE)]
    )
    assert _upload(driver, broken) == "ready"
    shell = driver.find_element(By.ID, "grid-map")
    assert shell.get_attribute("data-problem-count") == "1"
    rows = driver.find_elements(By.CSS_SELECTOR, ".import-problems tbody tr[data-severity=error]")
    assert len(rows) == 1 and "自相交" in rows[0].text and "110199002009002" in rows[0].text
    # without the faulty cell the east half is a gap: listed as a warning only
    warnings = driver.find_elements(By.CSS_SELECTOR, ".import-problems tr[data-severity=warning]")
    assert [w.text for w in warnings if "空隙" in w.text]
    assert driver.find_element(By.ID, "import-commit").get_attribute("disabled") is not None
    # the faulty feature is drawn red, the problem spot highlighted, and a click selects it
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.import-incoming.bad")) == 1
    rows[0].click()
    assert "selected" in rows[0].get_attribute("class")
    assert driver.find_elements(By.CSS_SELECTOR, "path.problem.selected")
    driver.save_screenshot(str(tmp_path / "preview.png"))

    clean = _shapefile_zip(
        tmp_path, "clean", [(CODE + "001", "西片", WEST), (CODE + "002", "东片", EAST)]
    )
    assert _upload(driver, clean) == "ready"
    assert shell.get_attribute("data-problem-count") == "0"
    assert "新建 2" in driver.find_element(By.CSS_SELECTOR, ".import-summary").text
    driver.find_element(By.ID, "import-commit").click()
    WebDriverWait(driver, WAIT).until(
        lambda _: shell.get_attribute("data-state") in ("committed", "failed")
    )
    status = driver.find_element(By.CSS_SELECTOR, ".import-status").text
    assert shell.get_attribute("data-state") == "committed", status
    assert "新建 2" in status
    with app.app_context():
        cells = {
            c.code: to_shape(c.geom)
            for c in db.session.scalars(
                select(GridCell).where(GridCell.community_id == empty_community)
            )
        }
    assert sorted(cells) == [CODE + "001", CODE + "002"]
    # GCJ-02 in the file, WGS-84 in the database: back where they were drawn (< 1 m)
    one, two = gpd.GeoSeries([cells[CODE + "001"], WEST], crs="EPSG:4326").to_crs("EPSG:32650")
    assert one.hausdorff_distance(two) < 1.0

    driver.find_element(By.LINK_TEXT, "在地图上查看").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: (
            any(
                "导入测试社区" in (t.text or "") or "西片" in (t.text or "")
                for t in d.find_elements(By.CSS_SELECTOR, ".cell-label, .leaflet-tooltip")
            )
            or len(d.find_elements(By.CSS_SELECTOR, "path.grid-cell")) >= 7
        ),
        "the imported cells did not appear on the map",
    )
    assert "/data/" not in driver.current_url


@pytest.fixture
def background_jobs(app: Flask) -> Iterator[None]:
    app.config["IMPORT_JOBS_INLINE"] = False
    try:
        yield
    finally:
        app.config["IMPORT_JOBS_INLINE"] = True
        with app.app_context():
            db.session.execute(delete(ImportJob))
            db.session.execute(delete(ServicePoint).where(ServicePoint.name.like("浏览器测试%")))
            db.session.commit()


def test_service_points_from_a_csv_are_previewed_as_points_and_committed(
    app: Flask, login_as: LoginAs, live_server: str, background_jobs: None, tmp_path: Path
) -> None:
    driver = login_as("t_admin")
    driver.get(f"{live_server}/data/")
    Select(driver.find_element(By.ID, "import-layer")).select_by_value("service_points")
    hint = driver.find_element(By.CSS_SELECTOR, ".layer-hint[data-layer=service_points]")
    assert hint.is_displayed() and "经度" in hint.text
    assert not driver.find_element(By.CSS_SELECTOR, ".layer-hint[data-layer=cells]").is_displayed()
    header = "名称,类型,经度,纬度,开放时间\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        header + "浏览器测试驿站,爱心驿站,116.503,39.903,全天\n"
        "浏览器测试站,不知道什么站,116.507,39.907,\n",
        encoding="utf-8",
    )
    assert _upload(driver, bad, "service_points", "wgs84") == "ready"
    shell = driver.find_element(By.ID, "grid-map")
    assert shell.get_attribute("data-problem-count") == "1"
    rows = driver.find_elements(By.CSS_SELECTOR, ".import-problems tbody tr[data-severity=error]")
    assert len(rows) == 1 and "不知道什么站" in rows[0].text
    # both stations drawn as circles, the faulty one red
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.import-incoming")) == 2
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.import-incoming.bad")) == 1
    assert driver.find_element(By.ID, "import-commit").get_attribute("disabled") is not None

    good = tmp_path / "good.csv"
    good.write_text(
        header + "浏览器测试驿站,爱心驿站,116.503,39.903,全天\n"
        "浏览器测试便民站,便民服务站,116.507,39.907,8:00-18:00\n",
        encoding="utf-8",
    )
    assert _upload(driver, good, "service_points", "wgs84") == "ready"
    assert "服务阵地 2 个" in driver.find_element(By.CSS_SELECTOR, ".import-summary").text
    driver.find_element(By.ID, "import-commit").click()
    WebDriverWait(driver, WAIT).until(
        lambda _: shell.get_attribute("data-state") in ("committed", "failed")
    )
    status = driver.find_element(By.CSS_SELECTOR, ".import-status").text
    assert shell.get_attribute("data-state") == "committed", status
    assert "新建 2 个" in status and status.split("在地图")[0].rstrip().endswith("服务阵地")
    history = driver.find_element(By.CSS_SELECTOR, ".import-history tbody tr").text
    assert "服务阵地" in history and "good.csv" in history
    with app.app_context():
        names = db.session.scalars(
            select(ServicePoint.name).where(ServicePoint.name.like("浏览器测试%"))
        ).all()
    assert sorted(names) == ["浏览器测试便民站", "浏览器测试驿站"]


@pytest.fixture
def households_on_a1n(app: Flask, world: World) -> Iterator[int]:
    """Two household records on A1's north building, renamed with markup (removed after)."""
    building_id = world.buildings["A1N"]
    with app.app_context():
        building = db.session.get(Building, building_id)
        assert building is not None
        old_name = building.name
        building.name = HOSTILE
        db.session.add_all(
            [Household(building_id=building_id, room=r, head_name="王五") for r in ("101", "102")]
        )
        db.session.commit()
    try:
        yield building_id
    finally:
        with app.app_context():
            db.session.execute(delete(ImportJob))
            db.session.execute(delete(Household).where(Household.building_id == building_id))
            building = db.session.get(Building, building_id)
            assert building is not None
            building.name = old_name
            db.session.commit()


def test_replacing_buildings_lists_what_goes_and_where_its_households_go(
    app: Flask,
    login_as: LoginAs,
    live_server: str,
    background_jobs: None,
    households_on_a1n: int,
    world: World,
    tmp_path: Path,
) -> None:
    driver = login_as("t_manager")
    driver.get(f"{live_server}/data/")
    frame = gpd.GeoDataFrame(
        {"code": ["R-9", f"#{world.buildings['A1S']}"], "name": ["新北楼", ""]},
        geometry=[OVER_A1N, box(116.4048, 39.9024, 116.4052, 39.9026)],
        crs="EPSG:4326",
    )
    path = tmp_path / "buildings.geojson"
    path.write_text(frame.to_json(), encoding="utf-8")
    driver.find_element(By.CSS_SELECTOR, "input[name=mode][value=replace]").click()
    assert _upload(driver, path, "buildings", "wgs84") == "ready"
    box_ = driver.find_element(By.CSS_SELECTOR, ".import-deleted")
    assert box_.is_displayed() and "将撤销的楼栋（1 个）" in box_.text
    box_.find_element(By.TAG_NAME, "summary").click()
    (row,) = box_.find_elements(By.CSS_SELECTOR, "tbody tr.deleted-row")
    assert HOSTILE in row.text  # shown as text, not markup
    assert "2 户住户记录转到第 1 个要素“新北楼（R-9）”" in row.text
    assert not driver.find_elements(By.CSS_SELECTOR, ".import-deleted img")
    assert driver.execute_script("return window.__pwned === undefined")
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.import-current.gone")) == 1
    driver.find_element(By.ID, "import-discard").click()
    WebDriverWait(driver, WAIT).until(lambda _: not box_.is_displayed())
    with app.app_context():  # nothing written
        assert db.session.get(Building, households_on_a1n) is not None
