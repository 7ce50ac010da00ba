"""Checks every built subdistrict must pass, shared by the pipeline tests of each source."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gridapp.core import codes

MAX_GAP_M2 = 1.0  # union of a community's cells vs the community
MAX_OVERLAP_M2 = 1e-6  # "pairwise overlap area 0", up to floating-point noise


def assert_cells_partition_communities(cells: gpd.GeoDataFrame, comms: gpd.GeoDataFrame) -> None:
    assert len(cells) > 0 and len(comms) > 0
    for comm in comms.itertuples():
        mine = cells[cells.community_code == comm.code]
        assert len(mine) > 0, f"community {comm.code} has no cell"
        union = shapely.union_all(mine.geometry.values)
        gap = shapely.symmetric_difference(union, comm.geometry).area
        assert gap < MAX_GAP_M2, f"community {comm.code}: cells differ from it by {gap:.3f} m²"
    geoms = cells.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[keep]], geoms[right[keep]]))
    worst = float(overlap.max()) if len(overlap) else 0.0
    assert worst < MAX_OVERLAP_M2, f"cells overlap by up to {worst} m²"
    assert all(g.is_valid for g in geoms)


def assert_no_building_cut(buildings: gpd.GeoDataFrame, cells: gpd.GeoDataFrame) -> None:
    geoms = cells.geometry.values
    tree = shapely.STRtree(geoms)
    b_idx, c_idx = tree.query(buildings.geometry.values, predicate="intersects")
    inside = shapely.area(shapely.intersection(buildings.geometry.values[b_idx], geoms[c_idx]))
    hits = np.bincount(b_idx[inside > MAX_OVERLAP_M2], minlength=len(buildings))
    cut = np.flatnonzero(hits > 1)
    assert len(cut) == 0, (
        f"{len(cut)} buildings lie in two cells, e.g. {buildings.iloc[cut[0]].source_ref}"
    )
    # and every building is recorded in the cell that holds it
    for b, c in zip(b_idx[inside > MAX_OVERLAP_M2], c_idx[inside > MAX_OVERLAP_M2], strict=True):
        assert buildings.iloc[b].cell_code == cells.iloc[c].code


def assert_codes_follow_standard(
    cells: gpd.GeoDataFrame, comms: gpd.GeoDataFrame, subdistrict_code: str
) -> None:
    assert comms.code.is_unique and cells.code.is_unique
    for comm in comms.itertuples():
        assert codes.COMMUNITY_CODE.match(comm.code) and comm.code.startswith(subdistrict_code)
        mine = cells[cells.community_code == comm.code]
        for cell in mine.itertuples():
            m = codes.CELL_CODE.match(cell.code)
            assert m is not None, cell.code
            assert cell.code[:12] == comm.code and int(m.group(4)) == cell.seq
        # sequence 001..n in reading order (north→south rows, west→east in a row)
        assert sorted(mine.seq) == list(range(1, len(mine) + 1))
        points = list(mine.geometry.centroid)
        expected = [int(mine.iloc[i].seq) for i in codes.reading_order(points)]
        assert expected == list(range(1, len(mine) + 1))
