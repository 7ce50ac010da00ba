"""Service circles through the API: simplified for the zoom in view, on a 1e-6° grid,
computed once per data fingerprint (cached) and computed again when the streets change."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import LineString, Point, shape

from gridapp.extensions import db
from gridapp.services.coverage import circles as service_circles
from tests.web import street_grid
from tests.world import World

streets = street_grid.streets  # the fixture


def _circle(client: FlaskClient, point_id: int, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/coverage/circles?point_id={point_id}&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    [feature] = response.json["features"]  # type: ignore[index]
    return {**feature, "tolerance_m": response.json["tolerance_m"]}  # type: ignore[index]


def _vertices(feature: dict[str, Any]) -> int:
    return int(shapely.get_num_coordinates(shape(feature["geometry"])))


def test_circles_are_simplified_for_the_zoom_and_keep_their_reach(
    as_coordinator: FlaskClient, world: World, streets: None
) -> None:
    a1 = world.service_points["A1"]
    exact = _circle(as_coordinator, a1, "tolerance=0&minutes=5&speed=3")
    near = _circle(as_coordinator, a1, "zoom=18&minutes=5&speed=3")
    far = _circle(as_coordinator, a1, "zoom=13&minutes=5&speed=3")
    assert exact["tolerance_m"] == 0 and 0.3 < near["tolerance_m"] < 0.6  # a pixel at zoom 18
    assert 10 < far["tolerance_m"] < 20  # a pixel at zoom 13, at latitude 39.9
    assert _vertices(far) < _vertices(near) <= _vertices(exact)
    area = shape(exact["geometry"]).area
    assert shape(near["geometry"]).area == pytest.approx(area, rel=0.02)
    assert shape(far["geometry"]).area > 0.8 * area  # 15 m off a 250 m walk
    for simplified in (near, far):
        assert shape(simplified["geometry"]).is_valid
        assert shape(simplified["geometry"]).contains(Point(116.405, 39.9075))  # 166 m along
        assert simplified["properties"]["area_m2"] == exact["properties"]["area_m2"]
    default = _circle(as_coordinator, a1, "minutes=5&speed=3")
    assert default["tolerance_m"] == service_circles.DEFAULT_TOLERANCE_M
    # tolerance wins over zoom
    assert _circle(as_coordinator, a1, "zoom=13&tolerance=2")["tolerance_m"] == 2


def test_circle_coordinates_have_at_most_six_decimals(
    as_coordinator: FlaskClient, world: World, streets: None
) -> None:
    feature = _circle(as_coordinator, world.service_points["A2"], "zoom=16")
    coords = shapely.get_coordinates(shape(feature["geometry"]))
    assert len(coords) > 10
    assert (abs(coords * 1e6 - (coords * 1e6).round()) < 1e-6).all()


@pytest.mark.parametrize("query", ["zoom=-1", "zoom=23", "zoom=x", "tolerance=-1", "tolerance=101"])
def test_bad_zoom_or_tolerance_is_400(
    as_coordinator: FlaskClient, streets: None, query: str
) -> None:
    response = as_coordinator.get(f"/api/coverage/circles?{query}")
    assert response.status_code == 400 and response.json["code"] == 400  # type: ignore[index]


def test_a_circle_is_computed_once_for_every_zoom(
    as_coordinator: FlaskClient, world: World, streets: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[float] = []
    real = service_circles.service_circle

    def counting(*args: Any, **kwargs: Any) -> Any:
        computed.append(args[2])  # the walking distance
        return real(*args, **kwargs)

    monkeypatch.setattr(service_circles, "service_circle", counting)
    service_circles.clear_cache()
    a1 = world.service_points["A1"]
    first = _circle(as_coordinator, a1, "zoom=15")
    for query in ("zoom=15", "zoom=17", "tolerance=0", ""):
        _circle(as_coordinator, a1, query)
    assert computed == [1000.0]
    assert _circle(as_coordinator, a1, "zoom=15") == first
    _circle(as_coordinator, a1, "minutes=10")  # another distance: another circle
    assert computed == [1000.0, pytest.approx(666.7, abs=0.1)]


def test_a_new_street_changes_the_circle(
    app: Flask, as_coordinator: FlaskClient, world: World, streets: None
) -> None:
    # 250 m from A1 (lat 39.909): the top street (lat .910) is 111 m away; a new street north
    # from that crossing brings the point 111 m beyond it within reach
    a1 = world.service_points["A1"]
    query = "minutes=5&speed=3&off_network=20&tolerance=0"
    beyond = Point(116.405, 39.911)
    before = _circle(as_coordinator, a1, query)
    assert not shape(before["geometry"]).contains(beyond)
    with app.app_context():
        north = LineString([(116.405, 39.910), (116.405, 39.912)])
        street_grid.add_street(world, street_grid.crossing(2, 1), 9000, north)
        db.session.commit()
    after = _circle(as_coordinator, a1, query)
    assert shape(after["geometry"]).contains(beyond)
    assert after["properties"]["area_m2"] > before["properties"]["area_m2"]


def test_openapi_documents_zoom_and_tolerance(as_coordinator: FlaskClient) -> None:
    document = as_coordinator.get("/api/openapi.json").json
    assert document is not None
    params = {p["name"]: p for p in document["paths"]["/api/coverage/circles"]["get"]["parameters"]}
    assert params["zoom"]["schema"]["maximum"] == service_circles.MAX_ZOOM
    assert "像素" in params["zoom"]["description"]
    assert params["tolerance"]["schema"]["maximum"] == service_circles.MAX_TOLERANCE_M
    assert "米" in params["tolerance"]["description"]
    circles = document["components"]["schemas"]["Circles"]
    assert "tolerance_m" in circles["required"]
    report = document["components"]["schemas"]["Report"]
    assert "stations_outside_scope" in report["required"]
