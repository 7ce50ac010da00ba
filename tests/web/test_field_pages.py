"""The field pages as HTML (网格员 on a phone): login required, who may open which page and
which controls they get, 404 for a cell outside the scope, only local assets, the API routes
the scripts read, the web app manifest and the service worker (types, scope, the app shell),
the menu link, where a grid worker lands after logging in, and what logout clears."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from gridapp import ROOT
from tests.conftest import PASSWORD, login
from tests.web.module_graph import module_graph
from tests.world import World

PAGES = {
    "/field/": "home",
    "/field/log": "log",
    "/field/events": "events",
    "/field/visits": "visits",
}
ROLES = ("t_admin", "t_coordinator", "t_manager", "t_field")
RECORDERS = {"t_admin", "t_manager", "t_field"}


class Page(HTMLParser):
    """Script sources, stylesheets, links and the attributes of elements with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.links: dict[str, dict[str, str | None]] = {}
        self.anchors: list[str] = []
        self.ids: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"] or "")
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href") or "")
        elif tag == "link" and a.get("rel"):
            self.links[a["rel"] or ""] = a
        elif tag == "a" and a.get("href"):
            self.anchors.append(a["href"] or "")
        if a.get("id"):
            self.ids[a["id"] or ""] = a


def page(client: FlaskClient, url: str) -> tuple[str, Page]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data(as_text=True)
    parsed = Page()
    parsed.feed(html)
    return html, parsed


def cell_url(world: World, key: str) -> str:
    return f"/field/cells/{world.cells[key]}"


@pytest.mark.parametrize("url", [*PAGES, "/field/cells/1", "/field/sw.js"])
def test_field_pages_redirect_to_login_when_logged_out(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("username", ROLES)
def test_every_role_opens_every_field_page_with_the_controls_of_its_role(
    app: Flask, world: World, username: str
) -> None:
    client = login(app.test_client(), username)
    for url, name in {**PAGES, cell_url(world, "A1N"): "cell"}.items():
        html, parsed = page(client, url)
        root = parsed.ids["field"]
        assert root["data-page"] == name, url
        assert root["data-state"] == "loading", url  # the script fills the page from the API
        assert root["data-can-record"] == ("true" if username in RECORDERS else "false"), url
        assert f"/static/js/field/{'cell' if name == 'cell' else name}.js" in parsed.scripts
        assert "/static/css/field.css" in parsed.stylesheets
        assert parsed.links["manifest"]["href"] == "/field/manifest.webmanifest"
        # the tabs between the field pages
        for tab in PAGES:
            assert tab in parsed.anchors, (url, tab)
        # the outbox badge on every field page
        assert 'class="outbox-badge"' in html and "待上传" in html, url
        # write forms only for those who record
        recorder = username in RECORDERS
        if name in ("cell", "visits"):
            assert ("visit-dialog" in parsed.ids) == recorder, url
        if name == "visits":
            # a grid worker's own log; those who oversee pick a worker (the per-worker log)
            assert ("visit-worker" in parsed.ids) == (username != "t_field")
        if name == "cell":
            assert ("event-dialog" in parsed.ids) == recorder
            assert ('class="report-event' in html) == recorder
        if name == "log":
            assert ("log-day" in parsed.ids) == recorder
            # everyone but a grid worker searches the log; a grid worker sees their own
            assert ("search-q" in parsed.ids) == (username != "t_field")


def test_the_visit_form_starts_with_a_home_visit_and_takes_a_photo(
    as_field: FlaskClient, world: World
) -> None:
    html, _ = page(as_field, cell_url(world, "A1N"))
    methods = re.findall(r'name="method" value="(\w+)"( checked)?', html)
    assert methods == [("home", " checked"), ("phone", ""), ("street", "")]
    assert re.search(
        r'<input type="file" name="photo" accept="image/\*" capture="environment">', html
    )
    categories = re.findall(r'name="category" value="(\w+)"', html)
    assert categories == ["sanitation", "safety", "dispute", "facility", "order", "other"]


@pytest.mark.parametrize(
    ("username", "visible", "hidden"),
    [
        ("t_field", ["A1N"], ["A1S", "A2N", "B1X"]),
        ("t_manager", ["A1N", "A1S"], ["A2N", "B1X"]),
        ("t_coordinator", ["A1N", "A2S"], ["B1X"]),
        ("t_admin", ["A1N", "B1X"], []),
    ],
)
def test_a_cell_page_outside_the_scope_is_a_chinese_404(
    app: Flask, world: World, username: str, visible: list[str], hidden: list[str]
) -> None:
    client = login(app.test_client(), username)
    for key in visible:
        html, _ = page(client, cell_url(world, key))
        assert f'data-cell-id="{world.cells[key]}"' in html
    for url in [*(cell_url(world, key) for key in hidden), "/field/cells/999999999"]:
        response = client.get(url)
        assert response.status_code == 404, (username, url)
        text = response.get_data(as_text=True)
        assert "未找到该网格" in text and 'lang="zh-CN"' in text
        assert "甲二社区" not in text and "乙一社区" not in text  # nothing of the cell shows


def test_field_pages_name_the_api_routes_their_scripts_read_and_write(
    as_field: FlaskClient, world: World
) -> None:
    urls: dict[str, str] = {}
    for url in [*PAGES, cell_url(world, "A1N")]:
        _, parsed = page(as_field, url)
        urls |= json.loads(parsed.ids["field"]["data-api-urls"] or "")
    cell = world.cells["A1N"]
    for key in ("my_cells", "due", "visits", "events", "field_logs", "sheet", "me", "cells",
                "communities", "buildings", "streets", "service_points"):  # fmt: skip
        response = as_field.get(urls[key].replace("{id}", str(cell)))
        assert response.status_code == 200 and response.is_json, key
    assert urls["record_visit"] == "/api/visits" and urls["report_event"] == "/api/events"
    assert urls["write_field_log"] == "/api/field-logs"
    assert urls["close_event"] == "/api/events/{id}/close"
    assert urls["cell_page"] == "/field/cells/{id}"


def test_field_pages_load_scripts_and_styles_only_from_static(
    as_field: FlaskClient, world: World
) -> None:
    for url in [*PAGES, cell_url(world, "A1N")]:
        html, parsed = page(as_field, url)
        for src in parsed.scripts + parsed.stylesheets:
            assert src.startswith(("/static/vendor/", "/static/js/", "/static/css/")), src
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), url


def test_the_service_worker_is_served_for_the_field_scope_with_the_whole_app_shell(
    as_field: FlaskClient, world: World
) -> None:
    response = as_field.get("/field/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/field/"
    assert "no-cache" in response.headers["Cache-Control"]
    source = response.get_data(as_text=True)
    shell = json.loads(re.search(r"const SHELL = new Set\((\[.*?\])\);", source).group(1))  # type: ignore[union-attr]
    assert '"gridapp-field-"' in source and 'const SCOPE = "/field/"' in source
    # every script and stylesheet a field page uses (through its imports too) is in the shell
    used: set[str] = set()
    for url in [*PAGES, cell_url(world, "A1N")]:
        _, parsed = page(as_field, url)
        used |= set(parsed.stylesheets)
        for src in parsed.scripts:
            used |= module_graph(as_field, src) if src.startswith("/static/js/") else {src}
    assert used <= set(shell), used - set(shell)
    for url in shell:
        assert (ROOT / url.lstrip("/")).is_file(), url
    # the version follows the files: the same twice, a hash
    version = re.search(r'const VERSION = "([0-9a-f]{16})";', source)
    assert version is not None
    assert version.group(1) in as_field.get("/field/sw.js").get_data(as_text=True)


def test_the_manifest_names_the_field_pages_as_an_app(as_field: FlaskClient) -> None:
    response = as_field.get("/field/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["start_url"] == "/field/" and manifest["scope"] == "/field/"
    assert manifest["display"] == "standalone" and manifest["lang"] == "zh-CN"
    for icon in manifest["icons"]:
        assert (ROOT / icon["src"].lstrip("/")).is_file()
    # home screens that want bitmaps get PNGs of the sizes they ask for
    pngs = {
        i["sizes"]: ROOT / i["src"].lstrip("/")
        for i in manifest["icons"]
        if i["type"] == "image/png"
    }
    assert set(pngs) == {"192x192", "512x512"}
    for size, path in pngs.items():
        with Image.open(path) as image:
            assert (image.format, f"{image.width}x{image.height}") == ("PNG", size)


@pytest.mark.parametrize(
    ("username", "links", "no_links"),
    [
        ("t_field", ["/field/"], ["/field/events", "/field/log"]),
        ("t_manager", ["/field/"], ["/field/events"]),
        ("t_admin", ["/field/"], ["/field/events"]),
        ("t_coordinator", ["/field/events", "/field/log"], ["/field/"]),
    ],
)
def test_the_menu_links_the_field_pages(
    app: Flask, world: World, username: str, links: list[str], no_links: list[str]
) -> None:
    client = login(app.test_client(), username)
    html = client.get("/").get_data(as_text=True)
    menu = html[html.index('<nav class="main-nav"') : html.index("</nav>")]
    for link in links:
        assert f'href="{link}"' in menu, (username, link)
    for link in no_links:
        assert f'href="{link}"' not in menu, (username, link)


@pytest.mark.parametrize(
    ("username", "landing"), [("t_field", "/field/"), ("t_manager", "/"), ("t_coordinator", "/")]
)
def test_a_grid_worker_lands_on_my_cells_after_logging_in(
    app: Flask, world: World, username: str, landing: str
) -> None:
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == landing
    # an asked-for page still wins
    other = app.test_client().post(
        "/login?next=/service", data={"username": username, "password": PASSWORD}
    )
    assert other.headers["Location"] == "/service"
    # and a logged-in user opening /login goes to the same landing page
    assert client.get("/login").headers["Location"] == landing


def test_logout_clears_the_browser_cache_and_every_page_knows_its_user(
    as_field: FlaskClient, world: World
) -> None:
    html = as_field.get("/").get_data(as_text=True)
    assert f'data-user-id="{world.users["t_field"]}"' in html
    assert "/static/js/common/offline-session.js" in html
    response = as_field.post("/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert "offline-session.js" not in as_field.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(
    ("username", "status"),
    [("t_admin", 200), ("t_coordinator", 403), ("t_manager", 403), ("t_field", 403)],
)
def test_the_access_log_page_is_for_admins_only(
    app: Flask, world: World, username: str, status: int
) -> None:
    response = login(app.test_client(), username).get("/field/access")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    if status == 200:
        assert 'data-api-url="/api/household-access"' in html
        assert "/static/js/field/access.js" in html and 'href="/field/access"' in html
    else:
        assert "只有系统管理员" in html and "/static/js/field/access.js" not in html
        assert 'href="/field/access"' not in html  # no menu entry either
