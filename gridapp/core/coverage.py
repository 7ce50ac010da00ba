"""Service coverage on the walking graph: who is within reach of a service point, the
service circle of a point, and where new stations would reach the most uncovered people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from gridapp.core.errors import BadRequest
from gridapp.core.walk import WalkGraph

MIN_MINUTES, MAX_MINUTES = 1, 60
MIN_SPEED, MAX_SPEED = 1.0, 8.0  # km/h: a slow elderly pace … a brisk walk
MAX_SNAP_M = 500.0  # a point farther than this from every street is off the network


def walk_limit(minutes: float, speed_kmh: float) -> float:
    """Metres walked in ``minutes`` at ``speed_kmh``, or a 400 error in Chinese."""
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise BadRequest(f"步行时间应在 {MIN_MINUTES}–{MAX_MINUTES} 分钟之间")
    if not MIN_SPEED <= speed_kmh <= MAX_SPEED:
        raise BadRequest(f"步行速度应在 {MIN_SPEED}–{MAX_SPEED} 公里/小时之间")
    return minutes * speed_kmh * 1000.0 / 60.0


@dataclass
class PointCoverage:
    distance: np.ndarray  # metres to the nearest source for every fixed point (inf = none)
    covered: np.ndarray  # bool


def point_coverage(graph: WalkGraph, dist: np.ndarray, limit: float) -> PointCoverage:
    d = dist[graph.point_node]
    return PointCoverage(distance=d, covered=d <= limit)


def service_circle(
    graph: WalkGraph, dist: np.ndarray, limit: float, off_network_m: float = 50.0
) -> BaseGeometry:
    """The area reached within ``limit``: reached street pieces buffered by the distance one
    may walk off the street, with small enclosed holes (courtyards) filled."""
    pieces = graph.reached_lines(dist, limit)
    if not pieces:
        return Polygon()
    # buffering each piece and then uniting is ~20× faster than buffering the united lines
    area = shapely.union_all(
        shapely.buffer(np.asarray(pieces, dtype=object), off_network_m, quad_segs=4)
    )
    return _fill_holes(area, max_hole_m2=(4 * off_network_m) ** 2)


def _fill_holes(geom: BaseGeometry, max_hole_m2: float) -> BaseGeometry:
    polys = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon):
            keep = [r for r in part.interiors if Polygon(r).area > max_hole_m2]
            polys.append(Polygon(part.exterior, keep))
    return shapely.union_all(polys) if polys else Polygon()


@dataclass
class Suggestion:
    node: int  # candidate graph node
    gain: float  # weight newly covered by this site, given the sites before it
    covered_after: float  # total weight covered after adding it


def coverage_sets(
    matrix: csr_matrix,
    candidates: np.ndarray,
    targets: np.ndarray,
    limit: float,
    batch: int = 64,
    xy: np.ndarray | None = None,
) -> csr_matrix:
    """Sparse boolean matrix: candidate i reaches target j within ``limit``.

    With node coordinates ``xy`` (metres), candidates are taken tile by tile, each tile's
    Dijkstra runs on the subgraph of the nodes within ``limit`` of the tile as the crow
    flies. That is exact (no walk is shorter than the straight line; a small margin covers
    rounding of lengths) and each run then costs its neighbourhood, not the whole graph:
    scipy fills a dense row of every node for every candidate."""
    from scipy.sparse import csr_matrix as csr
    from scipy.sparse import vstack

    candidates = np.asarray(candidates, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    if xy is None:
        blocks = []
        for start in range(0, len(candidates), batch):
            chunk = candidates[start : start + batch]
            d = dijkstra(matrix, directed=False, indices=chunk, limit=limit)
            blocks.append(csr(d[:, targets] <= limit))
        if not blocks:
            return csr((0, len(targets)), dtype=bool)
        return vstack(blocks).tocsr()

    column = np.full(matrix.shape[0], -1, dtype=np.int64)
    column[targets] = np.arange(len(targets))
    radius = limit * 1.01 + 1.0
    tile = max(2.0 * limit, 1.0)
    cxy = xy[candidates]
    _, group = np.unique(np.floor(cxy / tile).astype(np.int64), axis=0, return_inverse=True)
    group = group.ravel()
    by_x = np.argsort(xy[:, 0], kind="stable")
    xs = xy[by_x, 0]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for members in np.split(np.argsort(group, kind="stable"), np.cumsum(np.bincount(group))[:-1]):
        if len(members) == 0:
            continue
        lo = cxy[members].min(axis=0) - radius
        hi = cxy[members].max(axis=0) + radius
        a, b = int(np.searchsorted(xs, lo[0], "left")), int(np.searchsorted(xs, hi[0], "right"))
        near = by_x[a:b]
        ys = xy[near, 1]
        nodes = np.sort(near[(ys >= lo[1]) & (ys <= hi[1])])
        sub = matrix[nodes][:, nodes]
        local_cols = column[nodes]
        is_target = local_cols >= 0
        local = np.searchsorted(nodes, candidates[members])
        for start in range(0, len(members), batch):
            d = dijkstra(sub, directed=False, indices=local[start : start + batch], limit=limit)
            r, c = np.nonzero(d[:, is_target] <= limit)
            rows.append(members[start : start + batch][r])
            cols.append(local_cols[is_target][c])
    r_all = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c_all = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return csr(
        (np.ones(len(r_all), dtype=bool), (r_all, c_all)), shape=(len(candidates), len(targets))
    )


def suggest_sites(reach: csr_matrix, weights: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Pick ``k`` candidates (rows of ``reach``) covering the most target weight: greedy
    maximum coverage, then 1-swap improvement until no swap helps. Returns (row, gain)."""
    n = reach.shape[0]
    if n == 0 or k <= 0:
        return []
    w = np.asarray(weights, dtype=float)
    reach = reach.tocsr().astype(bool)
    chosen: list[int] = []
    covered = np.zeros(reach.shape[1], dtype=bool)
    for _ in range(min(k, n)):
        gains = reach @ (w * ~covered)
        gains[chosen] = -1
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.append(best)
        covered |= reach[best].toarray().ravel()

    def total(rows: list[int]) -> float:
        if not rows:
            return 0.0
        mask = np.asarray(reach[rows].sum(axis=0)).ravel() > 0
        return float(w[mask].sum())

    improved = True
    current = total(chosen)
    while improved:
        improved = False
        for i in range(len(chosen)):
            others = chosen[:i] + chosen[i + 1 :]
            base = (
                np.asarray(reach[others].sum(axis=0)).ravel() > 0
                if others
                else np.zeros(reach.shape[1], dtype=bool)
            )
            gains = reach @ (w * ~base)
            gains[others] = -1
            best = int(np.argmax(gains))
            value = float((w * base).sum() + gains[best])
            if value > current + 1e-9 and best != chosen[i]:
                chosen[i] = best
                current = value
                improved = True
    # report in greedy order of marginal gain
    out: list[tuple[int, float]] = []
    acc = np.zeros(reach.shape[1], dtype=bool)
    remaining = list(chosen)
    while remaining:
        gains = [float((w * (reach[r].toarray().ravel() & ~acc)).sum()) for r in remaining]
        j = int(np.argmax(gains))
        out.append((remaining[j], gains[j]))
        acc |= reach[remaining[j]].toarray().ravel()
        remaining.pop(j)
    return out


def optimum_coverage(reach: csr_matrix, weights: Sequence[float], k: int) -> float:
    """The best coverage of ``k`` sites by a MILP (HiGHS, scipy.optimize.milp) — the yardstick
    for the greedy heuristic on small instances."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    n, m = reach.shape
    w = np.asarray(weights, dtype=float)
    # variables: x (n sites) then y (m targets); maximise w·y
    c = np.concatenate([np.zeros(n), -w])
    from scipy.sparse import csr_matrix as csr
    from scipy.sparse import hstack, identity

    # y_j <= sum_i reach_ij x_i  →  y_j - sum_i reach_ij x_i <= 0
    a_cover = hstack([-reach.T.astype(float), identity(m)])
    a_count = csr(np.concatenate([np.ones(n), np.zeros(m)]))
    constraints = [
        LinearConstraint(a_cover, -np.inf, 0),
        LinearConstraint(a_count, -np.inf, k),
    ]
    result = milp(
        c, constraints=constraints, integrality=np.concatenate([np.ones(n), np.zeros(m)]),
        bounds=Bounds(0, 1),
    )  # fmt: skip
    return float(-result.fun) if result.success else float("nan")
