"""The people of a cell sheet (网格档案): the party organisations answering for the cell,
its 党员中心户, and the service teams assigned to it.

Contact details follow the rules of the organisations journey (docs/SCOPE.md): a member
living in a cell the user sees is shown with their phone to every role (as
``/api/cells/<id>/members``) — a 党员中心户 is the neighbours' contact by design; a team
member's phone only to those who assign teams, not to field staff (as ``/api/teams``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gridapp.core.vocab import ORG_LEVEL_LABELS, TEAM_KIND_LABELS, OrgLevel, Role, TeamKind
from gridapp.extensions import db
from gridapp.models import (
    Building,
    CellAssignment,
    Member,
    PartyOrg,
    TeamMember,
    User,
    VolunteerTeam,
)


def party(cell_id: int) -> dict[str, Any]:
    """The orgs answering for the cell (active assignments) and its 党员中心户."""
    orgs = db.session.scalars(
        select(PartyOrg)
        .join(CellAssignment, CellAssignment.party_org_id == PartyOrg.id)
        .where(
            CellAssignment.cell_id == cell_id,
            CellAssignment.kind == "party_org",
            CellAssignment.ended_at.is_(None),
        )
        .order_by(PartyOrg.name, PartyOrg.id)
    ).all()
    hubs = db.session.execute(
        select(Member, Building.name)
        .join(Building, Building.id == Member.home_building_id)
        .where(Building.cell_id == cell_id, Member.is_hub.is_(True))
        .order_by(Building.name, Member.name, Member.id)
    ).all()
    return {
        "orgs": [
            {
                "id": o.id,
                "name": o.name,
                "level_label": ORG_LEVEL_LABELS[OrgLevel(o.level)],
                "secretary": o.secretary,
            }
            for o in orgs
        ],
        "hubs": [
            {
                "member_id": m.id,
                "name": m.name,
                "phone": m.phone,
                "building_name": building_name,
                "hub_households": m.hub_households,
            }
            for m, building_name in hubs
        ],
    }


def teams(user: User, cell_id: int) -> list[dict[str, Any]]:
    """The teams assigned to the cell, each with its captain (phone for those who assign)."""
    personal = user.role != Role.FIELD_STAFF.value
    rows = db.session.execute(
        select(VolunteerTeam, TeamMember)
        .join(CellAssignment, CellAssignment.team_id == VolunteerTeam.id)
        .outerjoin(
            TeamMember,
            (TeamMember.team_id == VolunteerTeam.id) & TeamMember.is_captain.is_(True),
        )
        .where(
            CellAssignment.cell_id == cell_id,
            CellAssignment.kind == "team",
            CellAssignment.ended_at.is_(None),
        )
        .order_by(VolunteerTeam.name, VolunteerTeam.id)
    ).all()
    return [
        {
            "id": team.id,
            "name": team.name,
            "kind_label": TEAM_KIND_LABELS[TeamKind(team.kind)],
            "captain": None
            if captain is None
            else {"name": captain.name, "phone": captain.phone if personal else ""},
        }
        for team, captain in rows
    ]
