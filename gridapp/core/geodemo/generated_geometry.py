"""Geometry plumbing for the generated subdistrict: noding, blocks, clean-up, reprojection."""

from __future__ import annotations

from collections import Counter

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from gridapp.core.geodemo.generated_context import Ctx, Src, largest_polygon, parts
from gridapp.core.geodemo.raw import (
    RawBuilding,
    RawCompound,
    RawGeography,
    RawPOI,
    RawStreet,
)
from gridapp.core.vocab import BLOCK_BOUNDING_KINDS, STREET_KINDS

KIND_RANK = {kind: k for k, kind in enumerate(STREET_KINDS)}
INSET = {"arterial": 8.0, "secondary": 6.0, "residential": 4.5}  # street line → wall


def node(sources: list[Src], prune: float = 1.0) -> list[RawStreet]:
    """Node all lines, drop the short overshoot stubs, and give each piece its source's kind."""
    geoms = [s[0] for s in sources]
    segments = [g for g in parts(shapely.union_all(geoms)) if isinstance(g, LineString)]
    ends: Counter[tuple[float, ...]] = Counter()
    for seg in segments:
        ends[seg.coords[0]] += 1
        ends[seg.coords[-1]] += 1
    tree = STRtree(geoms)
    streets: list[RawStreet] = []
    for seg in segments:
        if seg.length < prune and (ends[seg.coords[0]] == 1 or ends[seg.coords[-1]] == 1):
            continue
        mid = seg.interpolate(0.5, normalized=True)
        hits = [int(k) for k in tree.query(mid, predicate="dwithin", distance=1e-6)]
        if not hits:
            hits = [int(tree.nearest(mid))]
        best = min(hits, key=lambda k: (KIND_RANK[sources[k][1]], k))
        xy = list(seg.coords)
        # a loop with one junction (a compound's ring path) becomes two edges, not a self-loop
        pieces = [xy] if xy[0] != xy[-1] else [xy[: len(xy) // 2 + 1], xy[len(xy) // 2 :]]
        for piece in pieces:
            streets.append(RawStreet(LineString(piece), sources[best][1], sources[best][2]))
    return streets


def faces_of(streets: list[RawStreet], area: Polygon) -> list[Polygon]:
    lines = [s.geom for s in streets if s.kind in BLOCK_BOUNDING_KINDS] + [area.exterior]
    faces = shapely.polygonize(list(parts(shapely.union_all(lines))))
    return [f for f in parts(faces) if isinstance(f, Polygon)]


def lot_of(face: Polygon, tree: STRtree, streets: list[RawStreet]) -> Polygon | None:
    """The face set back from its streets by a distance that depends on the street kind."""
    near = [streets[int(k)] for k in tree.query(face, predicate="intersects")]
    near = [
        s for s in near if s.geom.interpolate(0.5, normalized=True).distance(face.exterior) < 1e-6
    ]
    cut = shapely.union_all([s.geom.buffer(INSET[s.kind]) for s in near])
    lot = largest_polygon(face.difference(cut))
    return None if lot is None else largest_polygon(lot.simplify(0.01))


def drop_conflicts(
    ctx: Ctx, streets: list[RawStreet], area: Polygon, open_space: list[Polygon]
) -> tuple[list[RawBuilding], list[RawPOI]]:
    """Safety net: drop any building touching a street, wall, river or park (and its POIs)."""
    obstacles: list[BaseGeometry] = [s.geom for s in streets] + open_space
    obstacles += [c.wall.exterior for c in ctx.compounds]
    tree = STRtree(obstacles)
    keep: dict[int, int] = {}
    buildings: list[RawBuilding] = []
    for k, b in enumerate(ctx.buildings):
        if area.contains(b.geom) and len(tree.query(b.geom, predicate="intersects")) == 0:
            keep[k] = len(buildings)
            buildings.append(
                RawBuilding(
                    b.geom, b.kind, b.levels, b.households, b.name, f"gen/{len(buildings) + 1}"
                )
            )
    pois = [poi for poi, k in ctx.pois if k in keep]
    return buildings, pois


def to_utm(geo: RawGeography, lonlat: tuple[float, float]) -> RawGeography:
    """Move local coordinates so that (0, 0) lands on ``lonlat`` in ``geo.crs``."""
    tf = Transformer.from_crs("EPSG:4326", geo.crs, always_xy=True)
    offset = np.array(tf.transform(*lonlat))

    def mv(g: BaseGeometry) -> BaseGeometry:
        return shapely.transform(g, lambda xy: xy + offset)

    geo.streets = [RawStreet(mv(s.geom), s.kind, s.name, s.walkable) for s in geo.streets]
    geo.buildings = [
        RawBuilding(mv(b.geom), b.kind, b.levels, b.households, b.name, b.source_ref)
        for b in geo.buildings
    ]
    geo.compounds = [
        RawCompound(mv(c.wall), tuple(mv(g) for g in c.gates), c.name) for c in geo.compounds
    ]
    geo.barriers = [mv(b) for b in geo.barriers]
    geo.parks = [mv(p) for p in geo.parks]
    geo.pois = [RawPOI(mv(p.geom), p.kind, p.name) for p in geo.pois]
    geo.boundary = None if geo.boundary is None else mv(geo.boundary)
    return geo
