"""Street blocks: polygonise the block-bounding lines, then make sure no building is cut."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gridapp.core.geodemo.raw import RawBuilding, RawGeography
from gridapp.core.vocab import BLOCK_BOUNDING_KINDS

GRID = 0.01  # metres: every overlay runs on a 1 cm grid, so shared edges stay shared
THIN_WIDTH_M = 12.0  # faces thinner than this (2·area/perimeter) join a neighbour
TINY_AREA_M2 = 400.0


@dataclass
class Block:
    geom: BaseGeometry  # Polygon or MultiPolygon, metric CRS
    kind: str = "block"  # block / compound / water / park
    name: str = ""
    building_ids: list[int] | None = None
    households: int = 0
    residents: int = 0


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygon parts of ``geom`` (overlay results may carry lines or points)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and g.area > 0]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def study_area(raw: RawGeography) -> BaseGeometry:
    if raw.boundary is not None:
        return shapely.set_precision(raw.boundary, GRID)
    lines = [s.geom for s in raw.streets if s.kind in BLOCK_BOUNDING_KINDS]
    faces = shapely.polygonize(shapely.get_parts(shapely.union_all(lines)))
    return shapely.set_precision(shapely.union_all(shapely.get_parts(faces)), GRID)


def polygonise_blocks(raw: RawGeography, area: BaseGeometry) -> list[Block]:
    """Faces of the street/wall/water network inside ``area``, thin faces merged away."""
    lines = [s.geom for s in raw.streets if s.kind in BLOCK_BOUNDING_KINDS]
    lines += [c.wall.exterior for c in raw.compounds]
    lines += [p.exterior for p in [*raw.barriers, *raw.parks]]
    lines += [g.exterior for g in shapely.get_parts(area)]
    noded = shapely.union_all(shapely.set_precision(np.asarray(lines, dtype=object), GRID))
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    faces = [
        polygonal(shapely.intersection(f, area, grid_size=GRID))
        for f in faces
        if f.representative_point().within(area)
    ]
    faces = [f for f in faces if f.area > 0]
    blocks = [Block(geom=f, kind=_kind_of(f, raw)) for f in faces]
    for block in blocks:
        if block.kind == "compound":
            block.name = next(
                (
                    c.name
                    for c in raw.compounds
                    if c.wall.contains(block.geom.representative_point())
                ),
                "",
            )
    return _merge_thin(blocks)


def _kind_of(face: BaseGeometry, raw: RawGeography) -> str:
    p = face.representative_point()
    if any(c.wall.contains(p) for c in raw.compounds):
        return "compound"
    if any(b.contains(p) for b in raw.barriers):
        return "water"
    if any(k.contains(p) for k in raw.parks):
        return "park"
    return "block"


def _is_thin(geom: BaseGeometry) -> bool:
    return geom.area < TINY_AREA_M2 or 2 * geom.area / max(geom.length, 1e-9) < THIN_WIDTH_M


def _merge_thin(blocks: list[Block]) -> list[Block]:
    """Join every thin or tiny face to the neighbour it shares the longest edge with.

    Compounds, water and parks are kept as they are unless they are tiny themselves.
    """
    while True:
        geoms = np.asarray([b.geom for b in blocks], dtype=object)
        tree = shapely.STRtree(geoms)
        victim = next(
            (
                i
                for i, b in enumerate(blocks)
                if _is_thin(b.geom) and (b.kind == "block" or b.geom.area < TINY_AREA_M2)
            ),
            None,
        )
        if victim is None:
            return blocks
        near = [j for j in tree.query(geoms[victim], predicate="intersects") if j != victim]
        shared = [shapely.intersection(geoms[victim].boundary, geoms[j]).length for j in near]
        if not near or max(shared) <= 0:
            # an isolated sliver: keep it (it still belongs to the partition)
            blocks[victim].kind = blocks[victim].kind + "_isolated"
            continue
        into = near[int(np.argmax(shared))]
        blocks[into].geom = polygonal(
            shapely.union(blocks[into].geom, blocks[victim].geom, grid_size=GRID)
        )
        del blocks[victim]


def _clusters(footprints: np.ndarray) -> np.ndarray:
    """Label overlapping footprints alike: buildings that overlap move between blocks together."""
    tree = shapely.STRtree(footprints)
    left, right = tree.query(footprints, predicate="overlaps")
    keep = left < right
    n = len(footprints)
    graph = coo_matrix((np.ones(int(keep.sum())), (left[keep], right[keep])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels


def assign_buildings(
    blocks: list[Block], buildings: Sequence[RawBuilding]
) -> tuple[list[int], int]:
    """Give each building to the block holding most of its area; reshape blocks around it.

    Returns the block index of each building (-1 when outside every block) and the number
    of blocks that had to be reshaped because a building crossed their edge.
    """
    geoms = np.asarray([b.geom for b in blocks], dtype=object)
    tree = shapely.STRtree(geoms)
    footprints = np.asarray([shapely.set_precision(b.geom, GRID) for b in buildings], dtype=object)
    labels = _clusters(footprints) if len(footprints) else np.zeros(0, dtype=int)
    owner = [-1] * len(buildings)
    reshaped = 0
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        footprint = (
            footprints[members[0]]
            if len(members) == 1
            else shapely.union_all(footprints[members], grid_size=GRID)
        )
        near = tree.query(footprint, predicate="intersects")
        if len(near) == 0:
            continue
        areas = shapely.area(shapely.intersection(geoms[near], footprint, grid_size=GRID))
        best = int(near[int(np.argmax(areas))])
        for member in members:
            owner[int(member)] = best
        for j, a in zip(near, areas, strict=True):
            if j != best and a > 0:
                cut = shapely.difference(blocks[j].geom, footprint, grid_size=GRID)
                blocks[j].geom = polygonal(cut)
                grown = shapely.union(blocks[best].geom, footprint, grid_size=GRID)
                blocks[best].geom = polygonal(grown)
                geoms[j], geoms[best] = blocks[j].geom, blocks[best].geom
                reshaped += 1
    for b in blocks:
        b.building_ids = []
    for i, o in enumerate(owner):
        if o >= 0:
            ids = blocks[o].building_ids
            assert ids is not None
            ids.append(i)
            blocks[o].households += buildings[i].households
    return owner, reshaped
