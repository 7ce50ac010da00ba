"""Exporting layers (GET /api/exports/<layer>): every file format read back through the
import's reader gives the same cells (Hausdorff ≤ 1 cm, codes and Chinese names exact), in
WGS-84 and in GCJ-02 / BD-09; only the user's rows; CSV safe against formulas."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from gridapp.core.archives import extract_zip
from gridapp.core.datums import Datum
from gridapp.core.layer_read import read_layer
from gridapp.extensions import db
from gridapp.models import GridCell
from tests.world import World


def _cells_in_db(app: Flask, ids: list[int]) -> dict[str, tuple[str, object]]:
    with app.app_context():
        rows = db.session.scalars(select(GridCell).where(GridCell.id.in_(ids))).all()
        return {c.code: (c.name, to_shape(c.geom)) for c in rows}


def _hausdorff_m(a: object, b: object) -> float:
    one, two = gpd.GeoSeries([a, b], crs="EPSG:4326").to_crs("EPSG:32650")
    return float(one.hausdorff_distance(two))


def _saved(tmp_path: Path, data: bytes, suffix: str) -> Path:
    if suffix != ".zip":
        path = tmp_path / f"cells{suffix}"
        path.write_bytes(data)
        return path
    folder = tmp_path / "unzipped"
    folder.mkdir()
    written = extract_zip(io.BytesIO(data), folder)
    assert sorted(p.suffix for p in written) == [".cpg", ".dbf", ".prj", ".shp", ".shx"]
    assert next(p for p in written if p.suffix == ".cpg").read_text().strip() == "UTF-8"
    return next(p for p in written if p.suffix == ".shp")


@pytest.mark.parametrize(
    ("fmt", "suffix", "mimetype"),
    [
        ("geojson", ".geojson", "application/geo+json"),
        ("gpkg", ".gpkg", "application/geopackage+sqlite3"),
        ("shp", ".zip", "application/zip"),
        ("kml", ".kml", "application/vnd.google-earth.kml+xml"),
    ],
)
@pytest.mark.parametrize("datum", [Datum.WGS84, Datum.GCJ02, Datum.BD09])
def test_an_export_read_back_gives_the_same_cells(
    app: Flask,
    world: World,
    as_coordinator: FlaskClient,
    tmp_path: Path,
    fmt: str,
    suffix: str,
    mimetype: str,
    datum: Datum,
) -> None:
    response = as_coordinator.get(
        "/api/exports/cells", query_string={"format": fmt, "datum": datum.value}
    )
    assert response.status_code == 200 and response.mimetype == mimetype
    assert "filename*=UTF-8''%E7%BD%91%E6%A0%BC_" in response.headers["Content-Disposition"]
    layer = read_layer(_saved(tmp_path, response.data, suffix), datum)
    truth = _cells_in_db(app, [i for k, i in world.cells.items() if k.startswith("A")])
    got = {f.attrs["code"]: f for f in layer.features}
    assert set(got) == set(truth) and layer.problems == []  # only subdistrict A: hers
    for code, (name, geom) in truth.items():
        assert got[code].attrs.get("name", got[code].attrs.get("Name")) == name
        assert _hausdorff_m(got[code].geom, geom) <= 0.01


def test_a_field_worker_exports_her_cell_only_and_a_stranger_community_is_refused(
    app: Flask, world: World, as_field: FlaskClient
) -> None:
    response = as_field.get("/api/exports/cells", query_string={"format": "geojson"})
    codes = [f["properties"]["code"] for f in response.get_json(force=True)["features"]]
    assert codes == list(_cells_in_db(app, [world.cells["A1N"]]))
    outside = as_field.get(
        "/api/exports/cells", query_string={"community_id": world.communities["B1"]}
    )
    assert outside.status_code == 403
    unknown = as_field.get("/api/exports/cells", query_string={"community_id": 999999})
    assert unknown.status_code == 404
    bad = as_field.get("/api/exports/cells", query_string={"format": "dwg"})
    assert bad.status_code == 400 and "文件格式" in bad.get_json()["message"]


def test_csv_writes_the_vertices_of_each_cell_and_points_as_lon_lat(
    app: Flask, world: World, as_coordinator: FlaskClient
) -> None:
    cells = as_coordinator.get(
        "/api/exports/cells",
        query_string={"format": "csv", "community_id": world.communities["A1"]},
    )
    lines = cells.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "code,name,seq,lon,lat"
    truth = _cells_in_db(app, [world.cells["A1N"]])
    (code,) = truth
    mine = [line.split(",") for line in lines[1:] if line.startswith(code)]
    ring = list(truth[code][1].geoms[0].exterior.coords)[:-1]  # closing vertex implicit
    assert [int(r[2]) for r in mine] == list(range(1, len(ring) + 1))
    written = [float(v) for r in mine for v in (r[3], r[4])]
    assert written == pytest.approx([v for xy in ring for v in xy])
    points = as_coordinator.get(
        "/api/exports/service_points", query_string={"format": "csv"}
    ).get_data(as_text=True)
    header = points.lstrip("\ufeff").splitlines()[0]
    assert header == "name,kind,address,hours,contact,services,lon,lat"
    # markup in a name is data (tables.to_csv also neutralises formula-like text)
    assert "<script>" in points and "党群服务中心" in points


def test_every_layer_exports(as_admin: FlaskClient) -> None:
    for layer in ("cells", "communities", "buildings", "service_points"):
        response = as_admin.get(f"/api/exports/{layer}", query_string={"format": "gpkg"})
        assert response.status_code == 200 and response.data.startswith(b"SQLite format 3")
    assert as_admin.get("/api/exports/streets").status_code == 404
    with zipfile.ZipFile(
        io.BytesIO(as_admin.get("/api/exports/buildings", query_string={"format": "shp"}).data)
    ) as archive:
        assert {n.rsplit(".", 1)[1] for n in archive.namelist()} == {
            "shp",
            "shx",
            "dbf",
            "prj",
            "cpg",
        }
