"""The geometry core of boundary editing, without Flask or a database (metres)."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from gridapp.core.errors import (
    BuildingCutError,
    GapError,
    InvalidGeometry,
    NotAdjacent,
    OutsideCommunity,
    OverlapError,
    PartitionError,
)
from gridapp.core.partition import BuildingInfo, Tolerances, validate_change
from gridapp.core.partition_ops import clip_to_free_space, merge_cells, split_cell

COMMUNITY = box(0, 0, 200, 100)
WEST = box(0, 0, 100, 100)
EAST = box(100, 0, 200, 100)
LABELS = {1: "西网格", 2: "东网格", 3: "北网格"}


def _validate(after, before=None, neighbours=None, buildings=(), owner=None, **kw):  # type: ignore[no-untyped-def]
    before = before if before is not None else {k: {1: WEST, 2: EAST}.get(k) for k in after}
    return validate_change(
        COMMUNITY, before, after, neighbours or {}, list(buildings), owner or {}, LABELS, **kw
    )


def test_split_keeps_union_equal_to_original() -> None:
    parts = split_cell(WEST, LineString([(50, -10), (50, 110)]), [])
    assert len(parts) == 2
    assert shapely.union_all(parts).symmetric_difference(WEST).area < 1e-6
    assert parts[0].intersection(parts[1]).area == 0


def test_split_goes_around_a_building_on_the_line() -> None:
    house = BuildingInfo(7, box(45, 40, 60, 50), households=12)  # mostly east of x=50
    parts = split_cell(WEST, LineString([(50, -10), (50, 110)]), [house])
    holders = [p for p in parts if p.intersection(house.geom).area > 0]
    assert len(holders) == 1 and holders[0].contains(house.geom)
    assert shapely.union_all(parts).symmetric_difference(WEST).area < 1e-6


def test_split_line_that_does_not_cross_is_refused() -> None:
    with pytest.raises(PartitionError, match="完整穿过"):
        split_cell(WEST, LineString([(20, 20), (40, 40)]), [])


def test_merge_of_adjacent_cells_is_their_union() -> None:
    merged = merge_cells({1: WEST, 2: EAST}, LABELS)
    assert merged.symmetric_difference(COMMUNITY).area < 1e-6
    assert len(merged.geoms) == 1


def test_merge_of_non_adjacent_cells_is_refused() -> None:
    with pytest.raises(NotAdjacent, match="不相邻") as err:
        merge_cells({1: box(0, 0, 10, 10), 3: box(50, 0, 60, 10)}, LABELS)
    assert err.value.shape is not None and err.value.shape.area == pytest.approx(100)


def test_merge_of_cells_touching_at_a_corner_only_is_refused() -> None:
    with pytest.raises(NotAdjacent):
        merge_cells({1: box(0, 0, 10, 10), 2: box(10, 10, 20, 20)}, LABELS)


def test_moved_shared_vertex_leaves_no_overlap_or_gap() -> None:
    # the shared edge x=100 bends to (120, 50): both cells change together
    west = Polygon([(0, 0), (100, 0), (120, 50), (100, 100), (0, 100)])
    east = Polygon([(100, 0), (200, 0), (200, 100), (100, 100), (120, 50)])
    check = _validate({1: west, 2: east})
    a, b = check.after[1], check.after[2]
    assert a.intersection(b).area == 0
    assert shapely.union_all([a, b]).symmetric_difference(COMMUNITY).area < 1e-6


def test_moving_a_vertex_of_one_cell_into_its_neighbour_is_refused() -> None:
    west = Polygon([(0, 0), (100, 0), (120, 50), (100, 100), (0, 100)])
    with pytest.raises(OverlapError, match="重叠") as err:
        _validate({1: west}, neighbours={2: EAST})
    assert err.value.shape is not None and err.value.shape.area == pytest.approx(1000)


def test_pulling_a_boundary_back_leaves_a_gap_and_names_the_neighbour() -> None:
    smaller = box(0, 0, 90, 100)
    with pytest.raises(GapError, match="东网格") as err:
        _validate({1: smaller}, neighbours={2: EAST})
    assert err.value.details["suggested_cell"] == "2"
    assert err.value.shape is not None and err.value.shape.area == pytest.approx(1000)


def test_bow_tie_is_refused_with_a_clear_error() -> None:
    bow_tie = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    with pytest.raises(InvalidGeometry, match="自相交") as err:
        _validate({1: bow_tie}, neighbours={2: EAST})
    assert err.value.shape is not None and err.value.shape.geom_type == "Point"
    assert err.value.shape.distance(shapely.Point(50, 50)) < 1e-6


def test_cell_reaching_out_of_its_community_is_refused_beyond_tolerance() -> None:
    with pytest.raises(OutsideCommunity, match="超出"):
        _validate({1: box(0, 0, 100, 105)}, neighbours={2: EAST})
    # within 0.5 m it is accepted and clipped to the community
    check = _validate({1: box(0, 0, 100, 100.3)}, neighbours={2: EAST})
    assert check.after[1].difference(COMMUNITY).area == 0


def test_tiny_overlap_from_snapping_noise_is_trimmed_not_refused() -> None:
    check = _validate({1: box(0, 0, 100.2, 100)}, neighbours={2: EAST})
    assert check.after[1].intersection(EAST).area == 0
    assert check.after[1].symmetric_difference(WEST).area < 1e-6


def test_boundary_through_a_building_is_refused_unless_overridden() -> None:
    house = BuildingInfo(9, box(95, 40, 110, 50), households=20)
    west = box(0, 0, 100, 100)
    east = EAST
    with pytest.raises(BuildingCutError) as err:
        _validate({1: west, 2: east}, buildings=[house], owner={9: 1})
    assert err.value.details["buildings"] == [9]
    check = _validate({1: west, 2: east}, buildings=[house], owner={9: 1}, allow_building_cut=True)
    assert check.cut_buildings == [9] and check.owner[9] == 2  # 2/3 of it lies east


def test_moving_a_boundary_around_a_building_moves_it_between_cells() -> None:
    house = BuildingInfo(9, box(80, 40, 90, 50), households=20)
    west = box(0, 0, 75, 100)
    east = Polygon([(75, 0), (200, 0), (200, 100), (75, 100)])
    check = _validate({1: west, 2: east}, buildings=[house], owner={9: 1})
    assert [(m.building_id, m.from_cell, m.to_cell) for m in check.moves] == [(9, 1, 2)]


def test_vertex_close_to_a_neighbour_snaps_onto_it() -> None:
    west = Polygon([(0, 0), (99.8, 0), (99.8, 100), (0, 100)])
    check = _validate({1: west}, neighbours={2: EAST}, tol=Tolerances(snap_m=0.5))
    assert check.after[1].symmetric_difference(WEST).area < 1e-6


def test_new_cell_is_clipped_to_the_free_space() -> None:
    community = box(0, 0, 300, 100)
    cells = {1: WEST, 2: EAST}
    drawn = box(150, 10, 280, 90)  # half over the east cell, half in free space
    clipped, overlapped = clip_to_free_space(drawn, community, cells)
    assert overlapped == [2]
    assert clipped.symmetric_difference(box(200, 10, 280, 90)).area < 1e-6


def test_new_cell_in_a_fully_covered_community_is_refused() -> None:
    with pytest.raises(PartitionError, match="没有空闲区域"):
        clip_to_free_space(box(10, 10, 50, 50), COMMUNITY, {1: WEST, 2: EAST})


def test_deleting_a_cell_without_a_taker_is_a_gap() -> None:
    with pytest.raises(GapError):
        _validate({1: None}, neighbours={2: EAST})


def test_merge_result_validates_as_a_change() -> None:
    merged = merge_cells({1: WEST, 2: EAST}, LABELS)
    check = _validate({1: merged, 2: None})
    assert check.after[1].symmetric_difference(COMMUNITY).area < 1e-6
    assert 2 not in check.after
    assert isinstance(check.after[1], MultiPolygon)
