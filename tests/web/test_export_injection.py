"""Spreadsheet formula injection: names stored in the database that a spreadsheet would run
as formulas come out of the real export routes as text, in CSV and in XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from gridapp.extensions import db
from gridapp.models import CellAssignment, Community, GridCell, PartyOrg, VolunteerTeam
from tests.world import World

CELL_NAMES = {
    "A1N": "=cmd|' /C calc'!A0",
    "A1S": '=HYPERLINK("http://x","y")',
    "A2N": "+1+1",
    "A2S": "@SUM(1)",
}
COMMUNITY_NAME = "-2+3"  # community A1
TEAM_NAME = "=1+2队"  # assigned to A1N
ORG_NAME = "\t=1+1党支部"  # assigned to A1S
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
ROUTES = ["/api/coverage/service/export", "/api/coverage/organisation/export"]
# the same tables, and the household counts, as exported layers (GET /api/exports/<layer>)
LAYER_ROUTES = [
    "/api/exports/service_coverage", "/api/exports/org_coverage", "/api/exports/household_counts",
]  # fmt: skip
ORG_TABLES = ("/organisation/export", "/org_coverage")


@pytest.fixture
def formulas(app: Flask, world: World, db_session: None) -> None:
    with app.app_context():
        s = db.session
        for key, name in CELL_NAMES.items():
            s.get_one(GridCell, world.cells[key]).name = name
        s.get_one(Community, world.communities["A1"]).name = COMMUNITY_NAME
        team = VolunteerTeam(
            subdistrict_id=world.subdistricts["A"], community_id=world.communities["A1"],
            kind="neighbourhood", name=TEAM_NAME,
        )  # fmt: skip
        org = PartyOrg(
            subdistrict_id=world.subdistricts["A"], community_id=world.communities["A1"],
            level="branch", name=ORG_NAME,
        )  # fmt: skip
        s.add_all([team, org])
        s.flush()
        s.add(CellAssignment(cell_id=world.cells["A1N"], kind="team", team_id=team.id))
        s.add(CellAssignment(cell_id=world.cells["A1S"], kind="party_org", party_org_id=org.id))
        s.commit()


def _csv(client: FlaskClient, route: str) -> list[list[str]]:
    response = client.get(f"{route}?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _xlsx(client: FlaskClient, route: str) -> Any:
    response = client.get(f"{route}?format=xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    return sheet


@pytest.mark.parametrize("route", [*ROUTES, *LAYER_ROUTES])
def test_csv_export_prefixes_every_formula_with_a_quote(
    as_coordinator: FlaskClient, formulas: None, route: str
) -> None:
    rows = _csv(as_coordinator, route)
    fields = [f for row in rows for f in row]
    assert not [f for f in fields if f.startswith(FORMULA_START)]
    assert {"'" + name for name in [*CELL_NAMES.values(), COMMUNITY_NAME]} <= set(fields)
    if route in LAYER_ROUTES:
        return  # a layer's columns: tests/web/test_data_export_tables.py
    by_cell_name = {row[2]: row for row in rows[1:]}
    assert set(by_cell_name) == {"'" + name for name in CELL_NAMES.values()}
    assert [row[0] for row in rows[1:] if row[0].endswith(COMMUNITY_NAME)] == ["'-2+3"] * 2
    if route.endswith(ORG_TABLES):
        assert "'" + TEAM_NAME in by_cell_name["'" + CELL_NAMES["A1N"]]
        assert "'" + ORG_NAME in by_cell_name["'" + CELL_NAMES["A1S"]]
    else:  # numbers are written as numbers
        assert all(f.replace(".", "", 1).isdigit() for row in rows[1:] for f in row[3:])


@pytest.mark.parametrize("route", [*ROUTES, *LAYER_ROUTES])
def test_xlsx_export_stores_no_formula_and_shows_each_name_literally(
    as_coordinator: FlaskClient, formulas: None, route: str
) -> None:
    sheet = _xlsx(as_coordinator, route)
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert {c.data_type for c in cells} <= {"s", "n"}  # no "f" (formula), no "e" (error)
    texts = {c.value for c in cells if c.data_type == "s"}
    assert set(CELL_NAMES.values()) <= texts and COMMUNITY_NAME in texts
    if route.endswith(ORG_TABLES):
        assert {TEAM_NAME, ORG_NAME} <= texts
    for c in cells:
        if isinstance(c.value, str) and c.value.startswith(FORMULA_START):
            assert c.quotePrefix, c.value  # editing the cell in Excel keeps it text
    numbers = [c.value for c in cells if c.data_type == "n"]
    assert numbers and all(isinstance(v, int | float) for v in numbers)
