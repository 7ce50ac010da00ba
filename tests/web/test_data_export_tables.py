"""Exporting tables of places (GET /api/exports/<layer>): XLSX for every layer, household
counts per cell and the coverage tables as layers. Each agrees with the database and with
the API that shows the same table, for the same user; every GIS format opens; counts only,
never a person."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyogrio
import pytest
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import to_shape
from openpyxl import load_workbook
from shapely.geometry import Point, shape
from sqlalchemy import func, select

from gridapp.core.datums import Datum, from_wgs84
from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellAssignment,
    GridCell,
    Household,
    Member,
    PartyOrg,
    ServicePoint,
    VolunteerTeam,
)
from tests.field_world import ALL_NAMES, add_households
from tests.web import street_grid
from tests.world import World

streets = street_grid.streets  # the fixture
NEW_LAYERS = ("household_counts", "org_coverage", "service_coverage", "service_gaps")
HUB = "李中心户"


def _get(client: FlaskClient, layer: str, **query: Any) -> Any:
    response = client.get(f"/api/exports/{layer}", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def _sheet(client: FlaskClient, layer: str, **query: Any) -> tuple[Any, list[tuple[Any, ...]]]:
    response = _get(client, layer, format="xlsx", **query)
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.worksheets) == 1
    sheet = book.active
    assert sheet is not None
    return sheet, list(sheet.iter_rows(values_only=True))


def _records(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def _download(client: FlaskClient, route: str, **query: Any) -> list[tuple[Any, ...]]:
    """The rows of the app's XLSX download of a table (a coverage page's export)."""
    response = client.get(route, query_string={**query, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert response.status_code == 200 and sheet is not None
    return list(sheet.iter_rows(values_only=True))


def _geojson(client: FlaskClient, layer: str, **query: Any) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = _get(client, layer, format="geojson", **query).get_json(
        force=True
    )["features"]
    return features


@pytest.fixture
def households(app: Flask, world: World, db_session: None) -> None:
    with app.app_context():
        add_households(db.session, world)
        db.session.commit()


@pytest.fixture
def orgs(app: Flask, world: World, db_session: None) -> None:
    """A1N: a branch, a team, the field worker and a 党员中心户; A1S its branch only."""
    with app.app_context():
        s = db.session
        sub = world.subdistricts["A"]
        for key in ("A1N", "A1S"):
            branch = PartyOrg(
                subdistrict_id=sub, community_id=world.communities["A1"], level="branch",
                name=f"{key}党支部",
            )  # fmt: skip
            s.add(branch)
            s.flush()
            s.add(
                CellAssignment(cell_id=world.cells[key], kind="party_org", party_org_id=branch.id)
            )
        team = VolunteerTeam(
            subdistrict_id=sub, community_id=world.communities["A1"], kind="neighbourhood",
            name="甲一便民服务队",
        )  # fmt: skip
        s.add(team)
        s.flush()
        s.add(CellAssignment(cell_id=world.cells["A1N"], kind="team", team_id=team.id))
        worker = world.users["t_field"]
        s.add(CellAssignment(cell_id=world.cells["A1N"], kind="worker", user_id=worker))
        s.add(
            Member(
                subdistrict_id=sub, name=HUB, gender="女", phone="13811112222", status="retired",
                home_building_id=world.buildings["A1N"], is_hub=True, hub_households=12,
            )
        )  # fmt: skip
        s.commit()


# --- XLSX --------------------------------------------------------------------------------


def test_cells_as_xlsx_give_codes_names_counts_and_a_point_inside_each_cell(
    app: Flask, world: World, as_coordinator: FlaskClient
) -> None:
    sheet, rows = _sheet(as_coordinator, "cells")
    assert sheet.title == "网格"
    assert rows[0] == (
        "网格编码", "网格名称", "社区编码", "户数", "人口", "代表点经度", "代表点纬度",
    )  # fmt: skip
    assert all(cell.font.b for cell in sheet[1]) and not sheet["A2"].font.b
    with app.app_context():
        truth = {
            c.code: c
            for c in db.session.scalars(
                select(GridCell).where(GridCell.id.in_(world.cells[k] for k in world.cells))
            )
        }
        expected = {
            code: (c.name, c.households, c.residents, to_shape(c.geom))
            for code, c in truth.items()
            if code.startswith("110199001")  # the coordinator's subdistrict A
        }
    got = _records(rows)
    assert [r["网格编码"] for r in got] == sorted(expected)
    for r in got:
        name, households, residents, geom = expected[r["网格编码"]]
        assert (r["网格名称"], r["户数"], r["人口"]) == (name, households, residents)
        assert r["社区编码"] == r["网格编码"][:12]
        assert type(r["户数"]) is int  # numbers stay numbers
        assert geom.contains(Point(r["代表点经度"], r["代表点纬度"]))


def test_xlsx_points_are_the_points_and_in_the_datum_asked_for(
    app: Flask, world: World, as_coordinator: FlaskClient
) -> None:
    with app.app_context():
        point = to_shape(db.session.get_one(ServicePoint, world.service_points["A1"]).geom)
        name = db.session.get_one(ServicePoint, world.service_points["A1"]).name
    for datum in Datum:
        _, rows = _sheet(as_coordinator, "service_points", datum=datum.value)
        header = ("名称", "类型", "地址", "开放时间", "联系方式", "服务项目", "经度", "纬度")
        assert rows[0] == header
        (row,) = [r for r in _records(rows) if r["名称"] == name]
        shifted = from_wgs84(point, datum)
        assert (row["经度"], row["纬度"]) == pytest.approx((shifted.x, shifted.y), abs=1e-7)
        if datum is not Datum.WGS84:  # a few hundred metres off: really shifted
            assert abs(row["经度"] - point.x) > 1e-4


def test_every_layer_exports_as_xlsx_with_its_chinese_sheet_name(as_admin: FlaskClient) -> None:
    titles = {
        "cells": "网格", "communities": "社区", "buildings": "楼栋", "service_points": "服务阵地",
        "household_counts": "住户统计", "org_coverage": "组织覆盖", "service_coverage": "工作覆盖",
        "service_gaps": "服务盲点",
    }  # fmt: skip
    for layer, title in titles.items():
        response = _get(as_admin, layer, format="xlsx")
        disposition = response.headers["Content-Disposition"]
        assert f"filename*=UTF-8''{quote(title)}_" in disposition and disposition.endswith(".xlsx")
        sheet, rows = _sheet(as_admin, layer)
        assert sheet.title == title and len(rows) >= 2, layer


# --- household counts --------------------------------------------------------------------


def _counts_in_db(app: Flask, world: World, cells: list[str]) -> dict[str, dict[str, int]]:
    """Per cell code: buildings, households, residents, household records, in difficulty and
    党员中心户, counted straight from the tables."""
    hard = ("dibao", "dibao_edge", "disabled", "elderly_alone", "empty_nest", "serious_illness",
            "unemployed")  # fmt: skip
    out = {}
    with app.app_context():
        for key in cells:
            cell = db.session.get_one(GridCell, world.cells[key])
            records = db.session.scalars(
                select(Household).join(Building).where(Building.cell_id == cell.id)
            ).all()
            out[cell.code] = {
                "buildings": db.session.scalar(
                    select(func.count(Building.id)).where(Building.cell_id == cell.id)
                ),
                "households": cell.households,
                "residents": cell.residents,
                "registered": len(records),
                "difficulty": sum(1 for h in records if set(h.tags) & set(hard)),
                "hubs": sum(1 for h in records if "party_centre" in h.tags),
            }
    return out


def test_household_counts_agree_with_the_database_and_the_counts_api(
    app: Flask, world: World, households: None, as_coordinator: FlaskClient
) -> None:
    truth = _counts_in_db(app, world, ["A1N", "A1S", "A2N", "A2S"])
    features = _geojson(as_coordinator, "household_counts")
    got = {f["properties"]["code"]: f["properties"] for f in features}
    assert set(got) == set(truth)
    for code, figures in truth.items():
        assert {k: got[code][k] for k in figures} == figures
        assert got[code]["comm_code"] == code[:12]
    assert got[min(truth)]["comm_name"] == "甲一社区"
    assert truth[min(truth)]["hubs"] == 1 and truth[min(truth)]["difficulty"] == 2
    api = as_coordinator.get("/api/households/counts").json["cells"]
    assert {c["code"]: (c["households"], c["in_difficulty"]) for c in api} == {
        code: (p["registered"], p["difficulty"]) for code, p in got.items()
    }
    # the sheet: the same figures under the Chinese headers
    _, rows = _sheet(as_coordinator, "household_counts")
    assert rows[0][:10] == (
        "网格编码", "网格名称", "社区编码", "社区名称", "楼栋数", "户数", "人口", "登记住户数",
        "困难群众户数", "党员中心户数",
    )  # fmt: skip
    sheet = {r["网格编码"]: r for r in _records(rows)}
    assert {code: sheet[code]["困难群众户数"] for code in truth} == {
        code: f["difficulty"] for code, f in truth.items()
    }


@pytest.mark.parametrize("fmt", ["geojson", "csv", "kml", "gpkg", "xlsx"])
def test_household_counts_never_name_a_person(
    app: Flask, world: World, households: None, orgs: None, as_coordinator: FlaskClient, fmt: str
) -> None:
    data = _get(as_coordinator, "household_counts", format=fmt).data
    text = data.decode("utf-8", errors="replace")
    if fmt == "xlsx":  # every part of the workbook
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            text = "".join(book.read(n).decode() for n in book.namelist())
    assert "甲一社区第1网格" in text  # the check is not vacuous
    assert not [n for n in [*ALL_NAMES, HUB] if n in text]
    assert "1380000" not in text  # no phone


def test_household_counts_of_a_field_worker_are_her_cell_only(
    app: Flask, world: World, households: None, as_field: FlaskClient
) -> None:
    features = _geojson(as_field, "household_counts")
    truth = _counts_in_db(app, world, ["A1N"])
    assert [f["properties"]["code"] for f in features] == list(truth)
    assert features[0]["properties"]["registered"] == 3
    outside = as_field.get(
        "/api/exports/household_counts", query_string={"community_id": world.communities["A2"]}
    )
    assert outside.status_code == 403


# --- coverage tables ---------------------------------------------------------------------


def test_org_coverage_agrees_with_the_coverage_api(
    world: World, orgs: None, as_manager: FlaskClient
) -> None:
    query = {"community_id": world.communities["A1"]}
    api = as_manager.get("/api/coverage/organisation", query_string=query).json["cells"]
    features = _geojson(as_manager, "org_coverage", **query)
    got = {f["properties"]["code"]: f["properties"] for f in features}
    assert list(got) == [c["code"] for c in api]
    labels = {"party_org": "党组织", "worker": "网格员", "team": "服务队", "hub": "党员中心户"}
    for c in api:
        p = got[c["code"]]
        assert (p["name"], p["comm_name"], p["households"], p["hubs"]) == (
            c["name"], c["community_name"], c["households"], c["hubs"],
        )  # fmt: skip
        assert p["party_orgs"] == "、".join(c["party_orgs"])
        assert p["workers"] == "、".join(c["workers"]) and p["teams"] == "、".join(c["teams"])
        assert p["missing"] == "、".join(labels[m] for m in c["missing"])
        assert p["blind_spot"] == ("是" if c["blind_spot"] else "否")
    north = got[min(got)]
    assert (north["teams"], north["workers"], north["hubs"], north["blind_spot"]) == (
        "甲一便民服务队", "t_field", 1, "否",
    )  # fmt: skip
    assert got[max(got)]["missing"] == "网格员、服务队、党员中心户"
    # the sheet holds the rows of the organisation coverage download, under its headers
    _, rows = _sheet(as_manager, "org_coverage", **query)
    expected = _download(as_manager, "/api/coverage/organisation/export", **query)
    assert [row[: len(expected[0])] for row in rows] == expected
    assert rows[0][len(expected[0])] == "盲点" and HUB not in str(rows)


def test_service_coverage_agrees_with_the_coverage_api(
    world: World, streets: None, as_coordinator: FlaskClient
) -> None:
    walk = {"minutes": 5, "speed": 3}
    api = as_coordinator.get("/api/coverage/service", query_string=walk).json["cells"]
    features = _geojson(as_coordinator, "service_coverage", **walk)
    got = {f["properties"]["code"]: f["properties"] for f in features}
    assert list(got) == [c["code"] for c in api] and len(api) == 4
    pairs = {
        "households": "households", "hh_covered": "households_covered",
        "hh_share": "share_households", "residents": "residents", "res_cov": "residents_covered",
        "res_share": "share_residents", "gap_bldgs": "uncovered_buildings", "name": "name",
        "comm_name": "community_name",
    }  # fmt: skip
    for c in api:
        assert {k: got[c["code"]][k] for k in pairs} == {k: c[v] for k, v in pairs.items()}
    assert any(c["uncovered_buildings"] for c in api)  # a short walk leaves gaps
    # the sheet holds the rows of the work coverage download, under its headers
    _, rows = _sheet(as_coordinator, "service_coverage", **walk)
    expected = _download(as_coordinator, "/api/coverage/service/export", **walk)
    assert [row[: len(expected[0])] for row in rows] == expected
    # the community filter keeps that community's cells
    one = _geojson(as_coordinator, "service_coverage", community_id=world.communities["A2"], **walk)
    assert [f["properties"]["comm_name"] for f in one] == ["甲二社区"] * 2


def test_service_gaps_agree_with_the_gaps_api(
    app: Flask, world: World, streets: None, as_coordinator: FlaskClient
) -> None:
    walk = {"minutes": 5, "speed": 3}
    api = as_coordinator.get("/api/coverage/service/gaps", query_string=walk).json["features"]
    features = _geojson(as_coordinator, "service_gaps", **walk)
    assert api and [f["properties"]["bldg_id"] for f in features] == [
        f["properties"]["building_id"] for f in api
    ]
    for mine, theirs in zip(features, api, strict=True):
        assert shape(mine["geometry"]).distance(shape(theirs["geometry"])) < 1e-9
        assert mine["properties"]["households"] == theirs["properties"]["households"]
    with app.app_context():
        names = dict(db.session.execute(select(Building.id, Building.name)).all())
    assert all(f["properties"]["name"] == names[f["properties"]["bldg_id"]] for f in features)
    # fifteen minutes reach every home: no gap, and the files still open with their fields
    _, rows = _sheet(as_coordinator, "service_gaps")
    assert rows == [
        ("楼栋编号", "楼栋名称", "网格编码", "网格名称", "社区", "户数", "人口",
         "到最近服务阵地的步行距离（米）", "经度", "纬度"),
    ]  # fmt: skip
    empty = _get(as_coordinator, "service_gaps", format="gpkg").data
    assert empty.startswith(b"SQLite format 3")


def test_an_admin_gets_the_work_coverage_of_every_subdistrict(as_admin: FlaskClient) -> None:
    codes = [f["properties"]["code"] for f in _geojson(as_admin, "service_coverage")]
    assert sorted(codes) == codes and {c[:9] for c in codes} == {"110199001", "110199002"}


def test_walk_arguments_are_checked(as_coordinator: FlaskClient) -> None:
    bad = as_coordinator.get("/api/exports/service_coverage", query_string={"minutes": 999})
    assert bad.status_code == 400 and "步行时间" in bad.get_json()["message"]


# --- every format for the new layers -----------------------------------------------------


def _read_back(tmp_path: Path, data: bytes, fmt: str) -> Any:
    if fmt == "shp":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert {n.rsplit(".", 1)[1] for n in archive.namelist()} == {
                "shp", "shx", "dbf", "prj", "cpg",
            }  # fmt: skip
            archive.extractall(tmp_path)
        return pyogrio.read_dataframe(next(tmp_path.glob("*.shp")))
    path = tmp_path / f"layer.{fmt}"
    path.write_bytes(data)
    return pyogrio.read_dataframe(path)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "kml"])
@pytest.mark.parametrize("layer", NEW_LAYERS)
def test_the_new_layers_open_in_every_gis_format(
    world: World,
    households: None,
    streets: None,
    as_coordinator: FlaskClient,
    tmp_path: Path,
    fmt: str,
    layer: str,
) -> None:
    walk = {"minutes": 5, "speed": 3}
    features = _geojson(as_coordinator, layer, **walk)
    assert features
    frame = _read_back(tmp_path, _get(as_coordinator, layer, format=fmt, **walk).data, fmt)
    assert len(frame) == len(features)
    points = {f["geometry"]["type"] for f in features} == {"Point"}
    expected = {"Point"} if points else {"Polygon", "MultiPolygon"}
    assert set(frame.geometry.geom_type) <= expected
    if fmt != "kml":  # KML keeps the name, the rest as extended data
        first = features[0]["properties"]
        if fmt == "shp":  # a DBF reads an empty text back as no value
            first = {k: None if v == "" else v for k, v in first.items()}
        assert {k: frame.iloc[0][k] for k in first} == pytest.approx(first)
    assert frame.iloc[0]["name" if fmt != "kml" else "Name"] == features[0]["properties"]["name"]


@pytest.mark.parametrize("layer", NEW_LAYERS)
def test_the_new_layers_as_csv_are_one_row_per_place_with_a_point(
    households: None, streets: None, as_coordinator: FlaskClient, layer: str
) -> None:
    walk = {"minutes": 5, "speed": 3}
    features = _geojson(as_coordinator, layer, **walk)
    text = _get(as_coordinator, layer, format="csv", **walk).data.decode("utf-8-sig")
    header, *lines = text.splitlines()
    assert header.split(",") == [*features[0]["properties"], "lon", "lat"]
    assert len(lines) == len(features)
    for line, feature in zip(lines, features, strict=True):
        lon, lat = (float(v) for v in line.split(",")[-2:])
        assert shape(feature["geometry"]).buffer(1e-7).contains(Point(lon, lat))
