"""Events reported in a cell (事件上报): a problem a worker found, at a point, with an
optional photo, open until someone closes it (办结).

Who (docs/FIELD.md, docs/SCOPE.md): field staff, grid managers and admins report in a cell
they see; every role closes an open event it sees (coordinators too). An event is seen by
everyone who sees its cell; one whose cell was deleted by a boundary edit (``cell_id`` NULL)
by everyone who sees a cell holding its point. Anything else is a 404, like an unknown id.

A report is one transaction: its photo (``photos.stored``, public to the cell's viewers) and
its row, or neither — a refused report leaves no file. It is idempotent by ``client_key``
(``submit``): a retry answers the stored event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from geoalchemy2 import Geography
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.orm import aliased

from gridapp.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from gridapp.core.vocab import EVENT_CATEGORY_LABELS, EVENT_STATUS_LABELS, Role
from gridapp.extensions import db
from gridapp.models import CellEvent, Community, GridCell, User
from gridapp.services import scope
from gridapp.services.field import submit
from gridapp.services.field.paging import page_of
from gridapp.services.field.photos import photo_url
from gridapp.services.queries import AnySelect

CLOSE_ROLES = frozenset({*submit.RECORD_ROLES, Role.COORDINATOR.value})
SLACK_M = 100.0  # GPS error: a point this close to the cell still counts as in it
MAX_DESCRIPTION = 1000
MAX_NOTE = 500
STATUSES = ("open", "closed", "all")


@dataclass(frozen=True)
class EventReport:
    client_key: str
    cell_id: int
    category: str
    description: str
    lat: float
    lon: float


# --- who may -----------------------------------------------------------------------------


def authorize_report(user: User, cell_id: int | None) -> GridCell | None:
    """The cell ``user`` may report in: 403 for a role that never reports, 404 for an
    unknown cell, 403 outside the scope. ``None`` when the request names no cell yet."""
    return submit.recording_cell(user, cell_id, "只有网格员、网格管理员和系统管理员可以上报事件")


def closable_event(user: User, event_id: int, *, lock: bool = False) -> CellEvent:
    """An event ``user`` sees and may close; 404 when unknown or outside the scope."""
    if user.role not in CLOSE_ROLES:
        raise Forbidden("您的角色不能办结事件")
    query = select(CellEvent).where(CellEvent.id == event_id, visible_condition(user))
    event = db.session.scalar(query.with_for_update(of=CellEvent) if lock else query)
    if event is None:
        raise NotFound(f"未找到编号为 {event_id} 的事件")
    return event


def visible_condition(user: User) -> ColumnElement[bool]:
    """Events of the cells ``user`` sees (an orphaned event by where its point lies)."""
    if scope.is_admin(user):
        return true()
    cells = scope.visible_cell_ids(user)
    other = aliased(GridCell)  # not the event's own cell, which a listing joins
    holding = exists().where(other.id.in_(cells), func.ST_Intersects(other.geom, CellEvent.geom))
    return or_(CellEvent.cell_id.in_(cells), and_(CellEvent.cell_id.is_(None), holding))


# --- report ------------------------------------------------------------------------------


def report_event(
    user: User, report: EventReport, photo: bytes | None
) -> tuple[dict[str, Any], bool]:
    """Store a reported event (and its photo); ``(event, True)`` when new, ``(the stored
    event, False)`` for a retry of the same ``client_key``."""
    cell = authorize_report(user, report.cell_id)
    assert cell is not None
    stored = submit.already_submitted(CellEvent, report.client_key, CellEvent.reported_by, user)
    if stored is not None:
        return event_by_id(stored.id), False
    category, description = _checked(report)
    _check_in_cell(cell, report.lon, report.lat)
    return submit.submit_with_photo(
        CellEvent,
        report.client_key,
        CellEvent.reported_by,
        user,
        photo,
        cell.id,
        private=False,
        create=lambda saved: CellEvent(
            client_key=report.client_key,
            cell_id=cell.id,
            category=category,
            description=description,
            geom=from_shape(Point(report.lon, report.lat), srid=4326),
            photo_id=saved.id if saved is not None else None,
            status="open",
            reported_by=user.id,
            reporter_name=user.display_name or user.username,
        ),
        answer=lambda row: event_by_id(row.id),
    )


def _checked(report: EventReport) -> tuple[str, str]:
    if report.category not in EVENT_CATEGORY_LABELS:
        kinds = "、".join(f"{label}（{key}）" for key, label in EVENT_CATEGORY_LABELS.items())
        raise Unprocessable(f"事件类别应为 {kinds} 之一")
    description = report.description.strip()
    if not description:
        raise Unprocessable("请填写事件描述")
    if len(description) > MAX_DESCRIPTION:
        raise Unprocessable(f"事件描述最多 {MAX_DESCRIPTION} 个字（现有 {len(description)} 个字）")
    return report.category, description


def _check_in_cell(cell: GridCell, lon: float, lat: float) -> None:
    """The point lies in the cell or within ``SLACK_M`` metres of it (on the spheroid)."""
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    near = db.session.scalar(
        select(
            func.ST_DWithin(GridCell.geom.cast(Geography), point.cast(Geography), SLACK_M)
        ).where(GridCell.id == cell.id)
    )
    if not near:
        raise Unprocessable(
            f"事件位置不在网格 {cell.name}（{cell.code}）内（允许 {SLACK_M:.0f} 米定位误差），"
            "请确认定位或选择正确的网格"
        )


# --- close -------------------------------------------------------------------------------


def close_event(user: User, event_id: int, note: str = "") -> dict[str, Any]:
    """Close an open event (办结) with a note; 409 when it is closed already."""
    event = closable_event(user, event_id, lock=True)
    if event.status == "closed":
        by = f"由 {event.closer_name} " if event.closer_name else ""
        raise Conflict(f"事件（编号 {event_id}）已{by}办结，无需重复办结")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise Unprocessable(f"办结说明最多 {MAX_NOTE} 个字（现有 {len(note)} 个字）")
    event.status = "closed"
    event.closed_by = user.id
    event.closer_name = user.display_name or user.username
    event.closed_at = datetime.now(UTC)
    event.close_note = note
    db.session.commit()
    return event_by_id(event_id)


# --- read --------------------------------------------------------------------------------


def events(
    user: User,
    *,
    status: str = "all",
    cell_id: int | None = None,
    community_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """A page of the events ``user`` sees, newest first (filters: status, cell, community:
    404 when unknown, 403 outside the scope)."""
    query = _rows().where(visible_condition(user))
    if status != "all":
        query = query.where(CellEvent.status == status)
    if cell_id is not None:
        scope.require_visible(GridCell, cell_id, scope.visible_cell_ids(user), "网格")
        query = query.where(CellEvent.cell_id == cell_id)
    if community_id is not None:
        scope.require_community(user, community_id)
        query = query.where(GridCell.community_id == community_id)
    return page_of(
        query,
        (CellEvent.reported_at.desc(), CellEvent.id.desc()),
        page,
        per_page,
        lambda rows: [event_json(row) for row in db.session.execute(rows)],
    )


def open_events(cell_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """The open events of a cell, newest first (the caller checked the cell's scope)."""
    rows = db.session.execute(
        _rows()
        .where(CellEvent.cell_id == cell_id, CellEvent.status == "open")
        .order_by(CellEvent.reported_at.desc(), CellEvent.id.desc())
        .limit(limit)
    ).all()
    return [event_json(row) for row in rows]


def event_by_id(event_id: int) -> dict[str, Any]:
    return event_json(db.session.execute(_rows().where(CellEvent.id == event_id)).one())


def _rows() -> AnySelect:
    return (
        select(
            CellEvent,
            func.ST_X(CellEvent.geom).label("lon"),
            func.ST_Y(CellEvent.geom).label("lat"),
            GridCell.code.label("cell_code"),
            GridCell.name.label("cell_name"),
            GridCell.community_id,
            Community.name.label("community_name"),
        )
        .outerjoin(GridCell, GridCell.id == CellEvent.cell_id)
        .outerjoin(Community, Community.id == GridCell.community_id)
    )


def event_json(row: Any) -> dict[str, Any]:
    e: CellEvent = row.CellEvent
    return {
        "id": e.id,
        "cell_id": e.cell_id,
        "cell_code": row.cell_code or "",
        "cell_name": row.cell_name or "",
        "community_id": row.community_id,
        "community_name": row.community_name or "",
        "category": e.category,
        "category_label": EVENT_CATEGORY_LABELS[e.category],
        "description": e.description,
        "lat": round(float(row.lat), 7),
        "lon": round(float(row.lon), 7),
        "status": e.status,
        "status_label": EVENT_STATUS_LABELS[e.status],
        "reporter": e.reporter_name,
        "reported_at": e.reported_at.isoformat(),
        "closer": e.closer_name,
        "closed_at": e.closed_at.isoformat() if e.closed_at else None,
        "close_note": e.close_note,
        "photo_id": e.photo_id,
        "photo_url": photo_url(e.photo_id),
    }
