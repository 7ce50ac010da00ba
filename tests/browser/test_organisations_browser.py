"""The organisation pages in a real headless Chromium: a coordinator assigns a team to a cell
from the coverage map and sees figures, table, charts and map change; field staff only
read; the tree page creates a child organisation and shows a refused dissolve; a coordinator
draws a member's responsibility area (党员责任区) on the map and sees one outside the cell
refused.

These tests write to the committed ``world`` (which has no organisations): the ``grid_work``
fixture commits a small organisation set-up in subdistrict A and its finaliser removes every
organisation, team and assignment of subdistrict A again, whatever the test did.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from geoalchemy2.shape import from_shape, to_shape
from selenium.webdriver import ActionChains, Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait
from shapely.geometry import box
from sqlalchemy import delete, select, update

from gridapp.extensions import db
from gridapp.models import (
    CellAssignment,
    GridCell,
    Member,
    PartyOrg,
    TeamMember,
    VolunteerTeam,
)
from tests.world import World

LoginAs = Callable[[str], Chrome]  # the `login_as` fixture (tests/browser/conftest.py)

WAIT_SECONDS = 20
TEAM_NAME = "甲一便民服务队<b>"  # markup in a name must show as text


@dataclass
class GridWork:
    committee: int
    branch_n: int
    branch_s: int
    team: int


def _remove_grid_work(world: World) -> None:
    """Every organisation, team and assignment of subdistrict A (the world has none)."""
    s = db.session
    sub = world.subdistricts["A"]
    cells = select(GridCell.id).where(
        GridCell.community_id.in_([world.communities["A1"], world.communities["A2"]])
    )
    s.execute(delete(CellAssignment).where(CellAssignment.cell_id.in_(cells)))
    s.execute(delete(VolunteerTeam).where(VolunteerTeam.subdistrict_id == sub))
    s.execute(update(PartyOrg).where(PartyOrg.subdistrict_id == sub).values(parent_id=None))
    s.execute(delete(PartyOrg).where(PartyOrg.subdistrict_id == sub))
    s.commit()


@pytest.fixture
def grid_work(app: Flask, world: World) -> Iterator[GridWork]:
    """党工委 → 甲一社区党委 → branches of A1N and A1S. A1N has its branch, a grid worker
    (t_field) and the team; A1S has its branch and the worker but no team; A2 has nothing."""
    with app.app_context():
        _remove_grid_work(world)
        s = db.session
        sub = world.subdistricts["A"]
        root = PartyOrg(subdistrict_id=sub, level="working_committee", name="测试甲街道党工委")
        s.add(root)
        s.flush()
        committee = PartyOrg(
            subdistrict_id=sub, parent_id=root.id, community_id=world.communities["A1"],
            level="committee", name="甲一社区党委", secretary="张书记",
        )  # fmt: skip
        s.add(committee)
        s.flush()
        branches = {}
        for key in ("A1N", "A1S"):
            branch = PartyOrg(
                subdistrict_id=sub, parent_id=committee.id, community_id=world.communities["A1"],
                level="branch", name=f"{key}党支部",
            )  # fmt: skip
            s.add(branch)
            s.flush()
            branches[key] = branch.id
            cell = world.cells[key]
            s.add(CellAssignment(cell_id=cell, kind="party_org", party_org_id=branch.id))
            s.add(CellAssignment(cell_id=cell, kind="worker", user_id=world.users["t_field"]))
        team = VolunteerTeam(
            subdistrict_id=sub, community_id=world.communities["A1"], kind="neighbourhood",
            name=TEAM_NAME,
        )  # fmt: skip
        team.members = [
            TeamMember(name="王队长", phone="13900000000", is_captain=True),
            TeamMember(name="李队员", phone="13900000001"),
        ]
        s.add(team)
        s.flush()
        s.add(CellAssignment(cell_id=world.cells["A1N"], kind="team", team_id=team.id))
        s.commit()
        made = GridWork(committee.id, branches["A1N"], branches["A1S"], team.id)
    try:
        yield made
    finally:
        with app.app_context():
            _remove_grid_work(world)


def wait_ready(driver: Chrome, root_id: str, generation: int | None = None) -> WebElement:
    """Wait until the page's root says data-state="ready" (and, if given, until it has drawn
    the report at least ``generation`` times); fail on a load error."""
    root = driver.find_element(By.ID, root_id)

    def ready(_: Any) -> bool:
        state = root.get_attribute("data-state")
        if state == "error":
            return True
        drawn = int(root.get_attribute("data-generation") or 0)
        return state == "ready" and (generation is None or drawn >= generation)

    WebDriverWait(driver, WAIT_SECONDS).until(ready, f"#{root_id} still loading")
    status = root.find_element(By.CSS_SELECTOR, "[role=status]")
    assert root.get_attribute("data-state") == "ready", status.text
    return root


def card(driver: Chrome, item: str) -> tuple[str, str]:
    """(cells with the item, share) as the figure card shows them."""
    node = driver.find_element(By.CSS_SELECTOR, f".cov-card[data-item={item}]")
    return (
        node.find_element(By.CSS_SELECTOR, ".cov-with").text,
        node.find_element(By.CSS_SELECTOR, ".cov-share").text,
    )


def blind_spots(driver: Chrome) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".cov-card[data-item=blind_spot] .cov-blind").text


def row_cell(driver: Chrome, cell_id: int, item: str) -> WebElement:
    return driver.find_element(
        By.CSS_SELECTOR, f"#cell-table tr[data-cell-id='{cell_id}'] td[data-item={item}]"
    )


def chart_data(driver: Chrome, canvas_id: str) -> Any:
    script = (
        f"const c = Chart.getChart(document.getElementById({json.dumps(canvas_id)}));"
        "return {labels: c.data.labels, data: c.data.datasets.map(d => d.data)};"
    )
    return driver.execute_script(script)


def panel_ready(driver: Chrome, cell_id: int) -> WebElement:
    panel = driver.find_element(By.ID, "cell-panel")
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: (
            panel.get_attribute("data-cell-id") == str(cell_id)
            and panel.get_attribute("data-state") in ("ready", "error")
        ),
        "cell panel did not load",
    )
    assert panel.get_attribute("data-state") == "ready", panel.text
    return panel


def severe_console_messages(driver: Chrome) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def requested_urls(driver: Chrome) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_coordinator_assigns_a_team_from_the_map_and_the_dashboard_changes(
    login_as: LoginAs, live_server: str, world: World, grid_work: GridWork
) -> None:
    driver = login_as("t_coordinator")
    driver.get(f"{live_server}/coverage")
    wait_ready(driver, "coverage")
    a1s = world.cells["A1S"]

    # Before: one cell of four has a team; A1S lacks one (yellow on the map); 3 blind spots.
    assert card(driver, "team") == ("1", "25%")
    assert card(driver, "party_org") == ("2", "50%")
    assert blind_spots(driver) == "3"
    assert "lacking" in (row_cell(driver, a1s, "team").get_attribute("class") or "")
    assert row_cell(driver, a1s, "team").text == "无"
    path = driver.find_element(By.CSS_SELECTOR, f"path.cov-cell[data-cell-id='{a1s}']")
    assert path.get_attribute("data-status") == "no_team"
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.cov-cell")) == 4
    a1 = str(world.communities["A1"])
    community_team = driver.find_element(
        By.CSS_SELECTOR, f"#community-table tr[data-community-id='{a1}'] td[data-item=team]"
    )
    assert community_team.text.split() == ["1/2", "50%"]
    assert chart_data(driver, "chart-blind")["data"] == [[2, 0, 1, 1]]

    # Close the legend (it may cover the cell), click the cell on the map: the panel shows
    # it without a team.
    driver.find_element(By.CSS_SELECTOR, "#grid-map .map-legend summary").click()
    path.click()
    panel = panel_ready(driver, a1s)
    assert panel.find_element(By.CSS_SELECTOR, ".panel-body h2").text == "甲一社区第2网格"
    section = panel.find_element(By.CSS_SELECTOR, "section.assign-kind[data-kind=team]")
    assert section.find_element(By.CSS_SELECTOR, "li.none").text == "未分配服务队"
    assert "selected" in (
        driver.find_element(By.CSS_SELECTOR, f"#cell-table tr[data-cell-id='{a1s}']").get_attribute(
            "class"
        )
        or ""
    )
    picker = Select(section.find_element(By.CSS_SELECTOR, "select[name=team]"))
    offered = [o.text for o in picker.options if o.get_attribute("value")]
    assert offered == [f"{TEAM_NAME}（便民服务队）"]
    picker.select_by_value(str(grid_work.team))
    section.find_element(By.CSS_SELECTOR, "button.assign").click()

    # After: the figures, the row, the map and the charts show the team — no page reload.
    root = wait_ready(driver, "coverage", generation=2)
    panel = panel_ready(driver, a1s)
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: "已分配" in panel.find_element(By.CSS_SELECTOR, ".panel-status").text,
        "no confirmation in the panel",
    )
    assert root.get_attribute("data-generation") == "2"
    assert card(driver, "team") == ("2", "50%")
    assert blind_spots(driver) == "2"
    cell = row_cell(driver, a1s, "team")
    assert cell.text == TEAM_NAME
    assert "lacking" not in (cell.get_attribute("class") or "")
    path = driver.find_element(By.CSS_SELECTOR, f"path.cov-cell[data-cell-id='{a1s}']")
    assert path.get_attribute("data-status") == "no_hub"
    community_team = driver.find_element(
        By.CSS_SELECTOR, f"#community-table tr[data-community-id='{a1}'] td[data-item=team]"
    )
    assert community_team.text.split() == ["2/2", "100%"]
    assert chart_data(driver, "chart-blind")["data"] == [[2, 0, 0, 2]]
    assigned = panel.find_elements(By.CSS_SELECTOR, "section[data-kind=team] .assigned-label")
    assert [a.text for a in assigned] == [TEAM_NAME]
    assert driver.execute_script("return window.__alerts") == []
    assert severe_console_messages(driver) == []
    outside = [
        u for u in requested_urls(driver) if not u.startswith((f"{live_server}/", "data:", "blob:"))
    ]
    assert outside == []

    # 解除 ends it again: back to 25 %.
    panel.find_element(By.CSS_SELECTOR, "section[data-kind=team] button.end").click()
    wait_ready(driver, "coverage", generation=3)
    assert card(driver, "team") == ("1", "25%")


def test_the_table_opens_the_same_panel_and_filters_blind_spots(
    login_as: LoginAs, live_server: str, world: World, grid_work: GridWork
) -> None:
    driver = login_as("t_coordinator")
    driver.get(f"{live_server}/coverage")
    wait_ready(driver, "coverage")
    rows = driver.find_elements(By.CSS_SELECTOR, "#cell-table tbody tr")
    assert len(rows) == 4
    driver.find_element(By.ID, "blind-only").click()
    shown = [r.get_attribute("data-cell-id") for r in rows if r.is_displayed()]
    assert shown == [str(world.cells[k]) for k in ("A1S", "A2N", "A2S")]
    assert "显示 3 / 4 个网格" in driver.find_element(By.CSS_SELECTOR, ".cell-count").text

    a2n = world.cells["A2N"]
    driver.find_element(By.CSS_SELECTOR, f"tr[data-cell-id='{a2n}'] button.open-cell").click()
    panel = panel_ready(driver, a2n)
    for kind, none in (("party_org", "未分配党组织"), ("worker", "未分配网格员")):
        section = panel.find_element(By.CSS_SELECTOR, f"section[data-kind={kind}]")
        assert section.find_element(By.CSS_SELECTOR, "li.none").text == none
    orgs = Select(panel.find_element(By.CSS_SELECTOR, "select[name=party_org]"))
    # only branches and groups are offered, not the 党工委 or the 社区党委
    assert sorted(o.text for o in orgs.options if o.get_attribute("value")) == [
        "A1N党支部（党支部）",
        "A1S党支部（党支部）",
    ]
    path = driver.find_element(By.CSS_SELECTOR, f"path.cov-cell[data-cell-id='{a2n}']")
    assert "cov-selected" in (path.get_attribute("class") or "")
    assert path.get_attribute("data-status") == "no_party_org"

    # Picking community A2 narrows figures, table, export and map to it.
    Select(driver.find_element(By.ID, "cov-community")).select_by_visible_text("甲二社区")
    wait_ready(driver, "coverage", generation=2)
    assert card(driver, "party_org") == ("0", "0%")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#cell-table tbody tr")) == 2
    export = driver.find_element(By.ID, "export-xlsx").get_attribute("href") or ""
    assert export.endswith(f"format=xlsx&community_id={world.communities['A2']}")
    a1n = driver.find_element(By.CSS_SELECTOR, f"path[data-cell-id='{world.cells['A1N']}']")
    assert a1n.get_attribute("data-status") == "out"
    assert panel.get_attribute("data-cell-id") == str(a2n)  # A2N is still in range
    assert f"community={world.communities['A2']}" in driver.current_url


def test_field_staff_see_their_cell_read_only(
    login_as: LoginAs, live_server: str, world: World, grid_work: GridWork
) -> None:
    driver = login_as("t_field")
    driver.get(f"{live_server}/coverage")
    wait_ready(driver, "coverage")
    rows = driver.find_elements(By.CSS_SELECTOR, "#cell-table tbody tr")
    assert [r.get_attribute("data-cell-id") for r in rows] == [str(world.cells["A1N"])]
    assert driver.find_elements(By.ID, "import") == []
    driver.find_element(By.CSS_SELECTOR, "button.open-cell").click()
    panel = panel_ready(driver, world.cells["A1N"])
    assert panel.find_elements(By.CSS_SELECTOR, "select, button.end, button.assign") == []
    team = panel.find_element(By.CSS_SELECTOR, "section[data-kind=team] .assigned-label")
    assert team.text == TEAM_NAME


def test_tree_creates_a_child_and_explains_a_refused_dissolve(
    login_as: LoginAs, live_server: str, grid_work: GridWork
) -> None:
    driver = login_as("t_coordinator")
    driver.get(f"{live_server}/organisations")
    wait_ready(driver, "organisations")
    assert "共 4 个党组织" in driver.find_element(By.CSS_SELECTOR, ".tree-count").text

    def node(org_id: int) -> WebElement:
        return driver.find_element(By.CSS_SELECTOR, f"li.org-node[data-org-id='{org_id}']")

    def act(org_id: int, action: str) -> WebElement:
        node(org_id).find_element(By.CSS_SELECTOR, ":scope > .node-row > .act-manage").click()
        node(org_id).find_element(By.CSS_SELECTOR, f".node-actions .act-{action}").click()
        return node(org_id).find_element(By.CSS_SELECTOR, ".node-form")

    # Opening shows the 党工委's children; the committee (with its secretary) opens on a click.
    committee = node(grid_work.committee)
    assert "书记 张书记" in committee.find_element(By.CSS_SELECTOR, ".node-meta").text
    assert not node(grid_work.branch_s).is_displayed()
    committee.find_element(By.CSS_SELECTOR, ":scope > .node-row > .node-toggle").click()
    assert node(grid_work.branch_s).is_displayed()

    # Dissolving a branch that still answers for a cell is refused, and the form says why.
    form = act(grid_work.branch_s, "dissolve")
    form.find_element(By.CSS_SELECTOR, "button.primary").click()
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: form.get_attribute("data-error") == "409", "no refusal shown"
    )
    alert = form.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert "不能撤销“A1S党支部”" in alert and "负责网格 1 个（110199001001002）" in alert

    # A new 党小组 under the branch appears in the tree with a confirmation.
    form.find_element(By.CSS_SELECTOR, "button.cancel").click()
    form = act(grid_work.branch_s, "create")
    Select(form.find_element(By.NAME, "level")).select_by_value("group")
    form.find_element(By.NAME, "name").send_keys("第一党小组<i>")
    form.find_element(By.CSS_SELECTOR, "button.primary").click()
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: "已新建" in driver.find_element(By.ID, "org-tree").text, "no confirmation"
    )
    names = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".node-name")]
    assert "第一党小组<i>" in names
    assert "共 5 个党组织" in driver.find_element(By.CSS_SELECTOR, ".tree-count").text
    assert driver.find_elements(By.CSS_SELECTOR, "#org-tree i") == []

    # The team shows its captain, members and phone numbers (the coordinator's scope).
    team = driver.find_element(By.CSS_SELECTOR, f"li[data-team-id='{grid_work.team}']")
    assert "队长 王队长" in team.text and "13900000000" in team.text
    assert "服务网格 1 个：甲一社区第1网格" in team.text
    # the only error in the console is the browser's note of the refused dissolve (409)
    severe = severe_console_messages(driver)
    assert len(severe) == 1 and f"/api/party-orgs/{grid_work.branch_s}/dissolve" in severe[0]


def test_import_lists_every_bad_row_then_imports_a_good_file(
    login_as: LoginAs,
    live_server: str,
    world: World,
    grid_work: GridWork,
    tmp_path: Path,
) -> None:
    driver = login_as("t_coordinator")
    driver.get(f"{live_server}/coverage")
    wait_ready(driver, "coverage")
    section = driver.find_element(By.ID, "import")
    Select(section.find_element(By.NAME, "kind")).select_by_value("assignments")
    template = section.find_element(By.CSS_SELECTOR, "a.template-csv").get_attribute("href")
    assert template == f"{live_server}/api/imports/assignments/template?format=csv"

    header = "网格编码,类型,名称\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        header
        + f"110199001002001,服务队,{TEAM_NAME}\n"  # good
        + f"110199009009009,服务队,{TEAM_NAME}\n"  # line 3: unknown cell
        + "110199001002002,网格员,nobody\n",  # line 4: unknown worker
        encoding="utf-8",
    )
    section.find_element(By.NAME, "file").send_keys(str(bad))
    section.find_element(By.CSS_SELECTOR, "button.check").click()
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: section.get_attribute("data-state") == "rejected", "bad file not rejected"
    )
    errors = section.find_elements(By.CSS_SELECTOR, "table.import-errors tbody tr")
    lines = [r.find_element(By.TAG_NAME, "td").text for r in errors]
    assert lines == ["3", "4"]
    assert "网格编码" in errors[0].text
    assert "未导入任何数据" in section.find_element(By.CSS_SELECTOR, ".import-status").text

    good = tmp_path / "good.csv"
    good.write_text(header + f"110199001002001,服务队,{TEAM_NAME}\n", encoding="utf-8")
    file_input = section.find_element(By.NAME, "file")
    file_input.clear()
    file_input.send_keys(str(good))
    section.find_element(By.CSS_SELECTOR, "button.check").click()
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: section.get_attribute("data-state") == "checked", "good file not checked"
    )
    assert not section.find_element(By.CSS_SELECTOR, "table.import-errors").is_displayed()
    assert card(driver, "team") == ("1", "25%")  # a check writes nothing

    section.find_element(By.CSS_SELECTOR, "button.run").click()
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: section.get_attribute("data-state") == "imported", "good file not imported"
    )
    wait_ready(driver, "coverage", generation=2)
    assert "已导入 1 行" in section.find_element(By.CSS_SELECTOR, ".import-status").text
    assert card(driver, "team") == ("2", "50%")
    assert row_cell(driver, world.cells["A2N"], "team").text == TEAM_NAME


# --- 党员责任区 ----------------------------------------------------------------------------

HUB_NAME = "赵中心户<b>"  # markup in a name must show as text
MEMBER_NAME = "钱党员"


@dataclass
class AreaMembers:
    hub: int  # a 党员中心户 of A1N whose area is already drawn
    member: int  # a member of A1N without an area


@pytest.fixture
def area_members(app: Flask, world: World, grid_work: GridWork) -> Iterator[AreaMembers]:
    """Two members living in A1N (north half of community A1: 116.40–116.41, 39.905–39.91);
    the finaliser deletes them again."""
    with app.app_context():
        s = db.session
        common = {
            "subdistrict_id": world.subdistricts["A"],
            "org_id": grid_work.branch_n,
            "home_building_id": world.buildings["A1N"],
        }
        hub = Member(
            name=HUB_NAME, gender="女", status="retired", is_hub=True, hub_households=12,
            responsibility_area=from_shape(box(116.4015, 39.9060, 116.4040, 39.9085), srid=4326),
            **common,
        )  # fmt: skip
        member = Member(name=MEMBER_NAME, gender="男", status="in_post", **common)
        s.add_all([hub, member])
        s.commit()
        made = AreaMembers(hub.id, member.id)
    try:
        yield made
    finally:
        with app.app_context():
            db.session.execute(delete(Member).where(Member.id.in_([made.hub, made.member])))
            db.session.commit()


def click_map_at(driver: Chrome, points: list[tuple[float, float]]) -> None:
    """Click the coverage map at each (lon, lat), then on the first again (ends a polygon)."""
    # Bring the map into view at once, and wait for any (smooth) scrolling to end: the
    # clicks are placed from the map's position when they start.
    driver.execute_script(
        "document.getElementById('grid-map')"
        ".scrollIntoView({block: 'nearest', behavior: 'instant'})"
    )
    last: list[Any] = [None]

    def still(_: Any) -> bool:
        now = driver.execute_script(
            "return [window.scrollY, document.getElementById('grid-map')"
            ".getBoundingClientRect().top]"
        )
        steady, last[0] = now == last[0], now
        return steady

    WebDriverWait(driver, WAIT_SECONDS, poll_frequency=0.2).until(still, "the page kept scrolling")
    script = (
        "const shell = document.getElementById('grid-map');"
        "const map = window[shell.dataset.mapVar];"
        "const size = map.getSize();"
        "return {node: map.getContainer(), w: size.x, h: size.y, points: arguments[0].map("
        "  ([lon, lat]) => { const p = map.latLngToContainerPoint([lat, lon]);"
        "    return [p.x, p.y]; })};"
    )
    found = driver.execute_script(script, [list(p) for p in points])
    node, width, height = found["node"], found["w"], found["h"]
    for x, y in [*found["points"], found["points"][0]]:
        assert 0 < x < width and 0 < y < height, (x, y)
        ActionChains(driver).move_to_element_with_offset(
            node, int(x - width / 2), int(y - height / 2)
        ).click().perform()


def member_row(panel: WebElement, member_id: int) -> WebElement:
    return panel.find_element(By.CSS_SELECTOR, f".cell-members tr[data-member-id='{member_id}']")


def stored_area(app: Flask, member_id: int) -> Any:
    with app.app_context():
        member = db.session.get(Member, member_id)
        assert member is not None
        area = member.responsibility_area
        db.session.rollback()
        return None if area is None else to_shape(area)


def test_coordinator_draws_a_responsibility_area_and_one_outside_the_cell_is_refused(
    app: Flask, login_as: LoginAs, live_server: str, world: World, area_members: AreaMembers
) -> None:
    driver = login_as("t_coordinator")
    driver.get(f"{live_server}/coverage")
    wait_ready(driver, "coverage")
    a1n = world.cells["A1N"]
    driver.find_element(By.CSS_SELECTOR, "#grid-map .map-legend summary").click()
    driver.find_element(By.CSS_SELECTOR, f"path.cov-cell[data-cell-id='{a1n}']").click()
    panel = panel_ready(driver, a1n)

    # The hub's area is on the map (marked as a 党员中心户), listed as drawn; the other not.
    hub_path = driver.find_element(
        By.CSS_SELECTOR, f"path.resp-area[data-member-id='{area_members.hub}']"
    )
    assert "resp-hub" in (hub_path.get_attribute("class") or "")
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.resp-area")) == 1
    summary = panel.find_element(By.CSS_SELECTOR, ".resp-summary").text
    assert summary == "责任区：已划定 1 名 / 未划定 1 名"
    hub_row = member_row(panel, area_members.hub)
    assert hub_row.find_element(By.CSS_SELECTOR, ".resp-state").text == "已划定"
    assert hub_row.find_element(By.CSS_SELECTOR, "td").text == HUB_NAME
    ActionChains(driver).move_to_element(hub_path).perform()
    tip = WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip.resp-tooltip"),
        "no tooltip on the area",
    )[0]
    assert HUB_NAME in tip.text and "党员中心户（12 户）" in tip.text
    row = member_row(panel, area_members.member)
    assert row.find_element(By.CSS_SELECTOR, ".resp-state").text == "未划定"

    # Draw the member's area inside A1N: it is saved, drawn and listed.
    row.find_element(By.CSS_SELECTOR, "button.resp-draw").click()
    assert panel.get_attribute("data-drawing") == str(area_members.member)
    assert "划定责任区" in panel.find_element(By.CSS_SELECTOR, ".panel-status").text
    inside = [(116.4050, 39.9060), (116.4085, 39.9060), (116.4085, 39.9085), (116.4050, 39.9085)]
    click_map_at(driver, inside)

    def status_has(text: str) -> Callable[[Any], bool]:
        def check(_: Any) -> bool:  # one script: the panel may be redrawn meanwhile
            state, shown = driver.execute_script(
                "const p = document.getElementById('cell-panel');"
                "const s = p.querySelector('.panel-status');"
                "return [p.dataset.state, s ? s.textContent : ''];"
            )
            return bool(state == "ready" and text in shown)

        return check

    WebDriverWait(driver, WAIT_SECONDS).until(status_has("已划定 钱党员 的责任区"), "not saved")
    saved = stored_area(app, area_members.member)
    assert saved is not None
    assert saved.bounds == pytest.approx((116.4050, 39.9060, 116.4085, 39.9085), abs=2e-5)
    assert driver.find_elements(
        By.CSS_SELECTOR, f"path.resp-area[data-member-id='{area_members.member}']"
    )
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.resp-area")) == 2
    panel = panel_ready(driver, a1n)
    row = member_row(panel, area_members.member)
    assert row.find_element(By.CSS_SELECTOR, ".resp-state").text == "已划定"
    summary = panel.find_element(By.CSS_SELECTOR, ".resp-summary").text
    assert summary == "责任区：已划定 2 名 / 未划定 0 名"

    # Redrawn across into A1S (south of 39.905): refused with the server's reason, kept
    # on the map in red; the stored area is unchanged.
    row.find_element(By.CSS_SELECTOR, "button.resp-draw").click()
    outside = [(116.4050, 39.9030), (116.4085, 39.9030), (116.4085, 39.9070), (116.4050, 39.9070)]
    click_map_at(driver, outside)
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda _: (
            "error"
            in (panel.find_element(By.CSS_SELECTOR, ".panel-status").get_attribute("class") or "")
        ),
        "no refusal shown",
    )
    message = panel.find_element(By.CSS_SELECTOR, ".panel-status").text
    assert message.startswith("划定失败：责任区必须在党员所住的网格")
    assert "甲一社区第1网格" in message
    assert driver.find_elements(By.CSS_SELECTOR, "path.resp-rejected")
    assert stored_area(app, area_members.member).equals(saved)
    assert driver.execute_script("return window.__alerts") == []

    # 撤销责任区 clears it again.
    row = member_row(panel, area_members.member)
    row.find_element(By.CSS_SELECTOR, "button.resp-clear").click()
    WebDriverWait(driver, WAIT_SECONDS).until(status_has("已撤销 钱党员 的责任区"), "not cleared")
    assert stored_area(app, area_members.member) is None
    assert driver.find_elements(By.CSS_SELECTOR, "path.resp-rejected") == []
    assert len(driver.find_elements(By.CSS_SELECTOR, "path.resp-area")) == 1
