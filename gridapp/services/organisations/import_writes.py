"""Writing the rows of a checked import file: one writer per good row, run in one
transaction by ``imports.import_file``."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellAssignment,
    Member,
    TeamMember,
    User,
    UserScope,
    VolunteerTeam,
)


def member_writer(
    subdistrict_id: int,
    r: dict[str, str],
    status: str,
    org_id: int,
    cell_id: int,
    is_hub: bool,
    households: int,
) -> Callable[[], None]:
    def write() -> None:
        home = db.session.execute(
            select(Building.id, Building.geom.ST_PointOnSurface())
            .where(Building.cell_id == cell_id, Building.households > 0)
            .order_by(Building.id)
            .limit(1)
        ).first()
        db.session.add(
            Member(
                subdistrict_id=subdistrict_id,
                org_id=org_id,
                name=r["姓名"],
                gender=r["性别"],
                phone=r["手机"],
                status=status,
                home_building_id=None if home is None else home[0],
                home=None if home is None else home[1],
                is_hub=is_hub,
                hub_households=households,
            )
        )

    return write


def team_writer(
    subdistrict_id: int,
    community_id: int,
    name: str,
    kind: str,
    r: dict[str, str],
    people: list[tuple[str, str]],
) -> Callable[[], None]:
    def write() -> None:
        team = VolunteerTeam(
            subdistrict_id=subdistrict_id, community_id=community_id, kind=kind, name=name
        )
        team.members = [TeamMember(name=r["队长姓名"], phone=r["队长手机"], is_captain=True)] + [
            TeamMember(name=n, phone=p) for n, p in people
        ]
        db.session.add(team)

    return write


def assignment_writer(user: User, cell_id: int, kind: str, target: int) -> Callable[[], None]:
    def write() -> None:
        column = {"party_org": "party_org_id", "team": "team_id", "worker": "user_id"}[kind]
        db.session.add(
            CellAssignment(cell_id=cell_id, kind=kind, assigned_by=user.id, **{column: target})
        )
        if kind == "worker":
            worker = db.session.get(User, target)
            if worker is not None and not any(s.cell_id == cell_id for s in worker.scopes):
                worker.scopes.append(UserScope(cell_id=cell_id))

    return write
