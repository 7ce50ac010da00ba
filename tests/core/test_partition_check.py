"""The partition check on hand-built metric geometries: each kind of problem is found,
with its geometry, and a clean partition has none."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from gridapp.core.partition import BuildingInfo
from gridapp.core.partition_check import (
    CellShape,
    CheckResult,
    CommunityShape,
    ProblemKind,
    check_partition,
    describe,
)

COMMUNITY = CommunityShape("c1", "测试社区", box(0, 0, 200, 200))


def cell(code: str, geom: Polygon | MultiPolygon, community: str = "c1") -> CellShape:
    return CellShape(code, code, f"网格{code}", community, geom)


def quarters() -> list[CellShape]:
    return [
        cell("001", box(0, 100, 100, 200)),
        cell("002", box(100, 100, 200, 200)),
        cell("003", box(0, 0, 100, 100)),
        cell("004", box(100, 0, 200, 100)),
    ]


def run(cells: list[CellShape], buildings: list[BuildingInfo] | None = None) -> CheckResult:
    return check_partition([COMMUNITY], cells, buildings or [])


def kinds(result: CheckResult) -> list[ProblemKind]:
    return [p.kind for p in result.problems]


def test_clean_partition_has_no_problem() -> None:
    buildings = [BuildingInfo(1, box(20, 20, 40, 40)), BuildingInfo(2, box(120, 150, 180, 190))]
    result = run(quarters(), buildings)
    assert result.ok
    assert result.problems == []
    assert result.counts() == {k.value: 0 for k in ProblemKind}
    assert (result.communities, result.cells, result.buildings) == (1, 4, 2)


def test_overlap_above_tolerance_is_reported_with_its_area_and_shape() -> None:
    cells = quarters()
    cells[0] = cell("001", box(0, 90, 100, 200))  # 10 m into 003
    result = run(cells)
    assert kinds(result) == [ProblemKind.OVERLAP]
    problem = result.problems[0]
    assert problem.cells == ("001", "003")
    assert problem.area_m2 == pytest.approx(1000.0)
    assert problem.shape.equals(box(0, 90, 100, 100))
    assert "重叠" in problem.message


def test_overlap_below_tolerance_is_not_a_problem() -> None:
    cells = quarters()
    cells[0] = cell("001", Polygon([(0, 100), (100, 100), (100, 200), (0, 200), (0, 99.5)]))
    # a thin wedge of 0.5 * 100 * 0.5 / ... well below 1 m²: 0.25 m²
    result = run(cells)
    assert ProblemKind.OVERLAP not in kinds(result)


def test_gap_is_reported_with_its_shape_and_the_cells_around_it() -> None:
    cells = quarters()
    cells[3] = cell("004", shapely.difference(box(100, 0, 200, 100), box(140, 40, 160, 60)))
    result = run(cells)
    assert kinds(result) == [ProblemKind.GAP]
    gap = result.problems[0]
    assert gap.area_m2 == pytest.approx(400.0)
    assert gap.shape.equals(box(140, 40, 160, 60))
    assert gap.cells == ("004",)
    assert "未被任何网格覆盖" in gap.message


def test_gap_below_tolerance_is_not_a_problem() -> None:
    cells = quarters()
    cells[3] = cell("004", shapely.difference(box(100, 0, 200, 100), box(150, 50, 150.5, 51)))
    assert run(cells).ok


def test_tiny_cell_is_a_sliver() -> None:
    cells = quarters()
    cells[3] = cell("004", shapely.difference(box(100, 0, 200, 100), box(190, 0, 200, 4)))
    cells.append(cell("005", box(190, 0, 200, 4)))  # 40 m²
    result = run(cells)
    assert kinds(result) == [ProblemKind.SLIVER]
    assert result.problems[0].cells == ("005",)
    assert result.problems[0].area_m2 == pytest.approx(40.0)


def test_thin_cell_is_a_sliver_even_when_large() -> None:
    cells = quarters()
    cells[1] = cell("002", box(102, 100, 200, 200))
    cells.append(cell("005", box(100, 100, 102, 200)))  # 2 m × 100 m: 200 m², width ~2 m
    result = run(cells)
    assert kinds(result) == [ProblemKind.SLIVER]
    assert result.problems[0].cells == ("005",)
    assert "狭长" in result.problems[0].message


def test_stray_part_and_thin_arm_of_a_cell_are_slivers() -> None:
    cells = quarters()
    stray = box(150, 150, 153, 153)  # a 9 m² island of 001 inside 002
    arm = box(100, 60, 160, 62)  # a 2 m wide, 60 m long arm of 003 into 004
    cells[0] = cell("001", MultiPolygon([box(0, 100, 100, 200), stray]))
    cells[1] = cell("002", shapely.difference(box(100, 100, 200, 200), stray))
    cells[2] = cell("003", shapely.union(box(0, 0, 100, 100), arm))
    cells[3] = cell("004", shapely.difference(box(100, 0, 200, 100), arm))
    result = run(cells)
    slivers = [p for p in result.problems if p.kind is ProblemKind.SLIVER]
    assert [p.cells for p in slivers] == [("001",), ("003",)]
    assert slivers[0].shape.equals(stray)
    assert slivers[1].shape.intersection(arm).area == pytest.approx(slivers[1].area_m2, rel=0.1)
    assert kinds(result) == [ProblemKind.SLIVER, ProblemKind.SLIVER]


def test_cell_beyond_the_tolerance_is_outside_its_community() -> None:
    cells = quarters()
    cells[1] = cell("002", box(100, 100, 205, 200))
    result = run(cells)
    assert kinds(result) == [ProblemKind.OUTSIDE]
    assert result.problems[0].area_m2 == pytest.approx(500.0)
    assert result.problems[0].shape.equals(box(200, 100, 205, 200))


def test_cell_within_the_tolerance_is_not_outside() -> None:
    cells = quarters()
    cells[1] = cell("002", box(100, 100, 200.3, 200))
    assert run(cells).ok


def test_building_across_a_cell_boundary_is_cut() -> None:
    cut = BuildingInfo(7, box(90, 20, 110, 40))  # 200 m² on each side of x = 100
    touching = BuildingInfo(8, box(99.9, 60, 120, 80))  # 2 m² in 003, 398 m² in 004
    barely = BuildingInfo(9, box(99.96, 80, 120, 90))  # 0.4 m² in 003: not a cut
    result = check_partition(
        [COMMUNITY], quarters(), [cut, touching, barely], building_labels={7: "7号楼"}
    )
    assert kinds(result) == [ProblemKind.BUILDING_CUT, ProblemKind.BUILDING_CUT]
    first, second = result.problems
    assert (first.buildings, first.cells) == ((7,), ("003", "004"))
    assert "7号楼" in first.message
    assert first.shape.equals(cut.geom)
    assert second.buildings == (8,)


def test_bow_tie_is_invalid_and_the_other_checks_still_run() -> None:
    cells = quarters()
    cells[0] = cell("001", Polygon([(0, 100), (100, 200), (100, 100), (0, 200)]))
    result = run(cells)
    assert ProblemKind.INVALID in kinds(result)
    invalid = next(p for p in result.problems if p.kind is ProblemKind.INVALID)
    assert invalid.cells == ("001",)
    assert "自相交" in invalid.message
    # the bow-tie covers only two triangles of its quarter: the rest is a gap
    assert ProblemKind.GAP in kinds(result)


def test_cells_of_other_communities_are_context_only() -> None:
    neighbour = cell("101", box(195, 0, 300, 100), community="c2")  # overlaps 004 by 5 m
    thin = cell("102", box(300, 0, 301, 100), community="c2")  # a sliver, but not ours
    result = run([*quarters(), neighbour, thin])
    assert kinds(result) == [ProblemKind.OVERLAP]
    assert result.problems[0].cells == ("004", "101")
    assert result.cells == 4


def test_several_problems_are_all_listed_in_a_stable_order() -> None:
    cells = quarters()
    cells[0] = cell("001", box(0, 90, 100, 200))  # overlap with 003
    cells[3] = cell("004", box(100, 0, 190, 100))  # gap of 10 × 100
    cells[1] = cell("002", box(100, 100, 210, 200))  # outside
    result = run(cells, [BuildingInfo(3, box(90, 150, 110, 160))])
    assert kinds(result) == [
        ProblemKind.OUTSIDE,
        ProblemKind.OVERLAP,
        ProblemKind.GAP,
        ProblemKind.BUILDING_CUT,
    ]
    assert not result.ok
    assert result.counts()["overlap"] == 1
    assert len(describe(result.problems)) == 4
    assert describe(result.problems)[0].startswith("[超出社区]")
    assert run(cells, [BuildingInfo(3, box(90, 150, 110, 160))]).problems == result.problems
