"""The partition check: every problem of stored cells, for cleaning up imported or legacy data.

Where ``partition.validate_change`` refuses the first broken rule of one save, this lists
every problem of whole communities at once, each with its geometry: invalid cells, cells
outside their community, overlaps, gaps, slivers and buildings cut by a cell boundary.
Everything is in metres (see ``gridapp.core.projection``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gridapp.core.partition import (
    NOISE_M2,
    BuildingInfo,
    Tolerances,
    as_multi,
    invalid_reason,
    polygonal,
    type_name,
)

Key = Hashable


class ProblemKind(StrEnum):
    INVALID = "invalid"
    OUTSIDE = "outside"
    OVERLAP = "overlap"
    GAP = "gap"
    SLIVER = "sliver"
    BUILDING_CUT = "building_cut"


KIND_LABELS = {
    ProblemKind.INVALID: "几何无效",
    ProblemKind.OUTSIDE: "超出社区",
    ProblemKind.OVERLAP: "网格重叠",
    ProblemKind.GAP: "空隙",
    ProblemKind.SLIVER: "碎片",
    ProblemKind.BUILDING_CUT: "建筑被切开",
}


@dataclass(frozen=True)
class CheckThresholds:
    """When a defect counts as a problem. The first four follow the editing tolerances."""

    inside_m: float = 0.5  # a cell may reach this far out of its community
    overlap_m2: float = 1.0  # overlap between two cells above this is a problem
    gap_m2: float = 1.0  # community area covered by no cell above this is a problem
    building_m2: float = 1.0  # building area in a second cell above this is a cut
    sliver_area_m2: float = 50.0  # a cell part smaller than this is a sliver
    sliver_width_m: float = 3.0  # a part (or thin arm of a part) narrower than this is one

    @classmethod
    def from_tolerances(cls, tol: Tolerances, **extra: float) -> CheckThresholds:
        return cls(
            inside_m=tol.inside_m,
            overlap_m2=tol.overlap_m2,
            gap_m2=tol.gap_m2,
            building_m2=tol.building_m2,
            **extra,
        )


@dataclass(frozen=True)
class CommunityShape:
    key: Key
    label: str  # e.g. "甲一社区"
    geom: BaseGeometry


@dataclass(frozen=True)
class CellShape:
    key: Key
    code: str
    label: str  # e.g. "甲一社区第1网格(110199001001001)"
    community: Key
    geom: BaseGeometry


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    message: str  # Chinese, for the user
    shape: BaseGeometry  # metric
    area_m2: float
    cells: tuple[str, ...] = ()  # codes
    buildings: tuple[int, ...] = ()
    community: Key | None = None


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    communities: int = 0
    cells: int = 0
    buildings: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        out = {k.value: 0 for k in ProblemKind}
        for p in self.problems:
            out[p.kind.value] += 1
        return out


def check_partition(
    communities: Sequence[CommunityShape],
    cells: Sequence[CellShape],
    buildings: Sequence[BuildingInfo] = (),
    thresholds: CheckThresholds = CheckThresholds(),
    building_labels: Mapping[int, str] | None = None,
) -> CheckResult:
    """Every problem of the cells of ``communities``.

    ``cells`` may also hold cells of other communities (context, e.g. the neighbours of a
    community being checked): they are not checked themselves, but overlaps with them and
    buildings cut between them and a checked cell are reported.
    """
    t = thresholds
    in_scope = {c.key for c in communities}
    mine = [c for c in cells if c.community in in_scope]
    problems: list[Problem] = []
    usable: dict[Key, MultiPolygon] = {}  # valid (or made valid) polygonal cell geometry
    for c in cells:
        geom = c.geom
        if c.community in in_scope:
            invalid = _invalid(c)
            if invalid is not None:
                problems.append(invalid)
        if not (isinstance(geom, Polygon | MultiPolygon) and geom.is_valid):
            geom = polygonal(shapely.make_valid(geom))
        usable[c.key] = as_multi(geom)

    community_geom = {c.key: c.geom for c in communities}
    for c in mine:
        problems.extend(_outside(c, usable[c.key], community_geom[c.community], t))
        problems.extend(_slivers(c, usable[c.key], t))
    problems.extend(_overlaps(cells, usable, in_scope, t))
    for community in communities:
        own = [usable[c.key] for c in mine if c.community == community.key]
        problems.extend(_gaps(community, own, cells, usable, t))
    problems.extend(_cut_buildings(buildings, cells, usable, in_scope, t, building_labels or {}))
    order = {k: i for i, k in enumerate(ProblemKind)}
    problems.sort(key=lambda p: (order[p.kind], p.cells, p.buildings, -p.area_m2))
    return CheckResult(
        problems=problems, communities=len(communities), cells=len(mine), buildings=len(buildings)
    )


def _invalid(c: CellShape) -> Problem | None:
    geom = c.geom
    if not isinstance(geom, Polygon | MultiPolygon):
        return Problem(
            ProblemKind.INVALID,
            f"{c.label}的几何类型应为多边形，实际为{type_name(geom)}",
            geom,
            0.0,
            cells=(c.code,),
            community=c.community,
        )
    if geom.is_valid:
        if geom.is_empty or geom.area <= 0:
            return Problem(
                ProblemKind.INVALID,
                f"{c.label}的多边形为空或面积为零",
                geom,
                0.0,
                cells=(c.code,),
                community=c.community,
            )
        return None
    text, _where = invalid_reason(geom)
    return Problem(
        ProblemKind.INVALID,
        f"{c.label}{text}",
        geom,
        round(abs(float(geom.area)), 1),
        cells=(c.code,),
        community=c.community,
    )


def _outside(
    c: CellShape, geom: MultiPolygon, community: BaseGeometry, t: CheckThresholds
) -> list[Problem]:
    beyond = shapely.difference(geom, community.buffer(t.inside_m))
    if polygonal(beyond).area <= NOISE_M2:
        return []
    outside = polygonal(shapely.difference(geom, community))
    return [
        Problem(
            ProblemKind.OUTSIDE,
            f"{c.label}超出所属社区边界 {outside.area:.1f} 平方米（允许误差 {t.inside_m} 米）",
            outside,
            round(float(outside.area), 1),
            cells=(c.code,),
            community=c.community,
        )
    ]


def _slivers(c: CellShape, geom: MultiPolygon, t: CheckThresholds) -> list[Problem]:
    """Parts that are tiny or thin (2·area/perimeter below the width), and thin arms of
    larger parts (what an opening of that width removes, when that is itself large)."""
    out: list[Problem] = []
    parts = list(geom.geoms)
    for part in parts:
        area = float(part.area)
        width = 2 * area / part.length if part.length > 0 else 0.0
        if area < t.sliver_area_m2 or width < t.sliver_width_m:
            what = "面积过小" if area < t.sliver_area_m2 else "过于狭长"
            several = "的一块" if len(parts) > 1 else ""
            out.append(
                Problem(
                    ProblemKind.SLIVER,
                    f"{c.label}{several}{what}：面积 {area:.1f} 平方米，平均宽度 {width:.1f} 米"
                    f"（阈值：面积 {t.sliver_area_m2:g} 平方米、宽度 {t.sliver_width_m:g} 米）",
                    part,
                    round(area, 1),
                    cells=(c.code,),
                    community=c.community,
                )
            )
            continue
        r = t.sliver_width_m / 2
        opened = part.buffer(-r, join_style="mitre").buffer(r, join_style="mitre")
        arms = polygonal(shapely.difference(part, opened))
        for arm in arms.geoms:
            if arm.area >= t.sliver_area_m2 and 2 * arm.area / arm.length < t.sliver_width_m:
                out.append(
                    Problem(
                        ProblemKind.SLIVER,
                        f"{c.label}有一段宽度不足 {t.sliver_width_m:g} 米的狭长部分"
                        f"（{arm.area:.1f} 平方米）",
                        arm,
                        round(float(arm.area), 1),
                        cells=(c.code,),
                        community=c.community,
                    )
                )
    return out


def _overlaps(
    cells: Sequence[CellShape],
    usable: Mapping[Key, MultiPolygon],
    in_scope: set[Key],
    t: CheckThresholds,
) -> list[Problem]:
    geoms = np.asarray([usable[c.key] for c in cells], dtype=object)
    if len(geoms) < 2:
        return []
    scoped = np.asarray([c.community in in_scope for c in cells])
    # a valid coverage (no overlap, matching edges) has nothing to report: skip the overlays
    if scoped.all() and shapely.coverage_is_valid(geoms):
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = (left < right) & (scoped[left] | scoped[right])
    out: list[Problem] = []
    for i, j in zip(left[keep], right[keep], strict=True):
        overlap = polygonal(shapely.intersection(geoms[i], geoms[j]))
        if overlap.area <= t.overlap_m2:
            continue
        a, b = sorted((cells[i], cells[j]), key=lambda c: c.code)
        out.append(
            Problem(
                ProblemKind.OVERLAP,
                f"{a.label}与{b.label}重叠 {overlap.area:.1f} 平方米",
                overlap,
                round(float(overlap.area), 1),
                cells=(a.code, b.code),
                community=a.community if a.community in in_scope else b.community,
            )
        )
    return out


def _gaps(
    community: CommunityShape,
    own: Sequence[MultiPolygon],
    cells: Sequence[CellShape],
    usable: Mapping[Key, MultiPolygon],
    t: CheckThresholds,
) -> list[Problem]:
    covered = shapely.union_all(own) if own else Polygon()
    area = community.geom if community.geom.is_valid else shapely.make_valid(community.geom)
    free = polygonal(shapely.difference(area, covered))
    out: list[Problem] = []
    nearby = [c for c in cells if c.community == community.key]
    for part in sorted(free.geoms, key=lambda g: (-g.area, g.centroid.x, g.centroid.y)):
        if part.area <= t.gap_m2:
            continue
        touching = sorted(
            c.code for c in nearby if usable[c.key].distance(part) < max(t.inside_m, 0.01)
        )
        hint = f"，相邻网格：{'、'.join(touching)}" if touching else ""
        out.append(
            Problem(
                ProblemKind.GAP,
                f"{community.label}有 {part.area:.1f} 平方米未被任何网格覆盖{hint}",
                part,
                round(float(part.area), 1),
                cells=tuple(touching),
                community=community.key,
            )
        )
    return out


def _cut_buildings(
    buildings: Sequence[BuildingInfo],
    cells: Sequence[CellShape],
    usable: Mapping[Key, MultiPolygon],
    in_scope: set[Key],
    t: CheckThresholds,
    labels: Mapping[int, str],
) -> list[Problem]:
    if not buildings or not cells:
        return []
    geoms = np.asarray([usable[c.key] for c in cells], dtype=object)
    tree = shapely.STRtree(geoms)
    footprints = np.asarray([b.geom for b in buildings], dtype=object)
    b_idx, c_idx = tree.query(footprints, predicate="intersects")
    areas = shapely.area(shapely.intersection(footprints[b_idx], geoms[c_idx]))
    out: list[Problem] = []
    for bi in np.unique(b_idx):
        rows = np.flatnonzero(b_idx == bi)
        shares = sorted(
            ((float(areas[r]), cells[int(c_idx[r])]) for r in rows if areas[r] > 0),
            key=lambda s: (-s[0], s[1].code),
        )
        if len(shares) < 2 or shares[1][0] <= t.building_m2:
            continue
        involved = [s for s in shares if s[0] > t.building_m2]
        if not any(s[1].community in in_scope for s in involved):
            continue
        b = buildings[int(bi)]
        name = labels.get(b.id) or f"编号 {b.id}"
        split = "，".join(f"{s[1].label}内 {s[0]:.1f} 平方米" for s in involved)
        out.append(
            Problem(
                ProblemKind.BUILDING_CUT,
                f"建筑“{name}”被网格边界切开：{split}",
                b.geom,
                round(float(b.geom.area), 1),
                cells=tuple(sorted(s[1].code for s in involved)),
                buildings=(b.id,),
                community=next(s[1].community for s in involved if s[1].community in in_scope),
            )
        )
    return out


def describe(problems: Iterable[Problem]) -> list[str]:
    """One line of Chinese per problem (for the command line)."""
    return [f"[{KIND_LABELS[p.kind]}] {p.message}" for p in problems]
