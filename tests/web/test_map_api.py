"""The JSON API on real PostGIS: login, scope per role, bbox, filters, errors, GeoJSON shape.

The world (tests/world.py): subdistrict A with communities A1 and A2 (cells A1N, A1S, A2N,
A2S), subdistrict B with community B1 (cell B1X); one service point per community, one
building per cell, one street per community. Coordinator: A; manager: A1; field: A1N.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import Schema
from sqlalchemy import select

from gridapp.errors import HTTP_MESSAGES
from gridapp.extensions import db
from gridapp.models import StreetEdge
from gridapp.web.map import schemas
from tests.conftest import login
from tests.world import World

CJK = re.compile(r"[\u4e00-\u9fff]")
ROLES = ("t_admin", "t_coordinator", "t_manager", "t_field")

# Bounds of the world's communities (minLon, minLat, maxLon, maxLat).
A1 = (116.40, 39.90, 116.41, 39.91)
A2 = (116.41, 39.90, 116.42, 39.91)
B1 = (116.50, 39.90, 116.51, 39.91)

COLLECTIONS = {
    "/api/communities": ("MultiPolygon", schemas.CommunityProps),
    "/api/cells": ("MultiPolygon", schemas.CellProps),
    "/api/service-points": ("Point", schemas.ServicePointProps),
    "/api/buildings": ("MultiPolygon", schemas.BuildingProps),
    "/api/streets": ("LineString", schemas.StreetProps),
}


def _json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.json


def _ids(body: dict[str, Any]) -> set[int]:
    assert body["type"] == "FeatureCollection"
    return {f["id"] for f in body["features"]}


def _assert_app_error(body: Any, status: int) -> None:
    """The app's JSON error body: numeric code, status name and a Chinese message."""
    assert isinstance(body, dict)
    assert body["code"] == status
    assert isinstance(body["status"], str) and body["status"]
    assert CJK.search(body["message"]), body["message"]


def _bbox(minx: float, miny: float, maxx: float, maxy: float) -> str:
    return f"{minx},{miny},{maxx},{maxy}"


@pytest.fixture(scope="module")
def role_clients(app: Flask, world: World) -> dict[str, FlaskClient]:
    """One logged-in client per role, shared by this module's read-only tests."""
    return {username: login(app.test_client(), username) for username in ROLES}


@pytest.fixture
def admin(role_clients: dict[str, FlaskClient]) -> FlaskClient:
    return role_clients["t_admin"]


@pytest.fixture
def coordinator(role_clients: dict[str, FlaskClient]) -> FlaskClient:
    return role_clients["t_coordinator"]


@pytest.fixture
def manager(role_clients: dict[str, FlaskClient]) -> FlaskClient:
    return role_clients["t_manager"]


@pytest.fixture
def field(role_clients: dict[str, FlaskClient]) -> FlaskClient:
    return role_clients["t_field"]


@pytest.fixture(scope="module")
def street_ids(app: Flask, world: World) -> dict[str, set[int]]:
    """The world's street edges per subdistrict key ("A", "B")."""
    with app.app_context():
        rows = db.session.execute(
            select(StreetEdge.id, StreetEdge.subdistrict_id).where(
                StreetEdge.subdistrict_id.in_(world.subdistricts.values())
            )
        ).all()
    by_id = {sub_id: key for key, sub_id in world.subdistricts.items()}
    out: dict[str, set[int]] = {"A": set(), "B": set()}
    for street_id, sub_id in rows:
        out[by_id[sub_id]].add(street_id)
    return out


# --- login -------------------------------------------------------------------------------


def _api_requests(app: Flask, world: World) -> list[tuple[str, str]]:
    """(method, url) of every route the app registers under /api, a real id for each argument."""
    any_id = str(world.cells["A1N"])
    return sorted(
        (method, re.sub(r"<[^>]+>", any_id, rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    )


def test_every_api_route_answers_401_json_without_login(
    app: Flask, world: World, client: FlaskClient
) -> None:
    requests = _api_requests(app, world)
    assert ("GET", "/api/openapi.json") in requests
    assert len(requests) >= 9
    for method, url in requests:
        response = client.open(url, method=method)
        assert response.status_code == 401, (method, url)
        assert response.mimetype == "application/json"
        _assert_app_error(response.json, 401)
        assert response.json["message"] == HTTP_MESSAGES[401]


def test_api_refuses_a_logged_out_client_after_logout(as_field: FlaskClient) -> None:
    _json(as_field, "/api/me")
    assert as_field.post("/logout").status_code == 302
    _assert_app_error(_json(as_field, "/api/me", 401), 401)


# --- scope per role ----------------------------------------------------------------------

CELLS_BY_ROLE = {
    "t_admin": {"A1N", "A1S", "A2N", "A2S", "B1X"},
    "t_coordinator": {"A1N", "A1S", "A2N", "A2S"},
    "t_manager": {"A1N", "A1S"},
    "t_field": {"A1N"},
}
COMMUNITIES_BY_ROLE = {
    "t_admin": {"A1", "A2", "B1"},
    "t_coordinator": {"A1", "A2"},
    "t_manager": {"A1"},
    "t_field": {"A1"},  # the community of the field worker's cell
}


@pytest.mark.parametrize("username", ROLES)
def test_cells_are_exactly_those_in_the_users_scope(
    role_clients: dict[str, FlaskClient], world: World, username: str
) -> None:
    body = _json(role_clients[username], "/api/cells")
    assert _ids(body) == {world.cells[k] for k in CELLS_BY_ROLE[username]}


@pytest.mark.parametrize("username", ROLES)
def test_communities_are_exactly_those_in_the_users_scope(
    role_clients: dict[str, FlaskClient], world: World, username: str
) -> None:
    body = _json(role_clients[username], "/api/communities")
    assert _ids(body) == {world.communities[k] for k in COMMUNITIES_BY_ROLE[username]}


@pytest.mark.parametrize("username", ROLES)
def test_service_points_are_public_within_the_users_subdistricts(
    role_clients: dict[str, FlaskClient], world: World, username: str
) -> None:
    """docs/SCOPE.md: service points are public places inside the subdistrict; their
    contact, community and cell only for points in the user's own communities."""
    body = _json(role_clients[username], "/api/service-points")
    public = {"A1", "A2", "B1"} if username == "t_admin" else {"A1", "A2"}
    assert _ids(body) == {world.service_points[k] for k in public}
    own = {world.service_points[k] for k in COMMUNITIES_BY_ROLE[username]}
    for f in body["features"]:
        props = f["properties"]
        assert props["name"] and props["hours"]
        if f["id"] in own:
            assert props["contact"] and props["community_id"] is not None
        else:
            assert (props["contact"], props["community_id"], props["cell_id"]) == ("", None, None)


@pytest.mark.parametrize("username", ROLES)
def test_buildings_are_those_of_the_cells_in_scope(
    role_clients: dict[str, FlaskClient], world: World, username: str
) -> None:
    body = _json(role_clients[username], "/api/buildings")
    assert _ids(body) == {world.buildings[k] for k in CELLS_BY_ROLE[username]}


def test_admin_sees_the_streets_of_every_subdistrict(
    admin: FlaskClient, street_ids: dict[str, set[int]]
) -> None:
    assert _ids(_json(admin, "/api/streets")) == street_ids["A"] | street_ids["B"]


def test_coordinator_sees_the_streets_of_own_subdistrict_only(
    coordinator: FlaskClient, street_ids: dict[str, set[int]]
) -> None:
    assert _ids(_json(coordinator, "/api/streets")) == street_ids["A"]


@pytest.mark.parametrize("username", ["t_coordinator", "t_manager", "t_field"])
def test_nobody_outside_subdistrict_b_sees_anything_of_b(
    role_clients: dict[str, FlaskClient],
    world: World,
    street_ids: dict[str, set[int]],
    username: str,
) -> None:
    client = role_clients[username]
    assert world.cells["B1X"] not in _ids(_json(client, "/api/cells"))
    assert world.communities["B1"] not in _ids(_json(client, "/api/communities"))
    assert world.service_points["B1"] not in _ids(_json(client, "/api/service-points"))
    assert world.buildings["B1X"] not in _ids(_json(client, "/api/buildings"))
    assert not _ids(_json(client, "/api/streets")) & street_ids["B"]
    # Not even when the bbox frames B exactly.
    assert _ids(_json(client, f"/api/cells?bbox={_bbox(*B1)}")) == set()


def test_field_worker_sees_one_cell_its_building_and_the_subdistricts_service_points(
    field: FlaskClient, world: World
) -> None:
    assert _ids(_json(field, "/api/cells")) == {world.cells["A1N"]}
    assert _ids(_json(field, "/api/buildings")) == {world.buildings["A1N"]}
    points = {world.service_points["A1"], world.service_points["A2"]}
    assert _ids(_json(field, "/api/service-points")) == points


def test_community_counts_only_the_cells_the_user_may_see(field: FlaskClient, world: World) -> None:
    a1 = _json(field, f"/api/communities/{world.communities['A1']}")["properties"]
    assert (a1["cell_count"], a1["households"], a1["residents"]) == (1, 100, 250)


def test_admin_community_counts_sum_all_its_cells(admin: FlaskClient, world: World) -> None:
    a1 = _json(admin, f"/api/communities/{world.communities['A1']}")["properties"]
    assert (a1["cell_count"], a1["households"], a1["residents"]) == (2, 300, 750)


# --- single items: 200, 403 outside scope, 404 unknown ---------------------------------


@pytest.mark.parametrize(
    ("username", "url_key"),
    [
        ("t_coordinator", ("cells", "A2S")),
        ("t_manager", ("cells", "A1S")),
        ("t_field", ("cells", "A1N")),
        ("t_field", ("communities", "A1")),
        ("t_field", ("service-points", "A1")),
        ("t_field", ("service-points", "A2")),  # public inside the subdistrict
        ("t_admin", ("cells", "B1X")),
    ],
)
def test_item_in_scope_is_returned_as_a_feature(
    role_clients: dict[str, FlaskClient], world: World, username: str, url_key: tuple[str, str]
) -> None:
    layer, key = url_key
    row_id = _world_id(world, layer, key)
    body = _json(role_clients[username], f"/api/{layer}/{row_id}")
    assert body["type"] == "Feature"
    assert body["id"] == row_id == body["properties"]["id"]


@pytest.mark.parametrize(
    ("username", "url_key"),
    [
        ("t_coordinator", ("cells", "B1X")),
        ("t_coordinator", ("communities", "B1")),
        ("t_coordinator", ("service-points", "B1")),
        ("t_manager", ("cells", "A2N")),
        ("t_manager", ("communities", "A2")),
        ("t_field", ("cells", "A1S")),
        ("t_field", ("communities", "A2")),
        ("t_field", ("service-points", "B1")),
    ],
)
def test_item_outside_scope_is_403_json(
    role_clients: dict[str, FlaskClient], world: World, username: str, url_key: tuple[str, str]
) -> None:
    layer, key = url_key
    row_id = _world_id(world, layer, key)
    body = _json(role_clients[username], f"/api/{layer}/{row_id}", 403)
    _assert_app_error(body, 403)
    assert str(row_id) in body["message"]


def _world_id(world: World, layer: str, key: str) -> int:
    table = {
        "cells": world.cells,
        "communities": world.communities,
        "service-points": world.service_points,
    }[layer]
    return table[key]


@pytest.mark.parametrize("layer", ["cells", "communities", "service-points"])
@pytest.mark.parametrize("row_id", [987654, 2**31 - 1, 2**31, 2**40, 10**30, 0])
def test_unknown_item_id_is_404_json(admin: FlaskClient, layer: str, row_id: int) -> None:
    # Ids past PostgreSQL's integer range must be 404 too, never a 500 from the database.
    _assert_app_error(_json(admin, f"/api/{layer}/{row_id}", 404), 404)


@pytest.mark.parametrize("url", ["/api/cells/-1", "/api/cells/abc", "/api/nothing-here"])
def test_unmatched_api_paths_are_404_json(admin: FlaskClient, url: str) -> None:
    _assert_app_error(_json(admin, url, 404), 404)


def test_unsupported_method_is_405_json_with_allow_header(admin: FlaskClient) -> None:
    response = admin.post("/api/cells")
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert "GET" in response.headers["Allow"]
    _assert_app_error(response.json, 405)


# --- bbox ----------------------------------------------------------------------------------


def test_bbox_around_a2_returns_only_a2s_cells(admin: FlaskClient, world: World) -> None:
    # Strictly inside A2, so it touches neither A1 (west) nor B1.
    body = _json(admin, f"/api/cells?bbox={_bbox(116.412, 39.901, 116.418, 39.909)}")
    assert _ids(body) == {world.cells["A2N"], world.cells["A2S"]}


def test_bbox_in_the_north_half_of_a2_returns_only_its_north_cell(
    admin: FlaskClient, world: World
) -> None:
    body = _json(admin, f"/api/cells?bbox={_bbox(116.412, 39.906, 116.418, 39.909)}")
    assert _ids(body) == {world.cells["A2N"]}


def test_bbox_filters_service_points_and_buildings(admin: FlaskClient, world: World) -> None:
    box = _bbox(*A2)
    assert _ids(_json(admin, f"/api/service-points?bbox={box}")) == {world.service_points["A2"]}
    assert _ids(_json(admin, f"/api/buildings?bbox={box}")) == {
        world.buildings["A2N"],
        world.buildings["A2S"],
    }


@pytest.mark.parametrize("url", sorted(COLLECTIONS))
def test_bbox_touching_nothing_returns_an_empty_collection(admin: FlaskClient, url: str) -> None:
    body = _json(admin, f"{url}?bbox={_bbox(116.45, 39.95, 116.46, 39.96)}")
    assert body == {"type": "FeatureCollection", "features": []}


@pytest.mark.parametrize("url", sorted(COLLECTIONS))
def test_empty_bbox_means_no_bbox(admin: FlaskClient, url: str) -> None:
    assert _json(admin, f"{url}?bbox=") == _json(admin, url)


BAD_BBOXES = [
    "abc,39.90,116.42,39.91",  # not a number
    "116.40,39.90,116.42",  # three numbers
    "116.40,39.90,116.42,39.91,1",  # five numbers
    "116.40, 39.90, 116.42, 39.91",  # spaces
    "116.42,39.90,116.40,39.91",  # minLon > maxLon
    "116.40,39.91,116.42,39.90",  # minLat > maxLat
    "116.40,39.90,116.40,39.91",  # zero width
    "-181,39.90,116.42,39.91",  # longitude out of range
    "116.40,-91,116.42,39.91",  # latitude out of range
    "116.40,39.90,116.42,1e999",  # overflows to infinity
    "nan,39.90,116.42,39.91",
    "116.40,39.90,inf,39.91",
    "116.40,39.90,116.42,-inf",
    ",,,",
]


@pytest.mark.parametrize("bbox", BAD_BBOXES)
def test_bad_bbox_is_400_json_with_chinese_message(admin: FlaskClient, bbox: str) -> None:
    response = admin.get("/api/cells", query_string={"bbox": bbox})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.json
    _assert_app_error(body, 400)
    assert body["status"] == "bad_request"
    assert "bbox" in body["message"]


@pytest.mark.parametrize("url", sorted(COLLECTIONS))
def test_every_collection_refuses_a_bad_bbox(admin: FlaskClient, url: str) -> None:
    _assert_app_error(_json(admin, f"{url}?bbox=1,2,3", 400), 400)


# --- filters -------------------------------------------------------------------------------


def test_community_id_filter_returns_only_that_communitys_cells(
    admin: FlaskClient, world: World
) -> None:
    body = _json(admin, f"/api/cells?community_id={world.communities['A2']}")
    assert _ids(body) == {world.cells["A2N"], world.cells["A2S"]}
    assert {f["properties"]["community_id"] for f in body["features"]} == {world.communities["A2"]}


def test_community_id_filter_keeps_the_users_scope(field: FlaskClient, world: World) -> None:
    body = _json(field, f"/api/cells?community_id={world.communities['A1']}")
    assert _ids(body) == {world.cells["A1N"]}


def test_community_id_filter_combines_with_bbox(admin: FlaskClient, world: World) -> None:
    url = f"/api/cells?community_id={world.communities['A1']}&bbox={_bbox(*A2)}"
    # A2's bbox touches A1's cells on the shared edge only; both cells of A1 touch it.
    assert _ids(_json(admin, url)) == {world.cells["A1N"], world.cells["A1S"]}
    inside_a2 = _bbox(116.412, 39.901, 116.418, 39.909)
    url = f"/api/cells?community_id={world.communities['A1']}&bbox={inside_a2}"
    assert _ids(_json(admin, url)) == set()


def test_community_id_filter_outside_scope_is_403(manager: FlaskClient, world: World) -> None:
    body = _json(manager, f"/api/cells?community_id={world.communities['A2']}", 403)
    _assert_app_error(body, 403)


def test_community_id_filter_unknown_is_404(admin: FlaskClient) -> None:
    _assert_app_error(_json(admin, "/api/cells?community_id=987654", 404), 404)


@pytest.mark.parametrize("value", ["abc", "0", "-3", str(2**31), "1.5"])
def test_community_id_filter_not_a_valid_id_is_400(admin: FlaskClient, value: str) -> None:
    body = _json(admin, f"/api/cells?community_id={value}", 400)
    _assert_app_error(body, 400)
    assert "community_id" in body["errors"]["query"]


def test_kind_filter_returns_points_of_that_kind(admin: FlaskClient, world: World) -> None:
    centres = _json(admin, "/api/service-points?kind=party_service_centre")
    assert _ids(centres) == set(world.service_points.values())
    assert {f["properties"]["kind"] for f in centres["features"]} == {"party_service_centre"}
    assert _ids(_json(admin, "/api/service-points?kind=love_post")) == set()


def test_kind_filter_accepts_several_kinds(admin: FlaskClient, world: World) -> None:
    body = _json(admin, "/api/service-points?kind=love_post&kind=party_service_centre")
    assert _ids(body) == set(world.service_points.values())


def test_kind_filter_keeps_the_users_scope(field: FlaskClient, world: World) -> None:
    body = _json(field, "/api/service-points?kind=party_service_centre")
    assert _ids(body) == {world.service_points["A1"], world.service_points["A2"]}


def test_unknown_kind_is_400_with_the_apps_json_error(admin: FlaskClient) -> None:
    body = _json(admin, "/api/service-points?kind=party_service_centre&kind=casino", 400)
    _assert_app_error(body, 400)
    # the message names the field and what it takes (gridapp/web/validation.py)
    assert body["message"].startswith("请求数据有误：类型应为 party_service_centre、")
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["errors"]["query"]["kind"]["1"][0].startswith("类型应为 ")


# --- GeoJSON shape -------------------------------------------------------------------------


def _field_names(schema: type[Schema]) -> set[str]:
    return set(schema().fields)


@pytest.mark.parametrize("url", sorted(COLLECTIONS))
def test_collections_are_geojson_with_the_documented_properties(
    admin: FlaskClient, url: str
) -> None:
    geometry_type, props_schema = COLLECTIONS[url]
    body = _json(admin, url)
    assert set(body) == {"type", "features"}
    assert body["type"] == "FeatureCollection"
    assert body["features"], url
    for feature in body["features"]:
        assert set(feature) == {"type", "id", "geometry", "properties"}
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == geometry_type
        assert isinstance(feature["geometry"]["coordinates"], list)
        assert set(feature["properties"]) == _field_names(props_schema)
        assert feature["id"] == feature["properties"]["id"]
        assert props_schema().validate(feature["properties"]) == {}


def test_cell_geometry_is_the_stored_polygon(admin: FlaskClient, world: World) -> None:
    body = _json(admin, f"/api/cells/{world.cells['A1N']}")
    ring = body["geometry"]["coordinates"][0][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    assert (min(xs), min(ys), max(xs), max(ys)) == pytest.approx((116.40, 39.905, 116.41, 39.91))
    assert ring[0] == ring[-1]


def test_service_point_properties_carry_a_chinese_kind_label(
    field: FlaskClient, world: World
) -> None:
    body = _json(field, f"/api/service-points/{world.service_points['A1']}")
    props = body["properties"]
    assert props["kind"] == "party_service_centre"
    assert props["kind_label"] == "党群服务中心"
    assert props["services"] == ["党员活动", "便民服务"]
    assert props["community_id"] == world.communities["A1"]


# --- /api/me -------------------------------------------------------------------------------

EXPECTED_ME = {
    "t_admin": ("admin", "系统管理员", (116.40, 39.90, 116.51, 39.91)),
    "t_coordinator": ("coordinator", "协调员", (116.40, 39.90, 116.42, 39.91)),
    "t_manager": ("grid_manager", "网格管理员", A1),
    "t_field": ("field_staff", "网格员", (116.40, 39.905, 116.41, 39.91)),
}


@pytest.mark.parametrize("username", ROLES)
def test_me_returns_role_and_the_extent_of_the_visible_cells(
    role_clients: dict[str, FlaskClient], world: World, username: str
) -> None:
    client = role_clients[username]
    me = _json(client, "/api/me")
    role, label, extent = EXPECTED_ME[username]
    assert me["id"] == world.users[username]
    assert me["username"] == username
    assert (me["role"], me["role_label"]) == (role, label)
    assert me["extent"] == pytest.approx(list(extent))
    # The same box, computed from the cells the user is shown.
    xs, ys = [], []
    for feature in _json(client, "/api/cells")["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for x, y in polygon[0]:
                xs.append(x)
                ys.append(y)
    assert me["extent"] == pytest.approx([min(xs), min(ys), max(xs), max(ys)])
