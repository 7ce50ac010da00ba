"""Importing buildings (楼栋) from files (POST /api/layer-imports with layer=buildings →
preview → commit), against the test world: the manager oversees community A1
(116.40–116.41 E, 39.90–39.91 N) with a north cell …001 and a south cell …002, each holding
one building (100 and 200 households) in its middle; A2 (116.41–116.42) is not the
manager's."""

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
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping
from sqlalchemy import func, select, update

from gridapp.core.datums import Datum, from_wgs84
from gridapp.extensions import db
from gridapp.models import (
    Building,
    GridCell,
    Household,
    Member,
    ServicePoint,
    Unit,
    Zone,
    ZonePart,
)
from gridapp.services.data.import_common import OUTSIDE_SCOPE
from gridapp.services.data.imports import STALE
from tests.conftest import login
from tests.web import street_grid
from tests.web.test_data_import_api import hausdorff_m, tmp_imports, upload
from tests.world import World

streets = street_grid.streets  # the fixture
__all__ = ["tmp_imports"]  # a fixture

A1N_CELL = "110199001001001"
A1S_CELL = "110199001001002"
# a new building in the north cell of A1, clear of the world's (116.4048–116.4052, 39.9074–6)
NEW = box(116.4010, 39.9080, 116.4014, 39.9083)
NEW_2 = box(116.4020, 39.9080, 116.4024, 39.9083)
CHINESE = {"code": "楼栋编码", "name": "名称", "kind": "类型", "levels": "层数",
           "households": "户数", "residents": "人口"}  # fmt: skip


def frame(rows: list[dict[str, Any]], chinese: bool = False) -> gpd.GeoDataFrame:
    geoms = [r.pop("geometry") for r in rows]
    data = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    return data.rename(columns=CHINESE) if chinese else data


def geojson(data: gpd.GeoDataFrame) -> bytes:
    return data.to_json().encode()


def raw_geojson(features: list[tuple[dict[str, Any], Any]]) -> bytes:
    """GeoJSON written by hand (geometries no GeoDataFrame keeps: null, invalid)."""
    import json

    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
        }
    ).encode()


def start(client: FlaskClient, content: bytes, name: str, **form: str) -> dict[str, Any]:
    status, job = upload(client, content, name, layer="buildings", **form)
    assert status == 202, job
    assert job["status"] == "ready", job
    return job


def commit(client: FlaskClient, job: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/layer-imports/{job['id']}/commit", json={})
    assert response.status_code == 202, response.get_json()
    return client.get(f"/api/layer-imports/{job['id']}").get_json()


def snapshot() -> list[tuple[Any, ...]]:
    """Every building row and every cell's counts: what a refused import must not change."""
    rows = db.session.execute(
        select(
            Building.id,
            Building.source_ref,
            Building.kind,
            Building.name,
            Building.levels,
            Building.households,
            Building.residents,
            Building.cell_id,
            func.ST_AsText(Building.geom),
        ).order_by(Building.id)
    ).all()
    cells = db.session.execute(
        select(GridCell.id, GridCell.households, GridCell.residents, GridCell.version).order_by(
            GridCell.id
        )
    ).all()
    return [tuple(r) for r in rows] + [tuple(c) for c in cells]


def by_ref(ref: str) -> Building:
    found = db.session.scalars(select(Building).where(Building.source_ref == ref)).all()
    assert len(found) == 1, found
    return found[0]


def cell_counts(code: str) -> tuple[int, int, int]:
    cell = db.session.scalars(select(GridCell).where(GridCell.code == code)).one()
    return cell.households, cell.residents, cell.version


def shapefile_zip(tmp_path: Path, data: gpd.GeoDataFrame, encoding: str) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir()
    data.to_file(folder / "楼栋.shp", driver="ESRI Shapefile", encoding=encoding)
    for cpg in folder.glob("*.cpg"):
        cpg.unlink()  # no .cpg: the reader has to tell GBK from UTF-8 itself
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    return out.getvalue()


def vertex_csv(rows: list[tuple[str, str, Polygon, int]]) -> bytes:
    """楼栋编码,名称,序号,经度,纬度,户数: one row per vertex."""
    lines = ["楼栋编码,名称,序号,经度,纬度,户数"]
    for code, name, polygon, households in rows:
        for seq, (x, y) in enumerate(polygon.exterior.coords[:-1], start=1):
            lines.append(f"{code},{name},{seq},{x},{y},{households}")
    return "\n".join(lines).encode()


def two_new() -> list[dict[str, Any]]:
    return [
        {"code": "B-001", "name": "一号楼", "kind": "住宅", "levels": 6, "households": 24,
         "residents": 60, "geometry": NEW},
        {"code": "B-002", "name": "二号楼", "kind": "平房", "levels": 1, "households": 3,
         "residents": 7, "geometry": MultiPolygon([NEW_2])},
    ]  # fmt: skip


def assert_two_new_imported(app: Flask, csv: bool = False) -> None:
    with app.app_context():
        one, two = by_ref("B-001"), by_ref("B-002")
        assert hausdorff_m(to_shape(one.geom), NEW) < 0.01
        assert hausdorff_m(to_shape(two.geom), NEW_2) < 0.01
        assert (one.name, one.households) == ("一号楼", 24)
        assert (two.name, two.households) == ("二号楼", 3)
        if not csv:  # the CSV carries households only
            assert (one.kind, one.levels, one.residents) == ("residential", 6, 60)
            assert (two.kind, two.levels, two.residents) == ("lowrise", 1, 7)
        north = db.session.scalar(select(GridCell.id).where(GridCell.code == A1N_CELL))
        assert one.cell_id == two.cell_id == north
        households, residents, version = cell_counts(A1N_CELL)
        assert households == 100 + 24 + 3 and version == 1
        if not csv:
            assert residents == 250 + 60 + 7


# --- formats ---------------------------------------------------------------------------------


def test_a_geojson_with_chinese_field_names_inserts_and_recounts_the_cell(
    app: Flask, db_session: None, as_manager: FlaskClient
) -> None:
    job = start(as_manager, geojson(frame(two_new(), chinese=True)), "楼栋.geojson")
    preview = job["preview"]
    assert preview["problems"] == [] and preview["can_commit"] is True, preview["problems"]
    summary = preview["summary"]
    assert (summary["inserts"], summary["updates"], summary["deletes"]) == (2, 0, 0)
    assert preview["needs_reason"] is False and preview["partition"] == []
    props = [f["properties"] for f in preview["features"]["features"]]
    assert [(p["action"], p["kind"], p["kind_label"]) for p in props] == [
        ("insert", "residential", "住宅楼"),
        ("insert", "lowrise", "平房"),
    ]
    assert [c["code"] for c in preview["communities"]] == ["110199001001"]
    assert len(preview["current"]["features"]) == 2  # the world's two buildings of A1
    done = commit(as_manager, job)
    assert done["status"] == "committed", done
    assert done["result"]["inserts"] == 2 and len(done["result"]["building_ids"]) == 2
    assert_two_new_imported(app)


def test_a_zipped_shapefile_in_gbk_with_chinese_field_names_imports(
    app: Flask, db_session: None, as_manager: FlaskClient, tmp_path: Path
) -> None:
    data = frame(two_new(), chinese=True)
    job = start(as_manager, shapefile_zip(tmp_path, data, "GBK"), "楼栋.zip")
    assert any("GBK" in w for w in job["preview"]["warnings"])
    assert job["preview"]["can_commit"] is True, job["preview"]["problems"]
    assert commit(as_manager, job)["status"] == "committed"
    assert_two_new_imported(app)


@pytest.mark.parametrize("driver", ["GPKG", "KML"])
def test_a_geopackage_and_a_kml_import(
    app: Flask, db_session: None, as_manager: FlaskClient, tmp_path: Path, driver: str
) -> None:
    path = tmp_path / f"楼栋.{driver.lower()}"
    frame(two_new()).to_file(path, driver=driver)
    job = start(as_manager, path.read_bytes(), path.name)
    assert job["preview"]["can_commit"] is True, job["preview"]["problems"]
    assert commit(as_manager, job)["status"] == "committed"
    assert_two_new_imported(app)


def test_a_csv_of_vertices_imports_with_the_columns_of_each_codes_first_row(
    app: Flask, db_session: None, as_manager: FlaskClient
) -> None:
    content = vertex_csv([("B-001", "一号楼", NEW, 24), ("B-002", "二号楼", NEW_2, 3)])
    job = start(as_manager, content, "楼栋.csv")
    assert job["preview"]["can_commit"] is True, job["preview"]["problems"]
    props = [f["properties"] for f in job["preview"]["features"]["features"]]
    assert [(p["code"], p["households"], p["kind"], p["levels"]) for p in props] == [
        ("B-001", 24, "other", 1),
        ("B-002", 3, "other", 1),
    ]
    assert commit(as_manager, job)["status"] == "committed"
    assert_two_new_imported(app, csv=True)
    with app.app_context():
        assert by_ref("B-001").kind == "other" and by_ref("B-001").levels == 1


def test_a_gcj02_file_lands_within_a_metre(
    app: Flask, db_session: None, as_manager: FlaskClient
) -> None:
    data = frame(two_new())
    data["geometry"] = [from_wgs84(g, Datum.GCJ02) for g in data.geometry]
    job = start(as_manager, geojson(data), "gcj.geojson", crs=Datum.GCJ02)
    assert job["preview"]["can_commit"] is True
    assert commit(as_manager, job)["status"] == "committed"
    with app.app_context():
        assert hausdorff_m(to_shape(by_ref("B-001").geom), NEW) < 1.0
        assert hausdorff_m(to_shape(by_ref("B-002").geom), NEW_2) < 1.0


def test_buildings_from_a_gcj02_map_read_as_wgs84_get_the_datum_guessed(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    """The community's own survey of its two buildings, drawn on 高德 and uploaded as
    WGS-84, misses the buildings already there; read as GCJ-02 it covers them."""
    with app.app_context():
        survey = [
            to_shape(db.session.get(Building, world.buildings[k]).geom) for k in ("A1N", "A1S")
        ]
    data = frame([{"code": f"S-{i}", "geometry": g} for i, g in enumerate(survey, start=1)])
    gcj = data.copy()
    gcj["geometry"] = [from_wgs84(g, Datum.GCJ02) for g in data.geometry]
    job = start(as_manager, geojson(gcj), "高德.geojson", crs=Datum.WGS84)
    (guess,) = [w for w in job["preview"]["warnings"] if "看起来像" in w]
    assert "楼栋" in guess and "GCJ-02" in guess and "与现有楼栋重合" in guess
    right = start(as_manager, geojson(gcj), "高德.geojson", crs=Datum.GCJ02)
    assert not any("看起来像" in w for w in right["preview"]["warnings"])


# --- updates and round trips -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "kml", "csv"])
def test_an_export_imported_again_updates_every_building_in_place(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World, fmt: str
) -> None:
    with app.app_context():
        db.session.execute(
            update(Building).where(Building.id == world.buildings["A1N"]).values(source_ref="W-9")
        )
        db.session.commit()
        before = snapshot()
    exported = as_manager.get(
        "/api/exports/buildings",
        query_string={"format": fmt, "community_id": world.communities["A1"]},
    )
    assert exported.status_code == 200
    job = start(as_manager, exported.data, f"楼栋.{'zip' if fmt == 'shp' else fmt}")
    preview = job["preview"]
    assert preview["problems"] == [] and preview["can_commit"] is True, preview["problems"]
    summary = preview["summary"]
    assert (summary["inserts"], summary["updates"], summary["deletes"]) == (0, 2, 0)
    targets = {
        f["properties"]["code"]: f["properties"]["target_id"]
        for f in preview["features"]["features"]
    }
    assert targets == {
        "W-9": world.buildings["A1N"],
        f"#{world.buildings['A1S']}": world.buildings["A1S"],
    }
    assert commit(as_manager, job)["status"] == "committed"
    with app.app_context():
        after = snapshot()
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        if len(old) == 9:  # a building: every field as it was, the outline within 1 cm
            assert old[:8] == new[:8]
            from shapely import wkt

            assert hausdorff_m(wkt.loads(old[8]), wkt.loads(new[8])) < 0.01
        else:
            assert old == new


def test_a_code_of_the_subdistrict_updates_that_building_and_an_absent_column_is_kept(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    with app.app_context():
        db.session.execute(
            update(Building).where(Building.id == world.buildings["A1N"]).values(source_ref="W-9")
        )
        db.session.commit()
    moved = box(116.4040, 39.9070, 116.4046, 39.9074)  # still in the north cell
    data = gpd.GeoDataFrame({"ref": ["W-9"], "户数": [150]}, geometry=[moved], crs="EPSG:4326")
    job = start(as_manager, geojson(data), "楼栋.geojson")
    (feature,) = job["preview"]["features"]["features"]
    assert feature["properties"]["action"] == "update"
    assert feature["properties"]["target_id"] == world.buildings["A1N"]
    assert commit(as_manager, job)["status"] == "committed"
    with app.app_context():
        b = db.session.get(Building, world.buildings["A1N"])
        assert b is not None and hausdorff_m(to_shape(b.geom), moved) < 0.01
        assert (b.households, b.residents, b.name, b.kind, b.levels) == (
            150, 250, "甲一社区1号楼", "residential", 6
        )  # fmt: skip
        assert cell_counts(A1N_CELL) == (150, 250, 1)  # recounted; the version stays


def test_a_building_moved_into_the_other_cell_recounts_both_cells(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    south = box(116.4048, 39.9020, 116.4052, 39.9022)
    data = gpd.GeoDataFrame(
        {"code": [f"#{world.buildings['A1N']}"]}, geometry=[south], crs="EPSG:4326"
    )
    job = start(as_manager, geojson(data), "楼栋.geojson")
    assert commit(as_manager, job)["status"] == "committed"
    with app.app_context():
        assert cell_counts(A1N_CELL) == (0, 0, 1)
        assert cell_counts(A1S_CELL) == (300, 750, 1)
        assert db.session.get(Building, world.buildings["A1N"]).cell_id == world.cells["A1S"]


def test_a_building_across_a_cell_boundary_warns_and_goes_to_the_larger_share(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    across = box(116.4010, 39.9048, 116.4014, 39.9060)  # a sixth south of 39.905, the rest north
    data = gpd.GeoDataFrame({"code": ["X-1"], "户数": [10]}, geometry=[across], crs="EPSG:4326")
    job = start(as_manager, geojson(data), "楼栋.geojson")
    preview = job["preview"]
    (cut,) = preview["partition"]
    assert cut["kind"] == "building_cut" and cut["severity"] == "warning"
    assert "切开" in cut["message"] and cut["cells"][0].endswith(f"({A1N_CELL})")
    assert preview["summary"]["cut_buildings"] == 1 and preview["can_commit"] is True
    assert commit(as_manager, job)["status"] == "committed"
    with app.app_context():
        assert by_ref("X-1").cell_id == world.cells["A1N"]
        assert cell_counts(A1N_CELL)[0] == 110


def test_a_building_over_an_existing_one_is_a_probable_duplicate(
    db_session: None, as_manager: FlaskClient
) -> None:
    over = box(116.4049, 39.9074, 116.4052, 39.9076)  # inside the world's north building
    data = gpd.GeoDataFrame({"code": ["D-1"]}, geometry=[over], crs="EPSG:4326")
    preview = start(as_manager, geojson(data), "楼栋.geojson")["preview"]
    (dup,) = preview["partition"]
    assert dup["kind"] == "duplicate" and dup["severity"] == "warning"
    assert "甲一社区1号楼" in dup["message"] and preview["can_commit"] is True


# --- refusals ----------------------------------------------------------------------------------

SQUARE = mapping(NEW)
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[116.401, 39.908], [116.402, 39.909], [116.402, 39.908],
                     [116.401, 39.909], [116.401, 39.908]]],
}  # fmt: skip


@pytest.mark.parametrize(
    ("properties", "geometry", "category", "words"),
    [
        ({"code": "P"}, mapping(Point(116.401, 39.908)), "几何类型错误", "应为面"),
        ({"code": "N"}, None, "几何缺失", "没有几何"),
        ({"code": "I"}, BOWTIE, "几何无效", "边界无效"),
        ({"code": "C", "户数": "-3"}, SQUARE, "数值错误", "户数“-3”"),
        ({"code": "C", "人口": "12.5"}, SQUARE, "数值错误", "人口“12.5”"),
        ({"code": "C", "层数": "六"}, SQUARE, "数值错误", "层数“六”"),
        ({"code": "K", "类型": "城堡"}, SQUARE, "类型未知", "住宅楼（residential）"),
        (
            {"code": "O"},
            mapping(box(116.411, 39.908, 116.4114, 39.9083)),
            "超出范围",
            OUTSIDE_SCOPE,
        ),
        ({"code": "O"}, mapping(box(116.45, 39.908, 116.4504, 39.9083)), "超出范围", OUTSIDE_SCOPE),
        ({"code": "#999999999"}, SQUARE, "楼栋未知", "不存在"),
    ],
)
def test_a_bad_feature_is_listed_and_nothing_is_written(
    app: Flask,
    db_session: None,
    as_manager: FlaskClient,
    properties: dict[str, Any],
    geometry: Any,
    category: str,
    words: str,
) -> None:
    with app.app_context():
        before = snapshot()
    good = ({"code": "G", "户数": 5}, mapping(NEW_2))
    job = start(as_manager, raw_geojson([good, (properties, geometry)]), "楼栋.geojson")
    preview = job["preview"]
    (problem,) = preview["problems"]
    assert problem["feature"] == 2 and problem["category"] == category, problem
    assert words in problem["message"], problem["message"]
    assert preview["can_commit"] is False
    assert preview["features"]["features"][1]["properties"]["problems"] == [category]
    response = as_manager.post(f"/api/layer-imports/{job['id']}/commit", json={})
    assert response.status_code == 400
    with app.app_context():
        assert snapshot() == before


def test_outside_scope_reads_the_same_whether_the_place_exists_or_not(
    db_session: None, as_manager: FlaskClient
) -> None:
    features = [
        ({"code": "A2"}, mapping(box(116.411, 39.908, 116.4114, 39.9083))),  # A2: not overseen
        ({"code": "sea"}, mapping(box(116.45, 39.908, 116.4504, 39.9083))),  # in no community
    ]
    preview = start(as_manager, raw_geojson(features), "楼栋.geojson")["preview"]
    first, second = (p["message"] for p in preview["problems"])
    assert first.replace("1", "2") == second  # only the feature number differs
    assert preview["communities"] == []


def test_a_duplicate_code_is_a_problem(db_session: None, as_manager: FlaskClient) -> None:
    data = gpd.GeoDataFrame({"code": ["B-1", "B-1"]}, geometry=[NEW, NEW_2], crs="EPSG:4326")
    preview = start(as_manager, geojson(data), "楼栋.geojson")["preview"]
    (problem,) = preview["problems"]
    assert problem["category"] == "编码重复" and "第 1 个和第 2 个" in problem["message"]
    assert preview["can_commit"] is False


def test_a_code_naming_a_building_outside_the_managers_communities_is_refused(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    with app.app_context():
        db.session.execute(
            update(Building).where(Building.id == world.buildings["A2N"]).values(source_ref="E-1")
        )
        db.session.commit()
        before = snapshot()
    data = gpd.GeoDataFrame({"code": ["E-1"]}, geometry=[NEW], crs="EPSG:4326")
    preview = start(as_manager, geojson(data), "楼栋.geojson")["preview"]
    (problem,) = preview["problems"]
    assert problem["category"] == "超出范围" and preview["can_commit"] is False
    with app.app_context():
        assert snapshot() == before


# --- replace mode ------------------------------------------------------------------------------


def add_households(building_id: int, n: int) -> None:
    for i in range(n):
        db.session.add(Household(building_id=building_id, room=f"{101 + i}", head_name="张三"))


def test_replace_moves_the_household_records_to_the_building_covering_most(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    with app.app_context():
        add_households(world.buildings["A1N"], 3)
        db.session.execute(
            update(ServicePoint)
            .where(ServicePoint.id == world.service_points["A1"])
            .values(building_id=world.buildings["A1N"])
        )
        db.session.commit()
    bigger = box(116.4045, 39.9072, 116.4055, 39.9078)  # covers the old north building
    data = gpd.GeoDataFrame(
        {"code": ["R-1", f"#{world.buildings['A1S']}"], "户数": [80, 200]},
        geometry=[bigger, box(116.4048, 39.9024, 116.4052, 39.9026)],
        crs="EPSG:4326",
    )
    job = start(as_manager, geojson(data), "楼栋.geojson", mode="replace")
    preview = job["preview"]
    assert preview["summary"]["deletes"] == 1 and preview["can_commit"] is True
    (gone,) = preview["deleted"]
    assert gone["id"] == world.buildings["A1N"] and gone["households"] == 3 and gone["heir"] == 1
    done = commit(as_manager, job)
    assert done["status"] == "committed" and done["result"]["deletes"] == 1
    with app.app_context():
        heir = by_ref("R-1")
        assert db.session.get(Building, world.buildings["A1N"]) is None
        homes = db.session.scalars(select(Household.building_id)).all()
        assert homes == [heir.id] * 3
        point = db.session.get(ServicePoint, world.service_points["A1"])
        assert point is not None and point.building_id == heir.id
        assert cell_counts(A1N_CELL) == (80, 0, 1)


def test_replace_hands_units_members_homes_and_zone_parts_to_the_heir(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    """The heir may be a building the file updates (here the south one, redrawn over the
    north one): everything naming the deleted building follows it, and a zone that held
    both keeps the heir once."""
    old, kept = world.buildings["A1N"], world.buildings["A1S"]
    with app.app_context():
        add_households(old, 2)
        sub = world.subdistricts["A"]
        both, only_old = (
            Zone(subdistrict_id=sub, name="楼居片区"),
            Zone(subdistrict_id=sub, name="商务片区"),
        )
        db.session.add_all([both, only_old])
        db.session.flush()
        db.session.add_all(
            [
                ZonePart(zone_id=both.id, building_id=old),
                ZonePart(zone_id=both.id, building_id=kept),
                ZonePart(zone_id=only_old.id, building_id=old),
                Unit(subdistrict_id=sub, building_id=old, kind="company", name="某公司",
                     geom="SRID=4326;POINT(116.405 39.9075)"),
                Member(subdistrict_id=sub, name="李四", gender="男", status="retired",
                       home_building_id=old),
            ]
        )  # fmt: skip
        db.session.commit()
        zones = {"both": both.id, "only_old": only_old.id}
    bigger = box(116.4045, 39.9072, 116.4055, 39.9078)
    data = gpd.GeoDataFrame({"code": [f"#{kept}"]}, geometry=[bigger], crs="EPSG:4326")
    job = start(as_manager, geojson(data), "楼栋.geojson", mode="replace")
    (gone,) = job["preview"]["deleted"]
    assert gone["id"] == old and gone["heir"] == 1 and gone["households"] == 2
    assert commit(as_manager, job)["status"] == "committed"
    with app.app_context():
        assert db.session.get(Building, old) is None
        assert db.session.scalars(select(Household.building_id)).all() == [kept, kept]
        assert db.session.scalars(select(Unit.building_id)).all() == [kept]
        assert db.session.scalars(select(Member.home_building_id)).all() == [kept]
        parts = db.session.execute(
            select(ZonePart.zone_id, ZonePart.building_id).order_by(ZonePart.zone_id)
        ).all()
        assert sorted(parts) == sorted([(zones["both"], kept), (zones["only_old"], kept)])


def test_replace_refuses_to_orphan_household_records(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    with app.app_context():
        add_households(world.buildings["A1N"], 2)
        db.session.commit()
        before = snapshot()
    data = gpd.GeoDataFrame({"code": ["R-2"]}, geometry=[NEW], crs="EPSG:4326")  # not over it
    job = start(as_manager, geojson(data), "楼栋.geojson", mode="replace")
    preview = job["preview"]
    orphans = [p for p in preview["partition"] if p["kind"] == "households_orphaned"]
    assert len(orphans) == 1 and orphans[0]["severity"] == "error"
    assert "2 户住户记录" in orphans[0]["message"] and preview["can_commit"] is False
    assert preview["summary"]["partition_errors"] == 1 and preview["summary"]["deletes"] == 2
    assert as_manager.post(f"/api/layer-imports/{job['id']}/commit", json={}).status_code == 400
    with app.app_context():
        assert snapshot() == before
        assert db.session.scalar(select(func.count()).select_from(Household)) == 2


# --- stale previews, roles, coverage -------------------------------------------------------------


def test_a_building_edited_after_the_preview_fails_the_import_and_nothing_is_written(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    job = start(as_manager, geojson(frame(two_new())), "楼栋.geojson")
    with app.app_context():
        db.session.execute(
            update(Building).where(Building.id == world.buildings["A1S"]).values(households=201)
        )
        db.session.commit()
        before = snapshot()
    failed = commit(as_manager, job)
    assert failed["status"] == "failed" and failed["error"]["message"] == STALE
    with app.app_context():
        assert snapshot() == before


def test_field_staff_and_coordinators_may_not_import_buildings(
    app: Flask, db_session: None
) -> None:
    content = geojson(frame(two_new()))
    for user in ("t_field", "t_coordinator"):
        client = login(app.test_client(), user)
        status, body = upload(client, content, "楼栋.geojson", layer="buildings")
        assert status == 403, body


def test_coverage_sees_a_building_updated_in_place(app: Flask, world: World, streets: None) -> None:
    coordinator = login(app.test_client(), "t_coordinator")
    url = "/api/coverage/service?minutes=5&speed=3"  # 250 m: the north homes only
    assert coordinator.get(url).json["summary"]["residents_covered"] == 250 + 250
    manager = login(app.test_client(), "t_manager")
    data = gpd.GeoDataFrame(
        {"code": [f"#{world.buildings['A1N']}"], "人口": [400]},
        geometry=[box(116.4048, 39.9074, 116.4052, 39.9076)],
        crs="EPSG:4326",
    )
    assert commit(manager, start(manager, geojson(data), "楼栋.geojson"))["status"] == "committed"
    assert coordinator.get(url).json["summary"]["residents_covered"] == 400 + 250
