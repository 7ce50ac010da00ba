"""The household access log (住户信息访问记录): one row per household record read, written
in the reading transaction; only admins read the log. A record shown twice in one answer
(the cell sheet lists a household in difficulty and again in the due list) is one read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import insert, select

from gridapp.core.errors import Forbidden
from gridapp.extensions import db
from gridapp.models import HouseholdAccess, User
from gridapp.services import scope
from gridapp.services.field.paging import page_of


def current_route(default: str) -> str:
    """The endpoint of the current request (what the access log records as the route),
    else ``default`` (outside a request)."""
    if has_request_context() and request.endpoint:
        return str(request.endpoint)
    return default


def log_reads(
    user: User, reads: Sequence[tuple[int, int | None]], route: str, purpose: str
) -> None:
    """One access row per ``(household_id, cell_id)`` read — once per request — the
    caller commits."""
    if has_request_context():
        logged: set[tuple[int, int | None]] = g.setdefault("household_reads", set())
        reads = [read for read in dict.fromkeys(reads) if read not in logged]
        logged.update(reads)
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
    query = select(HouseholdAccess)
    if user_id is not None:
        query = query.where(HouseholdAccess.user_id == user_id)
    if household_id is not None:
        query = query.where(HouseholdAccess.household_id == household_id)
    return page_of(
        query,
        (HouseholdAccess.at.desc(), HouseholdAccess.id.desc()),
        page,
        per_page,
        lambda rows: [_access_json(r) for r in db.session.scalars(rows)],
    )


def _access_json(r: HouseholdAccess) -> dict[str, Any]:
    return {
        "id": r.id,
        "user_id": r.user_id,
        "user_name": r.user_name,
        "at": r.at.isoformat(),
        "household_id": r.household_id,
        "cell_id": r.cell_id,
        "route": r.route,
        "purpose": r.purpose,
    }
