"""走访: recording a visit to a household or a party member, and reading visits.

Who may record (docs/FIELD.md): field staff, grid managers and admins (others: 403), for
a household or member of a cell whose households they read by name — any other target is
a 404, like an unknown id. A member's cell is their home building's, else that of their
latest registration. The visit keeps that cell.

Recording is idempotent by ``client_key`` (``submit.py``): a resend answers the stored
visit (``created`` False) before anything else is checked or stored. A new visit and its
optional photo (``photos.stored``, private) are written in one transaction: a refused
photo (400 empty, 413 too large, 415 no image) or a broken rule (422: in the future, more
than 30 days back) stores neither row nor file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geoalchemy2 import WKTElement
from sqlalchemy import func, select

from gridapp.core.clock import LOCAL_TZ
from gridapp.core.errors import BadRequest, Forbidden, NotFound, Unprocessable
from gridapp.extensions import db
from gridapp.models import Building, Household, Member, User, Visit
from gridapp.services import scope
from gridapp.services.field import submit
from gridapp.services.field.access import current_route, log_reads
from gridapp.services.field.paging import page_of
from gridapp.services.field.reminders import member_cell
from gridapp.services.field.visit_rows import answers, in_scope, named_households, visit_query

MAX_DAYS_BACK = 30
CLOCK_SLACK = timedelta(minutes=5)  # a phone's clock a little ahead is not "the future"
RECORD_PURPOSE = "登记走访"
LIST_PURPOSE = "查看走访记录"


@dataclass(frozen=True)
class VisitInput:
    client_key: str
    household_id: int | None = None
    member_id: int | None = None
    method: str = "home"
    note: str = ""
    visited_at: datetime | None = None  # None: now; naive: local (Beijing) time
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None


@dataclass(frozen=True)
class Target:
    household_id: int | None
    member_id: int | None
    cell_id: int


def authorize_visit(user: User, household_id: int | None, member_id: int | None) -> None:
    """The permission check before the form is read: 403 for a role that never records
    visits, 404 for a named household or member outside the user's readable cells."""
    _require_recorder(user)
    if household_id is not None:
        _household_cell(user, household_id)
    if member_id is not None:
        _member_cell(user, member_id)


def _require_recorder(user: User) -> None:
    if user.role not in submit.RECORD_ROLES:
        raise Forbidden("只有网格员、网格管理员和系统管理员可以登记走访")


def record_visit(
    user: User,
    data: VisitInput,
    photo: bytes | None,
    route: str,
    now: datetime | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store a visit (with its photo); ``(the visit, True)``, or ``(the visit stored
    before under this key, False)``."""
    _require_recorder(user)
    target = _target(user, data)
    found = submit.already_submitted(Visit, data.client_key, Visit.user_id, user)
    if found is not None:
        return _answer(user, found.id, route), False
    visited_at = _visited_at(data.visited_at, now or datetime.now(UTC))
    return submit.submit_with_photo(
        Visit,
        data.client_key,
        Visit.user_id,
        user,
        photo,
        target.cell_id,
        private=True,
        create=lambda saved: _new_visit(user, data, target, visited_at, saved),
        answer=lambda visit: _answer(user, visit.id, route, commit=False),
    )


def list_visits(
    user: User,
    route: str,
    *,
    cell_id: int | None = None,
    user_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """``GET /api/visits``: visits in scope newest first, of one cell (404 outside the
    scope, like an unknown id) and/or by one worker; ``workers`` names everyone who made
    a visit in scope (the per-worker log's choices)."""
    if cell_id is not None and not scope.includes(scope.visible_cell_ids(user), cell_id):
        raise NotFound(f"未找到编号为 {cell_id} 的网格")
    query = visit_query(user).where(in_scope(user))
    if cell_id is not None:
        query = query.where(Visit.cell_id == cell_id)
    if user_id is not None:
        query = query.where(Visit.user_id == user_id)
    answer = page_of(
        query,
        (Visit.visited_at.desc(), Visit.id.desc()),
        page,
        per_page,
        lambda rows: answers(user, rows),
    )
    answer["workers"] = [
        {"id": worker_id, "name": name}
        for worker_id, name in db.session.execute(
            select(Visit.user_id, func.max(Visit.user_name))
            .where(in_scope(user), Visit.user_id.is_not(None))
            .group_by(Visit.user_id)
            .order_by(func.max(Visit.user_name), Visit.user_id)
        )
    ]
    log_reads(user, named_households(answer["items"]), route, LIST_PURPOSE)
    db.session.commit()
    return answer


def recent_visits(
    user: User, cell_id: int, limit: int = 10, *, route: str | None = None
) -> list[dict[str, Any]]:
    """The latest visits made in one visible cell (404 otherwise), newest first, redacted
    as in ``list_visits``; the households named are logged and the log committed."""
    answer = list_visits(
        user, route or current_route("field.recent_visits"), cell_id=cell_id, per_page=limit
    )
    items: list[dict[str, Any]] = answer["items"]
    return items


def _household_cell(user: User, household_id: int) -> int:
    cell = db.session.scalar(
        select(Building.cell_id)
        .join(Household, Household.building_id == Building.id)
        .where(
            Household.id == household_id,
            Building.cell_id.in_(scope.household_reader_cell_ids(user)),
        )
    )
    if cell is None:
        raise NotFound(f"未找到编号为 {household_id} 的住户")
    return int(cell)


def _member_cell(user: User, member_id: int) -> int:
    home = select(Building.cell_id).where(Building.id == Member.home_building_id).scalar_subquery()
    cell = db.session.scalar(select(member_cell(home)).where(Member.id == member_id))
    if cell is None or not scope.includes(scope.household_reader_cell_ids(user), int(cell)):
        raise NotFound(f"未找到编号为 {member_id} 的党员")
    return int(cell)


def _target(user: User, data: VisitInput) -> Target:
    """The visited household or member and its cell: 404 outside the user's readable
    cells (checked first), then 400 unless exactly one is named."""
    household, member = data.household_id, data.member_id
    cell = _household_cell(user, household) if household is not None else None
    member_cell = _member_cell(user, member) if member is not None else None
    if (cell is None) == (member_cell is None):
        raise BadRequest(
            "请指定走访对象：住户编号（household_id）或党员编号（member_id），二者选一"
        )
    if (data.lat is None) != (data.lon is None):
        raise BadRequest("经度和纬度应同时填写")
    return Target(household, member, cell if cell is not None else int(member_cell or 0))


def _visited_at(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        return now
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    if value > now + CLOCK_SLACK:
        raise Unprocessable("走访时间不能晚于当前时间，请检查手机的日期和时间")
    if value < now - timedelta(days=MAX_DAYS_BACK):
        raise Unprocessable(f"走访时间不能早于 {MAX_DAYS_BACK} 天前，请及时登记走访")
    return value


def _new_visit(
    user: User, data: VisitInput, target: Target, visited_at: datetime, photo: Any
) -> Visit:
    location = None
    if data.lat is not None and data.lon is not None:
        location = WKTElement(f"POINT({data.lon!r} {data.lat!r})", srid=4326)
    return Visit(
        client_key=data.client_key,
        cell_id=target.cell_id,
        household_id=target.household_id,
        member_id=target.member_id,
        user_id=user.id,
        user_name=user.display_name or user.username,
        method=data.method,
        visited_at=visited_at,
        note=data.note.strip(),
        photo_id=photo.id if photo is not None else None,
        location=location,
        accuracy_m=data.accuracy_m,
    )


def _answer(user: User, visit_id: int, route: str, *, commit: bool = True) -> dict[str, Any]:
    """One visit as ``list_visits`` answers it; its household is logged."""
    items = answers(user, visit_query(user).where(Visit.id == visit_id))
    log_reads(user, named_households(items), route, RECORD_PURPOSE)
    if commit:
        db.session.commit()
    return items[0]
