"""The walking graph: street edges as a sparse matrix, with points snapped onto edges.

Each point (a building entrance, a service point) is projected onto its nearest edge; the
edge is split at the projection (not rounded to its nearest end node) and the point joins
the split node by a short connector as long as the point's distance from the street.
Distances then come from one ``scipy.sparse.csgraph.dijkstra`` call for all sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

EPS = 1e-6  # a zero-length step still has to be an edge (csgraph drops explicit zeros)


@dataclass(frozen=True)
class Snap:
    edge: int  # index of the street edge
    fraction: float  # where along the edge (0 = its u end, 1 = its v end)
    offset: float  # metres from the point to the street


@dataclass(frozen=True)
class ExtraSources:
    matrix: csr_matrix
    nodes: np.ndarray  # node index of each extra source point


class WalkGraph:
    """Street edges ``u``–``v`` (node numbers), costs in metres, geometries in metres."""

    def __init__(
        self,
        u: np.ndarray,
        v: np.ndarray,
        cost: np.ndarray,
        geoms: Sequence[LineString],
        points: Sequence[Point],
    ) -> None:
        self.u = np.asarray(u, dtype=np.int64)
        self.v = np.asarray(v, dtype=np.int64)
        self.cost = np.asarray(cost, dtype=float)
        self.geoms = np.asarray(geoms, dtype=object)
        self.n_street = int(max(self.u.max(initial=-1), self.v.max(initial=-1)) + 1)
        self._tree = shapely.STRtree(self.geoms)
        self.snaps = self.snap(points)
        n_points = len(self.snaps)
        # node layout: street nodes, then one split node per point, then the point nodes
        self.split_node = self.n_street + np.arange(n_points)
        self.point_node = self.n_street + n_points + np.arange(n_points)
        self.n_nodes = self.n_street + 2 * n_points
        # per edge: the split nodes along it, by fraction (for exact extra sources later)
        self._chain: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._segment_cache: (
            tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None
        ) = None
        rows, cols, weights = self._edges()
        self.matrix = _symmetric_min(rows, cols, weights, self.n_nodes)

    # --- snapping ------------------------------------------------------------------------

    def snap(self, points: Sequence[BaseGeometry]) -> list[Snap]:
        if len(points) == 0 or len(self.geoms) == 0:
            return []
        pts = np.asarray(points, dtype=object)
        (idx, edge), dist = self._tree.query_nearest(pts, return_distance=True, all_matches=False)
        order = np.argsort(idx)
        edge, dist = edge[order], dist[order]
        lines = self.geoms[edge]
        along = shapely.line_locate_point(lines, pts, normalized=True)
        return [
            Snap(int(e), float(np.clip(f, 0.0, 1.0)), float(d))
            for e, f, d in zip(edge, along, dist, strict=True)
        ]

    def _edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        by_edge: dict[int, list[tuple[float, int]]] = {}
        for i, s in enumerate(self.snaps):
            by_edge.setdefault(s.edge, []).append((s.fraction, int(self.split_node[i])))
        rows: list[int] = []
        cols: list[int] = []
        weights: list[float] = []
        plain = np.ones(len(self.u), dtype=bool)
        for e, items in by_edge.items():
            plain[e] = False
            items.sort()
            fractions = np.array([0.0] + [f for f, _ in items] + [1.0])
            nodes = np.array([self.u[e]] + [n for _, n in items] + [self.v[e]])
            self._chain[e] = (fractions, nodes)
            steps = np.maximum(np.diff(fractions) * self.cost[e], EPS)
            rows.extend(nodes[:-1])
            cols.extend(nodes[1:])
            weights.extend(steps)
        rows.extend(self.u[plain])
        cols.extend(self.v[plain])
        weights.extend(np.maximum(self.cost[plain], EPS))
        # connectors from each point to its split node
        rows.extend(self.point_node)
        cols.extend(self.split_node)
        weights.extend(max(s.offset, EPS) for s in self.snaps)
        return np.asarray(rows), np.asarray(cols), np.asarray(weights, dtype=float)

    # --- sources that are not part of the graph (what-if stations) -------------------------

    def with_points(self, points: Sequence[BaseGeometry]) -> ExtraSources:
        """The graph plus new point nodes joined exactly to the split edge they lie on."""
        snaps = self.snap(points)
        nodes = self.n_nodes + np.arange(len(snaps))
        rows, cols, weights = [], [], []
        for node, s in zip(nodes, snaps, strict=True):
            fractions, chain = self._chain.get(
                s.edge, (np.array([0.0, 1.0]), np.array([self.u[s.edge], self.v[s.edge]]))
            )
            k = int(
                np.clip(np.searchsorted(fractions, s.fraction, side="right") - 1, 0, len(chain) - 2)
            )
            for end, f in ((chain[k], fractions[k]), (chain[k + 1], fractions[k + 1])):
                rows.append(int(node))
                cols.append(int(end))
                weights.append(max(s.offset + abs(s.fraction - f) * self.cost[s.edge], EPS))
        n = self.n_nodes + len(snaps)
        extra = coo_matrix(
            (np.asarray(weights, dtype=float), (np.asarray(rows), np.asarray(cols))),
            shape=(n, n),
        )
        base = self.matrix.copy()
        base.resize((n, n))
        matrix = (base + extra.tocsr()).tocsr()  # new nodes only: no parallel edges to add up
        return ExtraSources(matrix, nodes)

    # --- distances -----------------------------------------------------------------------

    def distances(
        self, sources: np.ndarray, limit: float = np.inf, matrix: csr_matrix | None = None
    ) -> np.ndarray:
        """Network distance from the nearest source to every node (inf where unreached)."""
        m = self.matrix if matrix is None else matrix
        if len(sources) == 0:
            return np.full(m.shape[0], np.inf)
        return np.asarray(
            dijkstra(m, directed=False, indices=np.asarray(sources), min_only=True, limit=limit)
        )

    def reached_lines(self, dist: np.ndarray, limit: float) -> list[LineString]:
        """The parts of street edges within ``limit`` of the sources, as line pieces."""
        e, f0, f1, n0, n1 = self._segments
        cost = self.cost[e]
        length = (f1 - f0) * cost
        r0 = np.clip(limit - dist[n0], 0.0, None)
        r1 = np.clip(limit - dist[n1], 0.0, None)
        r0[~np.isfinite(dist[n0])] = 0.0
        r1[~np.isfinite(dist[n1])] = 0.0
        whole = (r0 + r1 >= length) & ((r0 > 0) | (r1 > 0))
        safe = np.where(cost > 0, cost, 1.0)
        # intervals along each edge (as fractions) that are reached
        starts = np.concatenate(
            [f0[whole], f0[~whole & (r0 > 0)], (f1 - r1 / safe)[~whole & (r1 > 0)]]
        )
        ends = np.concatenate(
            [f1[whole], (f0 + r0 / safe)[~whole & (r0 > 0)], f1[~whole & (r1 > 0)]]
        )
        edges = np.concatenate([e[whole], e[~whole & (r0 > 0)], e[~whole & (r1 > 0)]])
        pieces: list[LineString] = []
        order = np.lexsort((starts, edges))
        current = -1
        a = b = 0.0
        for i in order:
            if edges[i] != current or starts[i] > b + 1e-12:
                if current >= 0:
                    pieces.append(self._piece(current, a, b))
                current, a, b = int(edges[i]), float(starts[i]), float(ends[i])
            else:
                b = max(b, float(ends[i]))
        if current >= 0:
            pieces.append(self._piece(current, a, b))
        return [p for p in pieces if not p.is_empty]

    def _piece(self, edge: int, a: float, b: float) -> LineString:
        if a <= 1e-9 and b >= 1 - 1e-9:
            return self.geoms[edge]
        piece = substring(self.geoms[edge], max(a, 0.0), min(b, 1.0), normalized=True)
        return piece if isinstance(piece, LineString) else LineString()

    @property
    def _segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every sub-edge between consecutive nodes along an edge: (edge, f0, f1, n0, n1)."""
        if self._segment_cache is None:
            e, f0, f1, n0, n1 = [], [], [], [], []
            for edge in range(len(self.u)):
                fractions, nodes = self._chain.get(
                    edge, (np.array([0.0, 1.0]), np.array([self.u[edge], self.v[edge]]))
                )
                k = len(fractions) - 1
                e.append(np.full(k, edge))
                f0.append(fractions[:-1])
                f1.append(fractions[1:])
                n0.append(nodes[:-1])
                n1.append(nodes[1:])
            self._segment_cache = (
                np.concatenate(e), np.concatenate(f0), np.concatenate(f1),
                np.concatenate(n0).astype(np.int64), np.concatenate(n1).astype(np.int64),
            )  # fmt: skip
        return self._segment_cache


def _symmetric_min(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, n: int) -> csr_matrix:
    """An upper-triangular sparse matrix keeping the shortest of parallel edges
    (``csr_matrix`` would add them up)."""
    a = np.minimum(rows, cols)
    b = np.maximum(rows, cols)
    keep = a != b
    a, b, w = a[keep], b[keep], weights[keep]
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return coo_matrix((w[first], (a[first], b[first])), shape=(n, n)).tocsr()
