"""Writes whose target is in scope but which name another row outside it (in the body).

The scope matrix (test_scope_matrix.py) moves every id of a request outside the scope at
once; here one id at a time is: the team, org, worker, member or community a write names,
or one cell of several. Each is 403 and writes nothing; the same write naming only rows
in scope succeeds.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import login
from tests.web.scope_requests import Checker, Req
from tests.web.scope_world import GridWork
from tests.world import World


def _cells(g: GridWork, *keys: str) -> list[dict[str, int]]:
    return [{"id": g.world.cells[k], "version": g.version[k]} for k in keys]


def _rename(g: GridWork, community: str, cell: str) -> Req:
    c = {"id": g.world.cells[cell], "version": g.version[cell], "name": g.names[cell]}
    body = {"community_id": g.world.communities[community], "cells": [c], "dry_run": True}
    return Req(json=body)


Case = tuple[str, str, Callable[[GridWork], Req], Callable[[GridWork], Req]]
ASSIGN = "POST /api/cells/<id:cell_id>/assignments"
REGISTER = "POST /api/cells/<id:cell_id>/registrations"

# (role, route, a request naming a row outside the scope, the same naming rows inside it)
CASES: dict[str, Case] = {
    "a team of another community": (
        "t_manager",
        ASSIGN,
        lambda g: Req(
            {"cell_id": g.world.cells["A1N"]}, json={"kind": "team", "target_id": g.team["A2N"]}
        ),
        lambda g: Req(
            {"cell_id": g.world.cells["A1N"]}, json={"kind": "team", "target_id": g.team["A1S"]}
        ),
    ),
    "a branch of another community": (
        "t_manager",
        ASSIGN,
        lambda g: Req(
            {"cell_id": g.world.cells["A1S"]},
            json={"kind": "party_org", "target_id": g.branch["A2N"]},
        ),
        lambda g: Req(
            {"cell_id": g.world.cells["A1S"]},
            json={"kind": "party_org", "target_id": g.branch["A1N"]},
        ),
    ),
    "a worker of another community": (
        "t_manager",
        ASSIGN,
        lambda g: Req(
            {"cell_id": g.world.cells["A1N"]}, json={"kind": "worker", "target_id": g.worker["A2N"]}
        ),
        lambda g: Req(
            {"cell_id": g.world.cells["A1N"]}, json={"kind": "worker", "target_id": g.worker["A1S"]}
        ),
    ),
    "a member living in another community": (
        "t_manager",
        REGISTER,
        lambda g: Req({"cell_id": g.world.cells["A1N"]}, json={"member_id": g.member["A2N"]}),
        lambda g: Req({"cell_id": g.world.cells["A1N"]}, json={"member_id": g.member["A1S"]}),
    ),
    "a team of another community to join": (
        "t_manager",
        REGISTER,
        lambda g: Req(
            {"cell_id": g.world.cells["A1N"]},
            json={"member_id": g.member["A1N"], "team_id": g.team["A2N"]},
        ),
        lambda g: Req(
            {"cell_id": g.world.cells["A1N"]},
            json={"member_id": g.member["A1N"], "team_id": g.team["A1N"]},
        ),
    ),
    "a community of another subdistrict for a new org": (
        "t_coordinator",
        "POST /api/party-orgs",
        lambda g: Req(
            json={
                "parent_id": g.committee["A1"],
                "level": "branch",
                "name": "新支部",
                "community_id": g.world.communities["B1"],
            }
        ),
        lambda g: Req(
            json={
                "parent_id": g.committee["A1"],
                "level": "branch",
                "name": "新支部",
                "community_id": g.world.communities["A1"],
            }
        ),
    ),
    "a new parent in another subdistrict": (
        "t_coordinator",
        "POST /api/party-orgs/<id:org_id>/move",
        lambda g: Req({"org_id": g.group["A1N"]}, json={"parent_id": g.branch["B1X"]}),
        lambda g: Req({"org_id": g.group["A1N"]}, json={"parent_id": g.branch["A1S"]}),
    ),
    "one cell of two to merge": (
        "t_manager",
        "POST /api/cells/merge",
        lambda g: Req(json={"cells": _cells(g, "A1S", "A2N"), "dry_run": True}),
        lambda g: Req(json={"cells": _cells(g, "A1S", "A1N"), "dry_run": True}),
    ),
    "a cell of another community in a save": (
        "t_manager",
        "POST /api/changes",
        lambda g: _rename(g, "A1", "A2N"),
        lambda g: _rename(g, "A1", "A1N"),
    ),
    "another community for a save of own cells": (
        "t_manager",
        "POST /api/changes",
        lambda g: _rename(g, "A2", "A1N"),
        lambda g: _rename(g, "A1", "A1S"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_write_naming_one_row_outside_the_scope_is_refused(
    app: Flask, grid: GridWork, case: str
) -> None:
    role, key, outside, inside = CASES[case]
    client: FlaskClient = login(app.test_client(), role)
    check = Checker(app, grid, role, key)
    check.call(client, outside(grid), frozenset({403}), writes=True)
    check.call(client, inside(grid), frozenset({200}), writes=False)


@pytest.mark.parametrize(
    ("role", "url", "body"),
    [
        ("t_coordinator", "/api/imports/members?subdistrict_id=2147483648", None),
        ("t_manager", "/api/cells/draw", {"community_id": 2**31, "name": "x", "geometry": {}}),
        ("t_manager", "/api/cells/merge", {"cells": [{"id": 2**40, "version": 1}] * 2}),
        ("t_coordinator", "/api/party-orgs", {"parent_id": -1, "level": "branch", "name": "x"}),
    ],
)
def test_an_id_no_row_can_have_is_left_to_the_schema(
    app: Flask, world: World, role: str, url: str, body: object
) -> None:
    """The permission check reads ids before the schema does; one past int32 (or below 1)
    must reach the schema's 400, not the database."""
    client = login(app.test_client(), role)
    response = client.post(url, json=body) if body is not None else client.post(url)
    assert response.status_code == 400, response.get_data(as_text=True)
