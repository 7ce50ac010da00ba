"""What a save writes besides the cells: history rows, moved assignments, block owners,
the next free codes, and the change-impact summary (for ``save.apply_change``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, text

from gridapp.core.partition import BuildingInfo, ChangeCheck, Key
from gridapp.extensions import db
from gridapp.models import (
    CellAssignment,
    CellChange,
    CellHistory,
    Community,
    GridCell,
    User,
)
from gridapp.services.editing.request import ChangeRequest


def used_seqs(community: Community) -> set[int]:
    """Sequence numbers of live cells and of every cell the community ever had."""
    live = db.session.scalars(select(GridCell.seq).where(GridCell.community_id == community.id))
    past = db.session.scalars(
        select(CellHistory.cell_code)
        .join(CellChange)
        .where(CellChange.community_id == community.id)
    )
    return set(live) | {int(code[12:]) for code in past if code.startswith(community.code)}


def history(
    change: CellChange,
    cell: GridCell,
    before: BaseGeometry | None,
    after: BaseGeometry | None,
    before_m: BaseGeometry | None,
    after_m: BaseGeometry | None,
    households_before: int,
    name_before: str | None = None,
) -> None:
    db.session.add(
        CellHistory(
            change_id=change.id,
            cell_id=cell.id if after is not None else None,
            cell_code=cell.code,
            name_before=(name_before if name_before is not None else cell.name) if before else "",
            name_after=cell.name if after is not None else "",
            version_before=None
            if before is None
            else (cell.version - 1 if after else cell.version),
            version_after=cell.version if after is not None else None,
            area_before_m2=0.0 if before_m is None else round(before_m.area, 1),
            area_after_m2=0.0 if after_m is None else round(after_m.area, 1),
            households_before=households_before if before is not None else 0,
            households_after=cell.households if after is not None else 0,
            geom_before=None
            if before is None
            else from_shape(MultiPolygon(before.geoms), srid=4326),
            geom_after=None if after is None else from_shape(MultiPolygon(after.geoms), srid=4326),
        )
    )


def assignment_moves(
    req: ChangeRequest,
    by_id: Mapping[int, GridCell],
    after: Mapping[Key, BaseGeometry],
    households: Mapping[Key, int],
) -> dict[int, Key]:
    """Assignment id → the cell it moves to: from deleted cells to the survivor with the
    most households, or wherever the manager chose (``req.assignments_to``)."""
    deleted = [c.id for c in req.cells if c.delete and c.id is not None]
    deleted += [i for i in req.assignments_to if i not in deleted]
    if not deleted:
        return {}
    survivors = [k for k in after]
    rows = db.session.scalars(
        select(CellAssignment).where(
            CellAssignment.cell_id.in_(deleted), CellAssignment.ended_at.is_(None)
        )
    ).all()
    moves: dict[int, Key] = {}
    for a in rows:
        target = req.assignments_to.get(a.cell_id)
        if target is None:
            target = max(survivors, key=lambda k: (households[k], str(k)))
        if target != a.cell_id:
            moves[a.id] = target
    return moves


def move_assignment(assignment_id: int, cell_id: int | None, user: User) -> None:
    if cell_id is None:
        return
    a = db.session.get(CellAssignment, assignment_id)
    if a is None:
        return
    duplicate = db.session.scalar(
        select(CellAssignment.id).where(
            CellAssignment.cell_id == cell_id,
            CellAssignment.kind == a.kind,
            CellAssignment.ended_at.is_(None),
            func.coalesce(
                CellAssignment.party_org_id, CellAssignment.team_id, CellAssignment.user_id
            )
            == (a.party_org_id or a.team_id or a.user_id),
        )
    )
    a.ended_at = func.now()
    db.session.flush()
    if duplicate is None:
        db.session.add(
            CellAssignment(
                cell_id=cell_id,
                kind=a.kind,
                party_org_id=a.party_org_id,
                team_id=a.team_id,
                user_id=a.user_id,
                assigned_by=user.id,
            )
        )


def refresh_blocks(community_id: int, envelope: BaseGeometry) -> None:
    db.session.execute(
        text(
            "UPDATE blocks b SET cell_id = ("
            " SELECT c.id FROM grid_cells c WHERE c.community_id = b.community_id"
            " AND ST_Intersects(c.geom, b.geom)"
            " ORDER BY ST_Area(ST_Intersection(c.geom, b.geom)) DESC, c.id LIMIT 1)"
            " WHERE b.community_id = :c AND ST_Intersects(b.geom, ST_GeomFromText(:env, 4326))"
        ),
        {"c": community_id, "env": envelope.wkt},
    )


def impact(
    req: ChangeRequest,
    by_id: Mapping[int, GridCell],
    labels: Mapping[Key, str],
    before: Mapping[Key, BaseGeometry | None],
    check: ChangeCheck,
    households: Mapping[Key, int],
    info: Mapping[int, BuildingInfo],
    assignment_moves: Mapping[int, Key],
) -> dict[str, Any]:
    """What moves between cells: buildings, households, residents, assignments."""
    transfers: dict[tuple[str, str], dict[str, Any]] = {}
    for m in check.moves:
        k = (str(m.from_cell), str(m.to_cell))
        t = transfers.setdefault(
            k,
            {
                "from_cell": None if m.from_cell is None else str(m.from_cell),
                "from_label": labels.get(m.from_cell, "（无）")
                if m.from_cell is not None
                else "（无）",
                "to_cell": None if m.to_cell is None else str(m.to_cell),
                "to_label": labels.get(m.to_cell, "（无）") if m.to_cell is not None else "（无）",
                "buildings": [],
                "households": 0,
                "residents": 0,
            },
        )
        t["buildings"].append(m.building_id)
        t["households"] += info[m.building_id].households
        t["residents"] += info[m.building_id].residents
    assignments = []
    if assignment_moves:
        rows = db.session.scalars(
            select(CellAssignment).where(CellAssignment.id.in_(list(assignment_moves)))
        ).all()
        for a in rows:
            assignments.append(
                {
                    "assignment_id": a.id,
                    "kind": a.kind,
                    "from_cell": str(a.cell_id),
                    "from_label": labels.get(a.cell_id, str(a.cell_id)),
                    "to_cell": str(assignment_moves[a.id]),
                    "to_label": labels.get(assignment_moves[a.id], str(assignment_moves[a.id])),
                }
            )
    cells = []
    for ref in [*before, *[k for k in check.after if k not in before]]:
        b = before.get(ref)
        after = check.after.get(ref)
        existing = by_id.get(ref) if isinstance(ref, int) else None
        cells.append(
            {
                "cell": str(ref),
                "label": labels.get(ref, str(ref)),
                "area_before_m2": 0.0 if b is None else round(b.area, 1),
                "area_after_m2": 0.0 if after is None else round(after.area, 1),
                "households_before": 0 if existing is None else existing.households,
                "households_after": households.get(ref, 0) if after is not None else 0,
            }
        )
    moved_hh = sum(t["households"] for t in transfers.values())
    summary = (
        f"{len(check.moves)} 栋建筑、{moved_hh} 户改变所属网格"
        if check.moves
        else "没有建筑改变所属网格"
    )
    return {
        "summary": summary,
        "transfers": list(transfers.values()),
        "assignments": assignments,
        "cells": cells,
        "cut_buildings": check.cut_buildings,
    }
