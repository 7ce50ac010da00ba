"""Importing cells from files (POST /api/layer-imports → preview → commit), against the
test world: subdistrict A's community A1 (116.40–116.41 E, 39.90–39.91 N) has a north cell
…001 and a south cell …002, each with one building in its middle."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import to_shape
from shapely.geometry import Polygon, box, shape
from sqlalchemy import func, select, update

from gridapp.core.datums import Datum, from_wgs84
from gridapp.extensions import db
from gridapp.models import CellChange, CellHistory, GridCell
from tests.conftest import login
from tests.world import World

A1 = "110199001001"
NORTH = box(116.40, 39.905, 116.41, 39.91)
SOUTH = box(116.40, 39.90, 116.41, 39.905)
# the boundary moved 100 m south: still clear of the south building (39.9024–39.9026)
NORTH_BIGGER = box(116.40, 39.9041, 116.41, 39.91)
SOUTH_SMALLER = box(116.40, 39.90, 116.41, 39.9041)


def frame(rows: list[tuple[str, str, Any]], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    codes, names, geoms = zip(*rows, strict=True)
    return gpd.GeoDataFrame({"code": codes, "name": names}, geometry=list(geoms), crs=crs)


def shapefile_zip(tmp_path: Path, data: gpd.GeoDataFrame, datum: Datum = Datum.WGS84) -> bytes:
    if datum is not Datum.WGS84:
        data = data.copy()
        data["geometry"] = [from_wgs84(g, datum) for g in data.geometry]
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    data.to_file(folder / "cells.shp", driver="ESRI Shapefile", encoding="UTF-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    return out.getvalue()


def geojson(data: gpd.GeoDataFrame) -> bytes:
    return data.to_json().encode()


def upload(
    client: FlaskClient, content: bytes, name: str, **form: str
) -> tuple[int, dict[str, Any]]:
    response = client.post(
        "/api/layer-imports",
        data={"file": (io.BytesIO(content), name), **form},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_json()


def cell_geoms(codes: list[str]) -> dict[str, Any]:
    rows = db.session.scalars(select(GridCell).where(GridCell.code.in_(codes)))
    return {c.code: to_shape(c.geom) for c in rows}


def hausdorff_m(a: Any, b: Any) -> float:
    one, two = gpd.GeoSeries([a, b], crs="EPSG:4326").to_crs("EPSG:32650")
    return float(one.hausdorff_distance(two))


@pytest.fixture
def tmp_imports(app: Flask, tmp_path: Path) -> Path:
    folder = tmp_path / "imports"
    folder.mkdir()
    app.config["IMPORT_TMP_DIR"] = str(folder)
    yield folder
    app.config["IMPORT_TMP_DIR"] = ""


@pytest.mark.parametrize("datum", [Datum.WGS84, Datum.GCJ02, Datum.BD09])
def test_a_manager_imports_a_shapefile_and_the_cells_land_in_place(
    app: Flask,
    db_session: None,
    as_manager: FlaskClient,
    tmp_path: Path,
    tmp_imports: Path,
    datum: Datum,
) -> None:
    data = frame([(A1 + "001", "北片网格", NORTH_BIGGER), (A1 + "002", "南片网格", SOUTH_SMALLER)])
    status, job = upload(as_manager, shapefile_zip(tmp_path, data, datum), "网格.zip", crs=datum)
    assert status == 202, job
    assert job["status"] == "ready" and job["progress"] == 100
    preview = job["preview"]
    assert preview["summary"]["updates"] == 2 and preview["summary"]["inserts"] == 0
    assert preview["problems"] == [] and preview["can_commit"] is True
    assert [p for p in preview["partition"] if p["severity"] == "error"] == []
    assert list(tmp_imports.iterdir()) == []  # the upload is gone once read

    response = as_manager.post(f"/api/layer-imports/{job['id']}/commit", json={})
    assert response.status_code == 202
    done = as_manager.get(f"/api/layer-imports/{job['id']}").get_json()
    assert done["status"] == "committed", done
    with app.app_context():
        got = cell_geoms([A1 + "001", A1 + "002"])
        names = dict(db.session.execute(select(GridCell.code, GridCell.name)).all())
        assert hausdorff_m(got[A1 + "001"], NORTH_BIGGER) < 1.0
        assert hausdorff_m(got[A1 + "002"], SOUTH_SMALLER) < 1.0
        assert names[A1 + "001"] == "北片网格"
        change = db.session.get(CellChange, done["result"]["change_ids"][0])
        assert change is not None and change.op == "import"
        history = db.session.scalars(
            select(CellHistory.cell_code).where(CellHistory.change_id == change.id)
        ).all()
        assert sorted(history) == [A1 + "001", A1 + "002"]


def test_a_new_code_is_an_insert_and_the_csv_of_vertices_with_chinese_headers_reads(
    app: Flask, db_session: None, as_manager: FlaskClient
) -> None:
    rows = ["网格编码,网格名称,序号,经度,纬度"]
    quarters = {
        "001": ("北片", NORTH),
        "002": ("西南片", box(116.40, 39.90, 116.405, 39.905)),
        "003": ("东南片", box(116.405, 39.90, 116.41, 39.905)),
    }
    for serial, (name, quarter) in quarters.items():
        for seq, (x, y) in enumerate(quarter.exterior.coords[:-1], start=1):
            rows.append(f"{A1}{serial},{name},{seq},{x},{y}")
    status, job = upload(as_manager, "\n".join(rows).encode("gbk"), "网格.csv")
    assert status == 202, job
    preview = job["preview"]
    assert any("GBK" in w for w in preview["warnings"])
    actions = {
        f["properties"]["code"]: f["properties"]["action"] for f in preview["features"]["features"]
    }
    assert actions == {A1 + "001": "update", A1 + "002": "update", A1 + "003": "insert"}
    # the south building (116.4048–116.4052) is cut by the new boundary at 116.405
    assert preview["needs_reason"] is True and preview["can_commit"] is True
    refused = as_manager.post(f"/api/layer-imports/{job['id']}/commit", json={})
    assert refused.status_code == 400 and "理由" in refused.get_json()["message"]
    ok = as_manager.post(f"/api/layer-imports/{job['id']}/commit", json={"reason": "按区平台划分"})
    assert ok.status_code == 202
    done = as_manager.get(f"/api/layer-imports/{job['id']}").get_json()
    assert done["status"] == "committed", done
    with app.app_context():
        assert sorted(cell_geoms([A1 + "001", A1 + "002", A1 + "003"])) == [
            A1 + "001",
            A1 + "002",
            A1 + "003",
        ]
        change = db.session.get(CellChange, done["result"]["change_ids"][0])
        assert change is not None and change.override_reason == "按区平台划分"


def test_every_feature_problem_is_listed_and_nothing_can_be_committed(
    app: Flask, db_session: None, as_manager: FlaskClient
) -> None:
    bow_tie = Polygon([(116.40, 39.905), (116.41, 39.91), (116.41, 39.905), (116.40, 39.91)])
    data = frame(
        [
            (A1 + "001", "北片", bow_tie),
            (A1 + "002", "南片", SOUTH),
            (A1 + "002", "重复", SOUTH),
            ("12345", "短码", SOUTH),
            ("110199009001001", "不存在的社区", SOUTH),
            ("110199002001001", "别人的社区", SOUTH),
        ]
    )
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(CellChange))
    status, job = upload(as_manager, geojson(data), "cells.geojson")
    assert status == 202
    preview = job["preview"]
    got = {(p["feature"], p["category"]) for p in preview["problems"]}
    assert got == {
        (1, "几何无效"),
        (3, "编码重复"),
        (4, "编码格式错误"),
        (5, "社区未知"),
        (6, "社区未知"),  # another community is "unknown or not yours": no existence leak
    }
    bow = next(p for p in preview["problems"] if p["feature"] == 1)
    assert "自相交" in bow["message"] and bow["where"] is not None
    assert preview["can_commit"] is False
    refused = as_manager.post(f"/api/layer-imports/{job['id']}/commit", json={})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CellChange)) == before


def test_an_overlap_blocks_and_a_gap_only_warns(
    app: Flask, db_session: None, as_manager: FlaskClient
) -> None:
    overlapping = frame(
        [(A1 + "001", "北", box(116.40, 39.904, 116.41, 39.91)), (A1 + "002", "南", SOUTH)]
    )
    _, job = upload(as_manager, geojson(overlapping), "overlap.geojson")
    kinds = {p["kind"]: p["severity"] for p in job["preview"]["partition"]}
    assert kinds.get("overlap") == "error" and job["preview"]["can_commit"] is False

    gap = frame([(A1 + "001", "北", box(116.40, 39.906, 116.41, 39.91)), (A1 + "002", "南", SOUTH)])
    _, job = upload(as_manager, geojson(gap), "gap.geojson")
    kinds = {p["kind"]: p["severity"] for p in job["preview"]["partition"]}
    assert kinds.get("gap") == "warning" and job["preview"]["can_commit"] is True
    assert job["preview"]["summary"]["gaps"] == 1
    as_manager.post(f"/api/layer-imports/{job['id']}/commit", json={})
    done = as_manager.get(f"/api/layer-imports/{job['id']}").get_json()
    assert done["status"] == "committed", done


def test_replace_mode_deletes_the_cells_the_file_does_not_hold(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    whole = frame([(A1 + "005", "整片", box(116.40, 39.90, 116.41, 39.91))])
    _, job = upload(as_manager, geojson(whole), "whole.geojson", mode="replace")
    preview = job["preview"]
    assert sorted(d["code"] for d in preview["deleted"]) == [A1 + "001", A1 + "002"]
    assert preview["summary"] == {**preview["summary"], "inserts": 1, "deletes": 2}
    as_manager.post(f"/api/layer-imports/{job['id']}/commit", json={})
    done = as_manager.get(f"/api/layer-imports/{job['id']}").get_json()
    assert done["status"] == "committed", done
    with app.app_context():
        codes = db.session.scalars(
            select(GridCell.code).where(GridCell.community_id == world.communities["A1"])
        ).all()
        assert codes == [A1 + "005"]


def test_a_gcj02_file_read_as_wgs84_gets_a_datum_warning(
    db_session: None, as_manager: FlaskClient
) -> None:
    data = frame([(A1 + "001", "北", NORTH), (A1 + "002", "南", SOUTH)])
    shifted = data.copy()
    shifted["geometry"] = [from_wgs84(g, Datum.GCJ02) for g in data.geometry]
    _, job = upload(as_manager, geojson(shifted), "gcj.geojson")
    warning = job["preview"]["warnings"][0]
    assert "GCJ-02" in warning and "米" in warning
    assert job["preview"]["can_commit"] is False  # the cells stick out of the community


def test_a_cell_edited_after_the_preview_is_a_conflict_and_nothing_is_written(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    data = frame([(A1 + "001", "北", NORTH_BIGGER), (A1 + "002", "南", SOUTH_SMALLER)])
    _, job = upload(as_manager, geojson(data), "cells.geojson")
    with app.app_context():
        db.session.execute(
            update(GridCell)
            .where(GridCell.id == world.cells["A1N"])
            .values(version=GridCell.version + 1)
        )
        db.session.commit()
        before = cell_geoms([A1 + "002"])[A1 + "002"]
    as_manager.post(f"/api/layer-imports/{job['id']}/commit", json={})
    failed = as_manager.get(f"/api/layer-imports/{job['id']}").get_json()
    assert failed["status"] == "failed" and "重新上传" in failed["error"]["message"]
    with app.app_context():
        assert cell_geoms([A1 + "002"])[A1 + "002"].equals(before)


@pytest.mark.parametrize(
    ("content", "name", "status", "words"),
    [
        (b"", "cells.geojson", 422, "空"),
        (b'{"type": "FeatureCollection", "features": [', "cells.geojson", 422, "无法读取"),
        (b"PK\x03\x04broken", "cells.zip", 422, "ZIP"),
        (b"MZ\x90\x00", "setup.exe", 415, "不支持"),
        (
            b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<kml><Document><name>&x;</name></Document></kml>",
            "evil.kml",
            422,
            "DOCTYPE",
        ),
        (b"code,name\n1,a\n", "cells.csv", 422, "缺少必填的列"),
    ],
)
def test_bad_files_are_refused_with_a_chinese_message_and_leave_nothing(
    app: Flask,
    db_session: None,
    as_manager: FlaskClient,
    tmp_imports: Path,
    content: bytes,
    name: str,
    status: int,
    words: str,
) -> None:
    got, body = upload(as_manager, content, name)
    assert got == status and words in body["message"], body
    assert list(tmp_imports.iterdir()) == []
    listed = as_manager.get("/api/layer-imports").get_json()["items"]
    assert listed[0]["status"] == "failed" and words in listed[0]["error"]["message"]


def test_a_zip_slip_archive_is_refused(
    db_session: None, as_manager: FlaskClient, tmp_imports: Path
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("../../evil.shp", b"x")
    got, body = upload(as_manager, out.getvalue(), "cells.zip")
    assert got == 422 and "压缩包" in body["message"]
    assert list(tmp_imports.iterdir()) == [] and not (tmp_imports.parent / "evil.shp").exists()


def test_a_file_above_the_limit_is_413(
    app: Flask, db_session: None, as_manager: FlaskClient
) -> None:
    app.config["MAX_IMPORT_LENGTH"] = 1000
    try:
        got, body = upload(as_manager, b"x" * 5000, "big.geojson")
    finally:
        app.config["MAX_IMPORT_LENGTH"] = 50 * 1024 * 1024
    assert got == 413 and "上限" in body["message"]


def test_only_editors_import_and_only_their_own_imports(
    app: Flask, db_session: None, client: FlaskClient, as_manager: FlaskClient
) -> None:
    data = geojson(frame([(A1 + "001", "北", NORTH), (A1 + "002", "南", SOUTH)]))
    _, job = upload(as_manager, data, "cells.geojson")
    other = app.test_client()
    assert upload(other, data, "cells.geojson")[0] == 401
    for user in ("t_field", "t_coordinator"):
        stranger = login(app.test_client(), user)
        assert upload(stranger, data, "cells.geojson")[0] == 403
        assert stranger.get(f"/api/layer-imports/{job['id']}").status_code == 403
    admin = login(app.test_client(), "t_admin")
    assert admin.get(f"/api/layer-imports/{job['id']}").status_code == 200
    assert as_manager.get("/api/layer-imports/999999").status_code == 404


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "kml", "csv"])
@pytest.mark.parametrize("datum", [Datum.WGS84, Datum.GCJ02])
def test_an_export_imported_again_gives_the_same_cells(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World, fmt: str, datum: Datum
) -> None:
    exported = as_manager.get(
        "/api/exports/cells",
        query_string={"format": fmt, "datum": datum, "community_id": world.communities["A1"]},
    )
    assert exported.status_code == 200
    name = f"网格.{'zip' if fmt == 'shp' else fmt}"
    status, job = upload(as_manager, exported.data, name, crs=datum)
    assert status == 202, job
    preview = job["preview"]
    assert preview["problems"] == [] and preview["can_commit"] is True
    assert preview["summary"]["updates"] == 2 and preview["summary"]["inserts"] == 0
    with app.app_context():
        truth = cell_geoms([A1 + "001", A1 + "002"])
        names = dict(db.session.execute(select(GridCell.code, GridCell.name)).all())
    for feature in preview["features"]["features"]:
        code = feature["properties"]["code"]
        assert feature["properties"]["name"] == names[code]
        assert hausdorff_m(shape(feature["geometry"]), truth[code]) <= 0.01


def test_a_csv_of_vertices_in_utf16_with_a_bom_reads_and_bad_rows_are_named(
    db_session: None, as_manager: FlaskClient
) -> None:
    rows = ["code\tname\tseq\tlon\tlat"]
    for seq, (x, y) in enumerate(NORTH.exterior.coords[:-1], start=1):
        rows.append(f"{A1}001\t北\t{seq}\t{x}\t{y}")
    rows.append(f"{A1}002\t南\t1\t116.40\t39.90")
    rows.append(f"{A1}002\t南\t2\tabc\t39.90")
    status, job = upload(as_manager, "\n".join(rows).encode("utf-16"), "cells.csv")
    assert status == 202, job
    preview = job["preview"]
    assert any("UTF-16" in w for w in preview["warnings"])
    (problem,) = preview["problems"]
    assert problem["code"] == A1 + "002" and "第 7 行" in problem["message"]
