"""Places a user may pick on a page: the subdistricts they see, and the places they oversee
whole (shared by the journeys)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import Community, Subdistrict, User
from gridapp.services import scope


def subdistrict_choices(user: User) -> list[dict[str, Any]]:
    """The subdistricts ``user`` sees, as ``{id, name, code}`` in code order."""
    rows = db.session.execute(
        select(Subdistrict.id, Subdistrict.name, Subdistrict.code)
        .where(Subdistrict.id.in_(scope.visible_subdistrict_ids(user)))
        .order_by(Subdistrict.code)
    ).all()
    return [{"id": i, "name": name, "code": code} for i, name, code in rows]


def whole_places(user: User) -> dict[str, list[dict[str, Any]]]:
    """The subdistricts ``user`` oversees whole (``scope.whole_subdistrict_ids``) and the
    communities they oversee (``scope.overseen_community_ids``), in code order: the places
    a partition check or a report takes."""
    subdistricts = db.session.execute(
        select(Subdistrict.id, Subdistrict.code, Subdistrict.name)
        .where(Subdistrict.id.in_(scope.whole_subdistrict_ids(user)))
        .order_by(Subdistrict.code)
    ).all()
    communities = db.session.execute(
        select(Community.id, Community.code, Community.name, Community.subdistrict_id)
        .where(Community.id.in_(scope.overseen_community_ids(user)))
        .order_by(Community.code)
    ).all()
    return {
        "subdistricts": [{"id": i, "code": code, "name": name} for i, code, name in subdistricts],
        "communities": [
            {"id": i, "code": code, "name": name, "subdistrict_id": sub}
            for i, code, name, sub in communities
        ],
    }
