"""Partition check and partition proposal through the API, on real PostGIS.

World (tests/world.py): community A1 = 116.40–116.41 × 39.90–39.91 split into A1N / A1S at
39.905, one building in the middle of each (100 and 200 households); A2 likewise east of it;
subdistrict B has one community B1. Coordinator: subdistrict A; manager: community A1;
field worker: cell A1N. Tests that write run in a rolled-back transaction (``db_session``).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, box, shape
from sqlalchemy import select, text

from gridapp.extensions import db
from gridapp.models import Block, Building, CellChange, GridCell
from tests.conftest import login
from tests.world import World

W, MID, E, S, N = 116.40, 39.905, 116.41, 39.90, 39.91
COLUMNS = (116.40, 116.4025, 116.4075, 116.41)  # the buildings sit in the middle column


def _check(client: FlaskClient, world: World, community: str = "A1") -> Any:
    return client.get(f"/api/communities/{world.communities[community]}/partition-check")


def _set_geom(app: Flask, cell_id: int, *bounds: float) -> None:
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE grid_cells SET geom = ST_Multi(ST_MakeEnvelope(:a, :b, :c, :d, 4326)) "
                "WHERE id = :id"
            ),
            {"a": bounds[0], "b": bounds[1], "c": bounds[2], "d": bounds[3], "id": cell_id},
        )
        db.session.commit()


def _add_blocks(app: Flask, world: World, households: list[int]) -> None:
    """Six blocks in A1: three columns × two rows (north row first, west to east)."""
    with app.app_context():
        rows = [(MID, N), (S, MID)]
        i = 0
        for y0, y1 in rows:
            for x0, x1 in itertools.pairwise(COLUMNS):
                db.session.add(
                    Block(
                        community_id=world.communities["A1"],
                        kind="compound",
                        name=f"小区{i + 1}",
                        households=households[i],
                        geom=from_shape(MultiPolygon([box(x0, y0, x1, y1)]), srid=4326),
                    )
                )
                i += 1
        db.session.commit()


def _cells_of(app: Flask, world: World) -> list[GridCell]:
    with app.app_context():
        cells = list(
            db.session.scalars(
                select(GridCell)
                .where(GridCell.community_id == world.communities["A1"])
                .order_by(GridCell.code)
            )
        )
        db.session.expunge_all()
        return cells


def _changes(app: Flask, world: World) -> list[CellChange]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(CellChange).where(CellChange.community_id == world.communities["A1"])
            )
        )
        db.session.expunge_all()
        return rows


# --- partition check ---------------------------------------------------------------------


def test_check_of_the_clean_world_is_ok(as_coordinator: FlaskClient, world: World) -> None:
    response = _check(as_coordinator, world)
    assert response.status_code == 200
    body = response.json
    assert body["ok"] is True
    assert body["problems"] == []
    assert set(body["counts"].values()) == {0}
    assert body["scope"] == {
        "kind": "community",
        "id": world.communities["A1"],
        "code": "110199001001",
        "name": "甲一社区",
    }
    assert body["checked"]["cells"] == 2
    whole = as_coordinator.get(f"/api/subdistricts/{world.subdistricts['A']}/partition-check")
    assert whole.status_code == 200
    assert whole.json["ok"] is True
    assert whole.json["checked"] == {"communities": 2, "cells": 4, "buildings": 4}


def test_overlap_is_reported_with_its_geometry(
    app: Flask, as_coordinator: FlaskClient, world: World, db_session: None
) -> None:
    _set_geom(app, world.cells["A1N"], W, MID - 0.0005, E, N)  # 0.0005° (~55 m) into A1S
    body = _check(as_coordinator, world).json
    assert body["ok"] is False
    assert body["counts"]["overlap"] == 1
    overlap = next(p for p in body["problems"] if p["kind"] == "overlap")
    assert overlap["cells"] == ["110199001001001", "110199001001002"]
    assert overlap["kind_label"] == "网格重叠"
    assert "重叠" in overlap["message"]
    assert overlap["area_m2"] == pytest.approx(0.01 * 85_200 * 0.0005 * 110_574, rel=0.02)
    geom = shape(overlap["geometry"])
    assert geom.symmetric_difference(box(W, MID - 0.0005, E, MID)).area < 1e-12
    assert overlap["community_id"] == world.communities["A1"]
    # the subdistrict check finds the same problem
    whole = as_coordinator.get(f"/api/subdistricts/{world.subdistricts['A']}/partition-check")
    assert whole.json["counts"]["overlap"] == 1


def test_gap_is_reported_with_its_geometry(
    app: Flask, as_coordinator: FlaskClient, world: World, db_session: None
) -> None:
    _set_geom(app, world.cells["A1S"], W, S, 116.409, MID)  # leaves 116.409–116.41 uncovered
    body = _check(as_coordinator, world).json
    assert [p["kind"] for p in body["problems"]] == ["gap"]
    gap = body["problems"][0]
    assert shape(gap["geometry"]).symmetric_difference(box(116.409, S, E, MID)).area < 1e-12
    assert gap["cells"] == ["110199001001001", "110199001001002"]
    assert gap["area_m2"] > 40_000


def test_cut_building_is_reported(
    app: Flask, as_coordinator: FlaskClient, world: World, db_session: None
) -> None:
    # the boundary moves onto A1N's building (39.9074–39.9076): both cells keep covering A1
    _set_geom(app, world.cells["A1N"], W, 39.9075, E, N)
    _set_geom(app, world.cells["A1S"], W, S, E, 39.9075)
    body = _check(as_coordinator, world).json
    assert [p["kind"] for p in body["problems"]] == ["building_cut"]
    assert body["problems"][0]["buildings"] == [world.buildings["A1N"]]


def test_check_scope_403_and_404(as_coordinator: FlaskClient, world: World) -> None:
    assert _check(as_coordinator, world, "B1").status_code == 403
    assert (
        as_coordinator.get(f"/api/subdistricts/{world.subdistricts['B']}/partition-check")
    ).status_code == 403
    missing = as_coordinator.get("/api/communities/2147483647/partition-check")
    assert missing.status_code == 404
    assert "未找到" in missing.json["message"]
    assert as_coordinator.get("/api/subdistricts/2147483647/partition-check").status_code == 404


def test_check_rights_by_role(app: Flask, world: World) -> None:
    field = login(app.test_client(), "t_field")
    assert _check(field, world).status_code == 403
    manager = login(app.test_client(), "t_manager")
    assert _check(manager, world).status_code == 200
    assert _check(manager, world, "A2").status_code == 403
    # A1 only: the whole subdistrict is not theirs
    assert (
        manager.get(f"/api/subdistricts/{world.subdistricts['A']}/partition-check")
    ).status_code == 403
    admin = login(app.test_client(), "t_admin")
    assert (admin.get(f"/api/subdistricts/{world.subdistricts['B']}/partition-check")).json[
        "ok"
    ] is True


# --- partition proposal ------------------------------------------------------------------

HALVES = [0, 100, 0, 0, 200, 0]  # households per block: the buildings' blocks


def _draft(client: FlaskClient, world: World, lo: int, hi: int) -> Any:
    return client.post(
        f"/api/communities/{world.communities['A1']}/proposal",
        json={"min_households": lo, "max_households": hi},
    )


def _accept(client: FlaskClient, world: World, lo: int, hi: int, draft: dict[str, Any]) -> Any:
    return client.post(
        f"/api/communities/{world.communities['A1']}/proposal/accept",
        json={
            "min_households": lo,
            "max_households": hi,
            "versions": draft["versions"],
            "fingerprint": draft["fingerprint"],
        },
    )


def test_draft_proposes_whole_blocks_and_writes_nothing(
    app: Flask, as_manager: FlaskClient, world: World, db_session: None
) -> None:
    _add_blocks(app, world, HALVES)
    before = _cells_of(app, world)
    response = _draft(as_manager, world, 100, 250)
    assert response.status_code == 200, response.json
    body = response.json
    features = body["cells"]["features"]
    assert body["cells"]["type"] == "FeatureCollection"
    assert len(features) == 2
    props = [f["properties"] for f in features]
    assert [p["households"] for p in props] == [100, 200]
    assert [p["residents"] for p in props] == [250, 500]
    assert [p["matched_cell_code"] for p in props] == ["110199001001001", "110199001001002"]
    assert [p["matched_cell_id"] for p in props] == [world.cells["A1N"], world.cells["A1S"]]
    assert sum(p["blocks"] for p in props) == 6
    union = shapely.union_all([shape(f["geometry"]) for f in features])
    assert union.symmetric_difference(box(W, S, E, N)).area < 1e-10
    stats = body["stats"]
    assert (stats["households_min"], stats["households_max"], stats["outside_range"]) == (
        100,
        200,
        0,
    )
    assert stats["households_median"] == 150
    assert 0 < stats["mean_polsby_popper"] <= 1
    assert (stats["kept_codes"], stats["new_cells"], stats["deleted_cells"]) == (2, 0, 0)
    assert body["versions"] == {str(c.id): c.version for c in before}
    # nothing written
    assert [(c.id, c.version) for c in _cells_of(app, world)] == [(c.id, c.version) for c in before]
    assert _changes(app, world) == []


def test_accept_writes_one_change_and_keeps_codes_where_cells_match(
    app: Flask, as_manager: FlaskClient, world: World, db_session: None
) -> None:
    _add_blocks(app, world, [60, 100, 60, 60, 200, 60])  # every block alone is in 50–250
    draft = _draft(as_manager, world, 50, 250).json
    assert len(draft["cells"]["features"]) == 6
    assert draft["stats"]["kept_codes"] == 2
    response = _accept(as_manager, world, 50, 250, draft)
    assert response.status_code == 200, response.json
    changes = _changes(app, world)
    assert len(changes) == 1 and changes[0].op == "proposal"
    assert response.json["change_id"] == changes[0].id
    cells = _cells_of(app, world)
    assert len(cells) == 6
    codes = {c.code for c in cells}
    assert {"110199001001001", "110199001001002"} <= codes  # matched cells keep their codes
    assert codes - {"110199001001001", "110199001001002"} == {
        "110199001001003",
        "110199001001004",
        "110199001001005",
        "110199001001006",
    }
    kept = {c.code: c for c in cells}
    middle_north = box(COLUMNS[1], MID, COLUMNS[2], N)
    assert to_shape(kept["110199001001001"].geom).symmetric_difference(middle_north).area < 1e-10
    assert kept["110199001001001"].households == 100
    assert sum(c.households for c in cells) == 300
    union = shapely.union_all([to_shape(c.geom) for c in cells])
    assert union.symmetric_difference(box(W, S, E, N)).area < 1e-10
    with app.app_context():
        owner = db.session.get(Building, world.buildings["A1S"])
        assert owner is not None and owner.cell_id == world.cells["A1S"]
    assert _check(as_manager, world).json["ok"] is True


def test_accept_deletes_cells_a_larger_cell_replaces(
    app: Flask, as_manager: FlaskClient, world: World, db_session: None
) -> None:
    _add_blocks(app, world, HALVES)
    draft = _draft(as_manager, world, 250, 1000).json
    assert len(draft["cells"]["features"]) == 1
    assert draft["stats"]["deleted_cells"] == 1
    response = _accept(as_manager, world, 250, 1000, draft)
    assert response.status_code == 200, response.json
    cells = _cells_of(app, world)
    assert len(cells) == 1
    assert cells[0].code in {"110199001001001", "110199001001002"}
    assert cells[0].households == 300
    with app.app_context():
        cell_ids = set(
            db.session.scalars(
                select(Building.cell_id).where(
                    Building.id.in_([world.buildings["A1N"], world.buildings["A1S"]])
                )
            )
        )
    assert cell_ids == {cells[0].id}


def test_accept_refuses_stale_versions_with_409(
    app: Flask, as_manager: FlaskClient, world: World, db_session: None
) -> None:
    _add_blocks(app, world, HALVES)
    draft = _draft(as_manager, world, 100, 250).json
    with app.app_context():
        db.session.execute(
            text("UPDATE grid_cells SET version = version + 1 WHERE id = :id"),
            {"id": world.cells["A1S"]},
        )
        db.session.commit()
    response = _accept(as_manager, world, 100, 250, draft)
    assert response.status_code == 409
    assert "已被他人修改" in response.json["message"]
    missing = dict(draft, versions={str(world.cells["A1N"]): 1})
    assert _accept(as_manager, world, 100, 250, missing).status_code == 409
    assert _changes(app, world) == []


def test_accept_refuses_a_changed_draft(
    app: Flask, as_manager: FlaskClient, world: World, db_session: None
) -> None:
    _add_blocks(app, world, HALVES)
    draft = _draft(as_manager, world, 100, 250).json
    response = _accept(as_manager, world, 100, 250, dict(draft, fingerprint="0" * 16))
    assert response.status_code == 409
    assert "方案已变化" in response.json["message"]


def test_only_managers_and_admins_draft_or_accept(
    app: Flask, world: World, db_session: None
) -> None:
    _add_blocks(app, world, HALVES)
    coordinator = login(app.test_client(), "t_coordinator")
    assert _draft(coordinator, world, 100, 250).status_code == 403
    accept = _accept(
        coordinator,
        world,
        100,
        250,
        {"versions": {str(world.cells["A1N"]): 1, str(world.cells["A1S"]): 1}, "fingerprint": ""},
    )
    assert accept.status_code == 403
    assert _changes(app, world) == []
    field = login(app.test_client(), "t_field")
    assert _draft(field, world, 100, 250).status_code == 403
    manager = login(app.test_client(), "t_manager")
    other = manager.post(
        f"/api/communities/{world.communities['A2']}/proposal",
        json={"min_households": 100, "max_households": 250},
    )
    assert other.status_code == 403


def test_draft_needs_blocks_and_a_valid_range(
    as_manager: FlaskClient, world: World, db_session: None
) -> None:
    no_blocks = _draft(as_manager, world, 100, 250)
    assert no_blocks.status_code == 400
    assert "没有街坊" in no_blocks.json["message"]
    assert _draft(as_manager, world, 300, 200).status_code == 400
    assert _draft(as_manager, world, 0, 200).status_code == 400


def test_pages_render_for_their_users(app: Flask, world: World) -> None:
    coordinator = login(app.test_client(), "t_coordinator")
    page = coordinator.get("/check")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "网格划分检查" in html and "甲一社区" in html and "测试甲街道" in html
    assert "乙一社区" not in html  # outside the coordinator's scope
    assert "vendor/leaflet/leaflet.js" in html and "js/quality/check.js" in html
    assert coordinator.get("/proposal").status_code == 302  # refused: back to the map
    manager = login(app.test_client(), "t_manager")
    page = manager.get(f"/proposal?community={world.communities['A1']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "采纳方案" in html and "放弃" in html and "js/quality/proposal.js" in html
    assert "selected>甲一社区" in html
    field = login(app.test_client(), "t_field")
    assert field.get("/check").status_code == 302
