"""What a user may see: the rows of each resource inside the user's scope.

The policy, resource by resource, is written down in docs/SCOPE.md. In short: a user's
scope is a set of places (whole subdistricts, whole communities, single cells); a row is
visible when it touches a visible cell, or when the user oversees the whole place it
belongs to. Service points and the street network are public to every user of the same
subdistrict. Admins see everything. Every function returns a SELECT of ids (or a
condition), so that services filter in the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
)

from gridapp.core.errors import Forbidden, NotFound
from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellAssignment,
    Community,
    GridCell,
    Member,
    MemberRegistration,
    PartyOrg,
    ServicePoint,
    Subdistrict,
    Unit,
    User,
    UserScope,
    VolunteerTeam,
    Zone,
    ZonePart,
)


def is_admin(user: User) -> bool:
    return bool(user.role == Role.ADMIN.value)


def includes(ids: Select[int], row_id: int) -> bool:
    """Whether the SELECT of ids ``ids`` holds ``row_id``."""
    return bool(db.session.scalar(select(literal(row_id).in_(ids))))


# --- places ------------------------------------------------------------------------------


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


def overseen_community_ids(user: User) -> Select[int]:
    """Communities the user oversees as a whole (community or subdistrict scope, not cells)."""
    return select(Community.id).where(_community_condition(user))


def scoped_subdistrict_ids(user: User) -> list[int]:
    """The subdistricts the user's own scopes name as subdistricts (not through communities)."""
    return [s.subdistrict_id for s in user.scopes if s.subdistrict_id is not None]


def overseen_subdistrict_ids(user: User) -> Select[int]:
    """Subdistricts the user oversees as a whole (a subdistrict scope)."""
    if is_admin(user):
        return select(Community.subdistrict_id)
    ids = scoped_subdistrict_ids(user)
    return select(Community.subdistrict_id).where(Community.subdistrict_id.in_(ids))


def whole_subdistrict_ids(user: User) -> Select[int]:
    """Subdistricts the user oversees whole: through a subdistrict scope, or through
    community scopes covering every one of its communities (a subdistrict with no
    community only through a subdistrict scope). Admins: every subdistrict."""
    if is_admin(user):
        return select(Subdistrict.id)
    scoped = scoped_subdistrict_ids(user)
    covered = (
        select(Community.subdistrict_id)
        .group_by(Community.subdistrict_id)
        .having(func.bool_and(Community.id.in_(overseen_community_ids(user))))
    )
    return select(Subdistrict.id).where(
        or_(Subdistrict.id.in_(scoped), Subdistrict.id.in_(covered))
    )


def visible_building_ids(user: User) -> Select[int]:
    return select(Building.id).where(Building.cell_id.in_(visible_cell_ids(user)))


def visible_service_point_ids(user: User) -> Select[int]:
    """SELECT of the ids of every service point ``user`` may read (name, kind, location,
    hours): every point of the user's subdistricts — residents walk across community
    borders, so the stations nearby are public inside the subdistrict (docs/SCOPE.md).
    Contact details are limited further by the services that answer. The one rule for
    /api/service-points and for the stations the coverage answers list and draw."""
    query = select(ServicePoint.id)
    if is_admin(user):
        return query
    return query.where(ServicePoint.subdistrict_id.in_(visible_subdistrict_ids(user)))


def service_point_contact(user: User) -> ColumnElement[str]:
    """A service point's contact as ``user`` may read it: only for points in one of the
    user's communities, else "" (docs/SCOPE.md, service points)."""
    own = ServicePoint.community_id.in_(visible_community_ids(user))
    return case((own, ServicePoint.contact), else_="")


def household_reader_cell_ids(user: User) -> Select[int]:
    """SELECT of the cells whose households ``user`` may read by name, address, phone and
    tags (docs/SCOPE.md, 住户): every cell for an admin; for a grid worker or a grid
    manager, the cells of their cell and community scopes; for anyone else — a coordinator,
    whatever they oversee — none: they read counts only. A subdistrict scope never grants
    names, whatever the role."""
    query = select(GridCell.id)
    if is_admin(user):
        return query
    if user.role not in (Role.FIELD_STAFF.value, Role.GRID_MANAGER.value):
        return query.where(false())
    cell_ids = [s.cell_id for s in user.scopes if s.cell_id is not None]
    community_ids = [s.community_id for s in user.scopes if s.community_id is not None]
    return query.where(or_(GridCell.id.in_(cell_ids), GridCell.community_id.in_(community_ids)))


def _scope_condition(user: User) -> ColumnElement[bool]:
    if is_admin(user):
        return true()
    cell_ids = [s.cell_id for s in user.scopes if s.cell_id is not None]
    conditions = [_community_condition(user)]
    if cell_ids:
        conditions.append(GridCell.id.in_(cell_ids))
    return or_(*conditions)


def _community_condition(user: User) -> ColumnElement[bool]:
    """Communities reached through subdistrict or community scopes (not single cells)."""
    if is_admin(user):
        return true()
    subdistrict_ids = scoped_subdistrict_ids(user)
    community_ids = [s.community_id for s in user.scopes if s.community_id is not None]
    conditions: list[ColumnElement[bool]] = []
    if subdistrict_ids:
        conditions.append(Community.subdistrict_id.in_(subdistrict_ids))
    if community_ids:
        conditions.append(Community.id.in_(community_ids))
    return or_(*conditions) if conditions else false()


def _active_on_visible_cells(user: User) -> ColumnElement[bool]:
    return and_(
        CellAssignment.ended_at.is_(None), CellAssignment.cell_id.in_(visible_cell_ids(user))
    )


# --- organisations and people --------------------------------------------------------------


def visible_org_ids(user: User) -> Select[int]:
    """Party organisations of the places the user oversees; those answering for a visible
    cell, with the groups below them; and every ancestor of these (the tree stays a tree)."""
    if is_admin(user):
        return select(PartyOrg.id)
    assigned = select(CellAssignment.party_org_id).where(_active_on_visible_cells(user))
    below = select(PartyOrg.id).where(PartyOrg.id.in_(assigned)).cte("cell_orgs", recursive=True)
    below = below.union(select(PartyOrg.id).join(below, PartyOrg.parent_id == below.c.id))
    direct = select(PartyOrg.id, PartyOrg.parent_id).where(
        or_(
            PartyOrg.community_id.in_(overseen_community_ids(user)),
            and_(
                PartyOrg.community_id.is_(None),
                PartyOrg.subdistrict_id.in_(overseen_subdistrict_ids(user)),
            ),
            PartyOrg.id.in_(select(below.c.id)),
        )
    )
    tree = direct.cte("visible_orgs", recursive=True)
    tree = tree.union(
        select(PartyOrg.id, PartyOrg.parent_id).join(tree, PartyOrg.id == tree.c.parent_id)
    )
    return select(tree.c.id)


def visible_team_ids(user: User) -> Select[int]:
    """Teams of the communities the user oversees, teams answering for a visible cell, and
    subdistrict-wide teams (no community) of the user's subdistricts."""
    if is_admin(user):
        return select(VolunteerTeam.id)
    return select(VolunteerTeam.id).where(
        or_(
            VolunteerTeam.community_id.in_(overseen_community_ids(user)),
            and_(
                VolunteerTeam.community_id.is_(None),
                VolunteerTeam.subdistrict_id.in_(visible_subdistrict_ids(user)),
            ),
            VolunteerTeam.id.in_(
                select(CellAssignment.team_id).where(_active_on_visible_cells(user))
            ),
        )
    )


def visible_worker_ids(user: User, *, unplaced: bool = False) -> Select[int]:
    """Active grid workers whose scope or assignments touch the user's scope. ``unplaced``
    adds workers with no scope at all (not yet assigned anywhere: they belong to no place,
    and those who assign need to find them)."""
    touching = or_(
        UserScope.cell_id.in_(visible_cell_ids(user)),
        UserScope.community_id.in_(visible_community_ids(user)),
        UserScope.subdistrict_id.in_(visible_subdistrict_ids(user)),
    )
    conditions = [
        exists().where(UserScope.user_id == User.id, true() if is_admin(user) else touching),
        User.id.in_(select(CellAssignment.user_id).where(_active_on_visible_cells(user))),
    ]
    if unplaced or is_admin(user):
        conditions.append(~exists().where(UserScope.user_id == User.id))
    return select(User.id).where(
        User.role == Role.FIELD_STAFF.value, User.active.is_(True), or_(*conditions)
    )


def member_condition(user: User) -> ColumnElement[bool]:
    """Members living in a visible cell or registered in one, and every member of the
    subdistricts the user oversees as a whole."""
    if is_admin(user):
        return true()
    return or_(
        Member.subdistrict_id.in_(overseen_subdistrict_ids(user)),
        Member.home_building_id.in_(visible_building_ids(user)),
        Member.id.in_(
            select(MemberRegistration.member_id).where(
                MemberRegistration.cell_id.in_(visible_cell_ids(user))
            )
        ),
    )


# --- zones and units -------------------------------------------------------------------


def visible_zone_ids(user: User) -> Select[int]:
    """Zones of the subdistricts the user oversees, and zones with a part the user sees."""
    if is_admin(user):
        return select(Zone.id)
    part_touches = or_(
        ZonePart.cell_id.in_(visible_cell_ids(user)),
        ZonePart.community_id.in_(visible_community_ids(user)),
        ZonePart.building_id.in_(visible_building_ids(user)),
    )
    return select(Zone.id).where(
        or_(
            Zone.subdistrict_id.in_(overseen_subdistrict_ids(user)),
            Zone.id.in_(select(ZonePart.zone_id).where(part_touches)),
        )
    )


def unit_condition(user: User) -> ColumnElement[bool]:
    """Units of the subdistricts the user oversees, units whose building is in a visible
    cell, and units standing inside a visible cell or an overseen community."""
    if is_admin(user):
        return true()
    in_cell = exists().where(
        GridCell.id.in_(visible_cell_ids(user)), func.ST_Intersects(GridCell.geom, Unit.geom)
    )
    in_community = exists().where(
        Community.id.in_(overseen_community_ids(user)),
        func.ST_Intersects(Community.geom, Unit.geom),
    )
    return and_(
        Unit.subdistrict_id.in_(visible_subdistrict_ids(user)),
        or_(
            Unit.subdistrict_id.in_(overseen_subdistrict_ids(user)),
            Unit.building_id.in_(visible_building_ids(user)),
            in_cell,
            in_community,
        ),
    )


def require_visible(
    model: Any, row_id: int, ids: Select[int], what: str, refusal: str | None = None
) -> Any:
    """The row ``row_id`` of ``model``: 404 when unknown, 403 (``refusal``) when not in the
    SELECT of visible ids ``ids``; ``what`` names the kind of row in the messages."""
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(f"未找到编号为 {row_id} 的{what}")
    if not includes(ids, row_id):
        raise Forbidden(refusal or f"您无权查看编号为 {row_id} 的{what}")
    return row


def require_subdistrict(
    user: User, subdistrict_id: int, *, whole: bool = False, refusal: str | None = None
) -> Subdistrict:
    """The subdistrict ``subdistrict_id``: 404 when unknown, 403 (``refusal``) when outside
    the user's scope. ``whole``: one the user oversees whole (``whole_subdistrict_ids``),
    not only some of its communities or cells."""
    ids = whole_subdistrict_ids(user) if whole else visible_subdistrict_ids(user)
    subdistrict: Subdistrict = require_visible(
        Subdistrict,
        subdistrict_id,
        ids,
        "街道",
        refusal or f"街道（编号 {subdistrict_id}）不在您的管辖范围内",
    )
    return subdistrict


def require_community(
    user: User, community_id: int, *, whole: bool = False, refusal: str | None = None
) -> Community:
    """The community ``community_id``: 404 when unknown, 403 (``refusal``) when outside the
    user's scope. ``whole``: one the user oversees as a whole, not only through some of its
    cells."""
    ids = overseen_community_ids(user) if whole else visible_community_ids(user)
    community: Community = require_visible(
        Community,
        community_id,
        ids,
        "社区",
        refusal or f"社区（编号 {community_id}）不在您的管辖范围内",
    )
    return community
