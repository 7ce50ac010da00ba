"""Partition proposals: group a community's blocks into cells of a target household range.

Blocks (街坊 / 小区, bounded by streets and compound walls) are never cut: a proposed cell is
a union of whole, contiguous blocks. The method is region growing on the block adjacency
graph, like the demo pipeline's ``regions.grow_regions``, extended from a single target to a
range ``[min, max]``: grow, merge the small regions, refine the boundaries
(``gridapp.core.proposal_regions``), from each corner of the community in turn, keeping the
best result. A proposal is then matched to the existing cells (which cell keeps its code,
where an old cell's organisations go) and fingerprinted.

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
from gridapp.core.proposal_regions import Regions

Key = Hashable
K = TypeVar("K", bound=Hashable)
MATCH_SHARE = 0.3  # an existing cell keeps its code for a proposed cell sharing this much area
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
        grower = Regions(geoms, weights, adj, order, float(min_households), float(max_households))
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
