"""Step 3 of a save: write the validated change.

The change row, new cells (next free codes, or a deleted cell's old code on a revert),
changed cells (conditional ``UPDATE … WHERE version = :v``), buildings that change cell,
assignments that follow deleted or split cells, deleted cells, each with its history row
(``records``), and the blocks' owners around the change.
"""

from __future__ import annotations

from typing import Any, cast

from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import CursorResult, func, update

from gridapp.core import codes
from gridapp.core.errors import StaleVersion
from gridapp.core.partition import Key
from gridapp.extensions import db
from gridapp.models import Building, CellChange, Community, GridCell, User
from gridapp.services.editing import records
from gridapp.services.editing.cells import cell_feature, label
from gridapp.services.editing.lock import Locked
from gridapp.services.editing.request import ChangeRequest, ChangeResult
from gridapp.services.editing.validate import Checked


def write_change(
    user: User,
    req: ChangeRequest,
    locked: Locked,
    checked: Checked,
    assignment_moves: dict[int, Key],
    impact: dict[str, Any],
) -> ChangeResult:
    change = CellChange(
        community_id=locked.community.id,
        user_id=user.id,
        user_name=user.display_name,
        op=req.op,
        summary=req.summary or impact["summary"],
        override_reason=req.override_reason.strip() if checked.check.cut_buildings else "",
        reverts_change_id=req.reverts_change_id,
    )
    db.session.add(change)
    db.session.flush()

    new_ids, out_cells = _create_cells(change, req, locked.community, checked)
    out_cells += _update_cells(change, req, locked.cells, checked)

    def resolve(key: Key | None) -> int | None:
        if key is None:
            return None
        return new_ids.get(key, key if isinstance(key, int) else None)

    if checked.check.moves:  # one executemany (ORM bulk UPDATE by primary key)
        db.session.execute(
            update(Building),
            [{"id": m.building_id, "cell_id": resolve(m.to_cell)} for m in checked.check.moves],
            execution_options={"synchronize_session": False},
        )
    for assignment_id, target in assignment_moves.items():
        records.move_assignment(assignment_id, resolve(target), user)

    for ref, c in req.by_ref().items():
        if c.delete and c.id is not None:
            cell = locked.cells[c.id]
            records.history(
                change, cell, to_shape(cell.geom), None, checked.before[ref], None, cell.households
            )
            db.session.delete(cell)
    db.session.flush()
    records.refresh_blocks(locked.community.id, locked.envelope)
    return ChangeResult(change.id, out_cells, impact)


def _create_cells(
    change: CellChange, req: ChangeRequest, community: Community, checked: Checked
) -> tuple[dict[Key, int], list[dict[str, Any]]]:
    """Insert the new cells; returns their ids by key and their features."""
    new_ids: dict[Key, int] = {}
    out_cells: list[dict[str, Any]] = []
    created: list[tuple[Key, GridCell]] = []
    used = records.used_seqs(community)
    for ref, c in req.by_ref().items():
        if c.id is not None:
            continue
        if c.code is not None and c.code.startswith(community.code):
            seq = int(c.code[12:])
        else:
            seq = codes.next_free_seq(used)
        used.add(seq)
        geom = checked.after_lonlat[ref]
        cell = GridCell(
            community_id=community.id,
            code=codes.cell_code(community.code, seq),
            seq=seq,
            name=c.name or f"{community.name.removesuffix('社区')}第{seq}网格",
            households=checked.households[ref],
            residents=checked.residents[ref],
            geom=from_shape(geom, srid=4326),
        )
        db.session.add(cell)
        created.append((ref, cell))
    db.session.flush()  # one batch of INSERTs for all the new cells
    for ref, cell in created:
        geom = checked.after_lonlat[ref]
        new_ids[ref] = cell.id
        records.history(change, cell, None, geom, None, checked.check.after[ref], 0)
        out_cells.append(cell_feature(cell, geom))
    return new_ids, out_cells


def _update_cells(
    change: CellChange, req: ChangeRequest, cells: dict[int, GridCell], checked: Checked
) -> list[dict[str, Any]]:
    """Update the changed cells (not the deleted ones); returns their features."""
    out_cells: list[dict[str, Any]] = []
    for ref, c in req.by_ref().items():
        if c.id is None or c.delete:
            continue
        cell = cells[c.id]
        before_ll = to_shape(cell.geom)
        hh_before = cell.households
        name_before = cell.name
        geom = checked.after_lonlat[ref]
        result = db.session.execute(
            update(GridCell)
            .where(GridCell.id == cell.id, GridCell.version == c.version)
            .values(
                geom=from_shape(geom, srid=4326),
                name=c.name if c.name else GridCell.name,
                households=checked.households[ref],
                residents=checked.residents[ref],
                version=GridCell.version + 1,
                updated_at=func.now(),
            )
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult[Any], result).rowcount != 1:
            # belt and braces: the row lock makes this unreachable
            raise StaleVersion(f"保存冲突：{label(cell)} 已被他人修改")
        db.session.refresh(cell)
        records.history(
            change,
            cell,
            before_ll,
            geom,
            checked.before[ref],
            checked.check.after[ref],
            hh_before,
            name_before=name_before,
        )
        out_cells.append(cell_feature(cell, geom))
    return out_cells
