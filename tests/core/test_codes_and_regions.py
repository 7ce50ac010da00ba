from __future__ import annotations

import pytest
from shapely.geometry import Point, box

from gridapp.core import codes
from gridapp.core.geodemo.regions import adjacency, grow_regions


def test_reading_order_runs_north_to_south_then_west_to_east() -> None:
    # a 3 × 2 grid of unit centres, given in scrambled order
    points = [
        Point(200, 0),
        Point(0, 100),
        Point(100, 0),
        Point(0, 0),
        Point(200, 100),
        Point(100, 100),
    ]
    order = codes.reading_order(points, row_height=50)
    assert [(points[i].x, points[i].y) for i in order] == [
        (0, 100), (100, 100), (200, 100), (0, 0), (100, 0), (200, 0)
    ]  # fmt: skip


def test_reading_order_keeps_a_row_despite_small_vertical_offsets() -> None:
    points = [Point(100, 98), Point(0, 100), Point(50, -200)]
    assert codes.reading_order(points, row_height=50) == [1, 0, 2]


def test_cell_code_is_community_code_plus_three_digit_sequence() -> None:
    assert codes.cell_code("110105021003", 7) == "110105021003007"
    assert codes.CELL_CODE.match("110105021003007")
    with pytest.raises(ValueError, match="12 位"):
        codes.cell_code("11010502100", 1)
    with pytest.raises(ValueError, match="001–999"):
        codes.cell_code("110105021003", 1000)


def test_next_free_seq_fills_the_lowest_hole() -> None:
    assert codes.next_free_seq([1, 2, 4]) == 3
    assert codes.next_free_seq([]) == 1
    with pytest.raises(ValueError):
        codes.next_free_seq(range(1, 1000))


def test_adjacency_measures_shared_edge_length() -> None:
    a, b, c = box(0, 0, 10, 10), box(10, 0, 20, 10), box(30, 0, 40, 10)
    adj = adjacency([a, b, c]).toarray()
    assert adj[0, 1] == pytest.approx(10.0) and adj[1, 0] == pytest.approx(10.0)
    assert adj[0, 2] == 0 and adj[1, 2] == 0


def test_grow_regions_groups_whole_adjacent_blocks_to_the_target() -> None:
    # a 4 × 1 strip of blocks with 100 households each, target 200 → two regions of two
    blocks = [box(i * 10, 0, i * 10 + 10, 10) for i in range(4)]
    labels = grow_regions(blocks, [100] * 4, 200)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]


def test_grow_regions_merges_a_small_leftover_into_a_neighbour() -> None:
    blocks = [box(i * 10, 0, i * 10 + 10, 10) for i in range(3)]
    labels = grow_regions(blocks, [150, 150, 20], 300)
    assert len(set(labels)) == 1


def test_grow_regions_never_joins_blocks_that_do_not_touch() -> None:
    blocks = [box(0, 0, 10, 10), box(100, 0, 110, 10)]
    labels = grow_regions(blocks, [10, 10], 100)
    assert labels[0] != labels[1]
