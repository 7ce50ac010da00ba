"""Requests, route specs and checks of the scope matrix (tests/web/test_scope_matrix.py).

A ``Spec`` says how to call a route for a place of the test world ("A1N", "A1", "A" …;
"" = no place named, "?" = an id no row has), which level of place it names, who may use
it, what it answers in scope and which rows a read shows. ``Checker`` sends a request and
asserts the answer's status, that it holds no row outside the role's scope (markers and
ids, see scope_world.py), and for a write outside the scope that the database is unchanged.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from gridapp.extensions import db
from tests.web.scope_world import (
    COMMUNITIES,
    EVERYONE,
    OVERSEES_COMMUNITY,
    READS_HOUSEHOLDS,
    ROLES,
    SEES_CELL,
    SEES_COMMUNITY,
    SEES_SUBDISTRICT,
    GridWork,
    markers,
    visible_ids,
)

UNKNOWN = 987654  # an id no row has
ADMIN, COORD, MANAGER, FIELD = ROLES
EDITORS = frozenset({ADMIN, MANAGER})
MANAGERS = frozenset({ADMIN, COORD})
ASSIGNERS = frozenset({ADMIN, COORD, MANAGER})
# Who sees a place, per level of place a route names ("point": service points are public
# within the subdistrict; "whole": writes that need oversight of the whole community).
LEVELS: dict[str, dict[str, frozenset[str]]] = {
    "cell": SEES_CELL,
    "community": SEES_COMMUNITY,
    "whole": OVERSEES_COMMUNITY,
    "subdistrict": SEES_SUBDISTRICT,
    "whole_subdistrict": {"A": frozenset({ADMIN, COORD}), "B": frozenset({ADMIN})},
    "point": {c: SEES_SUBDISTRICT[c[0]] for c in COMMUNITIES},
    "household": READS_HOUSEHOLDS,
}


@dataclass
class Req:
    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    file: bytes | None = None  # a CSV upload (multipart "file")
    form: dict[str, Any] | None = None  # multipart form fields (a visit)


Build = Callable[[GridWork, str], Req]


@dataclass(frozen=True)
class Spec:
    """How to call a route for a place ("" = no place named, "?" = an unknown id), which
    level of place it names, who may use it, what it answers in scope, what a read shows."""

    call: Build
    level: str | None = None
    bare: bool = False  # the place is an optional filter: call it without one too
    bare_place: str = ""  # what a call without the filter covers ("" = the whole scope)
    writes: bool = False
    allowed: frozenset[str] = EVERYONE
    ok: frozenset[int] = frozenset({200})
    shows: tuple[str, ...] = ()
    bad: tuple[Build, ...] = ()  # write bodies that would fail validation
    policy: str = ""
    hidden: bool = False  # outside the scope is a 404 like an unknown id (ids don't leak)


def row_id(g: GridWork, table: dict[str, int], place: str) -> int:
    return UNKNOWN if place == "?" else table[place]


def world_table(attr: str) -> Callable[[GridWork], dict[str, int]]:
    return lambda g: getattr(g.world, attr)


def path_to(key: str, table: Callable[[GridWork], dict[str, int]], **extra: Any) -> Build:
    """A route whose path names one row of ``table`` (per place), with a fixed body."""
    return lambda g, p: Req(path={key: row_id(g, table(g), p)}, json=extra or None)


def filter_by(key: str, table: Callable[[GridWork], dict[str, int]], **query: Any) -> Build:
    """A read whose optional query filter names one row (no filter for place "")."""
    return lambda g, p: Req(query={**query, **({key: row_id(g, table(g), p)} if p else {})})


def _cells_of(c: str) -> list[str]:
    return [k for k in SEES_CELL if k.startswith(c)]


def _box(g: GridWork, place: str) -> tuple[float, float, float, float]:
    """The bounds of a place's cells (a default box for an unknown place)."""
    boxes = [g.bounds.get(k, (116.40, 39.90, 116.41, 39.91)) for k in _cells_of(place) or ["?"]]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def poly(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _community_of(g: GridWork, cell: str) -> int:
    return UNKNOWN if cell == "?" else g.world.communities[cell[:2]]


def split(g: GridWork, k: str) -> Req:
    x0, y0, x1, y1 = g.bounds.get(k, (116.40, 39.90, 116.41, 39.91))
    x = x0 + (x1 - x0) / 4  # clear of the building in the middle
    line = {"type": "LineString", "coordinates": [[x, y0 - 0.001], [x, y1 + 0.001]]}
    return Req(
        path={"cell_id": row_id(g, g.world.cells, k)},
        json={"version": g.version.get(k, 1), "line": line, "dry_run": True},
    )


def draw(g: GridWork, c: str, *, inside_cells: bool = False) -> Req:
    x0, y0, _, y1 = _box(g, c)
    mid = (y0 + y1) / 2  # across the boundary of the north and south cells, clear of buildings
    drawn = poly(x0 + 0.001, mid - 0.001, x0 + 0.003, mid + 0.004)
    return Req(
        json={
            "community_id": row_id(g, g.world.communities, c),
            "name": "新网格",
            "geometry": drawn,
            "carve": not inside_cells,
            "dry_run": True,
        }
    )


def merge(g: GridWork, c: str, *, versions: bool = True) -> Req:
    cells = _cells_of(c) or ["?"]
    pair = (cells * 2)[:2]
    return Req(
        json={
            "dry_run": True,
            "cells": [
                {
                    "id": row_id(g, g.world.cells, k),
                    **({"version": g.version.get(k, 1)} if versions else {}),
                }
                for k in pair
            ],
        }
    )


def change_cell(g: GridWork, k: str, **cell: Any) -> Req:
    cell = cell or {"version": g.version.get(k, 1), "name": g.names.get(k, "名")}
    return Req(
        json={
            "community_id": _community_of(g, k),
            "dry_run": True,
            "cells": [{"id": row_id(g, g.world.cells, k), **cell}],
        }
    )


def import_members(g: GridWork, s: str, *, garbage: bool = False) -> Req:
    cell = "B1X" if s == "B" else "A1N"
    rows = (
        "姓名,性别,手机,状态,所属党组织,住址网格编码,党员中心户,服务户数\n"
        f"赵一,男,13900001111,在职,支部〔{cell}〕,{g.codes[cell]},否,\n"
    )
    data = b"\x00\xff garbage" if garbage else rows.encode("utf-8")
    return Req(
        path={"kind": "members"},
        file=data,
        query={"subdistrict_id": row_id(g, g.world.subdistricts, s), "dry_run": "true"},
    )


def import_cells(g: GridWork, p: str, *, garbage: bool = False) -> Req:
    """A CSV of vertices re-drawing cell A1N as it is (a preview; nothing is committed)."""
    x0, y0, x1, y1 = g.bounds.get("A1N", (116.40, 39.905, 116.41, 39.91))
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    rows = ["code,name,seq,lon,lat"] + [
        f"{g.codes['A1N']},{g.names['A1N']},{seq},{x},{y}"
        for seq, (x, y) in enumerate(corners, start=1)
    ]
    return Req(file=b"\x00\xff garbage" if garbage else "\n".join(rows).encode())


def visit_form(g: GridWork, k: str, **form: Any) -> Req:
    """A visit to the household of cell ``k``."""
    household = {"household_id": row_id(g, g.household, k)}
    return Req(form={"client_key": f"scope-matrix-{k}", **household, **form})


def report_event(g: GridWork, k: str, **extra: str) -> Req:
    """A multipart event report in cell ``k`` (at a point inside it), no photo."""
    x0, y0, x1, y1 = g.bounds.get(k, (116.40, 39.90, 116.41, 39.91))
    form = {
        "client_key": f"matrix-report-{k}",
        "cell_id": str(row_id(g, g.world.cells, k)),
        "category": "other",
        "description": "路面破损",
        "lat": str((y0 + y1) / 2),
        "lon": str(x0 + (x1 - x0) / 4),
    }
    return Req(form={**form, **extra})


def write_field_log(g: GridWork, k: str, **extra: Any) -> Req:
    return Req(
        json={
            "client_key": "matrix-log-new",
            "cell_id": row_id(g, g.world.cells, k),
            "seen": "巡查",
            **extra,
        }
    )


def subdistrict_body(g: GridWork, s: str, **body: Any) -> Req:
    return Req(json={"subdistrict_id": row_id(g, g.world.subdistricts, s), **body})


def none(g: GridWork, p: str) -> Req:
    return Req()


# --- places and checks -------------------------------------------------------------------


def place_of(level: str, role: str, *, inside: bool) -> str | None:
    """The first place of ``level`` the role sees (``inside``) or does not see."""
    return next((p for p, seen in LEVELS[level].items() if (role in seen) == inside), None)


def url_of(rule: str, path: dict[str, Any]) -> str:
    return re.sub(r"<(?:[^<>]*:)?([^<>:]+)>", lambda m: str(path[m.group(1)]), rule)


def _ids_by_key(data: Any, out: dict[str, set[int]]) -> dict[str, set[int]]:
    """Ids in a JSON answer by their key: ints under "…_id", lists of ints under any key."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, int) and not isinstance(value, bool) and key.endswith("_id"):
                out.setdefault(key, set()).add(value)
            elif isinstance(value, list) and value and all(type(v) is int for v in value):
                out.setdefault(key, set()).update(value)
            else:
                _ids_by_key(value, out)
    elif isinstance(data, list):
        for item in data:
            _ids_by_key(item, out)
    return out


@dataclass
class Checker:
    app: Flask
    grid: GridWork
    role: str
    key: str

    def __post_init__(self) -> None:
        self.marks = markers(self.grid)
        self.known = visible_ids(self.grid, ADMIN)
        self.mine = visible_ids(self.grid, self.role) if self.role in ROLES else {}

    def call(self, client: FlaskClient, req: Req, expect: frozenset[int], writes: bool) -> str:
        method, rule = self.key.split(" | ")[0].split(" ", 1)  # " | …": a variant
        before = self._fingerprint() if writes else None
        kwargs: dict[str, Any] = {"query_string": req.query}
        if req.file is not None:
            kwargs["data"] = {"file": (io.BytesIO(req.file), "members.csv")}
            kwargs["content_type"] = "multipart/form-data"
        elif req.form is not None:
            kwargs["data"] = {key: str(value) for key, value in req.form.items()}
            kwargs["content_type"] = "multipart/form-data"
        elif req.json is not None:
            kwargs["json"] = req.json
        response = client.open(url_of(rule, req.path), method=method, **kwargs)
        body = response.get_data().decode(errors="replace")  # a photo is bytes
        what = f"{self.role} {method} {response.request.url}"
        assert response.status_code in expect, f"{what}: {response.status_code} {body[:500]}"
        leaked = [m.text for m in self.marks if self.role not in m.seen_by and m.text in body]
        assert not leaked, f"{what} shows rows outside the scope: {leaked}"
        if response.is_json:
            for key, ids in _ids_by_key(response.json, {}).items():
                outside = ids & (self.known.get(key, set()) - self.mine.get(key, set()))
                assert not outside, f"{what} names {key} {sorted(outside)} outside the scope"
        if before is not None:
            assert self._fingerprint() == before, f"{what} changed the database"
        return body

    def shows(self, body: str, kinds: tuple[str, ...], place: str) -> None:
        """Every row of these kinds the role may see (within ``place``) is in the answer."""
        want = [
            m.text
            for m in self.marks
            if m.kind in kinds and self.role in m.seen_by and m.place.startswith(place)
        ]
        missing = [t for t in want if t not in body]
        assert not missing, f"{self.role} {self.key} ({place or 'all'}) misses {missing}"

    def _fingerprint(self) -> str:
        """A digest of every table of ours, read on the test's own connection."""
        with self.app.app_context():
            return str(db.session.scalar(text(_fingerprint_sql())))


_TABLES: list[str] = []


def _fingerprint_sql() -> str:
    if not _TABLES:
        _TABLES.extend(
            db.session.scalars(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename NOT IN ('spatial_ref_sys', 'alembic_version') ORDER BY 1"
                )
            )
        )
    parts = [
        f"SELECT '{t}' AS name, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
        f'AS digest FROM "{t}" t'
        for t in _TABLES
    ]
    return (
        f"SELECT string_agg(name || digest, ',' ORDER BY name) FROM ({' UNION ALL '.join(parts)}) x"
    )
