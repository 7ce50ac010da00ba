"""The cell sheet (网格档案, ``GET /api/cells/<id>/sheet``): everything a grid worker needs
about one cell on one screen — the cell, its buildings, households in difficulty, the party
organisations, 党员中心户 and teams answering for it, the nearest service points by walking,
its open events, and the visits due.

Who (docs/FIELD.md): everyone who sees the cell; anything else is a 404 like an unknown id.
Household names only for household readers of the cell (``scope.household_reader_cell_ids``),
every record returned written to the access log in the reading transaction (as
``households`` does); others get the counts. Contact details: see ``sheet_people``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from gridapp.core.errors import NotFound
from gridapp.core.vocab import BUILDING_KIND_LABELS, DIFFICULTY_TAGS
from gridapp.extensions import db
from gridapp.models import Building, Community, GridCell, Household, User
from gridapp.services import scope
from gridapp.services.field import events, nearby, reminders, sheet_people, visits
from gridapp.services.field.access import log_reads
from gridapp.services.field.households import record_json, record_query

PURPOSE = "查看网格档案（困难群众）"


def cell_sheet(user: User, cell_id: int, route: str) -> dict[str, Any]:
    """The sheet of a cell ``user`` sees; household reads are logged and committed."""
    cell = db.session.execute(
        select(GridCell, Community.name)
        .join(Community, Community.id == GridCell.community_id)
        .where(GridCell.id == cell_id, GridCell.id.in_(scope.visible_cell_ids(user)))
    ).one_or_none()
    if cell is None:
        raise NotFound(f"未找到编号为 {cell_id} 的网格")
    c, community_name = cell
    can_read_names = scope.includes(scope.household_reader_cell_ids(user), cell_id)
    sheet = {
        "cell": {
            "id": c.id,
            "code": c.code,
            "name": c.name,
            "community_id": c.community_id,
            "community_name": community_name,
            "households": c.households,
            "residents": c.residents,
        },
        "can_read_names": can_read_names,
        "buildings": _buildings(cell_id),
        "difficulty": _difficulty(user, cell_id, can_read_names, route),
        "party": sheet_people.party(cell_id),
        "teams": sheet_people.teams(user, cell_id),
        "service_points": nearby.nearest_service_points(user, cell_id),
        "events_open": events.open_events(cell_id),
        **_visits_part(user, cell_id, can_read_names, route),
    }
    db.session.commit()  # the access log of the households read
    return sheet


def _buildings(cell_id: int) -> list[dict[str, Any]]:
    """The cell's buildings with their household records (户) counted."""
    rows = db.session.execute(
        select(Building.id, Building.name, Building.kind, func.count(Household.id))
        .outerjoin(Household, Household.building_id == Building.id)
        .where(Building.cell_id == cell_id)
        .group_by(Building.id)
        .order_by(Building.name, Building.id)
    ).all()
    return [
        {
            "id": building_id,
            "name": name or f"楼栋（编号{building_id}）",
            "kind": kind,
            "kind_label": BUILDING_KIND_LABELS.get(kind, kind),
            "households": int(n),
        }
        for building_id, name, kind, n in rows
    ]


def _difficulty(user: User, cell_id: int, can_read_names: bool, route: str) -> dict[str, Any]:
    """困难群众 of the cell: the count and per tag for everyone; the records (logged) only
    for household readers, else ``households: None``."""
    in_difficulty = or_(*(Household.tags.contains([t]) for t in DIFFICULTY_TAGS))
    counts = db.session.execute(
        select(
            func.count(Household.id).filter(in_difficulty),
            *(
                func.count(Household.id).filter(Household.tags.contains([t]))
                for t in DIFFICULTY_TAGS
            ),
        )
        .join(Building, Building.id == Household.building_id)
        .where(Building.cell_id == cell_id)
    ).one()
    households = None
    if can_read_names:
        rows = db.session.execute(
            record_query()
            .where(Building.cell_id == cell_id, in_difficulty)
            .order_by(
                Building.name,
                Building.id,
                Household.unit,
                func.length(Household.room),
                Household.room,
            )
        ).all()
        households = [record_json(row) for row in rows]
        log_reads(user, [(h["id"], cell_id) for h in households], route, PURPOSE)
    return {
        "count": int(counts[0]),
        "by_tag": {t: int(n) for t, n in zip(DIFFICULTY_TAGS, counts[1:], strict=True)},
        "households": households,
    }


def _visits_part(user: User, cell_id: int, can_read_names: bool, route: str) -> dict[str, Any]:
    """The visits part of the sheet: ``visits_due`` (the "四访" due list of the cell, None
    without names), ``visits_due_count`` (0 without names, as in ``my_cells``) and
    ``visits_recent`` (the latest visits, redacted as in ``GET /api/visits``). Both lists
    log the households they name."""
    due = reminders.due_list(user, cell_ids=[cell_id], route=route) if can_read_names else None
    return {
        "visits_due": due,
        "visits_due_count": len(due) if due is not None else 0,
        "visits_recent": visits.recent_visits(user, cell_id, route=route),
    }
