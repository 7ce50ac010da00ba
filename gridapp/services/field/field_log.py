"""The field log (民情日志): a worker's short entry for a day in one of their cells — what
they saw (所见所闻) and the problems they found (发现的问题).

Who (docs/FIELD.md, docs/SCOPE.md): field staff, grid managers and admins write for a cell
they see; everyone reads and searches the entries of the cells they see (coordinators
search their whole scope). An entry whose cell was deleted is read by admins only.

``day`` is a date in Asia/Shanghai (``core.clock``), the default today; not in the future
and at most ``MAX_DAYS_BACK`` days back. A write is idempotent by ``client_key``
(``submit``): a retry answers the stored entry.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true

from gridapp.core.clock import local_today
from gridapp.core.errors import Forbidden, Unprocessable
from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import FieldLog, GridCell, User
from gridapp.services import scope
from gridapp.services.field import submit

WRITE_ROLES = frozenset({Role.ADMIN.value, Role.GRID_MANAGER.value, Role.FIELD_STAFF.value})
MAX_TEXT = 2000
MAX_DAYS_BACK = 30
MAX_PER_PAGE = 200
MAX_TERMS = 5


def authorize_write(user: User, cell_id: int | None) -> GridCell | None:
    """The cell ``user`` may write the log for: 403 for a role that never writes, 404 for an
    unknown cell, 403 outside the scope. ``None`` when the request names no cell yet."""
    if user.role not in WRITE_ROLES:
        raise Forbidden("只有网格员、网格管理员和系统管理员可以填写民情日志")
    if cell_id is None:
        return None
    cell: GridCell = scope.require_visible(
        GridCell,
        cell_id,
        scope.visible_cell_ids(user),
        "网格",
        f"网格（编号 {cell_id}）不在您的管辖范围内",
    )
    return cell


def write_log(
    user: User,
    client_key: str,
    cell_id: int,
    *,
    day: date | None = None,
    seen: str = "",
    problems: str = "",
    today: date | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store an entry; ``(entry, True)`` when new, ``(the stored entry, False)`` for a retry
    of the same ``client_key``."""
    cell = authorize_write(user, cell_id)
    assert cell is not None
    stored = submit.previous(FieldLog, client_key, FieldLog.user_id, user)
    if stored is not None:
        return entry_by_id(stored.id), False
    day = _checked_day(day, today or local_today())
    seen, problems = seen.strip(), problems.strip()
    if not seen and not problems:
        raise Unprocessable("请至少填写“所见所闻”或“发现的问题”中的一项")
    for label, text in (("所见所闻", seen), ("发现的问题", problems)):
        if len(text) > MAX_TEXT:
            raise Unprocessable(f"“{label}”最多 {MAX_TEXT} 个字（现有 {len(text)} 个字）")
    row, created = submit.submit_once(
        FieldLog,
        client_key,
        FieldLog.user_id,
        user,
        lambda: FieldLog(
            client_key=client_key,
            cell_id=cell.id,
            user_id=user.id,
            user_name=user.display_name or user.username,
            day=day,
            seen=seen,
            problems=problems,
        ),
    )
    db.session.commit()
    return entry_by_id(row.id), created


def _checked_day(day: date | None, today: date) -> date:
    if day is None:
        return today
    if day > today:
        raise Unprocessable(
            f"日志日期 {day.isoformat()} 晚于今天（{today.isoformat()}），不能预先填写"
        )
    if day < today - timedelta(days=MAX_DAYS_BACK):
        raise Unprocessable(f"只能补记最近 {MAX_DAYS_BACK} 天内的日志（{day.isoformat()} 已超出）")
    return day


def visible_condition(user: User) -> ColumnElement[bool]:
    if scope.is_admin(user):
        return true()
    return FieldLog.cell_id.in_(scope.visible_cell_ids(user))


def escape_like(text: str) -> str:
    """``text`` for an ILIKE pattern with ``\\`` as the escape: its own %, _ and \\ match
    themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def field_logs(
    user: User,
    *,
    q: str = "",
    cell_id: int | None = None,
    user_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """A page of the entries ``user`` sees, newest first. ``q``: words (split at spaces),
    each found in either text; ``cell_id``: 404 unknown, 403 outside the scope."""
    query = (
        select(FieldLog, GridCell.code, GridCell.name, GridCell.community_id)
        .outerjoin(GridCell, GridCell.id == FieldLog.cell_id)
        .where(visible_condition(user))
    )
    if cell_id is not None:
        scope.require_visible(GridCell, cell_id, scope.visible_cell_ids(user), "网格")
        query = query.where(FieldLog.cell_id == cell_id)
    if user_id is not None:
        query = query.where(FieldLog.user_id == user_id)
    if date_from is not None:
        query = query.where(FieldLog.day >= date_from)
    if date_to is not None:
        query = query.where(FieldLog.day <= date_to)
    terms = q.split()[:MAX_TERMS]
    if terms:
        query = query.where(and_(*(_mentions(t) for t in terms)))
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(
        query.order_by(FieldLog.day.desc(), FieldLog.created_at.desc(), FieldLog.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return {
        "total": int(total),
        "page": page,
        "per_page": per_page,
        "items": [_entry(*row) for row in rows],
    }


def _mentions(term: str) -> ColumnElement[bool]:
    pattern = f"%{escape_like(term)}%"
    return or_(
        FieldLog.seen.ilike(pattern, escape="\\"), FieldLog.problems.ilike(pattern, escape="\\")
    )


def entry_by_id(entry_id: int) -> dict[str, Any]:
    row = db.session.execute(
        select(FieldLog, GridCell.code, GridCell.name, GridCell.community_id)
        .outerjoin(GridCell, GridCell.id == FieldLog.cell_id)
        .where(FieldLog.id == entry_id)
    ).one()
    return _entry(*row)


def _entry(
    f: FieldLog, code: str | None, name: str | None, community_id: int | None
) -> dict[str, Any]:
    return {
        "id": f.id,
        "cell_id": f.cell_id,
        "cell_code": code or "",
        "cell_name": name or "",
        "community_id": community_id,
        "user_id": f.user_id,
        "user_name": f.user_name,
        "day": f.day.isoformat(),
        "seen": f.seen,
        "problems": f.problems,
        "created_at": f.created_at.isoformat(),
    }
