"""Benchmark of importing cells (数据导入): preview and commit, per format and datum.

Run by ``scripts/bench-import``. Uses the synthetic city of ``bench_edit`` (communities of
20 × 10 jittered 100 m cells, two buildings per cell) in its own database, never the demo
or test one. The cells of one community (200) and of one subdistrict (10 communities,
2,000 cells) are exported through the app's own export (``write_layer``) as GeoPackage,
zipped Shapefile, GeoJSON, KML and vertex CSV, and a GeoPackage in GCJ-02. Then the
cells are deleted — a subdistrict moving in: its communities and buildings are there, its
cells come from the file — and each file is imported again, as the page does:

* preview: ``imports.start`` — the upload saved to the private temp folder, read
  (``core.layer_files``: archive checks, GDAL, CRS, datum), the fields and communities
  checked, the partition check run on the result, the preview stored;
* commit: ``imports.commit`` — every community a save like an edit (validation, history,
  buildings re-assigned, counts) in one transaction;
* baselines, in the same run and on the same data: reading the file with plain
  ``pyogrio.read_dataframe`` (the cost of opening the file at all) for the preview, and a
  bare ``INSERT`` of the same cells in one transaction for the commit.

After each commit the cells are deleted again, so every repetition sees the same state.
Prints a Markdown section for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
import pyogrio
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_edit

SUBDISTRICT_COMMUNITIES = bench_edit.COMMUNITIES_PER_SUBDISTRICT
CITY_COMMUNITIES = bench_edit.CITY_COLS * bench_edit.CITY_ROWS  # 50: 10,000 cells


@dataclass(frozen=True)
class Case:
    label: str
    fmt: str  # ExportFormat value
    datum: str  # Datum value
    scale: str  # "community" | "subdistrict" | "city"


CASES = [
    Case("GeoPackage", "gpkg", "wgs84", "community"),
    Case("GeoPackage", "gpkg", "wgs84", "subdistrict"),
    Case("GeoPackage，GCJ-02", "gpkg", "gcj02", "subdistrict"),
    Case("Shapefile（ZIP）", "shp", "wgs84", "subdistrict"),
    Case("GeoJSON", "geojson", "wgs84", "subdistrict"),
    Case("KML", "kml", "wgs84", "subdistrict"),
    Case("CSV（逐顶点）", "csv", "wgs84", "subdistrict"),
]

CITY_CASE = Case("GeoPackage（整个城市）", "gpkg", "wgs84", "city")


def build_city(url: str, communities: int = SUBDISTRICT_COMMUNITIES) -> None:
    """``communities`` communities (ten to a subdistrict), with their cells and buildings."""
    rng = np.random.default_rng(20240601)
    grids = [bench_edit.make_grid(i, rng) for i in range(communities)]
    bench_edit.reset_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        bench_edit.load_communities(conn, grids, rng)
        conn.execute(text("ANALYZE"))
    engine.dispose()


def export_files(app: Any, folder: Path, cases: list[Case]) -> dict[tuple[str, str, str], Path]:
    """The cells as files, keyed by (format, datum, scale)."""
    from gridapp.core.datums import Datum
    from gridapp.core.layer_write import ExportFormat, write_layer
    from gridapp.extensions import db
    from gridapp.models import Community, User
    from gridapp.services import tables
    from gridapp.services.data import layers
    from gridapp.services.data.frames import Selection

    files: dict[tuple[str, str, str], Path] = {}
    with app.app_context():
        user = db.session.query(User).filter_by(username="bench_admin").one()
        first = db.session.query(Community).order_by(Community.code).first()
        assert first is not None
        city = layers.cells(user, Selection())
        codes = sorted({c[:12] for c in city["code"]})[:SUBDISTRICT_COMMUNITIES]
        frames = {
            "community": layers.cells(user, Selection(community_id=first.id)),
            "subdistrict": city[city["code"].str[:12].isin(codes)],
            "city": city,
        }
        for case in cases:
            key = (case.fmt, case.datum, case.scale)
            if key in files:
                continue
            exported = write_layer(
                frames[case.scale],
                ExportFormat(case.fmt),
                layers.CELLS,
                Datum(case.datum),
                tables,
            )
            path = folder / f"cells-{case.scale}-{case.datum}.{exported.extension}"
            path.write_bytes(exported.data)
            files[key] = path
    return files


def cell_rows(conn: Any) -> list[dict[str, Any]]:
    return [
        dict(r._mapping)
        for r in conn.execute(
            text(
                "SELECT community_id, code, seq, name, ST_AsBinary(geom) AS g FROM grid_cells"
                " ORDER BY code"
            )
        )
    ]


def delete_cells(engine: Any) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM cell_history"))
        conn.execute(text("DELETE FROM cell_changes"))
        conn.execute(text("DELETE FROM grid_cells"))


def read_baseline(path: Path) -> float:
    t0 = time.perf_counter()
    if path.suffix == ".csv":
        frame = pyogrio.read_dataframe(path, use_arrow=False)
    else:
        frame = pyogrio.read_dataframe(path)
    t1 = time.perf_counter()
    assert len(frame) > 0
    return t1 - t0


def insert_baseline(engine: Any, rows: list[dict[str, Any]]) -> float:
    params = [{**r, "g": bytes(r["g"])} for r in rows]
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO grid_cells (community_id, code, seq, name, households, residents,"
                " geom, version) VALUES (:community_id, :code, :seq, :name, 0, 0,"
                " ST_GeomFromWKB(:g, 4326), 1)"
            ),
            params,
        )
    t1 = time.perf_counter()
    delete_cells(engine)
    return t1 - t0


def import_once(app: Any, path: Path, datum: str, expected: int) -> tuple[float, float]:
    """Preview and commit ``path``; the seconds of each."""
    from gridapp.core.datums import Datum
    from gridapp.extensions import db
    from gridapp.models import User
    from gridapp.services.data import imports

    with app.app_context():
        user = db.session.query(User).filter_by(username="bench_admin").one()
        t0 = time.perf_counter()
        job = imports.start(
            user,
            "cells",
            Datum(datum),
            "merge",
            imports.Upload(io.BytesIO(path.read_bytes()), path.name),
        )
        t1 = time.perf_counter()
        preview = job["preview"]
        if not preview.get("can_commit"):
            problems = preview["problems"][:3]
            raise SystemExit(f"{path.name}: the preview refuses the file: {problems}")
        if preview["summary"].get("inserts") != expected:
            raise SystemExit(f"{path.name}: {preview['summary']} (expected {expected} inserts)")
        t2 = time.perf_counter()
        done = imports.commit(user, job["id"], reason="基准测试")
        t3 = time.perf_counter()
        if done["status"] != "committed":
            raise SystemExit(f"{path.name}: commit ended {done['status']}: {done['error']}")
        db.session.close()
    return t1 - t0, t3 - t2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (it is emptied!)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--city",
        action="store_true",
        help="also the whole synthetic city (50 communities, 10,000 cells) as one GeoPackage",
    )
    args = parser.parse_args()
    cases = [*CASES, *([CITY_CASE] if args.city else [])]

    from gridapp import create_app
    from gridapp.extensions import db
    from gridapp.models import User

    t0 = time.perf_counter()
    build_city(args.url, CITY_COMMUNITIES if args.city else SUBDISTRICT_COMMUNITIES)
    app = create_app(
        {
            "DATABASE_URL": args.url,
            "SECRET_KEY": "bench",
            "TESTING": False,
            "IMPORT_JOBS_INLINE": True,  # time the work itself, not the thread pool's wait
            "IMPORT_SYNC_BYTES": 1024**3,
        }
    )
    with app.app_context():
        admin = User(username="bench_admin", display_name="基准测试", role="admin")
        admin.set_password("bench-only")
        db.session.add(admin)
        db.session.commit()
    engine = create_engine(args.url)
    with engine.begin() as conn:
        all_rows = cell_rows(conn)
        pg = conn.execute(text("SHOW server_version")).scalar_one()
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    by_community = sorted({r["community_id"] for r in all_rows})
    rows = {
        "community": [r for r in all_rows if r["community_id"] == by_community[0]],
        "subdistrict": [
            r for r in all_rows if r["community_id"] in by_community[:SUBDISTRICT_COMMUNITIES]
        ],
        "city": all_rows,
    }
    print(
        f"已生成 {len(by_community)} 个社区（{len(all_rows)} 个网格），"
        f"用时 {time.perf_counter() - t0:.1f} 秒"
    )

    results = []
    with tempfile.TemporaryDirectory(prefix="gridapp-bench-import-") as tmp:
        files = export_files(app, Path(tmp), cases)
        delete_cells(engine)
        for case in cases:
            path = files[(case.fmt, case.datum, case.scale)]
            expected = len(rows[case.scale])
            read_s, insert_s, preview_s, commit_s = [], [], [], []
            for _ in range(args.repeat):
                read_s.append(read_baseline(path))
                insert_s.append(insert_baseline(engine, rows[case.scale]))
                p, c = import_once(app, path, case.datum, expected)
                preview_s.append(p)
                commit_s.append(c)
                delete_cells(engine)
            r = {
                "case": case,
                "cells": expected,
                "size": path.stat().st_size,
                "read": median(read_s),
                "preview": median(preview_s),
                "insert": median(insert_s),
                "commit": median(commit_s),
            }
            results.append(r)
            print(
                f"  {case.label}（{expected} 个网格）：预览 {r['preview']:.2f} s，"
                f"导入 {r['commit']:.2f} s",
                flush=True,
            )
    with app.app_context():
        db.engine.dispose()
    engine.dispose()

    m = bench_edit.machine()
    print()
    print(f"### {dt.date.today().isoformat()} · {m['cpu']}")
    print()
    print(f"{m['os']}, Python {m['python']}, PostgreSQL {pg}, PostGIS {postgis}.")
    print(
        f"Median of {args.repeat} runs; times in seconds. Ratios: preview ÷ pyogrio read, "
        "commit ÷ bare INSERT."
    )
    print()
    print(
        "| file | datum | cells | size | preview | pyogrio read | ratio | commit "
        "| bare INSERT | ratio |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        case: Case = r["case"]
        print(
            f"| {case.label} | {case.datum} | {r['cells']:,} | {r['size'] / 1024:,.0f} KB "
            f"| {r['preview']:.2f} | {r['read']:.3f} | {r['preview'] / r['read']:.0f}× "
            f"| {r['commit']:.2f} | {r['insert']:.3f} | {r['commit'] / r['insert']:.0f}× |"
        )


if __name__ == "__main__":
    main()
