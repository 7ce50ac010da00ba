"""Visits as answers: one query for any page of visits, with the household's or member's
name where the reader may see it.

A visit is in a user's scope when its cell (the cell it was made in, kept as it was) is
visible to them; its target, note, photo and position only when they read that cell's
households by name (``scope.household_reader_cell_ids``) — for the others it is
``redacted``: time, cell, worker and method only (docs/FIELD.md). Every household named
is written to the access log by the caller (``named_households``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import aliased

from gridapp.core.vocab import VISIT_METHOD_LABELS
from gridapp.extensions import db
from gridapp.models import Building, GridCell, Household, Member, User, Visit
from gridapp.services import scope
from gridapp.services.field.households import address
from gridapp.services.field.photos import photo_url
from gridapp.services.queries import AnySelect


def in_scope(user: User) -> ColumnElement[bool]:
    """Visits ``user`` sees (redacted or not): those of a visible cell; all for admins."""
    return true() if scope.is_admin(user) else Visit.cell_id.in_(scope.visible_cell_ids(user))


def visit_query(user: User) -> AnySelect:
    """Visits with what is needed to answer them; ``named`` says whether the user reads
    the target's name (filter and order it further)."""
    home = aliased(Building)
    named = (
        true() if scope.is_admin(user) else Visit.cell_id.in_(scope.household_reader_cell_ids(user))
    )
    return (
        select(
            Visit,
            named.label("named"),
            GridCell.code,
            GridCell.name,
            Household.head_name,
            Household.building_id,
            Household.unit,
            Household.room,
            Building.name,
            Member.name,
            Member.home_building_id,
            home.name,
            func.ST_X(Visit.location),
            func.ST_Y(Visit.location),
        )
        .outerjoin(GridCell, GridCell.id == Visit.cell_id)
        .outerjoin(Household, Household.id == Visit.household_id)
        .outerjoin(Building, Building.id == Household.building_id)
        .outerjoin(Member, Member.id == Visit.member_id)
        .outerjoin(home, home.id == Member.home_building_id)
    )


def answers(user: User, query: AnySelect) -> list[dict[str, Any]]:
    return [_answer(user, row) for row in db.session.execute(query).all()]


def named_households(items: list[dict[str, Any]]) -> list[tuple[int, int | None]]:
    """The (household, cell) pairs the answers name, once each, for the access log."""
    pairs = {
        (i["household_id"], i["cell_id"])
        for i in items
        if not i["redacted"] and i["household_id"] is not None
    }
    return sorted(pairs, key=lambda p: (p[0], p[1] or 0))


def _answer(user: User, row: Any) -> dict[str, Any]:
    v: Visit = row[0]
    (named, cell_code, cell_name, head, h_building, unit, room, h_building_name) = row[1:9]
    member_name, m_building, m_building_name, lon, lat = row[9:14]
    out: dict[str, Any] = {
        "id": v.id,
        "client_key": v.client_key if v.user_id == user.id else None,
        "cell_id": v.cell_id,
        "cell_code": cell_code,
        "cell_name": cell_name,
        "user_id": v.user_id,
        "user_name": v.user_name,
        "method": v.method,
        "method_label": VISIT_METHOD_LABELS[v.method],
        "visited_at": v.visited_at.isoformat(),
        "created_at": v.created_at.isoformat(),
        "redacted": not named,
        "target": None,
        "household_id": None,
        "member_id": None,
        "name": None,
        "address": None,
        "note": None,
        "photo_id": None,
        "photo_url": None,
        "lat": None,
        "lon": None,
        "accuracy_m": None,
    }
    if not named:
        return out
    if v.household_id is not None:
        where = address(h_building, h_building_name, unit, room)
        out.update(target="household", household_id=v.household_id, name=head, address=where)
    else:
        where = address(m_building, m_building_name, "", "") if m_building else ""
        out.update(target="member", member_id=v.member_id, name=member_name, address=where)
    out.update(note=v.note, photo_id=v.photo_id, photo_url=photo_url(v.photo_id))
    out.update(lat=lat, lon=lon, accuracy_m=v.accuracy_m)
    return out
