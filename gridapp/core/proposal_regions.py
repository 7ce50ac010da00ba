"""Region growing on a block adjacency graph towards a household range ``[lo, hi]``.

The three steps of a partition proposal (see ``gridapp.core.proposal``):

1. grow: from the first free block in reading order, add the neighbouring block that brings
   the region closest to the range (then the one that keeps it most compact) until it holds
   at least ``lo`` households or no neighbour brings it closer;
2. merge: a region below ``lo`` joins the neighbour with which the total distance to the
   range drops the most (empty regions, e.g. parks and water, always join one);
3. refine: move single boundary blocks between neighbouring regions while that lowers the
   distance to the range, or keeps it and raises compactness (Polsby-Popper); regions stay
   contiguous.

Deterministic: fixed orders and explicit tie-breaks, no randomness.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from shapely.geometry.base import BaseGeometry

HOUSEHOLD_WEIGHT = 100.0  # one household outside the range outweighs any compactness gain
MAX_PASSES = 50


def distance_to_range(households: float, lo: float, hi: float) -> float:
    return max(0.0, lo - households) + max(0.0, households - hi)


class Regions:
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
