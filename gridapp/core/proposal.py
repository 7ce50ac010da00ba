"""Partition proposals: group a community's blocks into cells of a target household range.

Blocks (街坊 / 小区, bounded by streets and compound walls) are never cut: a proposed cell is
a union of whole, contiguous blocks. The method is region growing on the block adjacency
graph, like the demo pipeline's ``regions.grow_regions``, extended from a single target to a
range ``[min, max]``:

1. grow: from the first free block in reading order, add the neighbouring block that brings
   the region closest to the range (then the one that keeps it most compact) until it holds
   at least ``min`` households or no neighbour brings it closer;
2. merge: a region below ``min`` joins the neighbour with which the total distance to the
   range drops the most (empty regions, e.g. parks and water, always join one);
3. refine: move single boundary blocks between neighbouring regions while that lowers the
   distance to the range, or keeps it and raises compactness (Polsby-Popper); regions stay
   contiguous.

Everything is deterministic (fixed orders, explicit tie-breaks, no randomness), so the same
blocks and range give the same cells: the server can recompute a draft when it is accepted.
Geometry is metric (see ``gridapp.core.projection``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import shapely
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from gridapp.core.codes import reading_order
from gridapp.core.geodemo.regions import adjacency
from gridapp.core.partition import as_multi, longest_neighbour, polygonal

Key = Hashable
K = TypeVar("K", bound=Hashable)
MATCH_SHARE = 0.3  # an existing cell keeps its code for a proposed cell sharing this much area
HOUSEHOLD_WEIGHT = 100.0  # one household outside the range outweighs any compactness gain
MAX_PASSES = 50
# Reading order as seen from each corner (x, y signs): NW first, then NE, SW, SE.
START_CORNERS = ((1, 1), (-1, 1), (1, -1), (-1, -1))


@dataclass(frozen=True)
class BlockUnit:
    key: Key
    geom: BaseGeometry
    households: int


@dataclass
class ProposedCell:
    geom: MultiPolygon
    blocks: list[Key]
    households: int  # sum of its blocks' households

    @property
    def polsby_popper(self) -> float:
        return polsby_popper(self.geom)


@dataclass
class Proposal:
    cells: list[ProposedCell]  # in reading order
    min_households: int
    max_households: int
    stats: dict[str, float | int] = field(default_factory=dict)


def polsby_popper(geom: BaseGeometry) -> float:
    """Compactness 4πA/P²: 1 for a disc, about 0.785 for a square, near 0 for a strip."""
    perimeter = float(geom.length)
    return 0.0 if perimeter <= 0 else 4 * math.pi * float(geom.area) / perimeter**2


def distance_to_range(households: float, lo: float, hi: float) -> float:
    return max(0.0, lo - households) + max(0.0, households - hi)


def balance(
    households: Sequence[int], lo: int, hi: int, geoms: Sequence[BaseGeometry] = ()
) -> dict[str, float | int]:
    """Balance (households per cell) and compactness of a partition."""
    hh = np.asarray(households, dtype=float)
    pp = [polsby_popper(g) for g in geoms]
    return {
        "cells": len(hh),
        "households_total": int(hh.sum()) if len(hh) else 0,
        "households_min": int(hh.min()) if len(hh) else 0,
        "households_median": float(np.median(hh)) if len(hh) else 0.0,
        "households_max": int(hh.max()) if len(hh) else 0,
        "below_min": int((hh < lo).sum()),
        "above_max": int((hh > hi).sum()),
        "outside_range": int(((hh < lo) | (hh > hi)).sum()),
        "mean_polsby_popper": round(float(np.mean(pp)), 3) if pp else 0.0,
        "min_polsby_popper": round(float(np.min(pp)), 3) if pp else 0.0,
    }


def propose_cells(
    community: BaseGeometry, blocks: Sequence[BlockUnit], min_households: int, max_households: int
) -> Proposal:
    """Cells of whole blocks whose union is the community, in reading order."""
    if min_households < 0 or max_households < min_households:
        raise ValueError("need 0 <= min_households <= max_households")
    units = [
        (b, g)
        for b in blocks
        if not (g := polygonal(shapely.intersection(b.geom, community))).is_empty
    ]
    if not units:
        return Proposal([], min_households, max_households, balance([], 0, 0))
    geoms = [g for _, g in units]
    weights = np.asarray([b.households for b, _ in units], dtype=float)
    adj = adjacency(geoms) if len(geoms) > 1 else csr_matrix((1, 1))
    points = [g.representative_point() for g in geoms]
    best: tuple[tuple[float, float, float], np.ndarray] | None = None
    for sx, sy in START_CORNERS:  # grow from each corner in turn, keep the best result
        order = reading_order([shapely.Point(sx * p.x, sy * p.y) for p in points])
        grower = _Regions(geoms, weights, adj, order, float(min_households), float(max_households))
        grower.grow()
        grower.merge_small()
        grower.refine()
        labels = grower.labels()
        score = grower.score()
        if best is None or score < best[0]:
            best = (score, labels)
    assert best is not None
    labels = best[1]

    k = int(labels.max()) + 1
    members = [[i for i in range(len(units)) if labels[i] == r] for r in range(k)]
    region_geoms = [as_multi(shapely.union_all([geoms[i] for i in m])) for m in members]
    region_geoms = _fill_leftovers(community, region_geoms)
    order = reading_order([g.representative_point() for g in region_geoms])
    cells = [
        ProposedCell(
            geom=region_geoms[r],
            blocks=[units[i][0].key for i in members[r]],
            households=int(weights[members[r]].sum()),
        )
        for r in order
    ]
    stats = balance(
        [c.households for c in cells],
        min_households,
        max_households,
        [c.geom for c in cells],
    )
    stats["blocks"] = len(units)
    stats["oversized_blocks"] = int((weights > max_households).sum())
    return Proposal(cells, min_households, max_households, stats)


def _fill_leftovers(community: BaseGeometry, regions: list[MultiPolygon]) -> list[MultiPolygon]:
    """Give the community's area outside every block to the region sharing most boundary
    with each piece (or the nearest one), so the cells' union is the community."""
    rest = polygonal(shapely.difference(community, shapely.union_all(regions)))
    if rest.is_empty:
        return regions
    out = list(regions)
    by_index = dict(enumerate(regions))
    for piece in rest.geoms:
        taker = longest_neighbour(piece, by_index)
        if taker is None:
            taker = min(range(len(regions)), key=lambda r: (regions[r].distance(piece), r))
        out[int(str(taker))] = as_multi(shapely.union(out[int(str(taker))], piece))
    return out


class _Regions:
    """Region labels over the block graph, with each region's households, area, perimeter."""

    def __init__(
        self,
        geoms: Sequence[BaseGeometry],
        weights: np.ndarray,
        adj: csr_matrix,
        order: Sequence[int],
        lo: float,
        hi: float,
    ) -> None:
        self.n = len(geoms)
        self.w = weights
        self.adj = adj.tocsr()
        self.area = np.asarray([g.area for g in geoms], dtype=float)
        self.perimeter = np.asarray([g.length for g in geoms], dtype=float)
        self.order = list(order)
        self.lo = lo
        self.hi = hi
        self.label = np.full(self.n, -1, dtype=int)
        self.neighbours = [
            self.adj.indices[self.adj.indptr[i] : self.adj.indptr[i + 1]] for i in range(self.n)
        ]
        self.shared = [
            self.adj.data[self.adj.indptr[i] : self.adj.indptr[i + 1]] for i in range(self.n)
        ]

    # -- measures ------------------------------------------------------------------------
    def _dist(self, households: float) -> float:
        return distance_to_range(households, self.lo, self.hi)

    @staticmethod
    def _pp(area: float, perimeter: float) -> float:
        return 0.0 if perimeter <= 0 else 4 * math.pi * area / perimeter**2

    def _shared_with(self, i: int, region: int) -> float:
        nb = self.neighbours[i]
        return float(self.shared[i][self.label[nb] == region].sum())

    def _region(self, r: int) -> tuple[float, float, float]:
        """households, area and perimeter of region ``r`` (perimeter from shared lengths)."""
        m = np.flatnonzero(self.label == r)
        internal = sum(self._shared_with(int(i), r) for i in m)  # each shared edge twice
        return (
            float(self.w[m].sum()),
            float(self.area[m].sum()),
            float(self.perimeter[m].sum() - internal),
        )

    def _cost(self, hh: float, area: float, perimeter: float) -> float:
        return HOUSEHOLD_WEIGHT * self._dist(hh) + (1.0 - self._pp(area, perimeter))

    # -- 1. grow ------------------------------------------------------------------------
    def grow(self) -> None:
        region = 0
        for seed in self.order:
            if self.label[seed] >= 0:
                continue
            self.label[seed] = region
            hh, area, perim = float(self.w[seed]), self.area[seed], self.perimeter[seed]
            while hh < self.lo:
                frontier = sorted(
                    {
                        int(j)
                        for i in np.flatnonzero(self.label == region)
                        for j in self.neighbours[i]
                        if self.label[j] < 0
                    }
                )
                best: tuple[float, float, int] | None = None
                for j in frontier:
                    s = self._shared_with(j, region)
                    score = (
                        self._dist(hh + self.w[j]),
                        -self._pp(area + self.area[j], perim + self.perimeter[j] - 2 * s),
                        j,
                    )
                    if best is None or score < best:
                        best = score
                if best is None or (best[0] >= self._dist(hh) and self.w[best[2]] > 0):
                    break
                j = best[2]
                s = self._shared_with(j, region)
                self.label[j] = region
                hh += float(self.w[j])
                area += self.area[j]
                perim += self.perimeter[j] - 2 * s
            region += 1

    # -- 2. merge -----------------------------------------------------------------------
    def merge_small(self) -> None:
        while True:
            k = int(self.label.max()) + 1
            hh = np.asarray([self.w[self.label == r].sum() for r in range(k)])
            merged = False
            for r in sorted(range(k), key=lambda r: (hh[r], r)):
                if hh[r] >= self.lo:
                    continue
                best: tuple[float, float, int] | None = None
                for other, shared in sorted(self._adjacent_regions(r).items()):
                    gain = self._dist(hh[r] + hh[other]) - self._dist(hh[r]) - self._dist(hh[other])
                    score = (gain, -shared, other)
                    if best is None or score < best:
                        best = score
                if best is not None and best[0] < 0:
                    self.label[self.label == r] = best[2]
                    self._renumber()
                    merged = True
                    break
            if not merged:
                return

    def _adjacent_regions(self, r: int) -> dict[int, float]:
        out: dict[int, float] = {}
        for i in np.flatnonzero(self.label == r):
            for j, s in zip(self.neighbours[i], self.shared[i], strict=True):
                other = int(self.label[j])
                if other != r:
                    out[other] = out.get(other, 0.0) + float(s)
        return out

    def _renumber(self) -> None:
        _, self.label = np.unique(self.label, return_inverse=True)

    # -- 3. refine ----------------------------------------------------------------------
    def refine(self) -> None:
        k = int(self.label.max()) + 1
        stats = {r: self._region(r) for r in range(k)}
        for _ in range(MAX_PASSES):
            moved = False
            for i in self.order:
                src = int(self.label[i])
                targets = sorted({int(self.label[j]) for j in self.neighbours[i]} - {src})
                if not targets or not self._can_leave(i, src):
                    continue
                s_hh, s_a, s_p = stats[src]
                to_src = self._shared_with(i, src)
                new_src = (
                    s_hh - self.w[i],
                    s_a - self.area[i],
                    s_p - self.perimeter[i] + 2 * to_src,
                )
                before_src = self._cost(*stats[src])
                best: tuple[float, int, tuple[float, float, float]] | None = None
                for dst in targets:
                    d_hh, d_a, d_p = stats[dst]
                    to_dst = self._shared_with(i, dst)
                    new_dst = (
                        d_hh + self.w[i],
                        d_a + self.area[i],
                        d_p + self.perimeter[i] - 2 * to_dst,
                    )
                    delta = (
                        self._cost(*new_src)
                        + self._cost(*new_dst)
                        - before_src
                        - self._cost(*stats[dst])
                    )
                    if delta < -1e-9 and (best is None or (delta, dst) < best[:2]):
                        best = (delta, dst, new_dst)
                if best is not None:
                    _, dst, new_dst = best
                    self.label[i] = dst
                    stats[src] = new_src
                    stats[dst] = new_dst
                    moved = True
            if not moved:
                return

    def _can_leave(self, i: int, src: int) -> bool:
        """Block ``i`` may leave region ``src`` if the rest stays non-empty and connected."""
        rest = [int(j) for j in np.flatnonzero(self.label == src) if j != i]
        if not rest:
            return False
        seen = {rest[0]}
        stack = [rest[0]]
        members = set(rest)
        while stack:
            a = stack.pop()
            for b in self.neighbours[a]:
                b = int(b)
                if b in members and b not in seen:
                    seen.add(b)
                    stack.append(b)
        return len(seen) == len(members)

    def score(self) -> tuple[float, float, float]:
        """(cells outside the range, households outside it, -mean compactness): lower is better."""
        k = int(self.label.max()) + 1
        regions = [self._region(r) for r in range(k)]
        dist = [self._dist(hh) for hh, _, _ in regions]
        pp = [self._pp(a, p) for _, a, p in regions]
        return (float(sum(d > 0 for d in dist)), float(sum(dist)), -float(np.mean(pp)))

    def labels(self) -> np.ndarray:
        self._renumber()
        return self.label


def match_cells(
    proposed: Sequence[BaseGeometry],
    existing: Mapping[K, BaseGeometry],
    share: float = MATCH_SHARE,
) -> dict[int, K]:
    """Proposed cell index → the existing cell that keeps its code there: a one-to-one
    assignment maximising shared area, keeping pairs that share at least ``share`` of the
    smaller of the two cells."""
    keys = sorted(existing, key=str)
    if not proposed or not keys:
        return {}
    overlap = np.zeros((len(proposed), len(keys)))
    for i, p in enumerate(proposed):
        for j, k in enumerate(keys):
            if p.intersects(existing[k]):
                overlap[i, j] = shapely.intersection(p, existing[k]).area
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    out: dict[int, K] = {}
    for i, j in zip(rows, cols, strict=True):
        smaller = min(proposed[i].area, existing[keys[j]].area)
        if overlap[i, j] > 0 and overlap[i, j] >= share * smaller:
            out[int(i)] = keys[j]
    return out


def heirs(proposed: Sequence[BaseGeometry], existing: Mapping[K, BaseGeometry]) -> dict[K, int]:
    """Existing cell → the proposed cell holding most of its area (where its party group,
    team and grid worker go when it is replaced)."""
    out: dict[K, int] = {}
    for k in sorted(existing, key=str):
        areas = [shapely.intersection(existing[k], p).area for p in proposed]
        if areas:
            out[k] = int(np.argmax(areas))
    return out


def fingerprint(cells: Sequence[BaseGeometry], matches: Mapping[int, Key]) -> str:
    """A short hash of a proposal as the manager saw it (geometry rounded to 1 cm)."""
    h = hashlib.sha256()
    for i, g in enumerate(cells):
        h.update(shapely.to_wkb(shapely.set_precision(g, 0.01), output_dimension=2))
        h.update(f"|{matches.get(i)}|".encode())
    return h.hexdigest()[:16]
