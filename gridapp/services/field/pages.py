"""What the field pages (网格员 on a phone) need before their scripts run: who records, and
the cell a page names.

The pages are views of the field API; their scripts read and write through it, and the API
checks every read and write again. The server only says which controls to show and refuses
a cell page for a cell outside the user's scope with a 404, like an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from gridapp.core.errors import NotFound
from gridapp.extensions import db
from gridapp.models import Community, GridCell, User
from gridapp.services import scope
from gridapp.services.field.submit import RECORD_ROLES


@dataclass(frozen=True)
class PageCell:
    id: int
    code: str
    name: str
    community_id: int
    community_name: str


def may_record(user: User) -> bool:
    """Whether ``user`` records visits, field-log entries and events (docs/FIELD.md);
    coordinators read, search the field log and close events."""
    return user.role in RECORD_ROLES


def may_read_access_log(user: User) -> bool:
    """Whether ``user`` reads the household access log (admins, like its API)."""
    return scope.is_admin(user)


def page_cell(user: User, cell_id: int) -> PageCell:
    """The cell ``cell_id`` if ``user`` sees it; 404 otherwise (unknown or outside scope)."""
    row = db.session.execute(
        select(
            GridCell.id,
            GridCell.code,
            GridCell.name,
            GridCell.community_id,
            Community.name.label("community"),
        )
        .join(Community, Community.id == GridCell.community_id)
        .where(GridCell.id == cell_id, GridCell.id.in_(scope.visible_cell_ids(user)))
    ).one_or_none()
    if row is None:
        raise NotFound(f"未找到编号为 {cell_id} 的网格")
    return PageCell(
        id=row.id,
        code=row.code,
        name=row.name,
        community_id=row.community_id,
        community_name=row.community,
    )
