"""The walking network: street lines → edges between numbered nodes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString

from gridapp.core.geodemo.raw import RawStreet
from gridapp.core.vocab import STREET_KINDS

NODE_GRID = 0.01  # metres: endpoints closer than this are one node


@dataclass(frozen=True)
class Edge:
    u: int
    v: int
    geom: LineString  # metric CRS of the source
    kind: str
    name: str
    length_m: float
    walkable: bool


def build_edges(streets: Sequence[RawStreet], *, node: bool) -> list[Edge]:
    """Split streets into edges between junction nodes and number the nodes 0..n-1.

    With ``node=True`` crossing lines are split where they cross (a flat city); otherwise
    each street is taken as one edge from its first to its last vertex (sources such as
    OSM already split ways at junctions, and a bridge must not meet the street below it).
    """
    if not streets:
        return []
    rank = {k: i for i, k in enumerate(STREET_KINDS)}
    if node:
        lines = np.asarray([s.geom for s in streets], dtype=object)
        noded = shapely.union_all(lines, grid_size=NODE_GRID)  # split at every crossing
        segments = [p for p in shapely.get_parts(noded) if isinstance(p, LineString)]
        tree = shapely.STRtree(lines)
        tagged: list[tuple[LineString, RawStreet]] = []
        for seg in segments:
            mid = seg.interpolate(0.5, normalized=True)
            near = tree.query(mid, predicate="dwithin", distance=NODE_GRID * 5)
            if len(near) == 0:
                near = [int(tree.nearest(mid))]
            best = min((streets[int(i)] for i in near), key=lambda s: rank.get(s.kind, 99))
            tagged.append((seg, best))
    else:
        tagged = [(s.geom, s) for s in streets]

    nodes: dict[tuple[int, int], int] = {}

    def node_id(x: float, y: float) -> int:
        key = (round(x / NODE_GRID), round(y / NODE_GRID))
        if key not in nodes:
            nodes[key] = len(nodes)
        return nodes[key]

    edges = []
    for geom, street in tagged:
        coords = geom.coords
        u = node_id(*coords[0])
        v = node_id(*coords[-1])
        if u == v or geom.length <= 0:
            continue  # a loop adds nothing to shortest paths
        edges.append(
            Edge(
                u=u,
                v=v,
                geom=geom,
                kind=street.kind,
                name=street.name,
                length_m=round(float(geom.length), 2),
                walkable=street.walkable,
            )
        )
    return edges
