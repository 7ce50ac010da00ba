"""Benchmark of service coverage (issue 6) on the demo subdistrict and a ~100k-node network.

Run by ``scripts/bench-coverage``. Empties and migrates its own database (never the demo or
test database), loads into it

* the demo subdistrict (generated like ``flask generate-demo``, loaded like ``load-demo``):
  ~1.5k street nodes, 2.6k buildings, 41 service points;
* a synthetic city of ~100k street nodes: a jittered 316 × 316 street lattice (80 m) with
  some diagonals, 8 % of the streets removed and two "railway" barriers crossed only every
  ~1 km; 100,000 buildings beside the streets, 500 service points, 256 grid cells;

and times, through the real service code (``gridapp.services.coverage``) from a warm
graph cache, in one run:

1. full coverage recompute (``compute``: scope, cache key, stations, snapping, one
   multi-source Dijkstra, per-building distances) against the bare
   ``scipy.sparse.csgraph.dijkstra(matrix, indices=sources, min_only=True, limit=L)`` call on
   the same graph (streets + buildings + service points), alternating;
2. pgRouting one source at a time: one ``pgr_drivingDistance(edges_sql, node, L, directed =>
   false)`` per service point (its nearest street node; street nodes only, so a lower bound
   of what pgRouting needs for our output) and, for the same output as ours (every
   building's distance), one ``pgr_withPointsDD`` per service point with all buildings as
   points on their edges — on the large network a sample of sources, extrapolated;
3. one service-circle polygon (``circles.circles_json`` for one point id, its cache
   emptied before each);
4. a what-if update (``what_if`` adding one hypothetical station);
5. site suggestion, k = 5 from 2,000 candidate buildings (``suggest``), and on small demo
   instances (200 candidates × the uncovered homes) the greedy + swap result against the
   HiGHS MILP optimum (``optimum_coverage``);
6. (no target) the first ``compute`` after a boundary edit: one building moves to the
   neighbouring cell, both cells' versions go up, as ``apply_change`` does;
7. (demo) ``GET /api/coverage/circles`` as the service page asks for it, against
   ``GET /api/cells`` in the same run, through HTTP (``bench_coverage_http.py``).

Prints a table and a Markdown section for BENCHMARKS.md (``--append`` appends it there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from bench_coverage_http import measure_http
from flask import current_app
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Point
from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parent.parent

# the synthetic city
GRID = 316  # street nodes per side: 316² ≈ 100k
SPACING_M = 80.0
JITTER_M = 20.0
DROP_SHARE = 0.08  # streets removed at random
DIAGONAL_SHARE = 0.06  # lattice squares with a diagonal path
BARRIER_EVERY = 12  # a railway is crossed every 12th street only
BUILDINGS = 100_000
STATIONS = 500
CELL_TILES = 16  # 16 × 16 grid cells
LON0, LAT0 = 116.60, 39.95  # centre of the synthetic city
KX = 111_320.0 * math.cos(math.radians(LAT0))
KY = 110_574.0
BIG_CODE = "110199001"

# targets of issue 6
TARGET_RATIO_SCIPY = 3.0
TARGET_RATIO_PGR = 20.0
TARGET_CIRCLE_MS = 50.0
TARGET_WHAT_IF_MS = 200.0
TARGET_SUGGEST_S = 2.0
TARGET_MILP_SHARE = 0.95
# target of issue 9: the service page's circles, warm, against /api/cells in the same run
TARGET_CIRCLES_VS_CELLS = 2.0

BENCH_USER, BENCH_PASSWORD = "bench_admin", "bench-only"
# the page's user in the HTTP step: the demo subdistrict's coordinator, so that /api/cells
# answers the demo's cells whether or not the large network is loaded too
BENCH_COORDINATOR = "bench_coordinator"
STEPS = ("recompute", "pgrouting", "circles", "what_if", "suggest", "milp", "after_edit", "http")


def ms(seconds: float) -> float:
    return seconds * 1000.0


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def say(msg: str) -> None:
    print(msg, flush=True)


# --- database --------------------------------------------------------------------------


def reset_database(url: str) -> None:
    from gridapp.cli import migrate_database

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SELECT pgr_version()"))  # fails loudly without pgRouting
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


def load_demo() -> int:
    """Generate the demo subdistrict and load it (inside an app context)."""
    from gridapp.cli import DEMO_SUBDISTRICT_CODE
    from gridapp.core.geodemo.generated import generate_subdistrict
    from gridapp.core.geodemo.pipeline import build_subdistrict
    from gridapp.extensions import db
    from gridapp.models import Subdistrict
    from gridapp.services.geodata.folders import write_geodata
    from gridapp.services.geodata.loading import load_geodata

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_geodata(build_subdistrict(generate_subdistrict()), Path(tmp) / "demo")
        load_geodata(folder)
    return int(
        db.session.scalars(
            select(Subdistrict.id).where(Subdistrict.code == DEMO_SUBDISTRICT_CODE)
        ).one()
    )


@dataclass
class City:
    xy: np.ndarray  # (nodes, 2) metres
    u: np.ndarray
    v: np.ndarray
    b_centre: np.ndarray  # (buildings, 2) metres
    b_kind: np.ndarray
    b_households: np.ndarray
    s_xy: np.ndarray  # (stations, 2) metres
    s_kind: list[str] = field(default_factory=list)

    @property
    def size(self) -> float:
        return (GRID - 1) * SPACING_M


def make_city(rng: np.random.Generator, grid: int, buildings: int, stations: int) -> City:
    """A jittered street lattice with diagonals, gaps and two barriers; homes along streets."""
    from gridapp.core.vocab import ServiceKind

    n = grid
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    xy = np.stack([ii * SPACING_M, jj * SPACING_M], axis=-1).astype(float)
    xy += rng.uniform(-JITTER_M, JITTER_M, size=xy.shape)
    node = ii * n + jj
    h_u, h_v = node[:-1, :].ravel(), node[1:, :].ravel()  # along x
    v_u, v_v = node[:, :-1].ravel(), node[:, 1:].ravel()  # along y
    keep_h = rng.random(len(h_u)) >= DROP_SHARE
    keep_v = rng.random(len(v_u)) >= DROP_SHARE
    # two railways along x: crossed (by the y-streets) only every BARRIER_EVERY-th street
    for j0 in (n // 3, 2 * n // 3):
        crossing = jj[:, :-1].ravel() == j0
        keep_v &= ~crossing | (ii[:, :-1].ravel() % BARRIER_EVERY == 0)
    diag = rng.random((n - 1) * (n - 1)) < DIAGONAL_SHARE
    di, dj = np.divmod(np.flatnonzero(diag), n - 1)
    flip = rng.random(len(di)) < 0.5
    d_u = np.where(flip, node[di + 1, dj], node[di, dj])
    d_v = np.where(flip, node[di, dj + 1], node[di + 1, dj + 1])
    u = np.concatenate([h_u[keep_h], v_u[keep_v], d_u])
    v = np.concatenate([h_v[keep_h], v_v[keep_v], d_v])
    pts = xy.reshape(-1, 2)

    # buildings beside streets: a point along an edge, 15–30 m to one side
    pick = rng.choice(len(u), size=buildings, replace=buildings > len(u))
    a, b = pts[u[pick]], pts[v[pick]]
    f = rng.uniform(0.15, 0.85, size=(buildings, 1))
    d = b - a
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None]
    side = np.where(rng.random((buildings, 1)) < 0.5, -1.0, 1.0)
    centre = a + f * d + side * rng.uniform(15.0, 30.0, size=(buildings, 1)) * normal
    kinds = rng.choice(
        ["residential", "lowrise", "commercial", "public", "office", "school"],
        p=[0.8, 0.1, 0.04, 0.03, 0.02, 0.01],
        size=buildings,
    )
    households = np.where(
        kinds == "residential",
        rng.integers(20, 120, size=buildings),
        np.where(kinds == "lowrise", rng.integers(1, 10, size=buildings), 0),
    )
    home = rng.choice(buildings, size=stations, replace=False)
    s_xy = centre[home] + rng.uniform(-3.0, 3.0, size=(stations, 2))
    all_kinds = [k.value for k in ServiceKind]
    s_kind = [all_kinds[int(i)] for i in rng.integers(0, len(all_kinds), size=stations)]
    return City(pts, u, v, centre, kinds, households, s_xy, s_kind)


def lonlat(xy: np.ndarray, centre: float) -> np.ndarray:
    return np.column_stack([LON0 + (xy[:, 0] - centre) / KX, LAT0 + (xy[:, 1] - centre) / KY])


def ewkb(geoms: np.ndarray) -> np.ndarray:
    return shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True)


def load_city(url: str, city: City) -> int:
    """Insert the synthetic city: one subdistrict, one community of 256 cells, streets,
    buildings (COPY) and service points. Returns the subdistrict id."""
    c = city.size / 2
    x0, y0 = LON0 - c / KX, LAT0 - c / KY
    x1, y1 = LON0 + c / KX, LAT0 + c / KY
    frame = shapely.multipolygons([shapely.box(x0 - 0.01, y0 - 0.01, x1 + 0.01, y1 + 0.01)])
    engine = create_engine(url)
    with engine.begin() as conn:
        sub_id = conn.execute(
            text(
                "INSERT INTO subdistricts (code, name, district_name, source, source_hash, geom)"
                " VALUES (:c, '基准路网街道', '基准区', 'bench', 'bench-coverage',"
                " ST_GeomFromEWKB(decode(:g, 'hex'))) RETURNING id"
            ),
            {"c": BIG_CODE, "g": ewkb(frame)},
        ).scalar_one()
        comm_id = conn.execute(
            text(
                "INSERT INTO communities (subdistrict_id, code, name, geom) VALUES (:s, :c,"
                " '基准路网社区', ST_GeomFromEWKB(decode(:g, 'hex'))) RETURNING id"
            ),
            {"s": sub_id, "c": BIG_CODE + "001", "g": ewkb(frame)},
        ).scalar_one()
        # 16 × 16 square cells over the frame
        step_x = (x1 - x0 + 0.02) / CELL_TILES
        step_y = (y1 - y0 + 0.02) / CELL_TILES
        cells = []
        for j in range(CELL_TILES):
            for i in range(CELL_TILES):
                seq = j * CELL_TILES + i + 1
                tile = shapely.box(
                    x0 - 0.01 + i * step_x,
                    y0 - 0.01 + j * step_y,
                    x0 - 0.01 + (i + 1) * step_x,
                    y0 - 0.01 + (j + 1) * step_y,
                )
                cells.append(
                    {
                        "c": comm_id,
                        "code": f"{BIG_CODE}001{seq:03d}",
                        "seq": seq,
                        "name": f"基准网格{seq}",
                        "g": ewkb(shapely.multipolygons([tile])),
                    }
                )
        conn.execute(
            text(
                "INSERT INTO grid_cells (community_id, code, seq, name, households, residents,"
                " geom, version) VALUES (:c, :code, :seq, :name, 0, 0,"
                " ST_GeomFromEWKB(decode(:g, 'hex')), 1)"
            ),
            cells,
        )
        cell_ids: dict[int, int] = dict(
            conn.execute(
                text("SELECT seq, id FROM grid_cells WHERE community_id = :c"), {"c": comm_id}
            ).all()
        )
    # streets and buildings by COPY
    ends = np.stack([lonlat(city.xy[city.u], c), lonlat(city.xy[city.v], c)], axis=1)
    lines = ewkb(shapely.linestrings(ends))
    length = np.hypot(*(city.xy[city.u] - city.xy[city.v]).T)
    # node ids on every 20th street line count as "secondary" streets, the rest "residential"
    kind = np.where((city.u // GRID) % 20 == 0, "secondary", "residential")
    half = 7.0
    bx = city.b_centre
    boxes = shapely.box(bx[:, 0] - half, bx[:, 1] - half, bx[:, 0] + half, bx[:, 1] + half)
    boxes_ll = shapely.transform(boxes, lambda p: lonlat(p, c))
    footprints = ewkb(shapely.multipolygons(boxes_ll, indices=np.arange(len(boxes_ll))))
    tile_x = np.clip((city.b_centre[:, 0] / city.size * CELL_TILES).astype(int), 0, 15)
    tile_y = np.clip((city.b_centre[:, 1] / city.size * CELL_TILES).astype(int), 0, 15)
    b_cell = [
        cell_ids[int(ty * CELL_TILES + tx + 1)] for tx, ty in zip(tile_x, tile_y, strict=True)
    ]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(
            "COPY street_edges (subdistrict_id, u, v, kind, name, length_m, walkable, geom)"
            " FROM STDIN"
        ) as cp:
            for row in zip(
                city.u.tolist(),
                city.v.tolist(),
                kind.tolist(),
                length.tolist(),
                lines.tolist(),
                strict=True,
            ):
                cp.write_row((sub_id, row[0], row[1], row[2], "", row[3], True, row[4]))
        with cur.copy(
            "COPY buildings (subdistrict_id, cell_id, source_ref, kind, name, levels,"
            " households, residents, geom) FROM STDIN"
        ) as cp:
            for cell, k, hh, g in zip(
                b_cell,
                city.b_kind.tolist(),
                city.b_households.tolist(),
                footprints.tolist(),
                strict=True,
            ):
                cp.write_row((sub_id, cell, "", k, "", 6, hh, round(hh * 2.6), g))
        raw.commit()
    finally:
        raw.close()
    s_points = ewkb(shapely.points(lonlat(city.s_xy, c)))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO service_points (subdistrict_id, kind, name, address, hours, contact,"
                " services, geom) VALUES (:s, :k, :n, '', '', '', '{}',"
                " ST_GeomFromEWKB(decode(:g, 'hex')))"
            ),
            [
                {"s": sub_id, "k": k, "n": f"基准站点{i + 1}", "g": g}
                for i, (k, g) in enumerate(zip(city.s_kind, s_points.tolist(), strict=True))
            ],
        )
        conn.execute(
            text(
                "UPDATE grid_cells c SET households = b.hh, residents = b.res FROM ("
                " SELECT cell_id, sum(households) hh, sum(residents) res FROM buildings"
                " WHERE cell_id IS NOT NULL GROUP BY cell_id) b WHERE b.cell_id = c.id"
            )
        )
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return int(sub_id)


# --- measurements ------------------------------------------------------------------------


@dataclass
class Row:
    network: str
    what: str
    figure: str
    target: str = ""
    ok: bool | None = None


@dataclass
class Context:
    label: str  # "demo" / "100k"
    sub_id: int
    user: Any
    net: Any
    points: list[Point]  # service points, metric
    limit: float


def measure_recompute(ctx: Context, reps: int, warmup: int) -> dict[str, Any]:
    """``compute`` (service) and the core recompute against the bare Dijkstra, alternating."""
    from gridapp.services.coverage import report as sc

    g = ctx.net.graph
    params = sc.Params(minutes=15, speed_kmh=4.0)
    extra = g.with_points(ctx.points)
    sources = extra.nodes
    full, core, bare = [], [], []
    for n in range(warmup + reps):
        t0 = time.perf_counter()
        sc.compute(ctx.user, ctx.sub_id, params)
        t1 = time.perf_counter()
        sc._distances(ctx.net, ctx.points, ctx.limit)
        t2 = time.perf_counter()
        dijkstra(extra.matrix, directed=False, indices=sources, min_only=True, limit=ctx.limit)
        t3 = time.perf_counter()
        if n >= warmup:
            full.append(ms(t1 - t0))
            core.append(ms(t2 - t1))
            bare.append(ms(t3 - t2))
    return {
        "full": statistics.median(full),
        "core": statistics.median(core),
        "bare": statistics.median(bare),
        "nodes": extra.matrix.shape[0],
        "edges": extra.matrix.nnz,
        "sources": len(sources),
    }


def source_nodes(ctx: Context) -> list[int]:
    """The street node nearest to each service point along its snapped edge (pgRouting's
    start vertices; pgRouting has no split edges, so this is the fair equivalent)."""
    g = ctx.net.graph
    return [int(g.u[s.edge] if s.fraction < 0.5 else g.v[s.edge]) for s in g.snap(ctx.points)]


def measure_pgrouting(
    ctx: Context, sample: int | None, sample_points: int | None
) -> dict[str, Any]:
    """One pgRouting call per source: ``pgr_drivingDistance`` from the source's nearest
    street node (street nodes only) and ``pgr_withPointsDD`` with every building as a point
    on its edge (the same output as ``compute``). Each keeps the nearest source per node."""
    from gridapp.extensions import db

    g = ctx.net.graph
    nodes = source_nodes(ctx)

    def pick(n: int | None) -> list[int]:
        if n is None or n >= len(nodes):
            return nodes
        return [nodes[int(i)] for i in np.linspace(0, len(nodes) - 1, n).astype(int)]

    edges_sql = (
        "SELECT id, u AS source, v AS target, length_m AS cost, length_m AS reverse_cost"
        f" FROM street_edges WHERE subdistrict_id = {ctx.sub_id} AND walkable"
    )
    conn = db.session.connection()
    conn.execute(
        text(
            "CREATE TEMP TABLE bench_points ON COMMIT DROP AS SELECT * FROM"
            " unnest(CAST(:p AS bigint[]), CAST(:e AS bigint[]), CAST(:f AS float8[]))"
            " AS t(pid, edge_id, fraction)"
        ),
        {
            "p": list(range(1, len(g.snaps) + 1)),
            "e": [int(ctx.net.edge_ids[s.edge]) for s in g.snaps],
            "f": [s.fraction for s in g.snaps],
        },
    )
    queries = {
        "dd": text("SELECT node, agg_cost FROM pgr_drivingDistance(:e, :s, :d, directed => false)"),
        "wp": text(
            "SELECT node, agg_cost FROM pgr_withPointsDD(:e, 'SELECT pid, edge_id, fraction"
            " FROM bench_points', :s, :d, directed => false, details => true)"
        ),
    }
    out: dict[str, Any] = {"sources": len(nodes)}
    for name, chosen in (("dd", pick(sample)), ("wp", pick(sample_points))):
        conn.execute(queries[name], {"e": edges_sql, "s": chosen[0], "d": ctx.limit}).all()
        times = []
        best: dict[int, float] = {}
        for source in chosen:
            t0 = time.perf_counter()
            rows = conn.execute(queries[name], {"e": edges_sql, "s": source, "d": ctx.limit}).all()
            for node, cost in rows:  # nearest source per node, as coverage needs
                if cost < best.get(node, math.inf):
                    best[node] = cost
            times.append(time.perf_counter() - t0)
        per = statistics.fmean(times)
        out[name] = {
            "timed": len(chosen),
            "per_source_ms": ms(per),
            "total_ms": ms(per * len(nodes)),
            "extrapolated": len(chosen) < len(nodes),
        }
    db.session.rollback()
    return out


def measure_after_edit(ctx: Context, runs: int) -> dict[str, Any]:
    """``compute`` right after a boundary edit: a building moves to another cell and both
    cells' versions go up (what ``apply_change`` writes), committed; then moved back."""
    from gridapp.extensions import db
    from gridapp.services.coverage import report as sc

    params = sc.Params(minutes=15, speed_kmh=4.0)
    row = db.session.execute(
        text(
            "SELECT b.id, b.cell_id, (SELECT c2.id FROM grid_cells c2 WHERE c2.community_id ="
            " c.community_id AND c2.id <> c.id ORDER BY c2.id LIMIT 1)"
            " FROM buildings b JOIN grid_cells c ON c.id = b.cell_id"
            " WHERE b.subdistrict_id = :s ORDER BY b.id LIMIT 1"
        ),
        {"s": ctx.sub_id},
    ).one()
    building, home, other = row
    sc.compute(ctx.user, ctx.sub_id, params)  # warm
    times = []
    for n in range(runs):
        to = other if n % 2 == 0 else home
        db.session.execute(
            text("UPDATE buildings SET cell_id = :c WHERE id = :b"), {"c": to, "b": building}
        )
        db.session.execute(
            text("UPDATE grid_cells SET version = version + 1 WHERE id IN (:a, :b)"),
            {"a": home, "b": other},
        )
        db.session.commit()
        t0 = time.perf_counter()
        sc.compute(ctx.user, ctx.sub_id, params)
        times.append(ms(time.perf_counter() - t0))
    if runs % 2:
        db.session.execute(
            text("UPDATE buildings SET cell_id = :c WHERE id = :b"), {"c": home, "b": building}
        )
        db.session.commit()
    return {"n": runs, "median": statistics.median(times), "max": max(times)}


def measure_circles(ctx: Context, rounds: int, sample: int | None) -> dict[str, Any]:
    """One service-circle polygon through ``circles`` (one point id, circle cache emptied
    before each), and the core part (joining the point, the limited Dijkstra,
    ``service_circle``)."""
    from gridapp.core.coverage import service_circle
    from gridapp.services.coverage import circles as service_circles
    from gridapp.services.coverage import report as sc

    params = sc.Params(minutes=15, speed_kmh=4.0)
    st = sc.stations(ctx.net, ctx.sub_id, [], ctx.user)
    if sample is not None and sample < len(st):
        st = [st[int(i)] for i in np.linspace(0, len(st) - 1, sample).astype(int)]
    g = ctx.net.graph
    ids = [int(s.id or 0) for s in st]
    service_circles.circles_json(ctx.user, ctx.sub_id, params, ids[:1])  # warm-up
    full, core = [], []
    for _ in range(rounds):
        for s, sid in zip(st, ids, strict=True):
            service_circles.clear_cache()  # the polygon itself, not the cache, is timed
            t0 = time.perf_counter()
            service_circles.circles_json(ctx.user, ctx.sub_id, params, [sid])
            t1 = time.perf_counter()
            extra = g.with_points([s.point])
            dist = g.distances(extra.nodes, limit=ctx.limit, matrix=extra.matrix)
            service_circle(g, dist, ctx.limit, params.off_network_m)
            t2 = time.perf_counter()
            full.append(ms(t1 - t0))
            core.append(ms(t2 - t1))
    return {
        "n": len(full),
        "p50": pct(full, 50),
        "p95": pct(full, 95),
        "core_p50": pct(core, 50),
        "core_p95": pct(core, 95),
    }


def measure_what_if(ctx: Context, runs: int) -> dict[str, Any]:
    """``what_if`` adding one hypothetical station at an uncovered home (a different one each
    run, so that coverage really changes)."""
    from gridapp.services.coverage import planning as service_planning
    from gridapp.services.coverage import report as sc

    params = sc.Params(minutes=15, speed_kmh=4.0)
    _, cov = sc.compute(ctx.user, ctx.sub_id, params)
    net = ctx.net
    homes = np.flatnonzero(~cov.covered & (net.residents > 0))
    if len(homes) == 0:
        homes = np.flatnonzero(net.residents > 0)
    picks = homes[np.linspace(0, len(homes) - 1, runs + 1).astype(int)]
    times = []
    gained = []
    for n, b in enumerate(picks):
        where = net.proj.to_lonlat(net.building_points[int(b)])
        t0 = time.perf_counter()
        out = service_planning.what_if(
            ctx.user, ctx.sub_id, params, service_planning.Scenario(add=[where])
        )
        t1 = time.perf_counter()
        if n > 0:  # the first is a warm-up
            times.append(ms(t1 - t0))
            gained.append(out["after"]["residents_covered"] - out["before"]["residents_covered"])
    return {
        "n": len(times),
        "p50": pct(times, 50),
        "p95": pct(times, 95),
        "gained_mean": statistics.fmean(gained),
    }


def measure_suggest(ctx: Context, runs: int) -> dict[str, Any]:
    from gridapp.services.coverage import planning as service_planning
    from gridapp.services.coverage import report as sc

    params = sc.Params(minutes=15, speed_kmh=4.0)
    times = []
    out: dict[str, Any] = {}
    for _ in range(runs):
        t0 = time.perf_counter()
        out = service_planning.suggest(
            ctx.user, ctx.sub_id, params, 5, "buildings", [], max_candidates=2000
        )
        times.append(time.perf_counter() - t0)
    before = out["before"]["residents_covered"]
    after = out["sites"][-1]["residents_covered_after"] if out["sites"] else before
    return {
        "n": runs,
        "median_s": statistics.median(times),
        "max_s": max(times),
        "candidates": out["candidates"],
        "targets": out["before"]["buildings_uncovered"],
        "gain": after - before,
        "share_before": out["before"]["share_residents"],
        "share_after": out["sites"][-1]["share_residents_after"] if out["sites"] else None,
    }


def measure_milp(ctx: Context, minutes_list: list[int], ks: list[int]) -> list[dict[str, Any]]:
    """Greedy + swap against the HiGHS optimum: 200 candidate buildings (evenly spread) ×
    the uncovered homes, newly covered residents."""
    from gridapp.core.coverage import coverage_sets, optimum_coverage, suggest_sites
    from gridapp.services.coverage import report as sc

    g = ctx.net.graph
    out = []
    for minutes in minutes_list:
        params = sc.Params(minutes=minutes, speed_kmh=4.0)
        _, cov = sc.compute(ctx.user, ctx.sub_id, params)
        targets = np.flatnonzero(~cov.covered & (ctx.net.residents > 0))
        pool = np.linspace(0, len(ctx.net.building_ids) - 1, 200).astype(int)
        reach = coverage_sets(g.matrix, g.point_node[pool], g.point_node[targets], params.limit)
        weights = ctx.net.residents[targets]
        for k in ks:
            t0 = time.perf_counter()
            greedy = sum(gain for _, gain in suggest_sites(reach, weights, k))
            t1 = time.perf_counter()
            best = optimum_coverage(reach, weights, k)
            t2 = time.perf_counter()
            out.append(
                {
                    "minutes": minutes,
                    "k": k,
                    "targets": len(targets),
                    "greedy": greedy,
                    "optimum": best,
                    "share": greedy / best if best > 0 else 1.0,
                    "greedy_ms": ms(t1 - t0),
                    "milp_ms": ms(t2 - t1),
                }
            )
    return out


# --- report ------------------------------------------------------------------------------


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


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("pass" if ok else "**FAIL**")


def rows_for(label: str, r: dict[str, Any]) -> list[Row]:
    """The table rows of the steps measured (all of them unless ``--only`` chose some)."""
    out = []
    rc = r.get("recompute")
    if rc is not None:
        ratio = rc["full"] / rc["bare"]
        out.append(
            Row(
                label,
                f"coverage recompute (`compute`) vs bare Dijkstra ({rc['nodes']:,} nodes, "
                f"{rc['sources']} sources)",
                f"{rc['full']:.1f} ms vs {rc['bare']:.1f} ms = {ratio:.1f}×",
                f"≤ {TARGET_RATIO_SCIPY:.0f}×",
                ratio <= TARGET_RATIO_SCIPY,
            )
        )
        core_ratio = rc["core"] / rc["bare"]
        out.append(
            Row(
                label,
                "core recompute (snap + join points + Dijkstra + per building) vs bare Dijkstra",
                f"{rc['core']:.1f} ms vs {rc['bare']:.1f} ms = {core_ratio:.1f}×",
                f"(≤ {TARGET_RATIO_SCIPY:.0f}×)",
                None,
            )
        )
    if "pgrouting" in r and rc is not None:
        out += _pgrouting_rows(label, r["pgrouting"], rc)
    if "circles" in r:
        ci = r["circles"]
        out.append(
            Row(
                label,
                f"one service-circle polygon (`circles`, one point; n={ci['n']})",
                f"p50 {ci['p50']:.1f} ms, p95 {ci['p95']:.1f} ms "
                f"(core p50 {ci['core_p50']:.1f}, p95 {ci['core_p95']:.1f})",
                f"< {TARGET_CIRCLE_MS:.0f} ms",
                ci["p95"] < TARGET_CIRCLE_MS,
            )
        )
    if "what_if" in r:
        wi = r["what_if"]
        demo = label == "demo"
        out.append(
            Row(
                label,
                f"what-if, add one station (`what_if`; n={wi['n']})",
                f"p50 {wi['p50']:.0f} ms, p95 {wi['p95']:.0f} ms",
                f"< {TARGET_WHAT_IF_MS:.0f} ms" if demo else "(demo only)",
                wi["p95"] < TARGET_WHAT_IF_MS if demo else None,
            )
        )
    if "suggest" in r:
        sg = r["suggest"]
        out.append(
            Row(
                label,
                f"site suggestion k=5 from {sg['candidates']:,} candidates × {sg['targets']:,} "
                f"uncovered homes (`suggest`; n={sg['n']})",
                f"median {sg['median_s']:.2f} s, max {sg['max_s']:.2f} s; +{sg['gain']:,} "
                f"residents ({sg['share_before']:.1%} → {sg['share_after']:.1%})",
                f"< {TARGET_SUGGEST_S:.0f} s",
                sg["max_s"] < TARGET_SUGGEST_S,
            )
        )
    for m in r.get("milp", []):
        out.append(
            Row(
                label,
                f"greedy + swap vs HiGHS MILP optimum: 200 candidates × {m['targets']} "
                f"uncovered homes ({m['minutes']} min), k={m['k']}",
                f"{m['greedy']:,.0f} / {m['optimum']:,.0f} residents = {m['share']:.1%} "
                f"(greedy {m['greedy_ms']:.0f} ms, MILP {m['milp_ms']:.0f} ms)",
                f"≥ {TARGET_MILP_SHARE:.0%}",
                m["share"] >= TARGET_MILP_SHARE,
            )
        )
    if "after_edit" in r:
        ed = r["after_edit"]
        warm = f" (warm: {rc['full']:.0f} ms)" if rc is not None else ""
        out.append(
            Row(
                label,
                f"first `compute` after a boundary edit (cache invalidated; n={ed['n']})",
                f"median {ed['median']:,.0f} ms, max {ed['max']:,.0f} ms{warm}",
                "",
                None,
            )
        )
    if "http" in r:
        out += _http_rows(label, r["http"])
    return out


def _pgrouting_rows(label: str, pgr: dict[str, Any], rc: dict[str, Any]) -> list[Row]:
    out = []
    for name, what, strict in (
        ("dd", "`pgr_drivingDistance`, street nodes only", True),
        ("wp", "`pgr_withPointsDD`, all buildings as points (same output)", False),
    ):
        pg = pgr[name]
        speedup = pg["total_ms"] / rc["full"]
        how = (
            f"{pg['timed']} of {pgr['sources']} sources timed, extrapolated"
            if pg["extrapolated"]
            else f"all {pgr['sources']} sources"
        )
        out.append(
            Row(
                label,
                f"pgRouting one source at a time: {what} ({how}) vs `compute`",
                f"{pg['per_source_ms']:.1f} ms × {pgr['sources']} = {pg['total_ms']:,.0f} ms"
                f" → `compute` {speedup:,.0f}× faster",
                f"≥ {TARGET_RATIO_PGR:.0f}×" if strict else f"(≥ {TARGET_RATIO_PGR:.0f}×)",
                speedup >= TARGET_RATIO_PGR if strict else None,
            )
        )
    return out


def _http_rows(label: str, h: dict[str, Any]) -> list[Row]:
    ratio = h["circles"] / h["cells"]
    return [
        Row(
            label,
            f"`GET /api/coverage/circles` as the page asks (zoom {h['zoom']}, "
            f"{h['features']} circles) vs `GET /api/cells`, HTTP, warm (n={h['n']} each)",
            f"p50 {h['circles']:.1f} ms (p95 {h['circles_p95']:.1f}), {h['circles_kb']:,.0f} KB"
            f" vs p50 {h['cells']:.1f} ms (p95 {h['cells_p95']:.1f}), {h['cells_kb']:,.0f} KB"
            f" = {ratio:.1f}×",
            f"≤ {TARGET_CIRCLES_VS_CELLS:.0f}×",
            ratio <= TARGET_CIRCLES_VS_CELLS,
        ),
        Row(
            label,
            f"`GET /api/coverage/circles`, first request after the circle cache was emptied "
            f"(n={h['cold_runs']})",
            f"median {h['cold_median']:,.0f} ms",
            "",
            None,
        ),
        Row(
            label,
            "`GET /api/coverage/circles` without zoom (the finest default, 1 m): first "
            "(cached circles simplified anew, as after zooming in), then warm",
            f"{h['new_zoom_ms']:.1f} ms, then {h['default_ms']:.1f} ms; {h['default_kb']:,.0f} KB",
            "",
            None,
        ),
    ]


def markdown(rows: list[Row], info: dict[str, Any]) -> str:
    m = machine()
    lines = [
        f"### {dt.date.today().isoformat()} · {m['cpu']}",
        "",
        f"{m['os']}, Python {m['python']}, PostgreSQL {info['pg']}, PostGIS {info['postgis']},"
        f" pgRouting {info['pgr']}, SciPy {info['scipy']}, Shapely {shapely.__version__}."
        f" Whole run {info['wall_s']:.0f} s; load average (1 min) {info['load_start']:.1f} at"
        f" the start, {os.getloadavg()[0]:.1f} at the end (other work on the machine moves the"
        " absolute times, much less the ratios, whose two sides alternate).",
        "",
    ]
    for label, desc in info["networks"]:
        lines.append(f"* **{label}**: {desc}")
    lines += ["", "| network | measure | figure | target | result |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.network} | {r.what} | {r.figure} | {r.target} | {verdict(r.ok)} |")
    return "\n".join(lines) + "\n"


def describe(ctx: Context, build_s: float) -> str:
    g = ctx.net.graph
    return (
        f"{g.n_street:,} street nodes, {len(g.u):,} street edges, "
        f"{len(ctx.net.building_ids):,} buildings, {len(ctx.points)} service points; walking "
        f"graph {g.n_nodes:,} nodes / {g.matrix.nnz:,} edges, built (cold cache) in "
        f"{build_s:.1f} s; 15 min at 4 km/h = {ctx.limit:.0f} m"
    )


def context(label: str, sub_id: int, user: Any) -> tuple[Context, float]:
    from gridapp.services.coverage import network
    from gridapp.services.coverage import report as sc

    network._cache.pop(sub_id, None)
    t0 = time.perf_counter()
    net = sc.network(sub_id)
    build_s = time.perf_counter() - t0
    params = sc.Params(minutes=15, speed_kmh=4.0)
    points = [s.point for s in sc.stations(net, sub_id, [], user)]
    return Context(label, sub_id, user, net, points, params.limit), build_s


def run_all(ctx: Context, args: argparse.Namespace, demo: bool) -> dict[str, Any]:
    r: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Any]]] = [
        (
            "recompute",
            lambda: measure_recompute(ctx, args.reps if demo else args.big_reps, 3 if demo else 1),
        ),
        (
            "pgrouting",
            lambda: measure_pgrouting(
                ctx, None if demo else args.pg_sample, None if demo else args.pg_points_sample
            ),
        ),
        ("circles", lambda: measure_circles(ctx, 3 if demo else 1, None if demo else 60)),
        ("what_if", lambda: measure_what_if(ctx, 40 if demo else 8)),
        ("suggest", lambda: measure_suggest(ctx, 5 if demo else 3)),
    ]
    if demo:
        steps.append(("milp", lambda: measure_milp(ctx, [10, 15], [3, 4, 5])))
    steps.append(("after_edit", lambda: measure_after_edit(ctx, 6 if demo else 2)))
    if demo:
        app: Any = current_app
        steps.append(
            ("http", lambda: measure_http(app, BENCH_COORDINATOR, BENCH_PASSWORD, ctx.sub_id))
        )
    for name, fn in steps:
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        r[name] = fn()
        say(f"  {ctx.label}: {name} measured in {time.perf_counter() - t0:.1f} s")
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (it is emptied!)")
    parser.add_argument("--grid", type=int, default=GRID, help="street nodes per side")
    parser.add_argument("--buildings", type=int, default=BUILDINGS)
    parser.add_argument("--stations", type=int, default=STATIONS)
    parser.add_argument("--reps", type=int, default=60, help="recompute rounds on the demo")
    parser.add_argument("--big-reps", type=int, default=12, help="… on the large network")
    parser.add_argument("--pg-sample", type=int, default=12, help="pgRouting sources timed")
    parser.add_argument(
        "--pg-points-sample", type=int, default=2, help="… with all buildings as points"
    )
    parser.add_argument("--skip-big", action="store_true", help="demo network only")
    parser.add_argument("--append", action="store_true", help="append to BENCHMARKS.md")
    parser.add_argument(
        "--only",
        action="append",
        choices=[*STEPS],
        help="measure only this step (repeatable; the table then holds only these rows)",
    )
    args = parser.parse_args()

    import scipy

    from gridapp import create_app
    from gridapp.extensions import db
    from gridapp.models import User, UserScope

    start = time.perf_counter()
    load_start = os.getloadavg()[0]
    t0 = time.perf_counter()
    reset_database(args.url)
    app = create_app(
        # no CSRF token for the login of the HTTP step (a bench-only app)
        {"DATABASE_URL": args.url, "SECRET_KEY": "bench", "TESTING": False,
         "WTF_CSRF_ENABLED": False}
    )  # fmt: skip
    with app.app_context():
        demo_id = load_demo()
        admin = User(username=BENCH_USER, display_name="基准测试", role="admin")
        coordinator = User(
            username=BENCH_COORDINATOR, display_name="基准测试协调员", role="coordinator",
            scopes=[UserScope(subdistrict_id=demo_id)],
        )  # fmt: skip
        for user in (admin, coordinator):
            user.set_password(BENCH_PASSWORD)
            db.session.add(user)
        db.session.commit()
    say(f"Demo subdistrict generated and loaded in {time.perf_counter() - t0:.1f} s")
    big_id = None
    if not args.skip_big:
        t0 = time.perf_counter()
        city = make_city(np.random.default_rng(20240601), args.grid, args.buildings, args.stations)
        big_id = load_city(args.url, city)
        say(
            f"Synthetic city ({len(city.xy):,} nodes, {len(city.u):,} edges, "
            f"{len(city.b_centre):,} buildings, {len(city.s_xy)} service points) generated and "
            f"loaded in {time.perf_counter() - t0:.1f} s"
        )

    rows: list[Row] = []
    networks = []
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == BENCH_USER)).one()
        info = {
            "pg": db.session.execute(text("SHOW server_version")).scalar_one(),
            "postgis": db.session.execute(text("SELECT postgis_lib_version()")).scalar_one(),
            "pgr": db.session.execute(text("SELECT pgr_version()")).scalar_one(),
            "scipy": scipy.__version__,
        }
        for label, sub_id in (("demo", demo_id), ("100k", big_id)):
            if sub_id is None:
                continue
            ctx, build_s = context(label, sub_id, user)
            networks.append((label, describe(ctx, build_s)))
            say(f"{label}: {networks[-1][1]}")
            results = run_all(ctx, args, label == "demo")
            rows += rows_for(label, results)
            db.session.rollback()
        db.engine.dispose()
    info["networks"] = networks
    info["wall_s"] = time.perf_counter() - start
    info["load_start"] = load_start

    print()
    width = max(len(r.what) for r in rows)
    for r in rows:
        print(f"{r.network:5} {r.what:<{width}}  {r.figure}  [{r.target}] {verdict(r.ok)}")
    section = markdown(rows, info)
    print()
    print(section)
    if args.append:
        with open(ROOT / "BENCHMARKS.md", "a", encoding="utf-8") as f:
            f.write("\n" + section)
        say("Appended to BENCHMARKS.md")
    failed = [r for r in rows if r.ok is False]
    say(f"{len(failed)} of {sum(r.ok is not None for r in rows)} targets missed")


if __name__ == "__main__":
    main()
