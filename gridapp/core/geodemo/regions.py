"""Region growing on a polygon adjacency graph: group whole blocks into communities or cells.

Units (blocks) are never cut. Each region grows from the first unassigned unit in reading
order, taking the neighbour that shares the longest boundary with it, until it reaches the
target weight (households). Regions left below ``min_share`` of the target are merged into
their lightest neighbour.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from gridapp.core.codes import reading_order

MIN_SHARED_EDGE_M = 0.5


def adjacency(polygons: Sequence[BaseGeometry]) -> csr_matrix:
    """Symmetric sparse matrix of shared boundary length (metres) between polygons."""
    geoms = np.asarray(polygons, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[left]), geoms[right]))
    ok = shared >= MIN_SHARED_EDGE_M
    left, right, shared = left[ok], right[ok], shared[ok]
    n = len(geoms)
    m = coo_matrix(
        (
            np.concatenate([shared, shared]),
            (np.concatenate([left, right]), np.concatenate([right, left])),
        ),
        shape=(n, n),
    )
    return m.tocsr()


def grow_regions(
    polygons: Sequence[BaseGeometry],
    weights: Sequence[float],
    target: float,
    *,
    min_share: float = 0.5,
    adj: csr_matrix | None = None,
) -> list[int]:
    """Label each polygon with a region number 0..k-1 (regions are contiguous)."""
    n = len(polygons)
    if n == 0:
        return []
    adj = adjacency(polygons) if adj is None else adj
    w = np.asarray(weights, dtype=float)
    order = reading_order([p.representative_point() for p in polygons])
    label = np.full(n, -1, dtype=int)
    region_weight: list[float] = []
    for seed in order:
        if label[seed] >= 0:
            continue
        region = len(region_weight)
        label[seed] = region
        total = w[seed]
        # shared boundary length between the growing region and each unit
        border = np.asarray(adj[seed].todense()).ravel().copy()
        while total < target:
            border[label >= 0] = 0.0
            best = int(np.argmax(border))
            if border[best] <= 0.0:
                break
            label[best] = region
            total += w[best]
            border += np.asarray(adj[best].todense()).ravel()
        region_weight.append(total)
    return _merge_small(label, np.asarray(region_weight), adj, target * min_share)


def _merge_small(label: np.ndarray, weight: np.ndarray, adj: csr_matrix, floor: float) -> list[int]:
    """Merge regions lighter than ``floor`` into their lightest adjacent region."""
    while True:
        k = len(weight)
        member = csr_matrix(
            (np.ones(len(label)), (np.arange(len(label)), label)), shape=(len(label), k)
        )
        region_adj = (member.T @ adj @ member).tolil()
        region_adj.setdiag(0)
        region_adj = region_adj.tocsr()
        small = [r for r in np.argsort(weight, kind="stable") if weight[r] < floor]
        merged = False
        for r in small:
            row = region_adj[r]
            if row.nnz == 0:
                continue
            neighbours = row.indices
            into = int(neighbours[np.lexsort((neighbours, weight[neighbours]))[0]])
            label[label == r] = into
            weight[into] += weight[r]
            merged = True
            break
        if not merged:
            break
        # renumber regions 0..k-2
        keep = np.unique(label)
        remap = {int(old): new for new, old in enumerate(keep)}
        label = np.array([remap[int(x)] for x in label])
        weight = np.array([weight[old] for old in keep])
    return [int(x) for x in label]


def components(adj: csr_matrix) -> np.ndarray:
    """Connected-component label of every polygon."""
    _, labels = connected_components(adj, directed=False)
    return labels
