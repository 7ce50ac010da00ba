"""Pages of a list (the visits, events, field log and access log answers): one count of the
whole filtered query and one page of its rows, in a fixed order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select

from gridapp.extensions import db
from gridapp.services.queries import AnySelect

MAX_PER_PAGE = 200


def page_of(
    query: AnySelect,
    order: Sequence[ColumnElement[Any]],
    page: int,
    per_page: int,
    items: Callable[[AnySelect], list[dict[str, Any]]],
) -> dict[str, Any]:
    """``{total, page, per_page, items}``: ``items`` turns the page's SELECT into answers
    (``per_page`` is kept within 1…MAX_PER_PAGE, ``page`` from 1)."""
    page, per_page = max(1, page), max(1, min(per_page, MAX_PER_PAGE))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = query.order_by(*order).limit(per_page).offset((page - 1) * per_page)
    return {"total": int(total), "page": page, "per_page": per_page, "items": items(rows)}
