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
        self._points = np.asarray(points, dtype=object)
        self._xy: np.ndarray | None = None
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
        """Every sub-edge between consecutive nodes along a street edge, and the connectors.

        Also keeps, per split edge, its split nodes sorted by fraction (``_split_*``, for
        exact extra sources) and every sub-edge as (edge, f0, f1, n0, n1) (``_segments``)."""
        edge = np.array([s.edge for s in self.snaps], dtype=np.int64)
        frac = np.array([s.fraction for s in self.snaps], dtype=float)
        offset = np.array([s.offset for s in self.snaps], dtype=float)
        order = np.lexsort((self.split_node, frac, edge))
        se, sf, sn = edge[order], frac[order], self.split_node[order]
        first = np.ones(len(se), dtype=bool)
        first[1:] = se[1:] != se[:-1]
        last = np.ones(len(se), dtype=bool)
        last[:-1] = se[1:] != se[:-1]
        prev_node = np.where(first, self.u[se], np.roll(sn, 1))
        prev_frac = np.where(first, 0.0, np.roll(sf, 1))
        self._split_edges = se[first]  # sorted, unique
        self._split_start = np.flatnonzero(first)
        self._split_frac, self._split_nodes = sf, sn
        plain = np.ones(len(self.u), dtype=bool)
        plain[se] = False
        e = np.concatenate([se, se[last], np.flatnonzero(plain)])
        f0 = np.concatenate([prev_frac, sf[last], np.zeros(int(plain.sum()))])
        f1 = np.concatenate([sf, np.ones(int(last.sum()) + int(plain.sum()))])
        n0 = np.concatenate([prev_node, sn[last], self.u[plain]]).astype(np.int64)
        n1 = np.concatenate([sn, self.v[se[last]], self.v[plain]]).astype(np.int64)
        self._segments = (e, f0, f1, n0, n1)
        steps = np.maximum((f1 - f0) * self.cost[e], EPS)
        # connectors from each point to its split node
        rows = np.concatenate([n0, self.point_node])
        cols = np.concatenate([n1, self.split_node])
        weights = np.concatenate([steps, np.maximum(offset, EPS)])
        return rows, cols, weights

    def _chain(self, edge: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Fractions and nodes along each of ``edge`` (its ends and split nodes, in order)."""
        k = np.searchsorted(self._split_edges, edge)
        fractions, nodes = [], []
        for e, i in zip(edge.tolist(), k.tolist(), strict=True):
            if i < len(self._split_edges) and self._split_edges[i] == e:
                a = self._split_start[i]
                b = (
                    self._split_start[i + 1]
                    if i + 1 < len(self._split_start)
                    else len(self._split_frac)
                )
                fractions.append(np.concatenate([[0.0], self._split_frac[a:b], [1.0]]))
                nodes.append(np.concatenate([[self.u[e]], self._split_nodes[a:b], [self.v[e]]]))
            else:
                fractions.append(np.array([0.0, 1.0]))
                nodes.append(np.array([self.u[e], self.v[e]]))
        return fractions, nodes

    @property
    def node_xy(self) -> np.ndarray:
        """Coordinates (metres) of every node: street ends, split points, the points."""
        if self._xy is None:
            xy = np.full((self.n_nodes, 2), np.nan)
            if len(self.geoms):
                coords, line = shapely.get_coordinates(self.geoms, return_index=True)
                ends = np.flatnonzero(np.diff(line)) + 1  # first vertex of each next line
                xy[self.u] = coords[np.concatenate([[0], ends])]
                xy[self.v] = coords[np.concatenate([ends - 1, [len(coords) - 1]])]
            if len(self.snaps):
                edge = np.array([s.edge for s in self.snaps])
                frac = np.array([s.fraction for s in self.snaps])
                split = shapely.line_interpolate_point(self.geoms[edge], frac, normalized=True)
                xy[self.split_node] = shapely.get_coordinates(split)
                xy[self.point_node] = shapely.get_coordinates(self._points)
            self._xy = xy
        return self._xy

    # --- sources that are not part of the graph (what-if stations) -------------------------

    def with_points(
        self, points: Sequence[BaseGeometry], snaps: Sequence[Snap] | None = None
    ) -> ExtraSources:
        """The graph plus new point nodes joined exactly to the split edge they lie on
        (``snaps``: the points' snaps if already known)."""
        snaps = self.snap(points) if snaps is None else snaps
        nodes = self.n_nodes + np.arange(len(snaps))
        cols, weights = [], []
        fractions, chains = self._chain(np.array([s.edge for s in snaps], dtype=np.int64))
        for s, fr, chain in zip(snaps, fractions, chains, strict=True):
            k = int(np.clip(np.searchsorted(fr, s.fraction, side="right") - 1, 0, len(chain) - 2))
            for end, f in ((chain[k], fr[k]), (chain[k + 1], fr[k + 1])):
                cols.append(int(end))
                weights.append(max(s.offset + abs(s.fraction - f) * self.cost[s.edge], EPS))
        # new nodes only: append their rows (two entries each) to the CSR arrays
        base = self.matrix
        n = self.n_nodes + len(snaps)
        indptr = np.concatenate(
            [base.indptr, base.indptr[-1] + 2 * np.arange(1, len(snaps) + 1)]
        ).astype(base.indptr.dtype)
        indices = np.concatenate([base.indices, np.asarray(cols, dtype=base.indices.dtype)])
        data = np.concatenate([base.data, np.asarray(weights, dtype=float)])
        return ExtraSources(csr_matrix((data, indices, indptr), shape=(n, n)), nodes)

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

    def walk_between(
        self,
        source: BaseGeometry,
        targets: Sequence[BaseGeometry],
        limit: float = np.inf,
        max_snap: float = np.inf,
    ) -> np.ndarray:
        """Walking distance in metres from ``source`` to each of ``targets``: off the
        street to the nearest edge, along the network, and off again to the target — one
        Dijkstra from the source, stopped at ``limit``. ``inf`` for a target beyond
        ``limit`` or farther than ``max_snap`` from every street (all of them when the
        source is)."""
        out = np.full(len(targets), np.inf)
        if len(targets) == 0 or len(self.geoms) == 0:
            return out
        snaps = self.snap([source, *targets])
        start, ends = snaps[0], snaps[1:]
        usable = [i for i, s in enumerate(ends) if s.offset <= max_snap]
        if start.offset > max_snap or not usable:
            return out
        extra = self.with_points(
            [source, *(targets[i] for i in usable)], [start, *(ends[i] for i in usable)]
        )
        dist = self.distances(extra.nodes[:1], limit=limit, matrix=extra.matrix)
        for node, i in zip(extra.nodes[1:].tolist(), usable, strict=True):
            end = ends[i]
            d = float(dist[node])
            if end.edge == start.edge:  # along the one street, not out to a junction and back
                along = abs(end.fraction - start.fraction) * self.cost[end.edge]
                d = min(d, start.offset + along + end.offset)
            out[i] = d if d <= limit else np.inf
        return out

    def reached_lines(self, dist: np.ndarray, limit: float) -> list[LineString]:
        """The parts of street edges within ``limit`` of the sources, as line pieces."""
        e, f0, f1, n0, n1 = self._segments
        near = np.isfinite(dist[n0]) | np.isfinite(dist[n1])
        e, f0, f1, n0, n1 = e[near], f0[near], f1[near], n0[near], n1[near]
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
