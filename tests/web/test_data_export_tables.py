"""Exporting layers as tables (GET /api/exports/<layer>?format=xlsx): one sheet named after
the layer, a bold header of Chinese names, codes, names and counts exact, a point (inside a
polygon) in the datum asked for."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import to_shape
from openpyxl import load_workbook
from shapely.geometry import Point
from sqlalchemy import select

from gridapp.core.datums import Datum, from_wgs84
from gridapp.extensions import db
from gridapp.models import GridCell, ServicePoint
from tests.world import World


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
        assert rows[0] == ("名称", "类型", "地址", "开放时间", "联系方式", "经度", "纬度")
        (row,) = [r for r in _records(rows) if r["名称"] == name]
        shifted = from_wgs84(point, datum)
        assert (row["经度"], row["纬度"]) == pytest.approx((shifted.x, shifted.y), abs=1e-7)
        if datum is not Datum.WGS84:  # a few hundred metres off: really shifted
            assert abs(row["经度"] - point.x) > 1e-4


def test_every_layer_exports_as_xlsx_with_its_chinese_sheet_name(as_admin: FlaskClient) -> None:
    titles = {
        "cells": "网格", "communities": "社区", "buildings": "楼栋", "service_points": "服务阵地",
    }  # fmt: skip
    for layer, title in titles.items():
        response = _get(as_admin, layer, format="xlsx")
        disposition = response.headers["Content-Disposition"]
        assert f"filename*=UTF-8''{quote(title)}_" in disposition and disposition.endswith(".xlsx")
        sheet, rows = _sheet(as_admin, layer)
        assert sheet.title == title and len(rows) >= 2, layer
