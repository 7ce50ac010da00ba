"""Concurrent saves at the same cells, through the real app and real PostGIS transactions.

A committed throwaway subdistrict (code 110199009) with one community of four cells in a
row (W1 | W2 | E1 | E2) and its own grid manager; removed afterwards. Requests run in
threads, each with its own test client, session and database connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, box, mapping
from sqlalchemy import delete, func, select

from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import CellChange, Community, GridCell, Subdistrict, User, UserScope
from tests.conftest import PASSWORD, login

Y0, Y1 = 39.95, 39.96
XS = [116.60, 116.61, 116.62, 116.63, 116.64]  # cell edges west → east


@dataclass
class Strip:
    community_id: int
    cells: list[int]


@pytest.fixture(scope="module")
def strip(app: Flask) -> Iterator[Strip]:
    with app.app_context():
        s = db.session
        sub = Subdistrict(
            code="110199009",
            name="并发测试街道",
            geom=from_shape(MultiPolygon([box(XS[0], Y0, XS[-1], Y1)]), srid=4326),
        )
        s.add(sub)
        s.flush()
        community = Community(
            subdistrict_id=sub.id, code="110199009001", name="并发社区", geom=sub.geom
        )
        s.add(community)
        s.flush()
        cells = []
        for i in range(4):
            cell = GridCell(
                community_id=community.id,
                code=f"110199009001{i + 1:03d}",
                seq=i + 1,
                name=f"并发第{i + 1}网格",
                geom=from_shape(MultiPolygon([box(XS[i], Y0, XS[i + 1], Y1)]), srid=4326),
            )
            s.add(cell)
            s.flush()
            cells.append(cell.id)
        user = User(
            username="t_race_manager",
            display_name="并发管理员",
            role=Role.GRID_MANAGER.value,
            scopes=[UserScope(community_id=community.id)],
        )
        user.set_password(PASSWORD)
        s.add(user)
        s.commit()
        built = Strip(community.id, cells)
    yield built
    with app.app_context():
        db.session.execute(delete(User).where(User.username == "t_race_manager"))
        db.session.execute(delete(Subdistrict).where(Subdistrict.code == "110199009"))
        db.session.commit()


def _version(app: Flask, cell_id: int) -> int:
    with app.app_context():
        return int(db.session.scalar(select(GridCell.version).where(GridCell.id == cell_id)) or 0)


def _boundary_body(strip: Strip, pair: int, x: float, versions: tuple[int, int]) -> dict[str, Any]:
    """Move the boundary between cells 2·pair and 2·pair+1 to longitude ``x``."""
    west, east = strip.cells[2 * pair], strip.cells[2 * pair + 1]
    x0, x2 = XS[2 * pair], XS[2 * pair + 2]
    return {
        "community_id": strip.community_id,
        "cells": [
            {"id": west, "version": versions[0], "geometry": mapping(box(x0, Y0, x, Y1))},
            {"id": east, "version": versions[1], "geometry": mapping(box(x, Y0, x2, Y1))},
        ],
    }


def _fire(app: Flask, bodies: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Send every body at once from its own thread and client; return (status, json)."""
    clients: list[FlaskClient] = [login(app.test_client(), "t_race_manager") for _ in bodies]
    barrier = threading.Barrier(len(bodies))
    results: list[tuple[int, dict[str, Any]]] = [(0, {})] * len(bodies)

    def run(i: int) -> None:
        barrier.wait()
        response = clients[i].post("/api/changes", json=bodies[i])
        results[i] = (response.status_code, response.json or {})

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_saves_of_one_cell_lose_none_and_let_exactly_one_win(
    app: Flask, strip: Strip
) -> None:
    for trial in range(10):
        v = (_version(app, strip.cells[0]), _version(app, strip.cells[1]))
        targets = [XS[1] + (k - 3) * 0.0005 + trial * 1e-5 for k in range(6)]
        results = _fire(app, [_boundary_body(strip, 0, x, v) for x in targets])
        statuses = sorted(status for status, _ in results)
        assert statuses == [200, 409, 409, 409, 409, 409], (trial, results)
        winner = next(i for i, (status, _) in enumerate(results) if status == 200)
        # the losers are told, with both versions, and nothing of theirs was written
        for status, body in results:
            if status == 409:
                conflict = {c["id"]: c for c in body["errors"]["cells"]}
                assert conflict[strip.cells[0]]["current_version"] == v[0] + 1
        assert _version(app, strip.cells[0]) == v[0] + 1
        with app.app_context():
            geom = db.session.scalar(select(GridCell.geom).where(GridCell.id == strip.cells[0]))
            assert to_shape(geom).bounds[2] == pytest.approx(targets[winner], abs=1e-9)
    with app.app_context():
        changes = db.session.scalar(
            select(func.count())
            .select_from(CellChange)
            .where(CellChange.community_id == strip.community_id)
        )
    assert changes == 10  # one recorded change per trial, none lost, none doubled


def test_edits_of_different_cells_of_one_community_both_succeed(app: Flask, strip: Strip) -> None:
    for _ in range(5):
        west = (_version(app, strip.cells[0]), _version(app, strip.cells[1]))
        east = (_version(app, strip.cells[2]), _version(app, strip.cells[3]))
        results = _fire(
            app,
            [
                _boundary_body(strip, 0, XS[1] - 0.001, west),
                _boundary_body(strip, 1, XS[3] + 0.001, east),
            ],
        )
        assert [status for status, _ in results] == [200, 200], results
    with app.app_context():
        geoms = [
            to_shape(g)
            for g in db.session.scalars(
                select(GridCell.geom).where(GridCell.community_id == strip.community_id)
            )
        ]
    total = sum(g.area for g in geoms)
    assert total == pytest.approx((XS[-1] - XS[0]) * (Y1 - Y0), rel=1e-9)
