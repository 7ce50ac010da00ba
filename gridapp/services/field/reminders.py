"""The "四访" due list (docs/FIELD.md): the households in difficulty and the party members
with a reason, in the cells whose households the user reads by name, that are due a visit.

Two queries for any number of cells (one for households, one for members), each with its
targets' last visit; the rules (reasons, intervals, due or not, order) are
``core/reminders.py``. The intervals are ``VISIT_DAYS_DEFAULT`` overridden by the app's
``VISIT_DAYS`` setting (GRIDAPP_VISIT_DAYS). A member's cell is their home building's,
else the cell of their latest registration (在职党员报到). The due list names households,
so every household it returns is written to the access log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import aliased

from gridapp.core.clock import local_day, local_today
from gridapp.core.errors import NotFound
from gridapp.core.reminders import (
    REASON_LABELS,
    DueState,
    due_state,
    household_reasons,
    member_reasons,
    visit_days,
    years_before,
)
from gridapp.core.vocab import (
    DIFFICULTY_TAGS,
    NEW_MEMBER_YEARS,
    OLD_MEMBER_AGE,
    MemberStatus,
)
from gridapp.extensions import db
from gridapp.models import (
    Building,
    GridCell,
    Household,
    Member,
    MemberRegistration,
    User,
    Visit,
)
from gridapp.services import scope
from gridapp.services.field.access import current_route, log_reads
from gridapp.services.field.households import address

CellIds = Select[Any] | list[int] | None
PURPOSE = "查看走访提醒"


@dataclass(frozen=True)
class DueTarget:
    target: str  # "household" or "member"
    id: int
    name: str
    address: str
    cell_id: int
    cell_code: str
    cell_name: str
    reasons: list[str]
    state: DueState
    last_visit_at: datetime | None

    def sort_key(self) -> tuple[Any, ...]:
        return (*self.state.sort_key(), self.cell_code, self.target, self.id)


def intervals() -> dict[str, int]:
    """Days between visits per reason, with the app's VISIT_DAYS override (checked when
    the app starts; a wrong value raises ValueError here too)."""
    return visit_days(current_app.config.get("VISIT_DAYS"))


def due_list(
    user: User,
    *,
    cell_ids: CellIds = None,
    today: date | None = None,
    route: str | None = None,
) -> list[dict[str, Any]]:
    """The targets due a visit on ``today`` (default: the local today) in the user's
    readable cells (only those of ``cell_ids`` when given), most overdue first. Every
    household returned is logged (``route``: default the current endpoint) and the log
    is committed, as ``households.cell_households`` does."""
    targets = due_targets(user, cell_ids=cell_ids, today=today)
    reads = [(t.id, t.cell_id) for t in targets if t.target == "household"]
    log_reads(user, reads, route or current_route("field.due_list"), PURPOSE)
    db.session.commit()
    return [_item(t) for t in targets]


def due(user: User, cell_id: int | None, route: str, today: date | None = None) -> dict[str, Any]:
    """``GET /api/field/due``: the due list of one readable cell (404 for any other, like
    an unknown id) or of all of them."""
    if cell_id is not None and not scope.includes(scope.household_reader_cell_ids(user), cell_id):
        raise NotFound(f"未找到编号为 {cell_id} 的网格住户")
    cells = None if cell_id is None else [cell_id]
    return {"items": due_list(user, cell_ids=cells, today=today, route=route)}


def due_targets(
    user: User, *, cell_ids: CellIds = None, today: date | None = None
) -> list[DueTarget]:
    """The due targets in order, without logging (for counts that name no one)."""
    day = today or local_today()
    readable = select(GridCell.id).where(GridCell.id.in_(scope.household_reader_cell_ids(user)))
    if cell_ids is not None:
        readable = readable.where(GridCell.id.in_(cell_ids))
    days = intervals()
    targets = _households(readable, day, days) + _members(readable, day, days)
    return sorted(targets, key=DueTarget.sort_key)


def due_count(cell_id: int, today: date | None = None) -> int:
    """How many targets of one cell are due: a number that names no one, for any user who
    sees the cell (the cell sheet of a coordinator); the caller checked the cell."""
    cells = select(GridCell.id).where(GridCell.id == cell_id)
    day, days = today or local_today(), intervals()
    return len(_households(cells, day, days)) + len(_members(cells, day, days))


def _households(readable: Select[Any], today: date, days: dict[str, int]) -> list[DueTarget]:
    last = (
        select(func.max(Visit.visited_at)).where(Visit.household_id == Household.id)
    ).scalar_subquery()
    rows = db.session.execute(
        select(
            Household.id,
            Household.head_name,
            Household.tags,
            Household.building_id,
            Household.unit,
            Household.room,
            Building.name,
            GridCell.id,
            GridCell.code,
            GridCell.name,
            last,
        )
        .join(Building, Building.id == Household.building_id)
        .join(GridCell, GridCell.id == Building.cell_id)
        .where(Building.cell_id.in_(readable), Household.tags.overlap(list(DIFFICULTY_TAGS)))
    ).all()
    out = []
    for hid, head, tags, building_id, unit, room, building, cell, code, cell_name, at in rows:
        reasons = household_reasons(tags)
        state = due_state(reasons, local_day(at) if at else None, today, days)
        if state is not None:
            where = address(building_id, building, unit, room)
            out.append(
                DueTarget("household", hid, head, where, cell, code, cell_name, reasons, state, at)
            )
    return out


def member_cell(home_cell: Any) -> ColumnElement[Any]:
    """A party member's cell (of the row ``Member``): the cell of their home building
    (``home_cell``), else the cell of their latest registration (报到)."""
    registered = (
        select(MemberRegistration.cell_id)
        .where(MemberRegistration.member_id == Member.id, MemberRegistration.cell_id.is_not(None))
        .order_by(MemberRegistration.registered_at.desc(), MemberRegistration.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(home_cell, registered)


def _members(readable: Select[Any], today: date, days: dict[str, int]) -> list[DueTarget]:
    home = aliased(Building)
    cell_id = member_cell(home.cell_id)
    last = (
        select(func.max(Visit.visited_at)).where(Visit.member_id == Member.id)
    ).scalar_subquery()
    some_reason = or_(
        Member.born_year <= today.year - OLD_MEMBER_AGE,
        Member.in_difficulty.is_(True),
        Member.status == MemberStatus.MIGRANT.value,
        Member.joined_on >= years_before(today, NEW_MEMBER_YEARS),
    )
    in_reach = or_(
        home.cell_id.in_(readable),
        Member.id.in_(
            select(MemberRegistration.member_id).where(MemberRegistration.cell_id.in_(readable))
        ),
    )
    rows = db.session.execute(
        select(Member, home.name, cell_id, GridCell.code, GridCell.name, last)
        .outerjoin(home, home.id == Member.home_building_id)
        .join(GridCell, GridCell.id == cell_id)
        .where(some_reason, in_reach, cell_id.in_(readable))
    ).all()
    out = []
    for m, building, cell, code, cell_name, at in rows:
        reasons = member_reasons(
            born_year=m.born_year,
            joined_on=m.joined_on,
            in_difficulty=m.in_difficulty,
            status=m.status,
            today=today,
        )
        state = due_state(reasons, local_day(at) if at else None, today, days)
        if state is not None:
            where = address(m.home_building_id, building, "", "") if m.home_building_id else ""
            out.append(
                DueTarget("member", m.id, m.name, where, cell, code, cell_name, reasons, state, at)
            )
    return out


def _item(t: DueTarget) -> dict[str, Any]:
    return {
        "target": t.target,
        "id": t.id,
        "name": t.name,
        "address": t.address,
        "cell_id": t.cell_id,
        "cell_name": t.cell_name,
        "reasons": t.reasons,
        "reason_labels": [REASON_LABELS[r] for r in t.reasons],
        "interval_days": t.state.interval_days,
        "last_visit_at": t.last_visit_at.isoformat() if t.last_visit_at else None,
        "days_since": t.state.days_since,
        "overdue_days": t.state.overdue_days,
        "never_visited": t.state.never_visited,
    }
