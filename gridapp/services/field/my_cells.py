"""我的网格 (``GET /api/field/my-cells``): the cells a user sees, each with its household
counts, the visits due and overdue (where the user reads names, else 0), its open events
and its outline as GeoJSON. Counts only — no name — so nothing is logged."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import func, select

from gridapp.core.vocab import DIFFICULTY_TAGS
from gridapp.extensions import db
from gridapp.models import Building, CellEvent, Community, GridCell, Household, User
from gridapp.services import scope
from gridapp.services.field.reminders import due_targets

GEOJSON_DIGITS = 6  # ~0.1 m: enough for a phone's map


def my_cells(user: User, today: date | None = None) -> dict[str, Any]:
    """The visible cells in code order (reminders as of ``today``, default the local
    today)."""
    households = (
        select(func.count(Household.id))
        .join(Building, Building.id == Household.building_id)
        .where(Building.cell_id == GridCell.id)
    )
    hard = households.where(Household.tags.overlap(list(DIFFICULTY_TAGS)))
    open_events = select(func.count(CellEvent.id)).where(
        CellEvent.cell_id == GridCell.id, CellEvent.status == "open"
    )
    rows = db.session.execute(
        select(
            GridCell.id,
            GridCell.code,
            GridCell.name,
            GridCell.community_id,
            Community.name,
            households.scalar_subquery(),
            hard.scalar_subquery(),
            open_events.scalar_subquery(),
            func.ST_AsGeoJSON(GridCell.geom, GEOJSON_DIGITS),
        )
        .join(Community, Community.id == GridCell.community_id)
        .where(GridCell.id.in_(scope.visible_cell_ids(user)))
        .order_by(GridCell.code)
    ).all()
    ids = [row[0] for row in rows]
    readable = set(
        db.session.scalars(
            select(GridCell.id).where(
                GridCell.id.in_(ids), GridCell.id.in_(scope.household_reader_cell_ids(user))
            )
        )
    )
    due: Counter[int] = Counter()
    overdue: Counter[int] = Counter()
    for target in due_targets(user, cell_ids=sorted(readable), today=today) if readable else []:
        due[target.cell_id] += 1
        overdue[target.cell_id] += target.state.overdue
    cells = [
        {
            "id": cid,
            "code": code,
            "name": name,
            "community_id": community_id,
            "community_name": community_name,
            "households": int(n or 0),
            "in_difficulty": int(n_hard or 0),
            "visits_due": due[cid],
            "visits_overdue": overdue[cid],
            "open_events": int(n_open or 0),
            "can_read_names": cid in readable,
            "geometry": json.loads(geometry),
        }
        for cid, code, name, community_id, community_name, n, n_hard, n_open, geometry in rows
    ]
    return {"cells": cells}
