"""Importing service points from files (POST /api/layer-imports, layer service_points →
preview → commit), against the test world: the grid manager oversees community A1
(116.40–116.41 E, 39.90–39.91 N; cells north …001 and south …002, one building in the middle
of each); A1 and A2 each have a 党群服务中心 near their north edge; B1 is another
subdistrict's."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point, box
from sqlalchemy import select, update

from gridapp.core.datums import Datum, from_wgs84
from gridapp.core.vocab import ServiceKind
from gridapp.extensions import db
from gridapp.models import ServicePoint, Unit
from gridapp.services.data.import_common import OUTSIDE_SCOPE
from tests.conftest import login
from tests.web.test_data_import_api import hausdorff_m, upload
from tests.world import World

A1_CENTRE_NAME = "甲一社区党群服务中心<script>alert(1)</script>"
A2_CENTRE_NAME = "甲二社区党群服务中心<script>alert(1)</script>"
NORTH_BUILDING = Point(116.405, 39.9075)  # the middle of cell A1-north and of its building
SOUTH_EDGE = Point(116.405, 39.9002)  # 22 m from the street along A1's south edge
A1_CENTRE_MOVED = Point(116.4051, 39.9088)
CSV_HEADER = "名称,类型,经度,纬度,开放时间,联系电话"


def points(rows: list[dict[str, Any]], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    geoms = [r.pop("geometry") for r in rows]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


def shifted(data: gpd.GeoDataFrame, datum: Datum) -> gpd.GeoDataFrame:
    if datum is Datum.WGS84:
        return data
    data = data.copy()
    data["geometry"] = [from_wgs84(g, datum) for g in data.geometry]
    return data


def send(client: FlaskClient, content: bytes, name: str, **form: str) -> tuple[int, dict[str, Any]]:
    return upload(client, content, name, layer="service_points", **form)


def commit(client: FlaskClient, job: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/layer-imports/{job['id']}/commit", json={})
    assert response.status_code == 202, response.get_json()
    return client.get(f"/api/layer-imports/{job['id']}").get_json()


def snapshot() -> list[tuple[Any, ...]]:
    """Every service point as stored: the state that must not change."""
    rows = db.session.scalars(select(ServicePoint).order_by(ServicePoint.id))
    return [
        (
            s.id,
            s.subdistrict_id,
            s.community_id,
            s.cell_id,
            s.building_id,
            s.kind,
            s.name,
            s.address,
            s.hours,
            s.contact,
            list(s.services),
            to_shape(s.geom).wkb_hex,
        )
        for s in rows
    ]


def by_name(name: str) -> ServicePoint:
    return db.session.scalars(select(ServicePoint).where(ServicePoint.name == name)).one()


def distance_m(a: Any, b: Any) -> float:
    return hausdorff_m(a, b)


def shapefile_zip_gbk(tmp_path: Path, data: gpd.GeoDataFrame) -> bytes:
    """A zipped Shapefile whose DBF is GBK with Chinese field names and no .cpg."""
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    data.to_file(folder / "阵地.shp", driver="ESRI Shapefile", encoding="GBK")
    for cpg in folder.glob("*.cpg"):
        cpg.unlink()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    return out.getvalue()


def as_file(data: gpd.GeoDataFrame, fmt: str, tmp_path: Path) -> tuple[bytes, str]:
    if fmt == "geojson":
        return data.to_json().encode(), "阵地.geojson"
    if fmt == "shp":
        return shapefile_zip_gbk(tmp_path, data), "阵地.zip"
    path = tmp_path / f"阵地.{fmt}"
    data.to_file(path, driver={"gpkg": "GPKG", "kml": "KML"}[fmt])
    return path.read_bytes(), path.name


def csv_rows(rows: list[tuple[str, str, Point, str, str]]) -> str:
    lines = [CSV_HEADER]
    lines += [
        f"{name},{kind},{p.x!r},{p.y!r},{hours},{phone}" for name, kind, p, hours, phone in rows
    ]
    return "\n".join(lines) + "\n"


# --- what a good file does ---------------------------------------------------------------------


def test_a_geojson_inserts_a_station_and_updates_the_one_of_the_same_kind_and_name(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    data = points(
        [
            {
                "名称": "甲一便民服务站",
                "阵地类型": "便民服务站",
                "地址": "测试路8号",
                "营业时间": "每天 8:00-20:00",
                "联系方式": "010-88886666",
                "服务项目": "代缴水电费、 快递代收，;  政策咨询|代缴水电费",
                "geometry": NORTH_BUILDING,
            },
            {
                "名称": A1_CENTRE_NAME,
                "阵地类型": "party_service_centre",
                "营业时间": "周一至周日 9:00-21:00",
                "geometry": A1_CENTRE_MOVED,
            },
        ]
    )
    status, job = send(as_manager, data.to_json().encode(), "阵地.geojson")
    assert status == 202, job
    preview = job["preview"]
    assert preview["problems"] == [] and preview["can_commit"] is True
    assert preview["needs_reason"] is False and preview["partition"] == []
    assert {k: preview["summary"][k] for k in ("inserts", "updates", "deletes")} == {
        "inserts": 1,
        "updates": 1,
        "deletes": 0,
    }
    first, second = preview["features"]["features"]
    assert first["properties"]["action"] == "insert"
    assert first["properties"]["kind_label"] == "便民服务站" and first["properties"]["code"] == ""
    assert second["properties"]["target_id"] == world.service_points["A1"]
    assert [c["id"] for c in preview["communities"]] == [world.communities["A1"]]
    assert [f["id"] for f in preview["current"]["features"]] == [world.service_points["A1"]]
    assert "versions" not in preview

    done = commit(as_manager, job)
    assert done["status"] == "committed", done
    assert done["result"]["inserts"] == 1 and done["result"]["updates"] == 1
    with app.app_context():
        new = by_name("甲一便民服务站")
        assert done["result"]["service_point_ids"] == [new.id, world.service_points["A1"]]
        assert new.kind == ServiceKind.CONVENIENCE_STATION.value
        assert (new.subdistrict_id, new.community_id) == (
            world.subdistricts["A"],
            world.communities["A1"],
        )
        assert new.cell_id == world.cells["A1N"] and new.building_id == world.buildings["A1N"]
        assert (new.address, new.hours, new.contact) == (
            "测试路8号",
            "每天 8:00-20:00",
            "010-88886666",
        )
        assert new.services == ["代缴水电费", "快递代收", "政策咨询"]
        assert distance_m(to_shape(new.geom), NORTH_BUILDING) < 0.01
        old = db.session.get(ServicePoint, world.service_points["A1"])
        assert old is not None and old.hours == "周一至周日 9:00-21:00"
        assert distance_m(to_shape(old.geom), A1_CENTRE_MOVED) < 0.01
        assert old.cell_id == world.cells["A1N"] and old.building_id is None
        # columns the file does not have stay as they were
        assert (old.address, old.contact, old.services) == (
            "测试路1号",
            "010-12345678",
            ["党员活动", "便民服务"],
        )


@pytest.mark.parametrize(
    ("fmt", "datum"),
    [
        ("geojson", Datum.WGS84),
        ("geojson", Datum.GCJ02),
        ("geojson", Datum.BD09),
        ("shp", Datum.WGS84),
        ("shp", Datum.GCJ02),
        ("gpkg", Datum.WGS84),
        ("kml", Datum.BD09),
    ],
)
def test_every_format_and_datum_lands_the_points_in_place(
    app: Flask,
    db_session: None,
    as_manager: FlaskClient,
    world: World,
    tmp_path: Path,
    fmt: str,
    datum: Datum,
) -> None:
    data = points(
        [
            {"名称": "北楼志愿者服务站", "类型": "志愿者服务站", "开放时间": "周末",
             "联系电话": "13800000000", "geometry": NORTH_BUILDING},
            {"名称": "南街爱心驿站", "类型": "爱心驿站", "开放时间": "全天",
             "联系电话": "13900000000", "geometry": SOUTH_EDGE},
        ]
    )  # fmt: skip
    content, name = as_file(shifted(data, datum), fmt, tmp_path)
    status, job = send(as_manager, content, name, crs=datum)
    assert status == 202, job
    assert job["preview"]["problems"] == [] and job["preview"]["summary"]["inserts"] == 2
    assert not any("看起来像" in w for w in job["preview"]["warnings"])  # no datum guess
    if fmt == "shp":
        assert any("GBK" in w for w in job["preview"]["warnings"])
    done = commit(as_manager, job)
    assert done["status"] == "committed", done
    with app.app_context():
        north, south = by_name("北楼志愿者服务站"), by_name("南街爱心驿站")
        assert (north.kind, north.hours, north.contact) == (
            "volunteer_station",
            "周末",
            "13800000000",
        )
        assert (south.kind, south.hours, south.contact) == ("love_post", "全天", "13900000000")
        assert distance_m(to_shape(north.geom), NORTH_BUILDING) < 1.0
        assert distance_m(to_shape(south.geom), SOUTH_EDGE) < 1.0
        assert north.cell_id == world.cells["A1N"] and south.cell_id == world.cells["A1S"]
        assert north.building_id == world.buildings["A1N"] and south.building_id is None


def test_points_from_a_gcj02_map_read_as_wgs84_get_the_datum_guessed(
    db_session: None, as_manager: FlaskClient
) -> None:
    """Stations on buildings, taken from 高德 and uploaded as WGS-84, land ~500 m off any
    building; read as GCJ-02 they are on them: the preview says so, as a guess. Two sit in
    the neighbouring community (outside the manager's scope, refused): its buildings count
    for the guess all the same."""
    data = points(
        [
            {"名称": "北楼志愿者服务站", "类型": "志愿者服务站", "geometry": NORTH_BUILDING},
            {"名称": "南街爱心驿站", "类型": "爱心驿站", "geometry": SOUTH_EDGE},
            {"名称": "甲二北楼驿站", "类型": "爱心驿站", "geometry": Point(116.415, 39.9075)},
            {"名称": "甲二南楼驿站", "类型": "爱心驿站", "geometry": Point(116.415, 39.9025)},
        ]
    )
    content = shifted(data, Datum.GCJ02).to_json().encode()
    status, job = send(as_manager, content, "高德.geojson", crs=Datum.WGS84)
    assert status == 202, job
    (guess,) = [w for w in job["preview"]["warnings"] if "看起来像" in w]
    assert "服务阵地" in guess and "GCJ-02" in guess and "推测" in guess
    assert "按所选坐标系只有 0% 落在现有楼栋上" in guess and "则 75% 落在现有楼栋上" in guess


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-8-sig"])
@pytest.mark.parametrize("datum", [Datum.WGS84, Datum.GCJ02, Datum.BD09])
def test_a_csv_with_chinese_headers_imports(
    app: Flask, db_session: None, as_manager: FlaskClient, encoding: str, datum: Datum
) -> None:
    shown = from_wgs84(NORTH_BUILDING, datum) if datum is not Datum.WGS84 else NORTH_BUILDING
    text = csv_rows([("北楼党员服务点", "党员服务点", shown, "9:00-17:00", "010-1234")])
    status, job = send(as_manager, text.encode(encoding), "阵地.csv", crs=datum)
    assert status == 202, job
    assert job["preview"]["can_commit"] is True, job["preview"]["problems"]
    assert any("GBK" in w for w in job["preview"]["warnings"]) is (encoding == "gbk")
    assert commit(as_manager, job)["status"] == "committed"
    with app.app_context():
        got = by_name("北楼党员服务点")
        assert (got.kind, got.hours, got.contact) == (
            "member_service_point",
            "9:00-17:00",
            "010-1234",
        )
        assert distance_m(to_shape(got.geom), NORTH_BUILDING) < 1.0


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "kml", "csv"])
@pytest.mark.parametrize("datum", [Datum.WGS84, Datum.GCJ02])
def test_an_export_imported_again_updates_the_points_in_place(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World, fmt: str, datum: Datum
) -> None:
    with app.app_context():
        before = snapshot()
    exported = as_manager.get(
        "/api/exports/service_points",
        query_string={"format": fmt, "datum": datum, "community_id": world.communities["A1"]},
    )
    assert exported.status_code == 200
    name = f"服务阵地.{'zip' if fmt == 'shp' else fmt}"
    status, job = send(as_manager, exported.data, name, crs=datum)
    assert status == 202, job
    preview = job["preview"]
    assert preview["problems"] == [] and preview["can_commit"] is True
    assert preview["summary"]["updates"] == 1 and preview["summary"]["inserts"] == 0
    (feature,) = preview["features"]["features"]
    assert feature["properties"]["target_id"] == world.service_points["A1"]
    assert feature["properties"]["name"] == A1_CENTRE_NAME
    assert commit(as_manager, job)["status"] == "committed"
    with app.app_context():
        after = snapshot()
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        assert old[:11] == new[:11]  # ids, places, kind, name, texts and services unchanged
        assert hausdorff_m(shapely.from_wkb(old[11]), shapely.from_wkb(new[11])) < 0.05


# --- what a bad file does ----------------------------------------------------------------------


def test_every_feature_problem_is_listed_and_nothing_is_written(
    app: Flask, db_session: None, as_manager: FlaskClient
) -> None:
    good = {"类型": "便民服务站", "地址": "", "geometry": NORTH_BUILDING}
    data = points(
        [
            {**good, "名称": "正常的站"},
            {**good, "名称": "面状的站", "geometry": box(116.404, 39.907, 116.406, 39.908)},
            {**good, "名称": "无几何的站", "geometry": None},
            {**good, "名称": "怪类型的站", "类型": "小卖部"},
            {**good, "名称": "", "geometry": SOUTH_EDGE},
            {**good, "名称": "别人社区的站", "geometry": Point(116.415, 39.905)},
            {**good, "名称": "荒野中的站", "geometry": Point(120.0, 30.0)},
            {**good, "名称": "正常的站", "geometry": SOUTH_EDGE},
            {**good, "名称": "长" * 201},
            {**good, "名称": "地址太长的站", "地址": "路" * 301, "geometry": SOUTH_EDGE},
            {**good, "名称": A2_CENTRE_NAME, "类型": "党群服务中心"},
        ]
    )
    with app.app_context():
        before = snapshot()
    status, job = send(as_manager, data.to_json().encode(), "bad.geojson")
    assert status == 202, job
    preview = job["preview"]
    got = {(p["feature"], p["category"]) for p in preview["problems"]}
    assert got == {
        (2, "几何类型错误"),
        (3, "几何缺失"),
        (4, "类型未知"),
        (5, "缺少名称"),
        (6, "超出管辖范围"),
        (7, "超出管辖范围"),
        (8, "名称重复"),
        (9, "内容过长"),
        (10, "内容过长"),
        (11, "同名阵地"),
    }
    message = {p["feature"]: p["message"] for p in preview["problems"]}
    assert "党群服务中心" in message[4] and "爱心驿站" in message[4]  # the accepted labels
    # a community that exists but is not yours reads exactly like no community at all
    assert message[6].replace("6 个要素“别人社区的站", "") == message[7].replace(
        "7 个要素“荒野中的站", ""
    )
    assert OUTSIDE_SCOPE in message[6]
    assert "第 1 个和第 8 个" in message[8]
    assert "地址超过 300" in message[10] and "名称超过 200" in message[9]
    assert preview["summary"]["problems"] == 10 and preview["can_commit"] is False
    refused = as_manager.post(f"/api/layer-imports/{job['id']}/commit", json={})
    assert refused.status_code == 400
    with app.app_context():
        assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (
            points([{"名称": "无类型", "geometry": NORTH_BUILDING}]).to_json().encode(),
            "points.geojson",
            "kind（类型）",
        ),
        (
            points([{"类型": "便民服务站", "geometry": NORTH_BUILDING}]).to_json().encode(),
            "points.geojson",
            "name（名称）",
        ),
        (  # latitude in the 经度 column: the whole file is refused
            "名称,类型,经度,纬度\n颠倒的站,便民服务站,39.9075,116.405\n".encode(),
            "points.csv",
            "颠倒",
        ),
        (
            points([{"name": "x", "kind": "便民服务站", "geometry": Point(39.9075, 116.405)}])
            .to_json()
            .encode(),
            "swapped.geojson",
            "颠倒",
        ),
        ("名称,类型\n站,便民服务站\n".encode(), "points.csv", "经纬度"),
    ],
)
def test_a_file_without_a_required_column_or_with_swapped_axes_is_refused(
    app: Flask, db_session: None, as_manager: FlaskClient, content: bytes, name: str, words: str
) -> None:
    with app.app_context():
        before = snapshot()
    status, body = send(as_manager, content, name)
    assert status == 422 and words in body["message"], body
    with app.app_context():
        assert snapshot() == before


def test_a_station_within_5_m_of_another_is_a_warning_only(
    app: Flask, db_session: None, as_manager: FlaskClient
) -> None:
    near = Point(116.405, 39.90902)  # 2.2 m north of A1's 党群服务中心
    data = points([{"名称": "新的活动室", "类型": "党群活动室", "geometry": near}])
    _, job = send(as_manager, data.to_json().encode(), "near.geojson")
    (item,) = job["preview"]["partition"]
    assert item["kind"] == "near" and item["severity"] == "warning"
    assert "2.2 米" in item["message"] and A1_CENTRE_NAME in item["message"]
    assert job["preview"]["can_commit"] is True
    far = points(
        [{"名称": "新的活动室", "类型": "党群活动室", "geometry": Point(116.405, 39.9091)}]
    )
    _, job = send(as_manager, far.to_json().encode(), "far.geojson")
    assert job["preview"]["partition"] == []  # 11 m away


def test_replace_mode_deletes_the_other_points_of_the_communities_of_the_file(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    data = points([{"名称": "甲一新中心", "类型": "党群服务中心", "geometry": NORTH_BUILDING}])
    _, job = send(as_manager, data.to_json().encode(), "replace.geojson", mode="replace")
    preview = job["preview"]
    assert [d["id"] for d in preview["deleted"]] == [world.service_points["A1"]]
    assert preview["summary"]["deletes"] == 1 and preview["can_commit"] is True
    done = commit(as_manager, job)
    assert done["status"] == "committed" and done["result"]["deletes"] == 1
    with app.app_context():
        left = db.session.scalars(
            select(ServicePoint.name).where(ServicePoint.subdistrict_id == world.subdistricts["A"])
        ).all()
        assert sorted(left) == sorted(["甲一新中心", A2_CENTRE_NAME])


def test_replace_mode_will_not_delete_a_point_a_unit_shares(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    with app.app_context():
        db.session.add(
            Unit(
                subdistrict_id=world.subdistricts["A"],
                kind="school",
                name="测试小学",
                service_point_id=world.service_points["A1"],
                resources=["操场"],
                geom=from_shape(Point(116.405, 39.909), srid=4326),
            )
        )
        db.session.commit()
        before = snapshot()
    data = points([{"名称": "甲一新中心", "类型": "党群服务中心", "geometry": NORTH_BUILDING}])
    _, job = send(as_manager, data.to_json().encode(), "replace.geojson", mode="replace")
    (item,) = job["preview"]["partition"]
    assert item["severity"] == "error" and "测试小学" in item["message"]
    assert job["preview"]["summary"]["partition_errors"] == 1
    assert job["preview"]["can_commit"] is False
    assert as_manager.post(f"/api/layer-imports/{job['id']}/commit", json={}).status_code == 400
    with app.app_context():
        assert snapshot() == before


def test_a_point_changed_after_the_preview_fails_the_import_and_nothing_is_written(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    data = points(
        [
            {"名称": "新站", "类型": "便民服务站", "geometry": NORTH_BUILDING},
            {"名称": A1_CENTRE_NAME, "类型": "党群服务中心", "geometry": A1_CENTRE_MOVED},
        ]
    )
    _, job = send(as_manager, data.to_json().encode(), "stale.geojson")
    assert job["preview"]["can_commit"] is True
    with app.app_context():
        db.session.execute(
            update(ServicePoint)
            .where(ServicePoint.id == world.service_points["A1"])
            .values(hours="有人改过")
        )
        db.session.commit()
        before = snapshot()
    failed = commit(as_manager, job)
    assert failed["status"] == "failed" and "重新上传" in failed["error"]["message"]
    with app.app_context():
        assert snapshot() == before


def test_only_grid_managers_and_admins_import_points(
    app: Flask, db_session: None, client: FlaskClient
) -> None:
    data = points([{"名称": "新站", "类型": "便民服务站", "geometry": NORTH_BUILDING}])
    content = data.to_json().encode()
    with app.app_context():
        before = snapshot()
    for user in ("t_field", "t_coordinator"):
        assert send(login(app.test_client(), user), content, "p.geojson")[0] == 403
    with app.app_context():
        assert snapshot() == before
    status, job = send(login(app.test_client(), "t_admin"), content, "p.geojson")
    assert status == 202 and job["preview"]["can_commit"] is True


def test_work_coverage_counts_an_imported_station_at_once(
    app: Flask, db_session: None, as_manager: FlaskClient, world: World
) -> None:
    query = {"subdistrict_id": world.subdistricts["A"]}
    before = as_manager.get("/api/coverage/service", query_string=query).get_json()
    assert "南街便民服务站" not in [s["name"] for s in before["stations"]]
    data = points([{"名称": "南街便民服务站", "类型": "便民服务站", "geometry": SOUTH_EDGE}])
    _, job = send(as_manager, data.to_json().encode(), "coverage.geojson")
    assert commit(as_manager, job)["status"] == "committed"
    after = as_manager.get("/api/coverage/service", query_string=query).get_json()
    assert "南街便民服务站" in [s["name"] for s in after["stations"]]
    covered = after["summary"]["households_covered"]
    assert covered > before["summary"]["households_covered"]
