"""The demo pipeline: raw streets and buildings → blocks → communities → cells → services
and people. One pipeline for every source (OSM extract or generated subdistrict).

Everything is computed in the source's metric CRS; ``SubdistrictResult`` keeps it that way
and the writer reprojects to EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gridapp.core import codes
from gridapp.core.geodemo import people, places
from gridapp.core.geodemo.blocks import (
    GRID,
    Block,
    assign_buildings,
    polygonal,
    polygonise_blocks,
    study_area,
)
from gridapp.core.geodemo.events import event_history
from gridapp.core.geodemo.field_logs import field_log_history
from gridapp.core.geodemo.grid_work import grid_work
from gridapp.core.geodemo.households import make_households
from gridapp.core.geodemo.raw import RawGeography
from gridapp.core.geodemo.regions import adjacency, grow_regions
from gridapp.core.geodemo.result import (
    BlockOut,
    BuildingOut,
    CellOut,
    CommunityOut,
    SubdistrictResult,
)
from gridapp.core.geodemo.visits import member_details, visit_history
from gridapp.core.network import build_edges
from gridapp.core.vocab import DIFFICULTY_TAGS, MAJOR_KINDS

RESIDENTS_PER_HOUSEHOLD = 2.6

Progress = Callable[[str], None]


@dataclass
class Settings:
    community_households: int = 3500  # target size of a community
    cell_households: int = 300  # target size of a cell ("a few hundred households")
    seed: int = 20240601


def _multi(geom: BaseGeometry) -> MultiPolygon:
    geom = polygonal(geom)
    if isinstance(geom, MultiPolygon):
        return geom
    return MultiPolygon([geom]) if not geom.is_empty else MultiPolygon()


def _union(geoms: list[BaseGeometry]) -> MultiPolygon:
    return _multi(shapely.union_all(np.asarray(geoms, dtype=object), grid_size=GRID))


def _bare(raw: RawGeography, code: str, geom: MultiPolygon) -> SubdistrictResult:
    """The subdistrict itself, with nothing in it yet."""
    return SubdistrictResult(
        crs=raw.crs,
        code=code,
        name=raw.name,
        district_name=raw.district_name,
        source=raw.source,
        geom=geom,
        communities=[],
        cells=[],
        blocks=[],
        buildings=[],
        edges=[],
        service_points=[],
    )


def build_subdistrict(
    raw: RawGeography, settings: Settings | None = None, progress: Progress | None = None
) -> SubdistrictResult:
    settings = settings or Settings()
    say = progress or (lambda _msg: None)
    sub_code = codes.subdistrict_code(raw.district_code, raw.subdistrict_code)

    say(f"  [1/7] 路网划分街坊 ({len(raw.streets)} 条道路, {len(raw.compounds)} 个小区围墙)")
    area = study_area(raw)
    blocks = polygonise_blocks(raw, area)
    # footprints on the same 1 cm grid as the blocks, so "inside a block" is exact
    raw_buildings = [
        replace(b, geom=snapped)
        for b in raw.buildings
        if not (snapped := polygonal(shapely.set_precision(b.geom, GRID))).is_empty
    ]
    owner, reshaped = assign_buildings(blocks, raw_buildings)

    say(f"  [2/7] 按主干道组成社区 ({len(blocks)} 个街坊)")
    block_geoms = [b.geom for b in blocks]
    adj = adjacency(block_geoms)
    community_of_block = _communities(raw, blocks, adj, settings)
    n_comm = max(community_of_block) + 1

    say(f"  [3/7] 社区内合并街坊为网格 ({n_comm} 个社区)")
    comm_geoms = [
        _union([block_geoms[i] for i in range(len(blocks)) if community_of_block[i] == c])
        for c in range(n_comm)
    ]
    comm_order = codes.reading_order([g.centroid for g in comm_geoms])
    names = people.community_names(raw, blocks, community_of_block, n_comm, settings.seed)
    communities: list[CommunityOut] = []
    cells: list[CellOut] = []
    block_cell: dict[int, str] = {}
    block_comm: dict[int, str] = {}
    for rank, c in enumerate(comm_order, start=1):
        c_code = codes.community_code(sub_code, rank)
        communities.append(CommunityOut(code=c_code, name=names[c], geom=comm_geoms[c]))
        members = [i for i in range(len(blocks)) if community_of_block[i] == c]
        sub_adj = adj[members][:, members]
        labels = grow_regions(
            [block_geoms[i] for i in members],
            [blocks[i].households for i in members],
            settings.cell_households,
            adj=sub_adj,
        )
        k = max(labels) + 1
        cell_geoms = [
            _union([block_geoms[members[j]] for j in range(len(members)) if labels[j] == r])
            for r in range(k)
        ]
        order = codes.reading_order([g.centroid for g in cell_geoms])
        short = names[c].removesuffix("社区")
        for seq, r in enumerate(order, start=1):
            code = codes.cell_code(c_code, seq)
            hh = sum(blocks[members[j]].households for j in range(len(members)) if labels[j] == r)
            cells.append(
                CellOut(
                    code=code,
                    seq=seq,
                    name=f"{short}第{seq}网格",
                    community_code=c_code,
                    geom=cell_geoms[r],
                    households=hh,
                    residents=0,
                )
            )
            for j in range(len(members)):
                if labels[j] == r:
                    block_cell[members[j]] = code
                    block_comm[members[j]] = c_code

    buildings = []
    for i, b in enumerate(raw_buildings):
        residents = round(b.households * RESIDENTS_PER_HOUSEHOLD)
        buildings.append(
            BuildingOut(
                raw=b,
                residents=residents,
                cell_code=block_cell.get(owner[i], "") if owner[i] >= 0 else "",
            )
        )
    residents_of = {c.code: 0 for c in cells}
    for built in buildings:
        if built.cell_code:
            residents_of[built.cell_code] += built.residents
    for cell in cells:
        cell.residents = residents_of[cell.code]
    block_out = [
        BlockOut(
            geom=_multi(b.geom),
            kind=b.kind,
            name=b.name,
            households=b.households,
            community_code=block_comm[i],
            cell_code=block_cell[i],
        )
        for i, b in enumerate(blocks)
    ]

    say("  [4/7] 生成步行路网")
    edges = build_edges(raw.streets, node=raw.node_streets)

    say("  [5/7] 布设服务阵地")
    service_points = places.service_points(raw, buildings, cells, communities, settings.seed)

    say("  [6/7] 生成党组织、党员与志愿服务队")
    orgs, org_members, teams = people.organisations(
        raw, communities, cells, buildings, settings.seed
    )
    member_details(org_members, settings.seed)
    work = grid_work(
        communities, cells, buildings, orgs, org_members, teams, sub_code, settings.seed
    )
    first_shared = len(service_points)
    service_points += places.shared_facilities(work.units, cells, communities)
    for unit in work.units:
        if unit.service_point >= 0:
            unit.service_point += first_shared

    say("  [7/7] 生成住户、走访记录、事件与民情日志")
    household_rows = make_households(buildings, org_members, settings.seed)
    visits = visit_history(
        buildings, household_rows, org_members, work.workers, sub_code, settings.seed
    )
    events = event_history(communities, cells, buildings, work.workers, sub_code, settings.seed)
    logs = field_log_history(work.workers, sub_code, settings.seed)

    sub_geom = _union([c.geom for c in communities])
    result = replace(
        _bare(raw, sub_code, sub_geom),
        communities=communities,
        cells=cells,
        blocks=block_out,
        buildings=buildings,
        edges=edges,
        service_points=service_points,
        orgs=orgs,
        members=org_members,
        teams=teams,
        work=work,
        households=household_rows,
        visits=visits,
        events=events,
        logs=logs,
    )
    result.stats = {
        "communities": len(communities),
        "cells": len(cells),
        "blocks": len(blocks),
        "buildings": len(buildings),
        "buildings_outside": sum(1 for b in buildings if not b.cell_code),
        "blocks_reshaped_around_buildings": reshaped,
        "street_edges": len(edges),
        "service_points": len(service_points),
        "households": sum(c.households for c in cells),
        "residents": sum(c.residents for c in cells),
        "party_orgs": len(orgs),
        "members": len(org_members),
        "teams": len(teams),
        "assignments": len(work.assignments),
        "grid_workers": len(work.workers),
        "hubs": sum(m.is_hub for m in org_members),
        "units": len(work.units),
        "household_records": len(household_rows),
        "households_in_difficulty": sum(
            any(t in DIFFICULTY_TAGS for t in r.tags) for r in household_rows
        ),
        "visits": len(visits),
        "events": len(events),
        "events_closed": sum(bool(e.closed_at) for e in events),
        "field_logs": len(logs),
    }
    say("  完成：" + "，".join(f"{k}={v}" for k, v in result.stats.items()))
    return result


def build_outline(raw: RawGeography, progress: Progress | None = None) -> SubdistrictResult:
    """Only what a real subdistrict takes from OSM before it moves its own grid in: the
    outline (the street blocks' union, as :func:`build_subdistrict` gives it), the
    buildings (households estimated from their size, to be replaced by a buildings import)
    and the walking network. No communities, cells, service points or demo people: those
    come from the subdistrict's own files (docs/DATA.md, "A real subdistrict moves in")."""
    say = progress or (lambda _msg: None)
    sub_code = codes.subdistrict_code(raw.district_code, raw.subdistrict_code)
    say(f"  [1/2] 路网划分街坊，得出街道范围 ({len(raw.streets)} 条道路)")
    blocks = polygonise_blocks(raw, study_area(raw))
    buildings = [
        BuildingOut(
            raw=replace(b, geom=snapped),
            residents=round(b.households * RESIDENTS_PER_HOUSEHOLD),
            cell_code="",
        )
        for b in raw.buildings
        if not (snapped := polygonal(shapely.set_precision(b.geom, GRID))).is_empty
    ]
    say("  [2/2] 生成步行路网")
    edges = build_edges(raw.streets, node=raw.node_streets)
    result = replace(
        _bare(raw, sub_code, _union([b.geom for b in blocks])), buildings=buildings, edges=edges
    )
    result.stats = {
        "communities": 0,
        "cells": 0,
        "buildings": len(buildings),
        "street_edges": len(edges),
        "service_points": 0,
        "households": sum(b.raw.households for b in buildings),
    }
    say("  完成：" + "，".join(f"{k}={v}" for k, v in result.stats.items()))
    return result


def _communities(
    raw: RawGeography, blocks: list[Block], adj: object, settings: Settings
) -> list[int]:
    """Group blocks into communities: first by the superblocks that major roads enclose,
    then superblocks into communities of about ``community_households``."""
    major = [s.geom for s in raw.streets if s.kind in MAJOR_KINDS]
    area = shapely.union_all([b.geom for b in blocks])
    lines = major + [g.exterior for g in shapely.get_parts(area) if isinstance(g, Polygon)]
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(lines)))))
    tree = shapely.STRtree(faces) if faces else None
    superblock = []
    for i, b in enumerate(blocks):
        p = b.geom.representative_point()
        hit = tree.query(p, predicate="within") if tree is not None else []
        superblock.append(int(hit[0]) if len(hit) else len(faces) + i)
    # A superblock far larger than a community (few major roads) falls apart into its blocks.
    weight: dict[int, int] = {}
    for i, u in enumerate(superblock):
        weight[u] = weight.get(u, 0) + blocks[i].households
    superblock = [
        len(faces) + i if weight[u] > 1.5 * settings.community_households else u
        for i, u in enumerate(superblock)
    ]
    units = sorted(set(superblock))
    unit_index = {u: k for k, u in enumerate(units)}
    unit_geoms = [
        _union([blocks[i].geom for i in range(len(blocks)) if superblock[i] == u]) for u in units
    ]
    unit_hh = [
        sum(blocks[i].households for i in range(len(blocks)) if superblock[i] == u) for u in units
    ]
    labels = grow_regions(unit_geoms, unit_hh, settings.community_households, min_share=0.6)
    return [labels[unit_index[superblock[i]]] for i in range(len(blocks))]
