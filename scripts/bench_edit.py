"""Benchmark of a validated save (``editing.apply_change``) at 200 and at 10,000 cells.

Run by ``scripts/bench-edit``. Builds a synthetic city in its own database (never the demo
or test database): communities of 20 × 10 cells, each cell a quad of a jittered 100 m
lattice (so neighbours share edges exactly), two buildings per cell. Then, for the same
community, first alone (200 cells) and then with the rest of the city loaded (10,000 cells):

* save: moving the boundary shared by two neighbouring cells (a vertex at the middle of their
  shared edge goes 3 m one way, then back), through ``apply_change`` with full validation,
  row locks, conditional UPDATEs, building re-assignment and history, committed;
* baseline: a bare ``UPDATE grid_cells SET geom = …, version = version + 1 WHERE id = … AND
  version = …`` and commit of one of the same cells (the cost of writing a cell at all).

Saves and baselines alternate, so both see the same database state. Prints the figures as a
Markdown section for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import statistics
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy import create_engine, text

LON0, LAT0 = 116.30, 39.80
CELL_M = 100.0
COLS, ROWS = 20, 10  # cells per community: 200
CITY_COLS, CITY_ROWS = 10, 5  # communities in the city: 50 → 10,000 cells
COMMUNITIES_PER_SUBDISTRICT = 10
JITTER_M = 20.0
BUMP_M = 3.0
KX = 111_320.0 * math.cos(math.radians(LAT0))
KY = 110_574.0


def lonlat(x: float, y: float) -> tuple[float, float]:
    return (LON0 + x / KX, LAT0 + y / KY)


@dataclass
class CommunityGrid:
    index: int
    ox: float  # south-west corner in metres
    oy: float
    vertices: np.ndarray  # (COLS + 1, ROWS + 1, 2) metres

    def quad(self, i: int, j: int) -> list[tuple[float, float]]:
        v = self.vertices
        return [tuple(v[i, j]), tuple(v[i + 1, j]), tuple(v[i + 1, j + 1]), tuple(v[i, j + 1])]


def make_grid(index: int, rng: np.random.Generator) -> CommunityGrid:
    cx, cy = index % CITY_COLS, index // CITY_COLS
    ox, oy = cx * COLS * CELL_M, cy * ROWS * CELL_M
    xs = ox + np.arange(COLS + 1) * CELL_M
    ys = oy + np.arange(ROWS + 1) * CELL_M
    v = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1)
    jitter = rng.uniform(-JITTER_M, JITTER_M, size=v.shape)
    jitter[0, :, :] = jitter[-1, :, :] = 0  # community edges stay straight: neighbours match
    jitter[:, 0, :] = jitter[:, -1, :] = 0
    return CommunityGrid(index, ox, oy, v + jitter)


def to_wkb(points: list[tuple[float, float]]) -> bytes:
    return shapely.to_wkb(MultiPolygon([Polygon([lonlat(x, y) for x, y in points])]))


def reset_database(url: str) -> None:
    from gridapp.cli import migrate_database

    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'spatial_ref_sys'"
            )
        ).scalars()
        for table in list(tables):
            conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()
    migrate_database(url)


def load_communities(conn: Any, grids: list[CommunityGrid], rng: np.random.Generator) -> None:
    """Insert subdistricts (as needed), communities, cells and buildings of ``grids``."""
    for g in grids:
        sub_seq = g.index // COMMUNITIES_PER_SUBDISTRICT + 1
        sub_code = f"110199{sub_seq:03d}"
        sub_id = conn.execute(
            text("SELECT id FROM subdistricts WHERE code = :c"), {"c": sub_code}
        ).scalar()
        if sub_id is None:
            first = (sub_seq - 1) * COMMUNITIES_PER_SUBDISTRICT
            subs = [make_bounds(i) for i in range(first, first + COMMUNITIES_PER_SUBDISTRICT)]
            geom = shapely.union_all([box(*b) for b in subs])
            sub_id = conn.execute(
                text(
                    "INSERT INTO subdistricts (code, name, district_name, source, source_hash,"
                    " geom) VALUES (:c, :n, '基准区', 'bench', '', "
                    " ST_Multi(ST_GeomFromWKB(:g, 4326))) RETURNING id"
                ),
                {"c": sub_code, "n": f"基准第{sub_seq}街道", "g": shapely.to_wkb(geom)},
            ).scalar_one()
        comm_code = f"{sub_code}{g.index % COMMUNITIES_PER_SUBDISTRICT + 1:03d}"
        comm_id = conn.execute(
            text(
                "INSERT INTO communities (subdistrict_id, code, name, geom) VALUES (:s, :c, :n,"
                " ST_Multi(ST_GeomFromWKB(:g, 4326))) RETURNING id"
            ),
            {
                "s": sub_id,
                "c": comm_code,
                "n": f"基准第{g.index + 1}社区",
                "g": shapely.to_wkb(MultiPolygon([box(*make_bounds(g.index))])),
            },
        ).scalar_one()
        cells = []
        for j in range(ROWS):
            for i in range(COLS):
                seq = j * COLS + i + 1
                cells.append(
                    {
                        "c": comm_id,
                        "code": f"{comm_code}{seq:03d}",
                        "seq": seq,
                        "name": f"基准网格{seq}",
                        "g": to_wkb(g.quad(i, j)),
                    }
                )
        conn.execute(
            text(
                "INSERT INTO grid_cells (community_id, code, seq, name, households, residents,"
                " geom, version) VALUES (:c, :code, :seq, :name, 0, 0,"
                " ST_GeomFromWKB(:g, 4326), 1)"
            ),
            cells,
        )
        ids = dict(
            conn.execute(
                text("SELECT seq, id FROM grid_cells WHERE community_id = :c"), {"c": comm_id}
            ).all()
        )
        buildings = []
        for j in range(ROWS):
            for i in range(COLS):
                c = Polygon(g.quad(i, j)).centroid
                for dy in (-12.0, 12.0):
                    hh = int(rng.integers(20, 80))
                    footprint = [
                        (c.x - 10, c.y + dy - 6),
                        (c.x + 10, c.y + dy - 6),
                        (c.x + 10, c.y + dy + 6),
                        (c.x - 10, c.y + dy + 6),
                    ]
                    buildings.append(
                        {
                            "s": sub_id,
                            "cell": ids[j * COLS + i + 1],
                            "hh": hh,
                            "res": round(hh * 2.6),
                            "g": to_wkb(footprint),
                        }
                    )
        conn.execute(
            text(
                "INSERT INTO buildings (subdistrict_id, cell_id, source_ref, kind, name, levels,"
                " households, residents, geom) VALUES (:s, :cell, '', 'residential', '', 6,"
                " :hh, :res, ST_GeomFromWKB(:g, 4326))"
            ),
            buildings,
        )
        conn.execute(
            text(
                "UPDATE grid_cells c SET households = b.hh, residents = b.res FROM ("
                " SELECT cell_id, sum(households) hh, sum(residents) res FROM buildings"
                " WHERE cell_id IS NOT NULL GROUP BY cell_id) b"
                " WHERE b.cell_id = c.id AND c.community_id = :c"
            ),
            {"c": comm_id},
        )


def make_bounds(index: int) -> tuple[float, float, float, float]:
    cx, cy = index % CITY_COLS, index // CITY_COLS
    x0, y0 = lonlat(cx * COLS * CELL_M, cy * ROWS * CELL_M)
    x1, y1 = lonlat((cx + 1) * COLS * CELL_M, (cy + 1) * ROWS * CELL_M)
    return (x0, y0, x1, y1)


@dataclass
class Pair:
    """Two cells side by side, (i, j) west and (i + 1, j) east: their outer corners and the
    two ends of their shared edge (metres)."""

    west: int
    east: int
    sw: tuple[float, float]
    nw: tuple[float, float]
    se: tuple[float, float]
    ne: tuple[float, float]
    bottom: tuple[float, float]
    top: tuple[float, float]


def pairs(conn: Any, grid: CommunityGrid, comm_code: str, count: int) -> list[Pair]:
    ids = dict(
        conn.execute(
            text("SELECT code, id FROM grid_cells WHERE code LIKE :p"), {"p": f"{comm_code}%"}
        ).all()
    )
    v = grid.vertices

    def at(i: int, j: int) -> tuple[float, float]:
        return (float(v[i, j, 0]), float(v[i, j, 1]))

    out = []
    for k in range(count):  # spread over the community, away from its edges
        i, j = 3 + 4 * k, 2 + 2 * (k % 4)
        out.append(
            Pair(
                west=ids[f"{comm_code}{j * COLS + i + 1:03d}"],
                east=ids[f"{comm_code}{j * COLS + i + 2:03d}"],
                sw=at(i, j),
                nw=at(i, j + 1),
                se=at(i + 2, j),
                ne=at(i + 2, j + 1),
                bottom=at(i + 1, j),
                top=at(i + 1, j + 1),
            )
        )
    return out


def shapes(p: Pair, offset: float) -> tuple[Polygon, Polygon]:
    """The two cells with the middle of their shared edge moved ``offset`` metres east."""
    mid = ((p.bottom[0] + p.top[0]) / 2 + offset, (p.bottom[1] + p.top[1]) / 2)
    west = [p.sw, p.bottom, mid, p.top, p.nw]
    east = [p.bottom, p.se, p.ne, p.top, mid]
    return (
        Polygon([lonlat(x, y) for x, y in west]),
        Polygon([lonlat(x, y) for x, y in east]),
    )


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def run_saves(app: Any, pair_list: list[Pair], saves: int, warmup: int) -> dict[str, list[float]]:
    from gridapp.extensions import db
    from gridapp.models import GridCell, User
    from gridapp.services.editing import CellInput, ChangeRequest, apply_change

    save_ms: list[float] = []
    base_ms: list[float] = []
    with app.app_context():
        user = db.session.query(User).filter_by(username="bench_admin").one()
        community_id = db.session.get(GridCell, pair_list[0].west).community_id
        versions = {
            c.id: c.version
            for c in db.session.query(GridCell).filter(
                GridCell.id.in_([x for p in pair_list for x in (p.west, p.east)])
            )
        }
        for n in range(warmup + saves):
            p = pair_list[n % len(pair_list)]
            offset = BUMP_M if (n // len(pair_list)) % 2 == 0 else -BUMP_M
            west, east = shapes(p, offset)
            request = ChangeRequest(
                op="reshape",
                community_id=community_id,
                cells=[
                    CellInput(id=p.west, version=versions[p.west], geometry=west),
                    CellInput(id=p.east, version=versions[p.east], geometry=east),
                ],
            )
            t0 = time.perf_counter()
            apply_change(user, request)
            t1 = time.perf_counter()
            versions[p.west] += 1
            versions[p.east] += 1
            # baseline: write the same geometry again with a bare conditional UPDATE
            wkb = shapely.to_wkb(MultiPolygon([west]))
            t2 = time.perf_counter()
            result = db.session.execute(
                text(
                    "UPDATE grid_cells SET geom = ST_GeomFromWKB(:g, 4326),"
                    " version = version + 1 WHERE id = :id AND version = :v"
                ),
                {"g": wkb, "id": p.west, "v": versions[p.west]},
            )
            db.session.commit()
            t3 = time.perf_counter()
            assert getattr(result, "rowcount", 1) == 1
            versions[p.west] += 1
            if n >= warmup:
                save_ms.append((t1 - t0) * 1000)
                base_ms.append((t3 - t2) * 1000)
    return {"save": save_ms, "baseline": base_ms}


def summary(label: str, cells: int, times: dict[str, list[float]]) -> dict[str, Any]:
    s, b = times["save"], times["baseline"]
    return {
        "label": label,
        "cells": cells,
        "n": len(s),
        "save_p50": percentile(s, 50),
        "save_p95": percentile(s, 95),
        "save_mean": statistics.fmean(s),
        "base_p50": percentile(b, 50),
        "base_p95": percentile(b, 95),
    }


def machine() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": f"{cpu} ({os.cpu_count()} CPUs)",
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (it is emptied!)")
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    from gridapp import create_app
    from gridapp.extensions import db
    from gridapp.models import User

    rng = np.random.default_rng(20240601)
    grids = [make_grid(i, rng) for i in range(CITY_COLS * CITY_ROWS)]
    bench = grids[CITY_COLS * 2 + CITY_COLS // 2]  # a community in the middle of the city
    others = [g for g in grids if g is not bench]

    t0 = time.perf_counter()
    reset_database(args.url)
    engine = create_engine(args.url)
    with engine.begin() as conn:
        load_communities(conn, [bench], rng)
        sub = bench.index // COMMUNITIES_PER_SUBDISTRICT + 1
        code = f"110199{sub:03d}{bench.index % COMMUNITIES_PER_SUBDISTRICT + 1:03d}"
        pair_list = pairs(conn, bench, code, 4)
    app = create_app({"DATABASE_URL": args.url, "SECRET_KEY": "bench", "TESTING": False})
    with app.app_context():
        admin = User(username="bench_admin", display_name="基准测试", role="admin")
        admin.set_password("bench-only")
        db.session.add(admin)
        db.session.commit()
    print(f"已生成 1 个社区（200 个网格），用时 {time.perf_counter() - t0:.1f} 秒", flush=True)

    results = []
    times = run_saves(app, pair_list, args.saves, args.warmup)
    results.append(summary("一个社区", ROWS * COLS, times))
    print(f"  200 个网格：保存 p50 {results[-1]['save_p50']:.1f} ms", flush=True)

    t0 = time.perf_counter()
    with engine.begin() as conn:
        load_communities(conn, others, rng)
        conn.execute(text("ANALYZE"))
        total = conn.execute(text("SELECT count(*) FROM grid_cells")).scalar_one()
        buildings = conn.execute(text("SELECT count(*) FROM buildings")).scalar_one()
        pg = conn.execute(text("SHOW server_version")).scalar_one()
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    print(
        f"已生成整个城市（{total} 个网格、{buildings} 栋建筑），用时 "
        f"{time.perf_counter() - t0:.1f} 秒",
        flush=True,
    )
    times = run_saves(app, pair_list, args.saves, args.warmup)
    results.append(summary("整个城市", total, times))
    with app.app_context():
        db.engine.dispose()
    engine.dispose()

    m = machine()
    print()
    print(f"### {dt.date.today().isoformat()} · {m['cpu']}")
    print()
    print(f"{m['os']}, Python {m['python']}, PostgreSQL {pg}, PostGIS {postgis}.")
    print(f"{args.saves} saves after {args.warmup} warm-up saves per row; times in ms.")
    print()
    print(
        "| dataset | cells | save p50 | save p95 | baseline p50 | baseline p95 "
        "| ratio p50 | ratio p95 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['label']} | {r['cells']:,} | {r['save_p50']:.1f} | {r['save_p95']:.1f} "
            f"| {r['base_p50']:.1f} | {r['base_p95']:.1f} "
            f"| {r['save_p50'] / r['base_p50']:.1f}× | {r['save_p95'] / r['base_p95']:.1f}× |"
        )


if __name__ == "__main__":
    main()
