"""Reading household records by name (住户名册): the households of a cell, one household.

Privacy by cell (docs/SCOPE.md, 住户): a record is readable only when its building lies in
one of the reader's cells (``scope.household_reader_cell_ids``). Anything else answers 404
— an unknown id and a record outside the reader's cells look the same, so ids don't leak —
and a refused read logs nothing. Every record a read returns is logged
(``access.log_reads``) in the same transaction, which commits before the answer is given.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Select, func, select

from gridapp.core.errors import NotFound
from gridapp.core.vocab import DIFFICULTY_TAGS, HOUSEHOLD_TAG_LABELS
from gridapp.extensions import db
from gridapp.models import Building, GridCell, Household, User
from gridapp.services import scope
from gridapp.services.field.access import log_reads

# A SELECT of any number of columns (SQLAlchemy 2.1 types Select by its column types).
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
LIST_PURPOSE = "查看网格住户名册"
ONE_PURPOSE = "查看住户详情"


def cell_households(user: User, cell_id: int, route: str, tag: str | None = None) -> dict[str, Any]:
    """The households of one of the reader's cells (optionally those with ``tag``)."""
    cell = db.session.execute(
        select(GridCell.id, GridCell.code, GridCell.name, GridCell.community_id).where(
            GridCell.id == cell_id, GridCell.id.in_(scope.household_reader_cell_ids(user))
        )
    ).one_or_none()
    if cell is None:
        raise NotFound(f"未找到编号为 {cell_id} 的网格住户")
    query = record_query().where(Building.cell_id == cell_id)
    if tag is not None:
        query = query.where(Household.tags.contains([tag]))
    rows = db.session.execute(
        query.order_by(
            Building.name, Building.id, Household.unit, func.length(Household.room), Household.room
        )
    ).all()
    households = [record_json(row) for row in rows]
    log_reads(user, [(h["id"], cell.id) for h in households], route, LIST_PURPOSE)
    db.session.commit()
    return {
        "cell": {
            "id": cell.id,
            "code": cell.code,
            "name": cell.name,
            "community_id": cell.community_id,
        },
        "count": len(households),
        "households": households,
    }


def household(user: User, household_id: int, route: str) -> dict[str, Any]:
    """One household in one of the reader's cells."""
    row = db.session.execute(
        record_query().where(
            Household.id == household_id,
            Building.cell_id.in_(scope.household_reader_cell_ids(user)),
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"未找到编号为 {household_id} 的住户")
    record = record_json(row)
    log_reads(user, [(record["id"], record["cell_id"])], route, ONE_PURPOSE)
    db.session.commit()
    return record


def record_query() -> AnySelect:
    """Household records with their building and cell (for ``record_json``)."""
    return (
        select(
            Household,
            Building.name.label("building_name"),
            Building.cell_id,
            GridCell.code.label("cell_code"),
            GridCell.name.label("cell_name"),
            GridCell.community_id,
        )
        .join(Building, Building.id == Household.building_id)
        .join(GridCell, GridCell.id == Building.cell_id)
    )


def address(building_id: int, building_name: str, unit: str, room: str) -> str:
    """楼栋 + 单元 + 门牌, e.g. 光华家园3号楼2单元301; a building with no name (many
    平房 have none) is named by its number, 楼栋（编号1032）5号."""
    return f"{building_name or f'楼栋（编号{building_id}）'}{unit}{room}"


def record_json(row: Any) -> dict[str, Any]:
    """One household record of ``record_query`` as JSON; the caller logs the read."""
    h: Household = row.Household
    return {
        "id": h.id,
        "building_id": h.building_id,
        "building_name": row.building_name,
        "cell_id": row.cell_id,
        "cell_code": row.cell_code,
        "cell_name": row.cell_name,
        "community_id": row.community_id,
        "unit": h.unit,
        "room": h.room,
        "address": address(h.building_id, row.building_name, h.unit, h.room),
        "head_name": h.head_name,
        "size": h.size,
        "phone": h.phone,
        "tags": list(h.tags),
        "tag_labels": [HOUSEHOLD_TAG_LABELS[t] for t in h.tags],
        "in_difficulty": any(t in DIFFICULTY_TAGS for t in h.tags),
        "updated_at": h.updated_at.isoformat(),
    }
