"""A cell's edit history: every change that touched its code, newest first."""

from __future__ import annotations

from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import select

from gridapp.core.errors import Forbidden
from gridapp.extensions import db
from gridapp.models import CellChange, CellHistory, GridCell, User
from gridapp.services import scope
from gridapp.services.editing.access import find_cell


def cell_history(user: User, cell_id: int) -> list[dict[str, Any]]:
    cell = find_cell(cell_id)
    visible = db.session.scalar(scope.visible_cell_ids(user).where(GridCell.id == cell_id))
    if visible is None:
        raise Forbidden(f"您无权查看编号为 {cell_id} 的网格的修改记录")
    rows = db.session.execute(
        select(CellHistory, CellChange)
        .join(CellChange, CellChange.id == CellHistory.change_id)
        .where(CellHistory.cell_code == cell.code)
        .order_by(CellChange.created_at.desc(), CellChange.id.desc())
    ).all()
    return [_history_entry(h, c) for h, c in rows]


def _history_entry(h: CellHistory, c: CellChange) -> dict[str, Any]:
    return {
        "change_id": c.id,
        "op": c.op,
        "summary": c.summary,
        "user": c.user_name,
        "at": c.created_at.isoformat(),
        "override_reason": c.override_reason,
        "reverts_change_id": c.reverts_change_id,
        "cell_code": h.cell_code,
        "version_before": h.version_before,
        "version_after": h.version_after,
        "area_before_m2": h.area_before_m2,
        "area_after_m2": h.area_after_m2,
        "households_before": h.households_before,
        "households_after": h.households_after,
        "geometry_before": None if h.geom_before is None else mapping(to_shape(h.geom_before)),
        "geometry_after": None if h.geom_after is None else mapping(to_shape(h.geom_after)),
    }
