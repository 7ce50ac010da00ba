"""CSV and XLSX tables: formulas in the data are written as text (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from gridapp.services.tables import csv_safe, is_formula_like, to_csv, to_xlsx

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
]


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_prefixes_a_formula_with_a_quote(value: str) -> None:
    [row] = _csv_rows(to_csv([["甲一社区", value]]))
    assert row == ["甲一社区", "'" + value]


@pytest.mark.parametrize("value", ["甲一社区第1网格", "a=b", "1+1", "'quoted", "", "110199001001"])
def test_csv_keeps_ordinary_text(value: str) -> None:
    assert _csv_rows(to_csv([[value]])) == [[value]]


def test_csv_keeps_numbers_negative_ones_too() -> None:
    [row] = _csv_rows(to_csv([[-2, -0.5, 0, 3.25, None]]))
    assert row == ["-2", "-0.5", "0", "3.25", ""]
    assert csv_safe(-2) == -2 and csv_safe(None) is None


def test_formula_like_means_text_only() -> None:
    assert is_formula_like("=1") and is_formula_like("-") and not is_formula_like("x=1")
    assert not is_formula_like(-1) and not is_formula_like(None) and not is_formula_like(b"=1")


def _xml_text(value: str) -> str:
    """What XML hands back of a text: a bare CR is read as LF (openpyxl writes it raw)."""
    return value.replace("\r", "\n")


def _sheet(data: bytes):  # type: ignore[no-untyped-def]
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return sheet


@pytest.mark.parametrize("value", FORMULAS)
def test_xlsx_writes_a_formula_as_text_shown_literally(value: str) -> None:
    sheet = _sheet(to_xlsx([["名称"], [value]], "表"))
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value == _xml_text(value)
    assert cell.quotePrefix  # editing the cell in Excel keeps it text


def test_xlsx_has_no_formula_or_error_cells() -> None:
    rows = [["名称", "户数", "覆盖率"], *([v, -2, -0.25] for v in [*FORMULAS, "#N/A", "普通"])]
    sheet = _sheet(to_xlsx(rows, "工作覆盖"))
    types = {cell.data_type for row in sheet.iter_rows() for cell in row}
    assert types == {"s", "n"}
    values = list(sheet.iter_rows(values_only=True))
    assert values[1:] == [(_xml_text(v), -2, -0.25) for v in [*FORMULAS, "#N/A", "普通"]]
    assert sheet["A11"].value == "普通" and not sheet["A11"].quotePrefix


def test_xlsx_keeps_numbers_dates_and_empty_cells() -> None:
    sheet = _sheet(to_xlsx([[-2, 0.9375, date(2026, 11, 23), None, "x"]], "表"))
    assert sheet["A1"].value == -2 and sheet["A1"].data_type == "n"
    assert sheet["B1"].value == 0.9375
    assert sheet["C1"].is_date and sheet["C1"].value.date() == date(2026, 11, 23)
    assert sheet["D1"].value is None and sheet["E1"].value == "x"


def test_xlsx_drops_control_characters_xml_cannot_hold() -> None:
    sheet = _sheet(to_xlsx([["甲\x00一\x1b社区"]], "表"))
    assert sheet["A1"].value == "甲一社区"


def test_xlsx_sheet_title_is_cut_to_31_characters() -> None:
    assert _sheet(to_xlsx([["x"]], "工" * 40)).title == "工" * 31


def test_xlsx_header_is_bold_and_stays_in_view() -> None:
    sheet = _sheet(to_xlsx([["网格编码", "户数"], ["110199001001001", 100]], "网格"))
    assert [c.font.b for c in sheet[1]] == [True, True] and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
