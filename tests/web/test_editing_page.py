"""The editor page as HTML: editors only, only local assets (Geoman vendored), the API routes
it names exist, and the map page links to it for editors only."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from flask.testing import FlaskClient

from gridapp import ROOT
from tests.conftest import login
from tests.web.test_map_page import module_imports
from tests.world import World

EDITOR_MODULES = {
    "/static/js/editing/page.js",
    "/static/js/editing/api.js",
    "/static/js/editing/map.js",
    "/static/js/editing/ops.js",
    "/static/js/editing/panel.js",
    "/static/js/editing/refusals.js",
    "/static/js/editing/view.js",
    "/static/js/editing/shared-vertices.js",
    "/static/js/editing/polygon-union.js",
    "/static/js/common/api.js",
    "/static/js/common/map-layers.js",
}


class EditorPage(HTMLParser):
    """Script sources (and inline scripts, as None), stylesheets and the editor's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.stylesheets: list[str] = []
        self.editor: dict[str, str | None] = {}
        self.links: list[tuple[str, str]] = []
        self._in_link: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a.get("src"))
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href") or "")
        elif tag == "a":
            self._in_link = a.get("href") or ""
        if a.get("id") == "editor":
            self.editor = a

    def handle_data(self, data: str) -> None:
        if self._in_link is not None and data.strip():
            self.links.append((self._in_link, data.strip()))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._in_link = None


def css_files(client: FlaskClient, url: str) -> list[str]:
    """Files a stylesheet refers to with url(...); data: URLs (and what they embed) left out."""
    with client.get(url) as response:
        source = response.get_data(as_text=True)
    source = re.sub(r"""url\(\s*(['"])data:.*?\1\s*\)""", "", source, flags=re.S)
    refs = re.findall(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""", source)
    return [urljoin(url, r) for r in refs if not r.startswith(("data:", "#"))]


def parse(html: str) -> EditorPage:
    page = EditorPage()
    page.feed(html)
    return page


@pytest.mark.parametrize("username", ["t_manager", "t_admin"])
def test_editors_get_the_editor_page(client: FlaskClient, username: str) -> None:
    response = login(client, username).get("/edit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = parse(html)
    assert page.editor["data-ready"] == "false"
    assert "网格编辑" in html
    for text in ("调整边界", "分割", "合并", "新建网格", "撤销上一步", "放弃修改", "保存修改"):
        assert text in html


@pytest.mark.parametrize("username", ["t_coordinator", "t_field"])
def test_coordinators_and_field_staff_are_sent_back_with_a_message(
    client: FlaskClient, username: str
) -> None:
    login(client, username)
    response = client.get("/edit")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "只有网格管理员和系统管理员可以编辑网格" in page
    assert 'href="/edit"' not in page


def test_editor_page_redirects_to_login_when_logged_out(client: FlaskClient) -> None:
    response = client.get("/edit")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_editor_loads_scripts_and_styles_only_from_static(as_manager: FlaskClient) -> None:
    html = as_manager.get("/edit").get_data(as_text=True)
    page = parse(html)
    sources = [s for s in page.scripts if s]
    assert "/static/vendor/leaflet/leaflet.js" in sources
    assert "/static/vendor/leaflet-geoman/leaflet-geoman.js" in sources
    assert "/static/js/editing/page.js" in sources
    assert "/static/vendor/leaflet-geoman/leaflet-geoman.css" in page.stylesheets
    assert "/static/css/editing.css" in page.stylesheets
    for url in sources + page.stylesheets:
        assert url.startswith(("/static/vendor/", "/static/js/", "/static/css/")), url
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    # Geoman hooks into L.Map when it loads: it must come before the inline script that
    # creates the map (folium's), which must come before the editor module.
    inline = page.scripts.index(None)
    assert page.scripts.index("/static/vendor/leaflet-geoman/leaflet-geoman.js") < inline
    assert inline < page.scripts.index("/static/js/editing/page.js")


def test_every_asset_the_editor_uses_is_served(as_manager: FlaskClient) -> None:
    page = parse(as_manager.get("/edit").get_data(as_text=True))
    urls = [s for s in page.scripts if s] + page.stylesheets
    pending = [s for s in urls if s.startswith("/static/js/")]
    seen: set[str] = set()
    while pending:  # ES modules import each other: follow every import
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        pending += module_imports(as_manager, url)
    assert seen >= EDITOR_MODULES
    urls += sorted(seen)
    for href in page.stylesheets:
        urls += css_files(as_manager, href)
    for url in urls:
        assert (ROOT / url.lstrip("/")).is_file(), url
        with as_manager.get(url) as response:
            assert response.status_code == 200, url


def test_editor_names_api_routes_that_answer(as_manager: FlaskClient, world: World) -> None:
    page = parse(as_manager.get("/edit").get_data(as_text=True))
    urls = json.loads(page.editor["data-api-urls"] or "")
    placeholder = page.editor["data-id-placeholder"] or ""
    assert set(urls) >= {"cells", "save", "split", "merge", "draw", "rename", "history", "revert"}
    for key in ("split", "rename", "history", "revert"):
        assert placeholder in urls[key], key
    cell = str(world.cells["A1N"])
    assert as_manager.get(urls["history"].replace(placeholder, cell)).status_code == 200
    response = as_manager.get(urls["cells"], query_string={"community_id": world.communities["A1"]})
    assert response.status_code == 200
    assert len(response.get_json()["features"]) == 2
    for key in ("save", "merge", "draw"):
        assert urls[key].startswith("/api/")


@pytest.mark.parametrize(
    ("username", "sees_link"),
    [("t_manager", True), ("t_admin", True), ("t_coordinator", False), ("t_field", False)],
)
def test_map_page_links_to_the_editor_for_editors_only(
    client: FlaskClient, username: str, sees_link: bool
) -> None:
    html = login(client, username).get("/").get_data(as_text=True)
    links = parse(html).links
    assert (("/edit", "编辑网格") in links) is sees_link
    assert ("编辑网格" in html) is sees_link
