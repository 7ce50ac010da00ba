"""Scope matrix: every JSON route × every role, with ids from inside and outside the scope.

Generated from ``app.url_map``: every /api/ route (method + rule) must have an entry in
ROUTES, or ``test_every_api_route_has_a_scope_spec`` fails (a route whose rows follow
different rules per argument, the layer export, has more: "<method rule> | <variant>").
For each route and role:

- anonymous: 401, and a write changes nothing;
- no answer holds a row outside the role's scope (the 〔〕 markers of tests/web/scope_world.py,
  and the ids under keys such as ``cell_id``), unless docs/SCOPE.md makes it public;
- a read shows every row of its kinds that the role may see (so the check above is not
  vacuous), for the whole scope and for a place named in its path or filter;
- a place outside the scope is 403 and an unknown id 404; a write outside the scope is 403
  even with a body that would fail validation (permission comes first), and writes nothing;
  a record whose id must not leak (``hidden``: households) is 404 outside the scope too;
- in scope, a role allowed to use the route gets its normal answer; other roles get 403.

The grid work is committed once for the module; each test's writes are rolled back
(``db_session``).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.scope_requests import (
    ADMIN,
    ASSIGNERS,
    EDITORS,
    FIELD,
    MANAGER,
    MANAGERS,
    UNKNOWN,
    Build,
    Checker,
    Req,
    Spec,
    change_cell,
    draw,
    filter_by,
    import_cells,
    import_members,
    merge,
    none,
    path_to,
    place_of,
    poly,
    report_event,
    row_id,
    split,
    subdistrict_body,
    visit_form,
    world_table,
    write_field_log,
)
from tests.web.scope_world import ROLES, GridWork

ORG_ROWS = (
    "branch",
    "secretary",
    "group",
    "committee",
    "committee_secretary",
    "root",
    "root_secretary",
)
CELL_ROWS = ("cell", "cell_code")
COVERAGE = "service coverage: stations public in the subdistrict, figures of visible cells only"
NAMES = "names only in the reader's cells (worker, the community's manager, admin)"
RECORDERS = frozenset({ADMIN, MANAGER, FIELD})  # field records: not coordinators
SHEET_ROWS = (
    *CELL_ROWS, "building", "branch", "secretary", "team", "team_member", "member", "event",
    "household", "household_phone",
)  # fmt: skip

# The layer export route; its specs are "<route> | <layer>" (one route, several rules).
EXPORT_LAYERS = (
    "cells", "communities", "buildings", "service_points", "household_counts", "org_coverage",
    "service_coverage", "service_gaps",
)  # fmt: skip
EXPORTS = f"GET /api/exports/<any({', '.join(EXPORT_LAYERS)}):layer>"


def export(layer: str) -> Build:
    """A CSV export of ``layer``, of one community (none for place "")."""
    return lambda g, p: Req(
        path={"layer": layer},
        query=filter_by("community_id", world_table("communities"), format="csv")(g, p).query,
    )


# method + rule (+ " | " and a variant) → spec. A new /api/ route fails
# test_every_api_route_has_a_scope_spec until it is described here (and its scope decided in
# docs/SCOPE.md).
ROUTES: dict[str, Spec] = {
    "GET /api/openapi.json": Spec(none, policy="the API document: no rows"),
    "GET /api/me": Spec(none, policy="the user and the extent of their cells"),
    # map layers
    "GET /api/communities": Spec(none, shows=("community",), policy="communities in scope"),
    "GET /api/communities/<id:community_id>": Spec(
        path_to("community_id", world_table("communities")), level="community", shows=("community",)
    ),
    "GET /api/cells": Spec(
        filter_by("community_id", world_table("communities")),
        level="community",
        bare=True,
        shows=CELL_ROWS,
        policy="cells in scope",
    ),
    "GET /api/cells/<id:cell_id>": Spec(
        path_to("cell_id", world_table("cells")), level="cell", shows=CELL_ROWS
    ),
    "GET /api/service-points": Spec(
        none,
        shows=("contact", "point"),
        policy="public in the subdistrict; contact, community, cell only in scope",
    ),
    "GET /api/service-points/<id:point_id>": Spec(
        path_to("point_id", world_table("service_points")), level="point", shows=("contact",)
    ),
    "GET /api/buildings": Spec(none, shows=("building",), policy="buildings of visible cells"),
    "GET /api/streets": Spec(none, policy="public in the subdistrict"),
    # organisations
    "GET /api/party-orgs": Spec(
        filter_by("subdistrict_id", world_table("subdistricts")),
        level="subdistrict",
        bare=True,
        shows=ORG_ROWS,
        policy="orgs of overseen places or of visible cells, and ancestors",
    ),
    "POST /api/party-orgs": Spec(
        lambda g, c: Req(
            json={"parent_id": row_id(g, g.committee, c), "level": "branch", "name": "新支部"}
        ),
        level="whole",
        writes=True,
        allowed=MANAGERS,
        bad=(lambda g, c: Req(json={"parent_id": row_id(g, g.committee, c), "level": "?"}),),
    ),
    "POST /api/party-orgs/<id:org_id>/rename": Spec(
        path_to("org_id", lambda g: g.branch, name="新名称"),
        level="cell",
        writes=True,
        allowed=MANAGERS,
        bad=(path_to("org_id", lambda g: g.branch, name=""),),
    ),
    "POST /api/party-orgs/<id:org_id>/move": Spec(
        lambda g, k: Req(
            path={"org_id": row_id(g, g.group, k)}, json={"parent_id": row_id(g, g.branch, k)}
        ),
        level="cell",
        writes=True,
        allowed=MANAGERS,
        bad=(path_to("org_id", lambda g: g.group, parent_id="上级"),),
    ),
    "POST /api/party-orgs/<id:org_id>/dissolve": Spec(
        path_to("org_id", lambda g: g.group), level="cell", writes=True, allowed=MANAGERS
    ),
    "GET /api/teams": Spec(
        filter_by("community_id", world_table("communities")),
        level="community",
        bare=True,
        shows=("team", "team_member", "community_team", "subdistrict_team"),
        policy="teams of overseen communities or of visible cells; subdistrict-wide teams",
    ),
    "GET /api/workers": Spec(
        none, shows=("worker",), policy="workers touching the scope, with visible cells only"
    ),
    "GET /api/cells/<id:cell_id>/assignments": Spec(
        path_to("cell_id", world_table("cells")), level="cell", shows=("branch", "team", "worker")
    ),
    "POST /api/cells/<id:cell_id>/assignments": Spec(
        lambda g, k: Req(
            path={"cell_id": row_id(g, g.world.cells, k)},
            json={"kind": "team", "target_id": g.team["B" if k == "B1X" else "A"]},
        ),
        level="cell",
        writes=True,
        allowed=ASSIGNERS,
        bad=(path_to("cell_id", world_table("cells"), kind="?"),),
    ),
    "POST /api/assignments/<id:assignment_id>/end": Spec(
        path_to("assignment_id", lambda g: g.branch_assignment),
        level="cell",
        writes=True,
        allowed=ASSIGNERS,
    ),
    "GET /api/cells/<id:cell_id>/members": Spec(
        path_to("cell_id", world_table("cells")), level="cell", shows=("member",)
    ),
    "GET /api/cells/<id:cell_id>/registrations": Spec(
        path_to("cell_id", world_table("cells")), level="cell", shows=("member", "team")
    ),
    "POST /api/cells/<id:cell_id>/registrations": Spec(
        lambda g, k: Req(
            path={"cell_id": row_id(g, g.world.cells, k)},
            json={"member_id": g.member.get(k, UNKNOWN)},
        ),
        level="cell",
        writes=True,
        allowed=ASSIGNERS,
        bad=(path_to("cell_id", world_table("cells"), member_id="某人"),),
    ),
    "POST /api/members/<id:member_id>/responsibility-area": Spec(
        path_to("member_id", lambda g: g.member, clear=True),
        level="cell",
        writes=True,
        allowed=ASSIGNERS,
        bad=(path_to("member_id", lambda g: g.member, geometry=poly(0, 0, 1, 1)),),
    ),
    "GET /api/zones": Spec(
        none, shows=("zone", "community_zone"), policy="zones touching the scope, parts in it"
    ),
    "GET /api/units": Spec(none, shows=("unit",), policy="units in visible cells"),
    "GET /api/coverage/organisation": Spec(
        filter_by("community_id", world_table("communities")),
        level="community",
        bare=True,
        shows=(*CELL_ROWS, "branch", "team", "worker"),
        policy="visible cells only",
    ),
    "GET /api/coverage/organisation/export": Spec(
        filter_by("community_id", world_table("communities"), format="csv"),
        level="community",
        bare=True,
        shows=(*CELL_ROWS, "branch", "team", "worker"),
    ),
    # data in and out
    # data in and out: one spec per kind of layer (the rows of each follow its own rule)
    EXPORTS: Spec(
        export("cells"),
        level="community",
        bare=True,
        shows=CELL_ROWS,
        policy="the visible rows of the layer (cells here), as a file",
    ),
    f"{EXPORTS} | household_counts": Spec(
        export("household_counts"),
        level="community",
        bare=True,
        shows=(*CELL_ROWS, "community"),
        policy="counts of the visible cells, never a name",
    ),
    f"{EXPORTS} | org_coverage": Spec(
        export("org_coverage"),
        level="community",
        bare=True,
        shows=(*CELL_ROWS, "branch", "team", "worker"),
        policy="organisation coverage of the visible cells",
    ),
    f"{EXPORTS} | service_coverage": Spec(
        export("service_coverage"),
        level="community",
        bare=True,
        shows=CELL_ROWS,
        policy=COVERAGE + "; each of the user's subdistricts",
    ),
    f"{EXPORTS} | service_gaps": Spec(
        export("service_gaps"),
        level="community",
        bare=True,
        shows=("building",),
        policy=COVERAGE + "; homes of visible cells outside every circle",
    ),
    "GET /api/imports/<any(members, teams, assignments):kind>/template": Spec(
        lambda g, p: Req(path={"kind": "members"}), policy="a fixed template: no rows"
    ),
    "POST /api/imports/<any(members, teams, assignments):kind>": Spec(
        import_members,
        level="subdistrict",
        writes=True,
        allowed=MANAGERS,
        bad=(lambda g, s: import_members(g, s, garbage=True),),
    ),
    "POST /api/layer-imports": Spec(
        import_cells,
        writes=True,
        allowed=EDITORS,
        ok=frozenset({202}),
        bad=(lambda g, p: import_cells(g, p, garbage=True),),
        policy="grid managers and admins; cells only of communities they oversee as a whole "
        "(others are 'unknown or not yours' problems of the preview)",
    ),
    "GET /api/layer-imports": Spec(none, allowed=EDITORS, policy="one's own imports (admins: all)"),
    "GET /api/layer-imports/<id:import_id>": Spec(
        lambda g, p: Req(path={"import_id": UNKNOWN}),
        allowed=EDITORS,
        ok=frozenset({404}),
        policy="one's own import (admins: any); another's is 404 (tests/web/test_data_import_api)",
    ),
    "POST /api/layer-imports/<id:import_id>/commit": Spec(
        lambda g, p: Req(path={"import_id": UNKNOWN}, json={}),
        writes=True,
        allowed=EDITORS,
        ok=frozenset({404}),
        bad=(lambda g, p: Req(path={"import_id": UNKNOWN}, json={"reason": 5}),),
        policy="one's own ready import",
    ),
    "POST /api/layer-imports/<id:import_id>/discard": Spec(
        lambda g, p: Req(path={"import_id": UNKNOWN}),
        writes=True,
        allowed=EDITORS,
        ok=frozenset({404}),
        policy="one's own ready import",
    ),
    # editing
    "POST /api/changes": Spec(
        change_cell,
        level="cell",
        writes=True,
        allowed=EDITORS,
        bad=(lambda g, k: change_cell(g, k, geometry={"type": "Point"}),),
    ),
    "POST /api/cells/<id:cell_id>/split": Spec(
        split,
        level="cell",
        writes=True,
        allowed=EDITORS,
        bad=(path_to("cell_id", world_table("cells"), version=0, line="线"),),
    ),
    "POST /api/cells/merge": Spec(
        merge,
        level="community",
        writes=True,
        allowed=EDITORS,
        bad=(lambda g, c: merge(g, c, versions=False),),
    ),
    "POST /api/cells/draw": Spec(
        draw,
        level="whole",
        writes=True,
        allowed=EDITORS,
        bad=(
            lambda g, c: draw(g, c, inside_cells=True),  # would be a 422 naming cells
            lambda g, c: Req(
                json={"community_id": row_id(g, g.world.communities, c), "geometry": "多边形"}
            ),
        ),
    ),
    "POST /api/cells/<id:cell_id>/rename": Spec(
        lambda g, k: Req(
            path={"cell_id": row_id(g, g.world.cells, k)},
            json={"version": g.version.get(k, 1), "name": g.names.get(k, "名")},
        ),
        level="cell",
        writes=True,
        allowed=EDITORS,
        bad=(path_to("cell_id", world_table("cells"), version=0, name=""),),
    ),
    "POST /api/changes/<id:change_id>/revert": Spec(
        path_to("change_id", lambda g: g.change, dry_run=True),
        level="whole",
        writes=True,
        allowed=EDITORS,
        bad=(path_to("change_id", lambda g: g.change, dry_run="否"),),
    ),
    "GET /api/cells/<id:cell_id>/history": Spec(
        path_to("cell_id", world_table("cells")), level="cell", shows=("cell_code",)
    ),
    # partition quality
    "GET /api/communities/<id:community_id>/partition-check": Spec(
        path_to("community_id", world_table("communities")),
        level="whole",
        allowed=ASSIGNERS,
        shows=("community",),
        policy="whole communities (a boundary problem names both sides)",
    ),
    "GET /api/subdistricts/<id:subdistrict_id>/partition-check": Spec(
        path_to("subdistrict_id", world_table("subdistricts")),
        level="whole_subdistrict",
        allowed=ASSIGNERS,
        shows=("subdistrict",),
        policy="whole subdistricts",
    ),
    "POST /api/communities/<id:community_id>/proposal": Spec(
        path_to("community_id", world_table("communities"), min_households=50, max_households=500),
        level="whole",
        writes=True,
        allowed=EDITORS,
        ok=frozenset({200, 400}),
        bad=(path_to("community_id", world_table("communities"), min_households=-1),),
    ),
    "POST /api/communities/<id:community_id>/proposal/accept": Spec(
        path_to(
            "community_id",
            world_table("communities"),
            min_households=50,
            max_households=500,
            versions={},
        ),
        level="whole",
        writes=True,
        allowed=EDITORS,
        ok=frozenset({400, 409}),
        bad=(path_to("community_id", world_table("communities"), versions=1),),
    ),
    # service coverage (gridapp/web/service/, owned by the coverage work)
    "GET /api/coverage/service": Spec(
        filter_by("subdistrict_id", world_table("subdistricts")),
        level="subdistrict",
        bare=True,
        bare_place="A",
        shows=CELL_ROWS,
        policy=COVERAGE,
    ),
    "GET /api/coverage/service/gaps": Spec(
        filter_by("subdistrict_id", world_table("subdistricts")),
        level="subdistrict",
        bare=True,
        policy=COVERAGE,
    ),
    "GET /api/coverage/service/export": Spec(
        filter_by("subdistrict_id", world_table("subdistricts"), format="csv"),
        level="subdistrict",
        bare=True,
        bare_place="A",
        shows=CELL_ROWS,
        policy=COVERAGE,
    ),
    "GET /api/coverage/circles": Spec(
        filter_by("subdistrict_id", world_table("subdistricts")),
        level="subdistrict",
        bare=True,
        policy=COVERAGE,
    ),
    "POST /api/coverage/what-if": Spec(
        lambda g, s: subdistrict_body(
            g, s, remove=[g.world.service_points["B1" if s == "B" else "A2"]]
        ),
        level="subdistrict",
        writes=True,
        policy=COVERAGE + "; computes, saves nothing",
    ),
    "POST /api/coverage/suggest": Spec(
        lambda g, s: subdistrict_body(g, s, k=1),
        level="subdistrict",
        writes=True,
        policy=COVERAGE + "; computes, saves nothing",
    ),
    # households (the field journey): names only in the reader's cells, else 404
    "GET /api/cells/<id:cell_id>/households": Spec(
        path_to("cell_id", world_table("cells")),
        level="household",
        hidden=True,
        shows=("household", "household_phone"),
        policy=NAMES,
    ),
    "GET /api/households/<id:household_id>": Spec(
        path_to("household_id", lambda g: g.household),
        level="household",
        hidden=True,
        shows=("household", "household_phone"),
        policy=NAMES,
    ),
    "GET /api/households/counts": Spec(
        filter_by("community_id", world_table("communities")),
        level="community",
        bare=True,
        shows=(*CELL_ROWS, "community"),
        policy="counts of the visible cells, never a name",
    ),
    "GET /api/household-access": Spec(
        none, allowed=frozenset({ADMIN}), policy="admins only: the log of household reads"
    ),
    # visits (走访), the "四访" due list and my cells (the field journey)
    "POST /api/visits": Spec(
        visit_form,
        level="household",
        hidden=True,
        writes=True,
        allowed=RECORDERS,
        ok=frozenset({201}),
        shows=("household",),
        bad=(lambda g, k: visit_form(g, k, client_key="?", method="飞"),),
        policy="field staff, managers, admins: a household or member of a cell they read",
    ),
    "GET /api/visits": Spec(
        filter_by("cell_id", world_table("cells")),
        level="cell",
        bare=True,
        hidden=True,
        shows=("worker", "household", "visit_note"),
        policy="visits of visible cells; target, note, photo: " + NAMES,
    ),
    "GET /api/field/due": Spec(
        filter_by("cell_id", world_table("cells")),
        level="household",
        bare=True,
        hidden=True,
        shows=("household",),
        policy="the due list: " + NAMES,
    ),
    "GET /api/field/my-cells": Spec(
        none,
        shows=CELL_ROWS,
        policy="visible cells with counts; visits due counted only where names are read",
    ),
    # field records: events, the field log, photos, the cell sheet
    "POST /api/events": Spec(
        report_event,
        level="cell",
        writes=True,
        allowed=RECORDERS,
        ok=frozenset({201}),
        bad=(lambda g, k: report_event(g, k, lat="北", category="?"),),
        policy="field staff, grid managers, admins, in a visible cell",
    ),
    "GET /api/events": Spec(
        filter_by("cell_id", world_table("cells")),
        level="cell",
        bare=True,
        shows=("event",),
        policy="events of visible cells",
    ),
    "POST /api/events/<id:event_id>/close": Spec(
        path_to("event_id", lambda g: g.event, note="已办结"),
        level="cell",
        writes=True,
        hidden=True,
        bad=(path_to("event_id", lambda g: g.event, note=5),),
        policy="every role (coordinators too) for an event of a visible cell, else 404",
    ),
    "POST /api/field-logs": Spec(
        write_field_log,
        level="cell",
        writes=True,
        allowed=RECORDERS,
        ok=frozenset({201}),
        bad=(lambda g, k: write_field_log(g, k, day="明天"),),
        policy="field staff, grid managers, admins, for a visible cell",
    ),
    "GET /api/field-logs": Spec(
        filter_by("cell_id", world_table("cells")),
        level="cell",
        bare=True,
        shows=("field_log",),
        policy="entries of visible cells (coordinators search them)",
    ),
    "GET /api/photos/<id:photo_id>": Spec(
        path_to("photo_id", lambda g: g.private_photo),
        level="household",
        hidden=True,
        policy="a visit's photo: household readers of its cell; an event's: who sees the cell",
    ),
    "GET /api/cells/<id:cell_id>/sheet": Spec(
        path_to("cell_id", world_table("cells")),
        level="cell",
        hidden=True,
        shows=SHEET_ROWS,
        policy="who sees the cell; household names (logged) only for its household readers",
    ),
}


# --- the tests ---------------------------------------------------------------------------


def test_every_api_route_has_a_scope_spec(app: Flask) -> None:
    routes = {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    assert routes, "no /api/ routes in app.url_map"
    specified = {key.split(" | ")[0] for key in ROUTES}
    missing, stale = sorted(routes - specified), sorted(specified - routes)
    assert not missing, f"routes without a scope spec in ROUTES (and docs/SCOPE.md): {missing}"
    assert not stale, f"ROUTES entries for routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
# the export's rule is too long for a test id: "GET /api/exports/<layer> | org_coverage"
@pytest.mark.parametrize(
    "key", sorted(ROUTES), ids=lambda key: key.replace(EXPORTS, "GET /api/exports/<layer>")
)
def test_route_keeps_to_the_scope(
    app: Flask, clients: dict[str, FlaskClient], grid: GridWork, key: str, role: str
) -> None:
    spec = ROUTES[key]
    check = Checker(app, grid, role, key)
    if role == "anonymous":
        place = "" if spec.level is None else place_of(spec.level, ADMIN, inside=True)
        check.call(app.test_client(), spec.call(grid, place or ""), frozenset({401}), spec.writes)
        return
    client = clients[role]
    allowed = role in spec.allowed
    answer = spec.ok if allowed else frozenset({403})
    if spec.level is None or spec.bare:
        body = check.call(client, spec.call(grid, ""), answer, spec.writes and not allowed)
        if allowed:
            check.shows(body, spec.shows, spec.bare_place)
    if spec.level is None:
        return
    outside = place_of(spec.level, role, inside=False)
    if outside is not None:
        # ids don't leak (404), but a role that may never use the route is told so (403)
        refused = frozenset({404} if spec.hidden and allowed else {403})
        for build_request in (spec.call, *spec.bad):
            check.call(client, build_request(grid, outside), refused, spec.writes)
    unknown = frozenset({404} if allowed else {403})
    check.call(client, spec.call(grid, "?"), unknown, spec.writes)
    inside = place_of(spec.level, role, inside=True)
    if inside is not None:
        body = check.call(client, spec.call(grid, inside), answer, spec.writes and not allowed)
        if allowed:
            check.shows(body, spec.shows, inside)
