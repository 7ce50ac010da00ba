"""Partition rules for grid cells: validity, inside the community, no overlap, no gap,
no cut building (split, merge and clipping to free space: ``partition_ops``).

Everything here is in a metric CRS (see ``gridapp.core.projection``) and works on the
cells a change touches plus their neighbours only, so its cost does not grow with the
size of the community.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gridapp.core.errors import (
    BuildingCutError,
    GapError,
    InvalidGeometry,
    OutsideCommunity,
    OverlapError,
    PartitionError,
)

Key = Hashable  # an existing cell's id, or a label such as "new-1" for a cell being created
K = TypeVar("K", bound=Hashable)
NOISE_M2 = 1e-3  # areas below this are floating-point residue (e.g. of reprojection)


@dataclass(frozen=True)
class Tolerances:
    inside_m: float = 0.5  # how far a cell may reach out of its community (then clipped)
    overlap_m2: float = 1.0  # overlap between two cells below this is trimmed, above refused
    gap_m2: float = 1.0  # area freed by a change below this goes to a neighbour, above refused
    snap_m: float = 0.5  # vertices this close to a neighbour's vertex or edge snap onto it
    building_m2: float = 1.0  # building area on the wrong side of a boundary that counts as a cut
    min_shared_edge_m: float = 0.5  # cells sharing less boundary than this are not adjacent


@dataclass(frozen=True)
class BuildingInfo:
    id: int
    geom: BaseGeometry
    households: int = 0
    residents: int = 0


@dataclass(frozen=True)
class Move:
    building_id: int
    from_cell: Key | None
    to_cell: Key | None


@dataclass
class ChangeCheck:
    after: dict[Key, MultiPolygon]  # the cleaned geometries to store (None = deleted)
    owner: dict[int, Key | None]  # building id → the cell that now holds most of it
    moves: list[Move] = field(default_factory=list)
    cut_buildings: list[int] = field(default_factory=list)  # only when a cut was allowed


def as_multi(geom: BaseGeometry) -> MultiPolygon:
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    flat: list[Polygon] = []
    for g in parts:
        flat.extend(p for p in shapely.get_parts(g) if isinstance(p, Polygon))
    return MultiPolygon(flat)


def polygonal(geom: BaseGeometry) -> MultiPolygon:
    """Only the polygon parts of an overlay result (dropping lines and points)."""
    out: list[Polygon] = []
    for g in shapely.get_parts(geom):
        if isinstance(g, Polygon) and g.area > 0:
            out.append(g)
        elif isinstance(g, MultiPolygon):
            out.extend(p for p in g.geoms if p.area > 0)
        elif g.geom_type == "GeometryCollection":
            out.extend(polygonal(g).geoms)
    return MultiPolygon(out)


# GEOS's reasons for an invalid geometry (shapely.is_valid_reason), in Chinese: its own
# English text never reaches the user.
INVALID_REASONS = {
    "Self-intersection": "边界自相交（例如“8”字形）",
    "Ring Self-intersection": "边界在一点上与自身相接",
    "Too few points in geometry component": "顶点太少",
    "Hole lies outside shell": "内环（洞）在外环之外",
    "Holes are nested": "内环（洞）相互嵌套",
    "Interior is disconnected": "内环把多边形分成了互不相连的几块",
    "Nested shells": "多个多边形相互嵌套",
    "Duplicate Rings": "有重复的环",
    "Invalid Coordinate": "有无效的坐标",
    "Ring is not closed": "环未闭合",
}
GEOMETRY_TYPE_NAMES = {
    "Point": "点",
    "MultiPoint": "多点",
    "LineString": "线",
    "MultiLineString": "多线",
    "LinearRing": "环",
    "GeometryCollection": "几何集合",
}


def type_name(geom: BaseGeometry) -> str:
    return GEOMETRY_TYPE_NAMES.get(geom.geom_type, "其他几何")


def invalid_reason(geom: BaseGeometry) -> tuple[str, BaseGeometry | None]:
    """Why GEOS finds ``geom`` invalid, in Chinese, and the point it names (if any)."""
    reason = shapely.is_valid_reason(geom)
    name = reason.split("[", 1)[0].strip()
    return INVALID_REASONS.get(name, "多边形无效"), _invalid_location(reason)


def check_polygon(geom: BaseGeometry, label: str) -> MultiPolygon:
    """Refuse what is not a valid, non-empty (multi)polygon, saying where it is broken."""
    if not isinstance(geom, Polygon | MultiPolygon):
        raise InvalidGeometry(f"{label}的几何类型应为多边形，收到的是{type_name(geom)}")
    if geom.is_empty:
        raise InvalidGeometry(f"{label}的多边形为空")
    if not geom.is_valid:
        text, where = invalid_reason(geom)
        raise InvalidGeometry(
            f"{label}{text}，请修改后再保存（出错位置已在地图上标出）",
            shape=where if where is not None else geom,
        )
    if geom.is_empty or geom.area <= 0:
        raise InvalidGeometry(f"{label}的多边形为空或面积为零", shape=geom)
    return as_multi(geom)


def _invalid_location(reason: str) -> BaseGeometry | None:
    """The point GEOS names in its reason, e.g. 'Self-intersection[3.5 2]'."""
    if "[" not in reason:
        return None
    try:
        coords = [float(v) for v in reason[reason.index("[") + 1 : reason.index("]")].split()]
    except ValueError:
        return None
    if len(coords) < 2 or not all(math.isfinite(v) for v in coords[:2]):
        return None
    return shapely.Point(coords[:2])


def snap(geom: MultiPolygon, references: Iterable[BaseGeometry], tolerance: float) -> MultiPolygon:
    """Move each vertex within ``tolerance`` of a reference vertex onto that vertex, else
    within ``tolerance`` of a reference edge onto the edge. No vertex is added or removed
    (GEOS's snap also inserts reference vertices into edges, which can fold a ring)."""
    refs = [shapely.boundary(r) for r in references if not r.is_empty]
    if not refs or tolerance <= 0:
        return geom
    edges = np.asarray(
        [p for r in refs for p in shapely.get_parts(r) if not p.is_empty], dtype=object
    )
    ref_vertices = shapely.get_coordinates(edges)
    tree = shapely.STRtree(shapely.points(ref_vertices))
    edge_tree = shapely.STRtree(edges)

    def move(xy: np.ndarray) -> np.ndarray:
        out = xy.copy()
        pts = shapely.points(xy)
        near_vertex = tree.query_nearest(pts, max_distance=tolerance, return_distance=False)
        snapped = np.zeros(len(xy), dtype=bool)
        for i, j in zip(near_vertex[0], near_vertex[1], strict=True):
            if not snapped[i]:
                out[i] = ref_vertices[j]
                snapped[i] = True
        rest = np.flatnonzero(~snapped)
        if len(rest):
            near_edge = edge_tree.query_nearest(
                pts[rest], max_distance=tolerance, return_distance=False, all_matches=False
            )
            close = rest[near_edge[0]]
            lines = edges[near_edge[1]]
            on_edge = shapely.line_interpolate_point(
                lines, shapely.line_locate_point(lines, pts[close])
            )
            out[close] = shapely.get_coordinates(on_edge)
        return out

    snapped = shapely.transform(geom, move)
    return as_multi(snapped) if snapped.is_valid and snapped.area > 0 else geom


def shared_length(a: BaseGeometry, b: BaseGeometry) -> float:
    return float(shapely.intersection(shapely.boundary(a), b).length)


def longest_neighbour(area: BaseGeometry, candidates: Mapping[K, BaseGeometry]) -> K | None:
    """The candidate sharing the longest edge with ``area`` (for a freed area's new owner)."""
    best: tuple[float, str, K] | None = None
    for key, geom in candidates.items():
        length = shared_length(area, geom)
        if length > 0 and (best is None or (length, str(key)) > best[:2]):
            best = (length, str(key), key)
    return None if best is None else best[2]


def validate_change(
    community: BaseGeometry,
    before: Mapping[Key, BaseGeometry | None],
    after: Mapping[Key, BaseGeometry | None],
    neighbours: Mapping[Key, BaseGeometry],
    buildings: Sequence[BuildingInfo],
    current_owner: Mapping[int, Key | None],
    labels: Mapping[Key, str],
    tol: Tolerances = Tolerances(),
    allow_building_cut: bool = False,
    allow_gaps: bool = False,
) -> ChangeCheck:
    """Check a change of some cells of one community and return what to store.

    ``before``/``after`` hold the changed cells (None: not existing before / deleted
    after); ``neighbours`` the unchanged cells near them. Raises a PartitionError naming
    the first broken rule, with the offending geometry on ``shape``. ``allow_gaps``
    (imports) leaves area the change frees uncovered instead of refusing it.
    """
    label = {k: labels.get(k, str(k)) for k in [*after, *neighbours]}
    cleaned: dict[Key, MultiPolygon] = {}
    # Each changed cell meets only the cells near it: candidates are found by their
    # bounding boxes (an import brings hundreds of cells into one community at once).
    near = _Nearby()
    for other_key, other in neighbours.items():
        near.add(other_key, other)
    for key, geom in after.items():
        if geom is None:
            continue
        g = check_polygon(geom, label[key])
        close = near.around(g, tol.snap_m)
        fixed = [v for k, v in close.items() if k in neighbours]
        changed = [v for k, v in close.items() if k not in neighbours]
        g = snap(g, [*fixed, community, *changed], tol.snap_m)
        outside = shapely.difference(g, community.buffer(tol.inside_m))
        if outside.area > 0:
            raise OutsideCommunity(
                f"{label[key]}超出了所属社区的边界（{outside.area:.1f} 平方米），"
                f"允许误差 {tol.inside_m} 米",
                shape=outside,
                cells=[str(key)],
            )
        g = polygonal(shapely.intersection(g, community))
        for other_key, other in near.around(g, 0.0).items():
            overlap = polygonal(shapely.intersection(g, other))
            if overlap.area > tol.overlap_m2:
                raise OverlapError(
                    f"{label[key]}与{label[other_key]}重叠 {overlap.area:.1f} 平方米",
                    shape=overlap,
                    cells=[str(key), str(other_key)],
                )
            if overlap.area > 0:
                g = polygonal(shapely.difference(g, other))
        if g.is_empty:
            raise PartitionError(f"{label[key]}修改后没有剩余面积", cells=[str(key)])
        cleaned[key] = g
        near.add(key, g)

    before_union = shapely.union_all([g for g in before.values() if g is not None])
    after_union = shapely.union_all(list(cleaned.values())) if cleaned else Polygon()
    # area outside the community never counted (cells are clipped to it above)
    freed = polygonal(
        shapely.difference(shapely.intersection(before_union, community), after_union)
    )
    # parts below NOISE_M2 are floating-point residue of reprojection, not area
    parts = [p for p in freed.geoms if p.area > NOISE_M2]
    lost = MultiPolygon([p for p in parts if p.area > tol.gap_m2])
    if not lost.is_empty and not allow_gaps:
        taker = longest_neighbour(lost, neighbours) or longest_neighbour(lost, cleaned)
        hint = f"，建议并入相邻的{label[taker]}" if taker is not None else ""
        raise GapError(
            f"修改后留下 {lost.area:.1f} 平方米的空隙，没有网格覆盖{hint}",
            shape=lost,
            suggested_cell=None if taker is None else str(taker),
        )
    for part in parts:  # small leftovers join the changed cell they touch most
        taker = longest_neighbour(part, cleaned)
        if taker is not None:
            cleaned[taker] = as_multi(shapely.union(cleaned[taker], part))
    cleaned = {k: as_multi(shapely.simplify(g, 0)) for k, g in cleaned.items()}

    owner, cut = assign_buildings(buildings, {**neighbours, **cleaned}, tol)
    if cut and not allow_building_cut:
        shapes = shapely.union_all([b.geom for b in buildings if b.id in cut])
        raise BuildingCutError(
            f"网格边界穿过 {len(cut)} 栋建筑，请让边界绕开建筑（或填写理由后强制保存）",
            shape=shapes,
            buildings=sorted(cut),
        )
    moves = [
        Move(b.id, current_owner.get(b.id), owner[b.id])
        for b in buildings
        if owner[b.id] != current_owner.get(b.id)
    ]
    result: dict[Key, MultiPolygon] = dict(cleaned)
    return ChangeCheck(after=result, owner=owner, moves=moves, cut_buildings=sorted(cut))


class _Nearby:
    """Geometries by key, found by how close their bounding boxes are to another's (in the
    order they were added)."""

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self.geoms: list[BaseGeometry] = []
        self.bounds = np.empty((0, 4))

    def add(self, key: Key, geom: BaseGeometry) -> None:
        self.keys.append(key)
        self.geoms.append(geom)
        self.bounds = np.vstack([self.bounds, shapely.bounds(geom)])

    def around(self, geom: BaseGeometry, margin: float) -> dict[Key, BaseGeometry]:
        """Those whose box comes within ``margin`` of ``geom``'s box."""
        x0, y0, x1, y1 = shapely.bounds(geom)
        b = self.bounds
        hit = (
            (b[:, 0] <= x1 + margin)
            & (b[:, 2] >= x0 - margin)
            & (b[:, 1] <= y1 + margin)
            & (b[:, 3] >= y0 - margin)
        )
        return {self.keys[i]: self.geoms[i] for i in np.flatnonzero(hit)}


def assign_buildings(
    buildings: Sequence[BuildingInfo], cells: Mapping[Key, BaseGeometry], tol: Tolerances
) -> tuple[dict[int, Key | None], set[int]]:
    """Owner of each building (the cell holding most of its area) and the ids of cut ones."""
    owner: dict[int, Key | None] = {}
    cut: set[int] = set()
    keys = list(cells)
    geoms = np.asarray([cells[k] for k in keys], dtype=object)
    tree = shapely.STRtree(geoms) if len(geoms) else None
    for b in buildings:
        hits = tree.query(b.geom, predicate="intersects") if tree is not None else []
        areas = sorted(
            ((float(shapely.intersection(geoms[i], b.geom).area), keys[i]) for i in hits),
            key=lambda t: (-t[0], str(t[1])),
        )
        areas = [a for a in areas if a[0] > 0]
        owner[b.id] = areas[0][1] if areas else None
        if len(areas) > 1 and areas[1][0] > tol.building_m2:
            cut.add(b.id)
    return owner, cut
