"""Places a user may pick on a page: the subdistricts they see (shared by the journeys)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import Subdistrict, User
from gridapp.services import scope


def subdistrict_choices(user: User) -> list[dict[str, Any]]:
    """The subdistricts ``user`` sees, as ``{id, name, code}`` in code order."""
    rows = db.session.execute(
        select(Subdistrict.id, Subdistrict.name, Subdistrict.code)
        .where(Subdistrict.id.in_(scope.visible_subdistrict_ids(user)))
        .order_by(Subdistrict.code)
    ).all()
    return [{"id": i, "name": name, "code": code} for i, name, code in rows]
