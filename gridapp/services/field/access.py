"""The household access log (住户信息访问记录): one row per household record read, written
in the reading transaction; only admins read the log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import has_request_context, request
from sqlalchemy import func, insert, select

from gridapp.core.errors import Forbidden
from gridapp.extensions import db
from gridapp.models import HouseholdAccess, User
from gridapp.services import scope

MAX_PER_PAGE = 200


def current_route(default: str) -> str:
    """The endpoint of the current request (what the access log records as the route),
    else ``default`` (outside a request)."""
    if has_request_context() and request.endpoint:
        return str(request.endpoint)
    return default


def log_reads(
    user: User, reads: Sequence[tuple[int, int | None]], route: str, purpose: str
) -> None:
    """One access row per ``(household_id, cell_id)`` read; the caller commits."""
    if not reads:
        return
    rows = [
        {
            "user_id": user.id,
            "user_name": user.display_name or user.username,
            "household_id": household_id,
            "cell_id": cell_id,
            "route": route[:100],
            "purpose": purpose[:100],
        }
        for household_id, cell_id in reads
    ]
    db.session.execute(insert(HouseholdAccess), rows)


def access_log(
    user: User,
    *,
    user_id: int | None = None,
    household_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """A page of the log, newest first, filtered by reader and/or household (admins only)."""
    if not scope.is_admin(user):
        raise Forbidden("只有系统管理员可以查看住户信息访问记录")
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    query = select(HouseholdAccess)
    if user_id is not None:
        query = query.where(HouseholdAccess.user_id == user_id)
    if household_id is not None:
        query = query.where(HouseholdAccess.household_id == household_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(HouseholdAccess.at.desc(), HouseholdAccess.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return {
        "total": int(total),
        "page": page,
        "per_page": per_page,
        "items": [
            {
                "id": r.id,
                "user_id": r.user_id,
                "user_name": r.user_name,
                "at": r.at.isoformat(),
                "household_id": r.household_id,
                "cell_id": r.cell_id,
                "route": r.route,
                "purpose": r.purpose,
            }
            for r in rows
        ],
    }
