"""Service coverage through the API, on a small street grid laid over subdistrict A
(``tests/web/street_grid.py``)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import shape

from tests.web import street_grid
from tests.world import World

streets = street_grid.streets  # the fixture


def _get(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def test_fifteen_minutes_reach_every_home(as_coordinator: FlaskClient, streets: None) -> None:
    body = _get(as_coordinator, "/api/coverage/service?minutes=15&speed=4")
    assert body["params"]["distance_m"] == 1000.0
    assert body["summary"]["share_residents"] == 1.0
    assert {c["code"] for c in body["cells"]} == {
        "110199001001001", "110199001001002", "110199001002001", "110199001002002"
    }  # fmt: skip


def test_a_short_walk_reaches_only_the_near_homes(
    as_coordinator: FlaskClient, streets: None
) -> None:
    # from lat 39.909 to the north homes (39.9075) is ~166 m, to the south ones (39.9025) ~719 m
    body = _get(as_coordinator, "/api/coverage/service?minutes=5&speed=3")  # 250 m
    cells = {c["code"]: c for c in body["cells"]}
    assert cells["110199001001001"]["share_residents"] == 1.0
    assert cells["110199001001002"]["share_residents"] == 0.0
    assert body["summary"]["residents_covered"] == 250 + 250  # the two north cells
    gaps = _get(as_coordinator, "/api/coverage/service/gaps?minutes=5&speed=3")
    assert sorted(f["properties"]["residents"] for f in gaps["features"]) == [500, 500]
    for f in gaps["features"]:
        assert f["properties"]["distance_m"] is None  # beyond the limit: not reached


def test_distances_follow_the_streets(
    as_coordinator: FlaskClient, streets: None, world: World
) -> None:
    body = _get(as_coordinator, "/api/coverage/service?minutes=10&speed=4.5")  # 750 m
    cells = {c["code"]: c for c in body["cells"]}
    # south homes: 0.0065° of latitude along the street ≈ 719 m → reached within 750 m
    assert cells["110199001001002"]["share_residents"] == 1.0
    body = _get(as_coordinator, "/api/coverage/service?minutes=10&speed=4.2")  # 700 m
    assert {c["code"]: c for c in body["cells"]}["110199001001002"]["share_residents"] == 0.0


def test_what_if_removing_a_station_and_adding_one(
    as_coordinator: FlaskClient, streets: None, world: World
) -> None:
    body = {"minutes": 5, "speed": 3, "remove": [world.service_points["A1"]]}
    response = as_coordinator.post("/api/coverage/what-if", json=body)
    assert response.status_code == 200, response.json
    assert response.json["after"]["residents_covered"] == 250  # only A2's north cell left
    changed = {c["code"]: c for c in response.json["cells"]}
    assert changed["110199001001001"]["share_residents_before"] == 1.0
    assert changed["110199001001001"]["share_residents"] == 0.0
    homes = sorted(f["properties"]["residents"] for f in response.json["gaps_after"]["features"])
    assert homes == [250, 500, 500]  # A1N's home is now outside every circle too
    add = {"minutes": 5, "speed": 3, "add": [{"lon": 116.405, "lat": 39.901}]}
    after = as_coordinator.post("/api/coverage/what-if", json=add).json
    assert after["after"]["residents_covered"] == after["before"]["residents_covered"] + 500
    [circle] = after["circles"]["features"]
    assert shape(circle["geometry"]).area > 0


def test_a_station_far_from_every_street_is_refused(
    as_coordinator: FlaskClient, streets: None
) -> None:
    response = as_coordinator.post(
        "/api/coverage/what-if", json={"add": [{"lon": 116.9, "lat": 39.5}]}
    )
    assert response.status_code == 400 and "道路" in response.json["message"]


@pytest.mark.parametrize(
    "query",
    [
        "minutes=0",
        "minutes=-5",
        "minutes=1000",
        "speed=0",
        "speed=60",
        "kind=teleporter",
        "minutes=abc",
    ],
)
def test_bad_parameters_are_400(as_coordinator: FlaskClient, streets: None, query: str) -> None:
    body = _get(as_coordinator, f"/api/coverage/service?{query}", status=400)
    assert body["code"] == 400


def test_suggest_finds_the_site_that_reaches_the_uncovered(
    as_coordinator: FlaskClient, streets: None
) -> None:
    response = as_coordinator.post(
        "/api/coverage/suggest", json={"minutes": 5, "speed": 4, "k": 1, "candidates": "nodes"}
    )
    assert response.status_code == 200, response.json
    body = response.json
    [site] = body["sites"]
    # 333 m: the crossing at lat 39.905 reaches one south home (276 m), not both (1 km apart)
    assert site["residents_gained"] == 500
    assert body["before"]["residents_covered"] == 500
    assert site["residents_covered_after"] == 1000


def test_service_circle_follows_the_network(
    as_coordinator: FlaskClient, streets: None, world: World
) -> None:
    body = _get(
        as_coordinator,
        f"/api/coverage/circles?point_id={world.service_points['A1']}&minutes=5&speed=3&off_network=20",
    )
    [feature] = body["features"]
    circle = shape(feature["geometry"])
    from shapely.geometry import Point

    assert circle.contains(Point(116.405, 39.9075))  # along the street, 166 m
    assert not circle.contains(Point(116.4075, 39.9075))  # inside the block, off every street


def test_field_staff_see_their_own_cell_only(as_field: FlaskClient, streets: None) -> None:
    body = _get(as_field, "/api/coverage/service")
    assert [c["code"] for c in body["cells"]] == ["110199001001001"]


def test_unknown_or_foreign_subdistrict(
    as_coordinator: FlaskClient, streets: None, world: World
) -> None:
    _get(as_coordinator, f"/api/coverage/service?subdistrict_id={world.subdistricts['B']}", 403)
    _get(as_coordinator, "/api/coverage/service?subdistrict_id=999999", 404)


def test_export(as_coordinator: FlaskClient, streets: None) -> None:
    response = as_coordinator.get("/api/coverage/service/export?format=csv&minutes=5&speed=3")
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("社区,网格编码") and len(lines) == 5
    xlsx = as_coordinator.get("/api/coverage/service/export?format=xlsx")
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(xlsx.data)).active["B1"].value == "网格编码"  # type: ignore[index]


def test_no_circle_for_a_station_off_the_network(as_admin: FlaskClient, world: World) -> None:
    # subdistrict B's only street runs along its south edge, ~1 km from its station
    body = _get(as_admin, f"/api/coverage/circles?subdistrict_id={world.subdistricts['B']}")
    assert body["features"] == []
    report = _get(as_admin, f"/api/coverage/service?subdistrict_id={world.subdistricts['B']}")
    assert [s["id"] for s in report["off_network"]] == [world.service_points["B1"]]


def test_coverage_follows_a_boundary_edit_without_stale_cells(
    app: Flask, as_coordinator: FlaskClient, streets: None, world: World
) -> None:
    from shapely.geometry import box, mapping

    from tests.conftest import login

    before = {c["code"]: c for c in _get(as_coordinator, "/api/coverage/service")["cells"]}
    assert before["110199001001001"]["residents"] == 250
    manager = login(app.test_client(), "t_manager")
    north = mapping(box(116.40, 39.902, 116.41, 39.91))
    south = mapping(box(116.40, 39.90, 116.41, 39.902))
    body = {
        "community_id": world.communities["A1"],
        "cells": [
            {"id": world.cells["A1N"], "version": 1, "geometry": north},
            {"id": world.cells["A1S"], "version": 1, "geometry": south},
        ],
    }
    assert manager.post("/api/changes", json=body).status_code == 200
    after = {c["code"]: c for c in _get(as_coordinator, "/api/coverage/service")["cells"]}
    assert after["110199001001001"]["residents"] == 750  # the south home moved north with it
    assert after["110199001001002"]["residents"] == 0
