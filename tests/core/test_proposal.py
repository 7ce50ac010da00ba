"""Partition proposals on hand-built blocks: whole blocks only, the union is the community,
households within the range where that is possible, and the same input gives the same cells."""

from __future__ import annotations

import math

import pytest
import shapely
from shapely import affinity
from shapely.geometry import box

from gridapp.core.proposal import (
    BlockUnit,
    Proposal,
    balance,
    fingerprint,
    heirs,
    match_cells,
    polsby_popper,
    propose_cells,
)

SIDE = 100.0


def grid_blocks(cols: int, rows: int, households: list[int]) -> list[BlockUnit]:
    """``cols`` × ``rows`` square blocks of 100 m, numbered row by row from the south-west."""
    out = []
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            geom = box(c * SIDE, r * SIDE, (c + 1) * SIDE, (r + 1) * SIDE)
            out.append(BlockUnit(i, geom, households[i]))
    return out


def irregular_households(n: int) -> list[int]:
    return [120 + (i * 37) % 110 for i in range(n)]  # 120..229, no pattern along the grid


def assert_whole_blocks(proposal: Proposal, blocks: list[BlockUnit]) -> None:
    """Every block lies whole in exactly one cell, and the cells list their blocks."""
    for b in blocks:
        holders = [c for c in proposal.cells if c.geom.intersection(b.geom).area > 1e-6]
        assert len(holders) == 1, f"block {b.key} is in {len(holders)} cells"
        assert holders[0].geom.intersection(b.geom).area == pytest.approx(b.geom.area)
        assert b.key in holders[0].blocks
    assert sorted(k for c in proposal.cells for k in c.blocks) == sorted(b.key for b in blocks)


def test_proposal_never_cuts_a_block_and_covers_the_community() -> None:
    blocks = grid_blocks(6, 5, irregular_households(30))
    community = box(0, 0, 6 * SIDE, 5 * SIDE)
    proposal = propose_cells(community, blocks, 300, 500)
    assert_whole_blocks(proposal, blocks)
    union = shapely.union_all([c.geom for c in proposal.cells])
    assert shapely.symmetric_difference(union, community).area < 1e-6
    for a in range(len(proposal.cells)):
        for b in range(a + 1, len(proposal.cells)):
            assert proposal.cells[a].geom.intersection(proposal.cells[b].geom).area < 1e-6


def test_households_fall_within_the_range_when_achievable() -> None:
    households = irregular_households(30)
    proposal = propose_cells(box(0, 0, 600, 500), grid_blocks(6, 5, households), 300, 500)
    per_cell = [c.households for c in proposal.cells]
    assert all(300 <= h <= 500 for h in per_cell), per_cell
    assert sum(per_cell) == sum(households)
    assert proposal.stats["outside_range"] == 0
    assert proposal.stats["cells"] == len(per_cell)
    assert proposal.stats["households_min"] == min(per_cell)
    assert proposal.stats["households_max"] == max(per_cell)


def test_cells_are_contiguous_and_reasonably_compact() -> None:
    proposal = propose_cells(
        box(0, 0, 600, 500), grid_blocks(6, 5, irregular_households(30)), 300, 500
    )
    for c in proposal.cells:
        assert len(c.geom.geoms) == 1, "a proposed cell must be one connected area"
    assert proposal.stats["mean_polsby_popper"] > 0.5


def test_same_blocks_and_range_give_the_same_cells() -> None:
    blocks = grid_blocks(6, 5, irregular_households(30))
    community = box(0, 0, 600, 500)
    first = propose_cells(community, blocks, 300, 500)
    second = propose_cells(community, list(blocks), 300, 500)
    assert [c.blocks for c in first.cells] == [c.blocks for c in second.cells]
    assert all(
        a.geom.equals_exact(b.geom, 0) for a, b in zip(first.cells, second.cells, strict=True)
    )
    assert fingerprint([c.geom for c in first.cells], {}) == fingerprint(
        [c.geom for c in second.cells], {}
    )


def test_empty_blocks_join_a_neighbour_and_area_between_blocks_is_not_lost() -> None:
    # 4 × 2 blocks with a 10 m street strip along the south edge that no block covers;
    # two parks (0 households) must end up inside populated cells
    households = [200, 0, 200, 200, 200, 200, 0, 200]
    blocks = [
        BlockUnit(b.key, affinity.translate(b.geom, 0, 10), b.households)
        for b in grid_blocks(4, 2, households)
    ]
    community = box(0, 0, 400, 210)
    proposal = propose_cells(community, blocks, 300, 500)
    assert all(c.households > 0 for c in proposal.cells)
    assert all(300 <= c.households <= 500 for c in proposal.cells)
    union = shapely.union_all([c.geom for c in proposal.cells])
    assert shapely.symmetric_difference(union, community).area < 1e-6
    assert_whole_blocks(proposal, blocks)


def test_a_block_above_the_maximum_stays_whole_and_is_reported() -> None:
    households = [900, 150, 150, 150, 150, 150]
    proposal = propose_cells(box(0, 0, 300, 200), grid_blocks(3, 2, households), 300, 500)
    big = next(c for c in proposal.cells if 0 in c.blocks)
    assert big.blocks == [0]  # nothing added to a block already above the range
    assert proposal.stats["oversized_blocks"] == 1
    assert proposal.stats["above_max"] == 1
    assert all(300 <= c.households <= 500 for c in proposal.cells if c is not big)


def test_no_blocks_no_cells() -> None:
    assert propose_cells(box(0, 0, 10, 10), [], 300, 500).cells == []


def test_invalid_range_is_refused() -> None:
    with pytest.raises(ValueError):
        propose_cells(box(0, 0, 10, 10), [], 500, 300)


def test_existing_cells_that_match_keep_their_code_and_others_have_heirs() -> None:
    proposed = [box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)]
    existing = {11: box(0, 0, 110, 100), 12: box(110, 0, 300, 100), 13: box(290, 0, 300, 5)}
    # 12 shares 90 m with proposal 1 and 100 m with proposal 2: the assignment maximising
    # shared area gives it proposal 2; the 50 m² cell 13 matches nothing
    assert match_cells(proposed, existing) == {0: 11, 2: 12}
    assert heirs(proposed, existing) == {11: 0, 12: 2, 13: 2}


def test_match_requires_a_real_share_of_area() -> None:
    proposed = [box(0, 0, 100, 100)]
    existing = {1: box(95, 0, 195, 100)}  # shares 5 % of either
    assert match_cells(proposed, existing) == {}
    assert heirs(proposed, existing) == {1: 0}


def test_compactness_and_balance_measures() -> None:
    assert polsby_popper(box(0, 0, 10, 10)) == pytest.approx(math.pi / 4)
    assert polsby_popper(shapely.Point(0, 0).buffer(10, quad_segs=64)) == pytest.approx(1, abs=1e-3)
    stats = balance([250, 400, 600], 300, 500, [box(0, 0, 10, 10)])
    assert stats["households_min"] == 250
    assert stats["households_median"] == 400
    assert stats["households_max"] == 600
    assert (stats["below_min"], stats["above_max"], stats["outside_range"]) == (1, 1, 2)
