"""Tables as files: CSV (UTF-8 with a BOM, so Excel reads it) and XLSX (openpyxl).

Names in the database come from users and imports, so a value may be a spreadsheet formula
(``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``, ``+1+1``, ``@SUM(1)``). Both writers neutralise
them (OWASP "CSV injection"): in a CSV a text starting with = + - @ tab, CR or LF gets a
leading ``'`` so that Excel and LibreOffice show it as text; in an XLSX every text is written
as a text cell (never a formula) and those cells are marked quote-prefixed, so that editing
the cell does not turn it into a formula either. Numbers stay numbers (−2 is a number, not a
text to prefix). The first row of every table is its header: bold in an XLSX, and kept in
view (frozen) when the sheet scrolls.
"""

from __future__ import annotations

import csv
import io
from typing import Any

# What a spreadsheet reads as the start of a formula (or of a DDE command), per OWASP.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_formula_like(value: Any) -> bool:
    """A text a spreadsheet would evaluate (numbers, dates and None never are)."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_safe(value: Any) -> Any:
    """The value as a CSV field that no spreadsheet evaluates."""
    return "'" + value if is_formula_like(value) else value


def to_csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([csv_safe(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


def to_xlsx(rows: list[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str):
                # control characters XML cannot hold would make openpyxl refuse the file
                cell = sheet.cell(row=r, column=c, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # openpyxl reads "=…" as a formula, "#N/A" as an error
                if is_formula_like(value):
                    cell.quotePrefix = True
            elif value is not None:
                sheet.cell(row=r, column=c, value=value)
    if rows:
        bold = Font(bold=True)
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
