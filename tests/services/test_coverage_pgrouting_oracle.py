"""Our walking distances against pgRouting's on the demo network (pgRouting is the oracle).

For a deterministic sample of service-point/building pairs, the distance our graph gives
(one scipy Dijkstra from the service point) equals pgRouting's ``pgr_withPointsCost`` on
the stored street edges, with both points placed on the same edges at the same fractions,
plus the two connectors from the points to the street — within 1 m.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import select, text

from gridapp.core.geodemo.generated import generate_subdistrict
from gridapp.core.geodemo.pipeline import build_subdistrict
from gridapp.extensions import db
from gridapp.models import Subdistrict, User
from gridapp.services.coverage import report as sc
from gridapp.services.geodata.folders import write_geodata
from gridapp.services.geodata.loading import load_geodata

PAIRS = 40


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_geodata(
        build_subdistrict(generate_subdistrict()), tmp_path_factory.mktemp("g") / "d"
    )


def test_distances_equal_pgrouting_within_a_metre(
    app: Flask, db_session: None, demo_folder: Path
) -> None:
    with app.app_context():
        load_geodata(demo_folder)
        sub = db.session.scalars(select(Subdistrict).where(Subdistrict.code == "110105021")).one()
        net = sc.network(sub.id)
        admin = db.session.scalars(select(User).where(User.username == "t_admin")).one()
        stations = sc.stations(net, sub.id, [], admin)
        rng = np.random.default_rng(3)
        homes = np.flatnonzero(net.households > 0)
        edges_sql = (
            "SELECT id, u AS source, v AS target, length_m AS cost, length_m AS reverse_cost "
            f"FROM street_edges WHERE subdistrict_id = {sub.id}"
        )
        checked = 0
        worst = 0.0
        for station in [stations[int(i)] for i in rng.choice(len(stations), 8, replace=False)]:
            extra = net.graph.with_points([station.point])
            ours_all = net.graph.distances(extra.nodes, matrix=extra.matrix)
            [s_snap] = net.graph.snap([station.point])
            for b in rng.choice(homes, PAIRS // 8, replace=False):
                b_snap = net.graph.snaps[int(b)]
                points_sql = (
                    f"SELECT 1 AS pid, {int(net.edge_ids[s_snap.edge])} AS edge_id, "
                    f"{s_snap.fraction!r}::float AS fraction UNION ALL "
                    f"SELECT 2, {int(net.edge_ids[b_snap.edge])}, {b_snap.fraction!r}::float"
                )
                row = db.session.execute(
                    text(
                        "SELECT agg_cost FROM pgr_withPointsCost(:e, :p, -1, -2, directed => false)"
                    ),
                    {"e": edges_sql, "p": points_sql},
                ).first()
                ours = float(ours_all[net.graph.point_node[int(b)]])
                if row is None:
                    assert np.isinf(ours), "pgRouting finds no path, we do"
                    continue
                theirs = float(row[0]) + s_snap.offset + b_snap.offset
                worst = max(worst, abs(ours - theirs))
                assert ours == pytest.approx(theirs, abs=1.0), (station.name, int(b))
                checked += 1
        assert checked >= PAIRS * 0.9
        assert worst < 1.0
