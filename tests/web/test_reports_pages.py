"""The report pages (/reports/…) on the test world with its grid work (tests/web/scope_world.py):
who may open which report (403 outside the scope, 404 unknown, like the other pages), the
figures exactly as the coverage services give them, and no personal data in any report."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, update

from gridapp import ROOT
from gridapp.core.clock import local_today
from gridapp.extensions import db
from gridapp.models import CellAssignment, User, UserScope
from gridapp.services.coverage import report as sc
from gridapp.services.organisations.coverage import coverage_report
from gridapp.services.reports import content
from tests.conftest import PASSWORD, login
from tests.web.scope_world import ROLES, GridWork, markers
from tests.world import World

UNKNOWN = 2**31 - 1
# What each role may report on: subdistricts A, B; communities A1, A2, B1 (tests/world.py:
# coordinator of A, grid manager of A1, field worker of cell A1N).
MAY = {
    "t_admin": {"A", "B", "A1", "A2", "B1"},
    "t_coordinator": {"A", "A1", "A2"},
    "t_manager": {"A1"},
    "t_field": set(),
}
PLACES = ("A", "B", "A1", "A2", "B1")
NAMES = {"A": "测试甲街道", "B": "测试乙街道", "A1": "甲一社区", "A2": "甲二社区", "B1": "乙一社区"}
# Marked rows that name a person: none of them is ever in a report, whoever reads it.
PERSONAL = {
    "household", "household_phone", "visit_note", "secretary", "committee_secretary",
    "root_secretary", "member", "team_member", "worker",
}  # fmt: skip


def url(world: World, key: str) -> str:
    if len(key) == 1:
        return f"/reports/subdistricts/{world.subdistricts[key]}"
    return f"/reports/communities/{world.communities[key]}"


class Tables(HTMLParser):
    """The text of every cell of the tables with an id, row by row; and the tags seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table" and a.get("id"):
            self.current = a["id"]
            self.tables[self.current or ""] = []
        elif tag == "tr" and self.current:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None and self.current:
            self.tables[self.current].append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def parse(html: str) -> Tables:
    tables = Tables()
    tables.feed(html)
    return tables


def _user(world: World, username: str) -> User:
    return db.session.get_one(User, world.users[username])


# --- who may open what -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/reports/", "/reports/subdistricts/1", "/reports/communities/1"])
def test_report_pages_redirect_to_login_when_logged_out(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_a_report_opens_in_scope_and_is_refused_outside(
    clients: dict[str, FlaskClient], grid: GridWork, world: World, role: str, place: str
) -> None:
    response = clients[role].get(url(world, place))
    html = response.get_data(as_text=True)
    if place in MAY[role]:
        assert response.status_code == 200, html
        title = NAMES[place] if len(place) == 1 else NAMES[place[0]] + NAMES[place]
        assert f"<h1>{title}</h1>" in html
    else:
        assert response.status_code == 403, html
        # the refusal names the id only, never what lies there
        assert NAMES[place] not in html.split("<main>")[1]


@pytest.mark.parametrize("role", ROLES)
def test_unknown_places_are_404_for_those_who_may_report(
    clients: dict[str, FlaskClient], world: World, role: str
) -> None:
    expected = 403 if role == "t_field" else 404  # the role is refused before the id
    for path in (f"/reports/subdistricts/{UNKNOWN}", f"/reports/communities/{UNKNOWN}"):
        assert clients[role].get(path).status_code == expected
    # beyond int32: no row, whatever the role
    assert clients[role].get("/reports/communities/99999999999").status_code == 404


def test_a_manager_whose_communities_cover_the_subdistrict_may_report_on_it(
    app: Flask, world: World, db_session: None
) -> None:
    with app.app_context():
        user = User(
            username="t_manager_a", display_name="甲街道网格管理员", role="grid_manager",
            scopes=[UserScope(community_id=world.communities[c]) for c in ("A1", "A2")],
        )  # fmt: skip
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    client = login(app.test_client(), "t_manager_a")
    assert client.get(url(world, "A")).status_code == 200
    assert client.get(url(world, "B")).status_code == 403
    index = client.get("/reports/").get_data(as_text=True)
    assert f'href="{url(world, "A")}"' in index


@pytest.mark.parametrize("role", ROLES)
def test_the_index_lists_the_places_each_role_may_report_on(
    clients: dict[str, FlaskClient], world: World, role: str
) -> None:
    response = clients[role].get("/reports/")
    if not MAY[role]:
        assert response.status_code == 403
        return
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    linked = {p for p in PLACES if f'href="{url(world, p)}"' in html}
    assert linked == MAY[role]
    if role == "t_manager":  # their subdistrict is named, its report not offered
        assert "测试甲街道" in html and "街道报告需管辖整个街道" in html
        assert "测试乙街道" not in html


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_offers_reports_to_the_roles_that_may_use_them(
    clients: dict[str, FlaskClient], role: str
) -> None:
    html = clients[role].get("/").get_data(as_text=True)
    menu = html[html.index('<nav class="main-nav"') : html.index("</nav>")]
    assert ('href="/reports/"' in menu) == bool(MAY[role])


# --- the figures ---------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "place"), [("t_coordinator", "A"), ("t_manager", "A1")])
def test_report_figures_are_the_coverage_services_figures(
    app: Flask, world: World, grid: GridWork, role: str, place: str
) -> None:
    with app.app_context():
        user = _user(world, role)
        if len(place) == 1:
            where = content.subdistrict_place(user, world.subdistricts[place])
            org = coverage_report(user, subdistrict_id=world.subdistricts[place])
        else:
            where = content.community_place(user, world.communities[place])
            org = coverage_report(user, community_id=world.communities[place])
        fig = content.figures(user, where)
        net, cov = sc.compute(user, where.subdistrict_id, sc.Params())
        service = sc.report(user, net, cov)
    ids = [c["cell_id"] for c in fig.cells]
    wanted = {world.cells[k] for k in world.cells if k.startswith(place)}
    assert set(ids) == wanted
    by_id = {c["cell_id"]: c for c in service["cells"]}
    org_by_id = {c["cell_id"]: c for c in org["cells"]}
    for row in fig.cells:
        s, o = by_id[row["cell_id"]], org_by_id[row["cell_id"]]
        for key in ("households", "residents", "households_covered", "share_households",
                    "uncovered_buildings"):  # fmt: skip
            assert row[key] == s[key], key
        assert row["households_outside"] == s["households"] - s["households_covered"]
        assert (row["party_orgs"], row["workers"], row["teams"], row["hubs"]) == (
            len(o["party_orgs"]), len(o["workers"]), len(o["teams"]), o["hubs"],
        )  # fmt: skip
        assert row["blind_spot"] == o["blind_spot"]
    assert fig.organisation == org["total"]
    totals = ("households", "residents", "households_covered", "residents_covered")
    assert {k: fig.service[k] for k in totals} == {k: sum(by_id[i][k] for i in ids) for k in totals}
    if len(place) == 1:  # the whole subdistrict: the service's own summary
        assert fig.service == service["summary"]
    assert fig.service["buildings"] == len(ids)  # one home per cell in the test world
    assert fig.org_blind_spots == [c for c in fig.cells if c["blind_spot"]]
    assert fig.service_blind_spots == [c for c in fig.cells if c["uncovered_buildings"]]
    assert len(fig.gaps) == sum(c["uncovered_buildings"] for c in fig.cells)


def test_the_page_prints_the_figures(
    app: Flask, clients: dict[str, FlaskClient], world: World, grid: GridWork
) -> None:
    html = clients["t_coordinator"].get(url(world, "A")).get_data(as_text=True)
    with app.app_context():
        user = _user(world, "t_coordinator")
        fig = content.figures(user, content.subdistrict_place(user, world.subdistricts["A"]))
    tables = parse(html).tables
    rows = tables["report-cells"][1:-1]  # header and total left out
    assert [r[1] for r in rows] == [c["name"] for c in fig.cells]
    # 图号, 网格, 编码, 社区, 户数, 人口, 党组织, 网格员, 服务队, 党员中心户, 占比, 圈外楼栋
    assert [(r[2], int(r[4]), int(r[5])) for r in rows] == [
        (c["code"], c["households"], c["residents"]) for c in fig.cells
    ]
    assert [r[6:10] for r in rows] == [
        [str(c[k] or "缺") for k in ("party_orgs", "workers", "teams")] + [str(c["hubs"])]
        for c in fig.cells
    ]
    total = tables["report-cells"][-1]
    assert total[0] == "合计" and int(total[1]) == fig.service["households"]
    items = {r[0]: r[1:] for r in tables["org-items"][1:]}
    assert items["党组织"][0] == str(fig.organisation["items"]["party_org"]["cells"])
    households = tables["service-summary"][1]
    assert households[:4] == ["户数", str(fig.service["households_covered"]),
                              str(fig.service["households"] - fig.service["households_covered"]),
                              str(fig.service["households"])]  # fmt: skip
    # the map: one numbered shape per cell, the date and the walk of the report
    assert html.count('class="map-cell ') == len(fig.cells)
    assert fig.day == local_today()  # the Beijing day, whatever the server's time zone
    assert f'<time datetime="{fig.day.isoformat()}">' in html
    assert "沿步行路网 15 分钟" in html


def test_blind_spots_list_the_cells_missing_an_organisation(
    app: Flask, clients: dict[str, FlaskClient], world: World, grid: GridWork
) -> None:
    html = clients["t_coordinator"].get(url(world, "A")).get_data(as_text=True)
    assert "盲点清单" in html and 'id="org-blind-spots"' not in html  # every cell has all
    with app.app_context():  # the team of A2S stops answering for it
        db.session.execute(
            update(CellAssignment)
            .where(CellAssignment.team_id == grid.team["A2S"])
            .values(ended_at=func.now())
        )
        db.session.commit()
    html = clients["t_coordinator"].get(url(world, "A")).get_data(as_text=True)
    rows = parse(html).tables["org-blind-spots"][1:]
    assert [(r[1], r[-1]) for r in rows] == [(grid.names["A2S"], "服务队")]
    assert "缺少党组织、网格员或服务队的网格（1 个）" in html
    # a community's report lists only its own cells
    html = clients["t_coordinator"].get(url(world, "A1")).get_data(as_text=True)
    assert 'id="org-blind-spots"' not in html


def test_no_report_holds_personal_data_or_rows_outside_its_place(
    clients: dict[str, FlaskClient], world: World, grid: GridWork
) -> None:
    marks = markers(grid)
    personal = [m.text for m in marks if m.kind in PERSONAL]
    assert len(personal) > 20  # the check is not vacuous
    for role in ROLES:
        for place in MAY[role]:
            html = clients[role].get(url(world, place)).get_data(as_text=True)
            found = [text for text in personal if text in html]
            assert found == [], (role, place)
            # nothing of another place: rows are marked with the place they belong to
            elsewhere = [
                m.text for m in marks
                if m.kind in ("cell", "community", "subdistrict") and not m.place.startswith(place)
                and not (len(place) == 2 and m.kind == "subdistrict" and m.place == place[0])
            ]  # fmt: skip
            assert [t for t in elsewhere if t in html] == [], (role, place)


def test_the_page_prints_on_a4_with_a_print_button(
    clients: dict[str, FlaskClient], world: World, grid: GridWork
) -> None:
    html = clients["t_coordinator"].get(url(world, "A")).get_data(as_text=True)
    tags = parse(html).tags
    sheets = [a.get("href") for t, a in tags if t == "link" and a.get("rel") == "stylesheet"]
    assert "/static/css/reports.css" in sheets
    scripts = [a.get("src") for t, a in tags if t == "script" and a.get("src")]
    assert "/static/js/reports/print.js" in scripts
    assert not any("leaflet" in (s or "") or "chart" in (s or "") for s in scripts)
    assert any(t == "button" and a.get("id") == "print-report" for t, a in tags)
    assert any(t == "svg" and "report-map-svg" in (a.get("class") or "") for t, a in tags)
    css = (ROOT / "static" / "css" / "reports.css").read_text(encoding="utf-8")
    assert re.search(r"@page\s*{[^}]*size:\s*A4", css)
    assert '"WenQuanYi Zen Hei"' in css
    assert "break-inside: avoid" in css and "table-header-group" in css
