"""Operations on cells that keep the partition rules: split along a line, merge adjacent
cells, clip a newly drawn cell to the community's free space. Metric CRS, like
``partition``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_by_line

from gridapp.core.errors import InvalidGeometry, NotAdjacent, PartitionError
from gridapp.core.partition import (
    BuildingInfo,
    Key,
    Tolerances,
    as_multi,
    check_polygon,
    polygonal,
    shared_length,
)

DEFAULT_TOLERANCES = Tolerances()


def split_cell(
    cell: BaseGeometry, line: LineString, buildings: Sequence[BuildingInfo], extend_m: float = 2.0
) -> list[MultiPolygon]:
    """Cut ``cell`` along ``line`` into two or more parts; buildings on the line go whole
    to the part that holds most of each. Parts come largest first."""
    if not isinstance(line, LineString) or line.is_empty or not line.is_valid:
        raise InvalidGeometry("分割线应为一条有效的折线")
    line = _extend(line, extend_m)
    pieces: list[Polygon] = []
    for poly in as_multi(cell).geoms:
        pieces.extend(p for p in split_by_line(poly, line).geoms if isinstance(p, Polygon))
    if len(pieces) < 2:
        raise PartitionError("分割线必须完整穿过网格（两端都在网格之外）", shape=line)
    parts = [MultiPolygon([p]) for p in pieces]
    for b in buildings:
        inside = shapely.intersection(b.geom, cell)
        areas = [shapely.intersection(p, inside).area for p in parts]
        if sum(1 for a in areas if a > 0) < 2:
            continue
        best = int(np.argmax(areas))
        for i, part in enumerate(parts):
            parts[i] = (
                as_multi(shapely.union(part, inside))
                if i == best
                else polygonal(shapely.difference(part, inside))
            )
    parts = [p for p in parts if p.area > 0]
    if len(parts) < 2:
        raise PartitionError("分割后只剩一个部分：分割线两侧必须都有面积（建筑不会被切开）")
    return sorted(parts, key=lambda p: -p.area)


def _extend(line: LineString, metres: float) -> LineString:
    coords = np.asarray(line.coords, dtype=float)
    if len(coords) < 2 or metres <= 0:
        return line
    head = coords[0] - coords[1]
    tail = coords[-1] - coords[-2]
    head_n = np.linalg.norm(head)
    tail_n = np.linalg.norm(tail)
    if head_n > 0:
        coords[0] = coords[0] + head / head_n * metres
    if tail_n > 0:
        coords[-1] = coords[-1] + tail / tail_n * metres
    return LineString(coords)


def merge_cells(
    cells: Mapping[Key, BaseGeometry],
    labels: Mapping[Key, str],
    tol: Tolerances = DEFAULT_TOLERANCES,
) -> MultiPolygon:
    """Union of two or more cells that form one connected area."""
    if len(cells) < 2:
        raise PartitionError("合并至少需要两个网格")
    keys = list(cells)
    linked = {keys[0]}
    frontier = [keys[0]]
    while frontier:
        k = frontier.pop()
        for other in keys:
            if (
                other not in linked
                and shared_length(cells[k], cells[other]) >= tol.min_shared_edge_m
            ):
                linked.add(other)
                frontier.append(other)
    if len(linked) < len(keys):
        apart = [labels.get(k, str(k)) for k in keys if k not in linked]
        raise NotAdjacent(
            f"{'、'.join(apart)}与其他网格不相邻，不能合并",
            shape=shapely.union_all([cells[k] for k in keys if k not in linked]),
            cells=[str(k) for k in keys if k not in linked],
        )
    return as_multi(shapely.union_all(list(cells.values())))


def clip_to_free_space(
    drawn: BaseGeometry,
    community: BaseGeometry,
    cells: Mapping[Key, BaseGeometry],
    tol: Tolerances = DEFAULT_TOLERANCES,
) -> tuple[MultiPolygon, list[Key]]:
    """The part of a newly drawn cell that lies in the community's free space, and the
    cells it overlapped (which keep their area)."""
    g = check_polygon(drawn, "新网格")
    overlapped = [
        k for k, c in cells.items() if polygonal(shapely.intersection(g, c)).area > tol.overlap_m2
    ]
    taken = shapely.union_all([c for c in cells.values() if c.intersects(g)])
    free = polygonal(shapely.difference(shapely.intersection(g, community), taken))
    free = MultiPolygon([p for p in free.geoms if p.area > tol.gap_m2])
    if free.is_empty:
        raise PartitionError(
            "所画范围内没有空闲区域：社区已被其他网格完全覆盖，请改用调整边界或分割",
            shape=g,
            cells=[str(k) for k in overlapped],
        )
    return free, overlapped
