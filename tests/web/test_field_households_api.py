"""The household API per role: names only inside the reader's cells (404, not 403, outside),
counts for everyone in scope, the access log written for every record read and readable
by admins only. Each test runs rolled back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gridapp.extensions import db
from tests.conftest import login
from tests.field_world import ALL_NAMES, NAMES, add_households
from tests.world import World


@pytest.fixture
def ids(app: Flask, world: World, db_session: None) -> Iterator[dict[str, list[int]]]:
    with app.app_context():
        households = add_households(db.session, world)
        db.session.commit()
    yield households


def _log(app: Flask, **query: int) -> list[dict[str, object]]:
    """The access log as the admin reads it (a client of its own)."""
    response = login(app.test_client(), "t_admin").get("/api/household-access", query_string=query)
    assert response.status_code == 200, response.json
    items: list[dict[str, object]] = response.json["items"]
    return items


def test_the_field_worker_lists_their_cell_by_name_and_every_record_is_logged(
    app: Flask, world: World, ids: dict[str, list[int]], as_field: FlaskClient
) -> None:
    response = as_field.get(f"/api/cells/{world.cells['A1N']}/households")
    assert response.status_code == 200
    body = response.json
    assert sorted(h["head_name"] for h in body["households"]) == sorted(NAMES["A1N"])
    assert body["cell"]["id"] == world.cells["A1N"] and body["count"] == 3
    log = _log(app, user_id=world.users["t_field"])
    assert sorted(r["household_id"] for r in log) == sorted(ids["A1N"])
    assert {r["route"] for r in log} == {"field_api.cell_households"}


def test_one_household_is_read_and_logged_with_its_route(
    app: Flask, world: World, ids: dict[str, list[int]], as_manager: FlaskClient
) -> None:
    household_id = ids["A1S"][0]
    response = as_manager.get(f"/api/households/{household_id}")
    assert response.status_code == 200
    assert response.json["head_name"] == "李丁"
    assert response.json["tag_labels"] == ["残疾人", "失业"]
    (row,) = _log(app, household_id=household_id)
    assert (row["user_id"], row["route"], row["cell_id"]) == (
        world.users["t_manager"],
        "field_api.household",
        world.cells["A1S"],
    )


@pytest.mark.parametrize(
    ("username", "cell"),
    [("t_field", "A1S"), ("t_manager", "A2N"), ("t_coordinator", "A1N"), ("t_field", "B1X")],
)
def test_names_outside_the_readers_cells_are_404_not_403_and_not_logged(
    app: Flask, world: World, ids: dict[str, list[int]], username: str, cell: str
) -> None:
    client = login(app.test_client(), username)
    answers = [client.get(f"/api/cells/{world.cells[cell]}/households")] + [
        client.get(f"/api/households/{i}") for i in ids[cell]
    ]
    for response in answers:
        assert response.status_code == 404
        assert response.json["status"] == "not_found" and "未找到" in response.json["message"]
        text = response.get_data(as_text=True)
        assert not any(name in text for name in ALL_NAMES)
    assert _log(app) == []


def test_an_unknown_household_answers_exactly_like_one_outside_the_scope(
    world: World, ids: dict[str, list[int]], as_field: FlaskClient
) -> None:
    outside = as_field.get(f"/api/households/{ids['A1S'][0]}")
    unknown = as_field.get("/api/households/987654")
    assert outside.status_code == unknown.status_code == 404
    assert outside.json["status"] == unknown.json["status"]
    assert outside.json["message"].replace(str(ids["A1S"][0]), "#") == unknown.json[
        "message"
    ].replace("987654", "#")


def test_the_coordinator_gets_counts_and_never_a_name(
    world: World, ids: dict[str, list[int]], as_coordinator: FlaskClient
) -> None:
    response = as_coordinator.get("/api/households/counts")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert not any(name in text for name in ALL_NAMES)
    communities = {c["community_id"]: c for c in response.json["communities"]}
    a1 = communities[world.communities["A1"]]
    assert (a1["households"], a1["in_difficulty"]) == (5, 3)
    assert communities[world.communities["A2"]]["by_tag"]["empty_nest"] == 1
    assert world.communities["B1"] not in communities
    labels = {t["key"]: t["label"] for t in response.json["tags"]}
    assert labels["dibao"] == "低保户" and labels["party_centre"] == "党员中心户"


def test_counts_of_a_community_outside_are_403_and_of_an_unknown_one_404(
    world: World, ids: dict[str, list[int]], as_coordinator: FlaskClient
) -> None:
    outside = as_coordinator.get(
        "/api/households/counts", query_string={"community_id": world.communities["B1"]}
    )
    assert outside.status_code == 403
    unknown = as_coordinator.get("/api/households/counts", query_string={"community_id": 987654})
    assert unknown.status_code == 404
    one = as_coordinator.get(
        "/api/households/counts", query_string={"subdistrict_id": world.subdistricts["A"]}
    )
    assert one.status_code == 200
    assert {c["cell_id"] for c in one.json["cells"]} == {
        world.cells[k] for k in ("A1N", "A1S", "A2N", "A2S")
    }


def test_a_tag_filter_and_a_bad_tag(
    world: World, ids: dict[str, list[int]], as_field: FlaskClient
) -> None:
    url = f"/api/cells/{world.cells['A1N']}/households"
    hubs = as_field.get(url, query_string={"tag": "party_centre"})
    assert [h["head_name"] for h in hubs.json["households"]] == ["孙丙"]
    bad = as_field.get(url, query_string={"tag": "rich"})
    assert bad.status_code == 400
    assert "住户标签" in bad.json["message"]


@pytest.mark.parametrize("username", ["t_field", "t_manager", "t_coordinator"])
def test_only_admins_read_the_access_log(
    app: Flask, world: World, ids: dict[str, list[int]], username: str
) -> None:
    response = login(app.test_client(), username).get("/api/household-access")
    assert response.status_code == 403
    assert "系统管理员" in response.json["message"]


def test_the_access_log_pages_and_refuses_a_bad_page_size(
    app: Flask, world: World, ids: dict[str, list[int]], as_field: FlaskClient
) -> None:
    as_field.get(f"/api/cells/{world.cells['A1N']}/households")
    as_field.get(f"/api/households/{ids['A1N'][0]}")
    admin = login(app.test_client(), "t_admin")
    page = admin.get("/api/household-access", query_string={"per_page": 3, "page": 2}).json
    assert (page["total"], page["page"], len(page["items"])) == (4, 2, 1)
    newest = admin.get("/api/household-access", query_string={"per_page": 1}).json["items"][0]
    assert (newest["household_id"], newest["route"]) == (ids["A1N"][0], "field_api.household")
    too_many = admin.get("/api/household-access", query_string={"per_page": 100000})
    assert too_many.status_code == 400 and "每页条数" in too_many.json["message"]
