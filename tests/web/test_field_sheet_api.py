"""The cell sheet (网格档案) through the API: its shape, names and the access log only for
the cell's household readers (counts for coordinators), the people answering for the cell
with phones by the organisations' rules, open events, and the nearest service points by
walking on the street network — not as the crow flies. Each test runs rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, Point
from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.models import (
    CellAssignment,
    HouseholdAccess,
    Member,
    PartyOrg,
    ServicePoint,
    TeamMember,
    VolunteerTeam,
)
from gridapp.services.coverage import network
from tests.conftest import login
from tests.field_world import ALL_NAMES, add_households
from tests.web.street_grid import add_street
from tests.world import World

SHEET_KEYS = {
    "cell", "can_read_names", "buildings", "difficulty", "party", "teams", "service_points",
    "events_open", "visits_due", "visits_due_count", "visits_recent",
}  # fmt: skip


@pytest.fixture
def people(app: Flask, world: World, db_session: None) -> dict[str, int]:
    """Households (tests/field_world.py); in A1N a branch (and an old one, unassigned), a
    党员中心户 and a member who is not one, a team with its captain."""
    with app.app_context():
        s = db.session
        add_households(s, world)
        sub, community, cell = world.subdistricts["A"], world.communities["A1"], world.cells["A1N"]
        branch = PartyOrg(
            subdistrict_id=sub, community_id=community, level="branch", name="甲一北支部",
            secretary="王书记",
        )  # fmt: skip
        old = PartyOrg(subdistrict_id=sub, community_id=community, level="branch", name="旧支部")
        team = VolunteerTeam(
            subdistrict_id=sub, community_id=community, kind="health", name="卫生队"
        )
        team.members = [
            TeamMember(name="刘队长", phone="13911112222", is_captain=True),
            TeamMember(name="队员甲", phone="13933334444"),
        ]
        s.add_all([branch, old, team])
        s.flush()
        home = world.buildings["A1N"]
        s.add_all(
            [
                CellAssignment(cell_id=cell, kind="party_org", party_org_id=branch.id),
                CellAssignment(
                    cell_id=cell, kind="party_org", party_org_id=old.id, ended_at=func.now()
                ),
                CellAssignment(cell_id=cell, kind="team", team_id=team.id),
                Member(
                    subdistrict_id=sub, org_id=branch.id, name="孙中心", gender="男",
                    phone="13855556666", status="retired", home_building_id=home,
                    is_hub=True, hub_households=8,
                ),
                Member(
                    subdistrict_id=sub, org_id=branch.id, name="普通党员", gender="女",
                    phone="13877778888", status="in_post", home_building_id=home,
                ),
            ]
        )  # fmt: skip
        s.commit()
        ids = {"branch": branch.id, "team": team.id}
    return ids


def _sheet(client: FlaskClient, world: World, cell: str = "A1N") -> Any:
    return client.get(f"/api/cells/{world.cells[cell]}/sheet")


def _log(app: Flask) -> list[tuple[int | None, int, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(HouseholdAccess.user_id, HouseholdAccess.household_id, HouseholdAccess.route)
        ).all()
        return sorted((u, h, r) for u, h, r in rows)


def test_a_reader_gets_the_names_of_households_in_difficulty_and_each_read_is_logged(
    app: Flask, world: World, people: dict[str, int], as_field: FlaskClient
) -> None:
    response = _sheet(as_field, world)
    assert response.status_code == 200, response.json
    sheet = response.json
    assert set(sheet) == SHEET_KEYS and sheet["can_read_names"] is True
    assert sheet["cell"] == {
        "id": world.cells["A1N"], "code": "110199001001001", "name": "甲一社区第1网格",
        "community_id": world.communities["A1"], "community_name": "甲一社区",
        "households": 100, "residents": 250,
    }  # fmt: skip
    assert sheet["buildings"] == [
        {"id": world.buildings["A1N"], "name": "甲一社区1号楼", "kind": "residential",
         "kind_label": "住宅楼", "households": 3},
    ]  # fmt: skip
    difficulty = sheet["difficulty"]
    assert difficulty["count"] == 2
    assert difficulty["by_tag"]["dibao"] == 1 and difficulty["by_tag"]["elderly_alone"] == 1
    assert sum(difficulty["by_tag"].values()) == 2 and "party_centre" not in difficulty["by_tag"]
    households = difficulty["households"]
    assert [h["head_name"] for h in households] == ["赵甲", "钱乙"]  # not the 党员中心户 孙丙
    assert households[0]["address"] == "甲一社区1号楼1单元101"
    # never visited, both are due: the due list names them too
    due = sheet["visits_due"]
    assert sorted(d["name"] for d in due) == ["赵甲", "钱乙"] and sheet["visits_due_count"] == 2
    assert all(d["never_visited"] for d in due) and sheet["visits_recent"] == []
    # every record returned is logged: by the difficulty list and by the due list
    logged = _log(app)
    assert logged == sorted(
        (world.users["t_field"], h["id"], "field_api.cell_sheet") for h in households * 2
    )


def test_a_coordinator_gets_counts_and_no_names_and_nothing_is_logged(
    app: Flask, world: World, people: dict[str, int], as_coordinator: FlaskClient
) -> None:
    response = _sheet(as_coordinator, world)
    assert response.status_code == 200
    sheet = response.json
    assert sheet["can_read_names"] is False
    assert sheet["difficulty"]["count"] == 2 and sheet["difficulty"]["households"] is None
    text = response.get_data(as_text=True)
    assert not any(name in text for name in ALL_NAMES)
    assert _log(app) == []


@pytest.mark.parametrize(
    ("username", "cell"), [("t_field", "A1S"), ("t_manager", "A2N"), ("t_coordinator", "B1X")]
)
def test_a_cell_outside_the_scope_is_404_and_logs_nothing(
    app: Flask, world: World, people: dict[str, int], username: str, cell: str
) -> None:
    response = _sheet(login(app.test_client(), username), world, cell)
    assert response.status_code == 404 and "未找到" in response.json["message"]
    assert _log(app) == []


def test_the_people_answering_for_the_cell_with_phones_by_the_organisations_rules(
    app: Flask, world: World, people: dict[str, int], as_field: FlaskClient
) -> None:
    party = _sheet(as_field, world).json["party"]
    assert party["orgs"] == [
        {
            "id": people["branch"],
            "name": "甲一北支部",
            "level_label": "党支部",
            "secretary": "王书记",
        }
    ]
    (hub,) = party["hubs"]
    assert (hub["name"], hub["phone"], hub["building_name"], hub["hub_households"]) == (
        "孙中心", "13855556666", "甲一社区1号楼", 8,
    )  # fmt: skip
    # team phones only for those who assign teams (docs/SCOPE.md), not for field staff
    for client, phone in (
        (as_field, ""),
        (login(app.test_client(), "t_coordinator"), "13911112222"),
    ):
        (team,) = _sheet(client, world).json["teams"]
        assert team == {
            "id": people["team"], "name": "卫生队", "kind_label": "卫生服务队",
            "captain": {"name": "刘队长", "phone": phone},
        }  # fmt: skip
    coordinator_hubs = _sheet(login(app.test_client(), "t_coordinator"), world).json["party"][
        "hubs"
    ]
    assert coordinator_hubs[0]["phone"] == "13855556666"  # members: phones for all who see the cell


def test_open_events_of_the_cell_are_on_the_sheet(
    app: Flask, world: World, people: dict[str, int], as_field: FlaskClient
) -> None:
    form = {
        "cell_id": str(world.cells["A1N"]),
        "category": "safety",
        "lat": "39.9075",
        "lon": "116.405",
    }
    ids = [
        as_field.post(
            "/api/events",
            data={**form, "client_key": f"sheet-event-{n}", "description": f"第{n}件"},
            content_type="multipart/form-data",
        ).json["id"]
        for n in (1, 2)
    ]
    assert as_field.post(f"/api/events/{ids[0]}/close", json={}).status_code == 200
    events = _sheet(as_field, world).json["events_open"]
    assert [(e["id"], e["description"], e["photo_url"]) for e in events] == [
        (ids[1], "第2件", None)
    ]


# --- walking distances ----------------------------------------------------------------------

# A1N's representative point is (116.405, 39.9075), on street W. Street E runs 0.001° east
# of it; the two meet only at the north end (a river between them, say).
W, N, E = (
    LineString([(116.405, 39.905), (116.405, 39.910)]),
    LineString([(116.405, 39.910), (116.406, 39.910)]),
    LineString([(116.406, 39.910), (116.406, 39.905)]),
)
M_LAT, M_LON = 110_574.0, 111_320.0 * 0.766_93  # metres per degree at lat 39.905


@pytest.fixture
def streets(app: Flask, world: World, db_session: None) -> Iterator[None]:
    network.clear_cache()
    with app.app_context():
        for u, v, line in ((5001, 5002, W), (5002, 5003, N), (5003, 5004, E)):
            add_street(world, u, v, line)
        db.session.commit()
    yield
    network.clear_cache()


def _add_points(app: Flask, world: World, points: dict[str, tuple[float, float]]) -> None:
    with app.app_context():
        for name, (lon, lat) in points.items():
            db.session.add(
                ServicePoint(
                    subdistrict_id=world.subdistricts["A"], kind="love_post", name=name,
                    hours="全天", address="测试路", geom=from_shape(Point(lon, lat), srid=4326),
                )
            )  # fmt: skip
        db.session.commit()


def test_service_points_are_ranked_by_walking_not_straight_line_distance(
    app: Flask, world: World, streets: None, as_field: FlaskClient
) -> None:
    # 68 m away as the crow flies, but across the river: up W, over N, down E
    _add_points(app, world, {"河对岸驿站": (116.4058, 39.9075)})
    shown = _sheet(as_field, world).json["service_points"]
    names = [p["name"] for p in shown]
    # the world's A1 centre (on W, 166 m north) first; A2's is > 500 m from every street
    assert names == ["甲一社区党群服务中心<script>alert(1)</script>", "河对岸驿站"]
    centre, across = shown
    assert centre["walk_m"] == pytest.approx(0.0015 * M_LAT, abs=2)
    assert across["walk_m"] == pytest.approx(
        2 * 0.0025 * M_LAT + 0.001 * M_LON + 0.0002 * M_LON, abs=2
    )
    assert (centre["walk_min"], across["walk_min"]) == (3, 10)  # at 4 km/h, rounded up
    assert (across["kind"], across["kind_label"], across["hours"]) == (
        "love_post",
        "爱心驿站",
        "全天",
    )


def test_only_the_five_nearest_by_walking_are_shown(
    app: Flask, world: World, streets: None, as_field: FlaskClient
) -> None:
    along_w = {
        f"驿站{n}": (116.405, lat) for n, lat in enumerate((39.9072, 39.9066, 39.9061, 39.9056))
    }
    _add_points(app, world, {**along_w, "河对岸驿站": (116.4058, 39.9075)})
    shown = _sheet(as_field, world).json["service_points"]
    assert [p["name"][:3] for p in shown] == ["驿站0", "驿站1", "驿站2", "甲一社", "驿站3"]
    assert [p["walk_m"] for p in shown] == sorted(p["walk_m"] for p in shown)
