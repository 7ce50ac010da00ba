"""What a user may see: the cells, communities and subdistricts of their scope, and the
service points whose name, kind and location they may read."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, or_, select, true

from gridapp.core.vocab import Role
from gridapp.models import Community, GridCell, ServicePoint, User


def visible_cell_ids(user: User) -> Select[int]:
    """SELECT of the ids of every cell ``user`` may see."""
    query = select(GridCell.id).join(Community, Community.id == GridCell.community_id)
    return query.where(_scope_condition(user))


def visible_community_ids(user: User) -> Select[int]:
    """Communities holding a visible cell, plus communities in scope even if they have none."""
    query = select(Community.id).where(
        or_(
            Community.id.in_(
                select(GridCell.community_id).where(GridCell.id.in_(visible_cell_ids(user)))
            ),
            _community_condition(user),
        )
    )
    return query


def visible_subdistrict_ids(user: User) -> Select[int]:
    return select(Community.subdistrict_id).where(Community.id.in_(visible_community_ids(user)))


def visible_service_point_ids(user: User) -> Select[int]:
    """SELECT of the ids of every service point ``user`` may read (name, kind, location and
    details): those of the communities they see, and for a subdistrict scope (or an admin)
    also the points of the subdistrict that lie in no community. The one rule for
    /api/service-points and for the stations the coverage answers list and draw."""
    query = select(ServicePoint.id)
    if user.role == Role.ADMIN:
        return query
    subdistrict_ids = [s.subdistrict_id for s in user.scopes if s.subdistrict_id is not None]
    conditions = [ServicePoint.community_id.in_(visible_community_ids(user))]
    if subdistrict_ids:
        conditions.append(ServicePoint.subdistrict_id.in_(subdistrict_ids))
    return query.where(or_(*conditions))


def _scope_condition(user: User) -> ColumnElement[bool]:
    if user.role == Role.ADMIN:
        return true()
    cell_ids = [s.cell_id for s in user.scopes if s.cell_id is not None]
    conditions = [_community_condition(user)]
    if cell_ids:
        conditions.append(GridCell.id.in_(cell_ids))
    return or_(*conditions)


def _community_condition(user: User) -> ColumnElement[bool]:
    """Communities reached through subdistrict or community scopes (not single cells)."""
    if user.role == Role.ADMIN:
        return true()
    subdistrict_ids = [s.subdistrict_id for s in user.scopes if s.subdistrict_id is not None]
    community_ids = [s.community_id for s in user.scopes if s.community_id is not None]
    conditions: list[ColumnElement[bool]] = []
    if subdistrict_ids:
        conditions.append(Community.subdistrict_id.in_(subdistrict_ids))
    if community_ids:
        conditions.append(Community.id.in_(community_ids))
    return or_(*conditions) if conditions else false()
