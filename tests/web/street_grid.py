"""A small street grid over subdistrict A for the service-coverage API tests (a fixture).

Streets (added per test, rolled back): north–south at lon 116.400/.405/.410/.415/.420 and
east–west at lat 39.900/.905/.910, edges between neighbouring crossings (~430 m and ~555 m).
The world's buildings sit on the .405/.415 streets at lat 39.9025 and 39.9075; its service
points at lat 39.909 on the same streets. Crossing (i, j) (lat index, lon index) is node
``1000 + 5 i + j``.
"""

from __future__ import annotations

import pytest
from flask import Flask
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString

from gridapp.core.projection import LocalProjection
from gridapp.extensions import db
from gridapp.models import StreetEdge
from gridapp.services.coverage import network
from tests.world import World

LONS = [116.400, 116.405, 116.410, 116.415, 116.420]
LATS = [39.900, 39.905, 39.910]
M_PER_DEG_LAT = 110_574.0


def crossing(i: int, j: int) -> int:
    return 1000 + i * len(LONS) + j


def add_street(world: World, u: int, v: int, line: LineString) -> None:
    """One walkable street edge of subdistrict A (in the current session, not committed)."""
    db.session.add(
        StreetEdge(
            subdistrict_id=world.subdistricts["A"],
            u=u,
            v=v,
            kind="residential",
            length_m=LocalProjection(116.41, 39.905).to_metric(line).length,
            geom=from_shape(line, srid=4326),
        )
    )


@pytest.fixture
def streets(app: Flask, world: World, db_session: None) -> None:
    network.clear_cache()
    with app.app_context():
        for i, lat in enumerate(LATS):
            for j, lon in enumerate(LONS):
                for di, dj in ((0, 1), (1, 0)):
                    if i + di < len(LATS) and j + dj < len(LONS):
                        line = LineString([(lon, lat), (LONS[j + dj], LATS[i + di])])
                        add_street(world, crossing(i, j), crossing(i + di, j + dj), line)
        db.session.commit()
