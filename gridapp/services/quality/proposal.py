"""Partition proposals: draft cells of whole blocks for a community, and accept a draft.

A draft writes nothing. Accepting recomputes the draft on the server from the same blocks
and range (the method is deterministic), refuses with 409 if any cell of the community
changed since the manager looked (``versions``, and the draft's ``fingerprint`` if given),
and saves it as one validated change through ``editing.apply_change``: each existing cell
that best matches a proposed cell keeps its code and takes the new geometry, the other
existing cells are deleted (their party group, team and grid worker go to the proposed cell
holding most of their area), and the remaining proposed cells are created with new codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import MultiPolygon, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from gridapp.core.errors import BadRequest, Conflict, NotFound, StaleVersion
from gridapp.core.partition import BuildingInfo, Key, Tolerances, assign_buildings
from gridapp.core.projection import LocalProjection
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
from gridapp.extensions import db
from gridapp.models import Block, Building, Community, GridCell, User
from gridapp.services.editing import (
    CellInput,
    ChangeRequest,
    ChangeResult,
    apply_change,
    require_editor,
)
from gridapp.services.places import whole_places
from gridapp.services.quality.check import require_whole_community

MAX_HOUSEHOLDS = 100_000


@dataclass
class Draft:
    community: Community
    proj: LocalProjection
    proposal: Proposal
    cells: list[GridCell]  # existing cells of the community, by id
    metric: dict[int, BaseGeometry]  # existing cells in metres
    matches: dict[int, int]  # proposed index → existing cell id keeping its code
    heirs: dict[int, int]  # existing cell id → proposed index taking its assignments
    households: list[int]  # per proposed cell, from the buildings (what a save stores)
    residents: list[int]
    fingerprint: str


def require_community(user: User, community_id: int) -> Community:
    require_editor(user)
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound(f"未找到编号为 {community_id} 的社区")
    require_whole_community(user, community, "生成或采纳网格划分方案")
    return community


def _check_range(min_households: int, max_households: int) -> None:
    if not 0 < min_households <= max_households <= MAX_HOUSEHOLDS:
        raise BadRequest(
            f"户数范围无效：应满足 0 < 最少户数 ≤ 最多户数 ≤ {MAX_HOUSEHOLDS}"
            f"（收到 {min_households}–{max_households}）"
        )


def build_draft(community: Community, min_households: int, max_households: int) -> Draft:
    _check_range(min_households, max_households)
    session = db.session
    community_ll = to_shape(community.geom)
    proj = LocalProjection.around(community_ll)
    rows = session.execute(
        select(Block.id, Block.households, func.ST_AsBinary(Block.geom))
        .where(Block.community_id == community.id)
        .order_by(Block.id)
    ).all()
    if not rows:
        raise BadRequest(f"{community.name}没有街坊（小区）数据，无法生成划分方案")
    blocks = [BlockUnit(r[0], proj.to_metric(shapely.from_wkb(r[2])), r[1]) for r in rows]
    community_m = proj.to_metric(community_ll)
    proposal = propose_cells(community_m, blocks, min_households, max_households)
    geoms = [c.geom for c in proposal.cells]

    cells = list(
        session.scalars(
            select(GridCell).where(GridCell.community_id == community.id).order_by(GridCell.id)
        )
    )
    metric = {c.id: proj.to_metric(to_shape(c.geom)) for c in cells}
    matches = match_cells(geoms, metric)
    heir_of = heirs(geoms, metric)

    b_rows = session.execute(
        select(
            Building.id, func.ST_AsBinary(Building.geom), Building.households, Building.residents
        ).where(
            Building.subdistrict_id == community.subdistrict_id,
            func.ST_Intersects(Building.geom, community.geom),
        )
    ).all()
    buildings = [
        BuildingInfo(r[0], proj.to_metric(shapely.from_wkb(r[1])), r[2], r[3]) for r in b_rows
    ]
    owner, _ = assign_buildings(buildings, dict(enumerate(geoms)), Tolerances())
    households = [0] * len(geoms)
    residents = [0] * len(geoms)
    for b in buildings:
        k: Key | None = owner[b.id]
        if isinstance(k, int):
            households[k] += b.households
            residents[k] += b.residents
    return Draft(
        community=community,
        proj=proj,
        proposal=proposal,
        cells=cells,
        metric=metric,
        matches=matches,
        heirs=heir_of,
        households=households,
        residents=residents,
        fingerprint=fingerprint(geoms, matches),
    )


def draft(user: User, community_id: int, min_households: int, max_households: int) -> Draft:
    return build_draft(require_community(user, community_id), min_households, max_households)


def draft_json(d: Draft) -> dict[str, Any]:
    by_id = {c.id: c for c in d.cells}
    lo, hi = d.proposal.min_households, d.proposal.max_households
    features = []
    for i, cell in enumerate(d.proposal.cells):
        matched = by_id.get(d.matches[i]) if i in d.matches else None
        hh = d.households[i]
        features.append(
            {
                "type": "Feature",
                "id": i + 1,
                "geometry": mapping(d.proj.to_lonlat(cell.geom)),
                "properties": {
                    "index": i + 1,
                    "households": hh,
                    "residents": d.residents[i],
                    "blocks": len(cell.blocks),
                    "block_ids": [int(str(b)) for b in cell.blocks],
                    "in_range": lo <= hh <= hi,
                    "polsby_popper": round(polsby_popper(cell.geom), 3),
                    "area_m2": round(float(cell.geom.area), 1),
                    "matched_cell_id": None if matched is None else matched.id,
                    "matched_cell_code": None if matched is None else matched.code,
                    "name": matched.name if matched is not None else f"新网格 {i + 1}",
                },
            }
        )
    geoms = [c.geom for c in d.proposal.cells]
    stats: dict[str, Any] = {
        **balance(d.households, lo, hi, geoms),
        "min_households": lo,
        "max_households": hi,
        "blocks": int(d.proposal.stats.get("blocks", 0)),
        "oversized_blocks": int(d.proposal.stats.get("oversized_blocks", 0)),
        "kept_codes": len(d.matches),
        "new_cells": len(geoms) - len(d.matches),
        "deleted_cells": len(d.cells) - len(d.matches),
        "current": balance(
            [c.households for c in d.cells], lo, hi, [d.metric[c.id] for c in d.cells]
        ),
    }
    kept = set(d.matches.values())
    existing = [
        {
            "id": c.id,
            "code": c.code,
            "name": c.name,
            "version": c.version,
            "households": c.households,
            "kept": c.id in kept,
            "heir_index": None if c.id not in d.heirs else d.heirs[c.id] + 1,
        }
        for c in d.cells
    ]
    return {
        "community_id": d.community.id,
        "community_name": d.community.name,
        "cells": {"type": "FeatureCollection", "features": features},
        "stats": stats,
        "existing": existing,
        "versions": {str(c.id): c.version for c in d.cells},
        "fingerprint": d.fingerprint,
    }


def accept(
    user: User,
    community_id: int,
    min_households: int,
    max_households: int,
    versions: dict[int, int],
    expected_fingerprint: str | None = None,
) -> ChangeResult:
    d = build_draft(require_community(user, community_id), min_households, max_households)
    current = {c.id: c.version for c in d.cells}
    if set(versions) != set(current) or any(versions[i] != v for i, v in current.items()):
        changed = sorted(
            {i for i in set(versions) ^ set(current)}
            | {i for i in set(versions) & set(current) if versions[i] != current[i]}
        )
        raise StaleVersion(
            "保存冲突：生成方案后，该社区的网格已被他人修改（"
            + "、".join(str(i) for i in changed)
            + "），请重新生成方案",
            cells=[
                {"id": i, "your_version": versions.get(i), "current_version": current.get(i)}
                for i in changed
            ],
        )
    if expected_fingerprint and expected_fingerprint != d.fingerprint:
        raise Conflict("方案已变化（街坊或建筑数据有更新），请重新生成方案后再采纳")
    if not d.proposal.cells:
        raise BadRequest("方案中没有网格")

    inputs: list[CellInput] = []
    ref_of: dict[int, Key] = {}
    for i, cell in enumerate(d.proposal.cells):
        geom = MultiPolygon(d.proj.to_lonlat(cell.geom).geoms)
        if i in d.matches:
            cid = d.matches[i]
            inputs.append(CellInput(id=cid, version=current[cid], geometry=geom))
            ref_of[i] = cid
        else:
            inputs.append(CellInput(key=f"proposal-{i + 1}", geometry=geom))
            ref_of[i] = f"proposal-{i + 1}"
    kept = set(d.matches.values())
    deleted = [c for c in d.cells if c.id not in kept]
    inputs.extend(CellInput(id=c.id, version=current[c.id], delete=True) for c in deleted)
    assignments_to = {c.id: ref_of[d.heirs[c.id]] for c in deleted if c.id in d.heirs}
    return apply_change(
        user,
        ChangeRequest(
            op="proposal",
            community_id=d.community.id,
            cells=inputs,
            takes_free_space=True,
            assignments_to=assignments_to,
            summary=(
                f"采纳网格划分方案（每格 {min_households}–{max_households} 户）："
                f"{len(d.proposal.cells)} 个网格，保留 {len(kept)} 个编码，"
                f"新建 {len(d.proposal.cells) - len(kept)} 个，撤销 {len(deleted)} 个"
            ),
        ),
    )


def editable_communities(user: User) -> list[dict[str, Any]]:
    """Communities the user may re-partition (for the proposal page's picker)."""
    require_editor(user)
    return [
        {"id": c["id"], "code": c["code"], "name": c["name"]}
        for c in whole_places(user)["communities"]
    ]
