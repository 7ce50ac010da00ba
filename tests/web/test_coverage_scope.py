"""Service coverage answers list and draw only the stations a user may read at
/api/service-points/<id>; stations outside the scope still count for coverage.

Service points are public inside the user's subdistricts (docs/SCOPE.md): in the test world
(``tests/world.py``) the field worker's scope is cell A1N, the grid manager's community A1,
the coordinator's subdistrict A — all three read A1's and A2's stations, none reads B1's
(subdistrict B). Streets: ``tests/web/street_grid.py``. From
station A2 (lon 116.415, lat 39.909) the walk to the home of A1N (116.405, 39.9075) is
~1,241 m (north to lat .910, west, south), so 20 minutes at 4 km/h (1,333 m) reach it and
15 minutes (1,000 m) do not.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import login
from tests.web import street_grid
from tests.world import World

streets = street_grid.streets  # the fixture


def _get(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def _readable(client: FlaskClient, world: World) -> set[int]:
    """The world's service points this user can read at /api/service-points/<id>."""
    out = set()
    for point_id in world.service_points.values():
        status = client.get(f"/api/service-points/{point_id}").status_code
        assert status in (200, 403)
        if status == 200:
            out.add(point_id)
    return out


@pytest.mark.parametrize(
    ("username", "expected"),
    [("t_admin", {"A1", "A2"}), ("t_coordinator", {"A1", "A2"}), ("t_manager", {"A1", "A2"}),
     ("t_field", {"A1", "A2"})],
)  # fmt: skip
def test_circles_and_report_list_exactly_the_readable_stations(
    app: Flask, world: World, streets: None, username: str, expected: set[str]
) -> None:
    client = login(app.test_client(), username)
    sub = world.subdistricts["A"]
    readable = _readable(client, world)
    want = {world.service_points[k] for k in expected}
    circles = _get(client, f"/api/coverage/circles?subdistrict_id={sub}")
    report = _get(client, f"/api/coverage/service?subdistrict_id={sub}")
    drawn = {f["properties"]["point_id"] for f in circles["features"]}
    listed = {s["id"] for s in report["stations"]}
    assert drawn == listed == want
    assert want <= readable  # the same rule as /api/service-points/<id>
    assert readable & {world.service_points["A1"], world.service_points["A2"]} == want
    assert (world.service_points["B1"] in readable) == (username == "t_admin")
    assert report["stations_outside_scope"] == 2 - len(want)
    names = {f["properties"]["name"] for f in circles["features"]}
    assert names == {s["name"] for s in report["stations"]}


def test_field_staff_cannot_ask_for_a_circle_outside_their_scope(
    as_field: FlaskClient, world: World, streets: None
) -> None:
    a1, b1 = world.service_points["A1"], world.service_points["B1"]
    assert as_field.get(f"/api/service-points/{b1}").status_code == 403
    # the circles are asked for in the user's subdistrict, which holds no point b1
    refused = _get(as_field, f"/api/coverage/circles?point_id={b1}", status=404)
    assert "features" not in refused
    _get(as_field, f"/api/coverage/circles?point_id={a1}&point_id={b1}", status=404)
    [own] = _get(as_field, f"/api/coverage/circles?point_id={a1}")["features"]
    assert own["properties"]["point_id"] == a1
    _get(as_field, "/api/coverage/circles?point_id=999999", status=404)


def test_a_station_outside_the_scope_still_covers_the_users_homes(
    as_field: FlaskClient, world: World, streets: None
) -> None:
    # without A1 (removed in a what-if), A1N's home is reached from A2 across the border
    body = {"minutes": 20, "speed": 4, "remove": [world.service_points["A1"]]}
    response = as_field.post("/api/coverage/what-if", json=body)
    assert response.status_code == 200, response.json
    assert response.json["after"]["share_residents"] == 1.0
    assert response.json["circles"]["features"] == []
    # at 15 minutes A2 is too far: the same removal leaves the home uncovered
    body["minutes"] = 15
    after = as_field.post("/api/coverage/what-if", json=body).json
    assert after["after"]["share_residents"] == 0.0
    [gap] = after["gaps_after"]["features"]
    assert gap["properties"]["building_id"] == world.buildings["A1N"]
    report = _get(as_field, "/api/coverage/service?minutes=20")
    assert {s["id"] for s in report["stations"]} == {
        world.service_points["A1"],
        world.service_points["A2"],
    }
    assert report["stations_outside_scope"] == 0


def test_what_if_cannot_move_or_remove_a_station_outside_the_scope(
    as_field: FlaskClient, world: World, streets: None
) -> None:
    b1 = world.service_points["B1"]  # another subdistrict's station
    for body in (
        {"move": [{"id": b1, "lon": 116.415, "lat": 39.909}]},  # would answer with its circle
        {"remove": [b1]},  # would tell how much it covers
    ):
        response = as_field.post("/api/coverage/what-if", json=body)
        assert response.status_code in (403, 404), response.json
        assert "circles" not in response.json and "cells" not in response.json
    add = {"add": [{"lon": 116.405, "lat": 39.901}]}
    response = as_field.post("/api/coverage/what-if", json=add)
    assert response.status_code == 200, response.json
    [circle] = response.json["circles"]["features"]
    assert circle["properties"]["point_id"] is None  # only the hypothetical station
    assert response.json["cells"] == []  # A1N, the only cell in view, was covered already


def test_coordinator_may_move_any_station_of_the_subdistrict(
    as_coordinator: FlaskClient, world: World, streets: None
) -> None:
    a2 = world.service_points["A2"]
    body = {"move": [{"id": a2, "lon": 116.415, "lat": 39.906}]}
    response = as_coordinator.post("/api/coverage/what-if", json=body)
    assert response.status_code == 200, response.json
    [moved] = response.json["circles"]["features"]
    assert moved["properties"]["point_id"] == a2
