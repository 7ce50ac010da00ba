"""SQLAlchemy models, one module per area. Importing this package registers them all."""

from gridapp.models.base import Base
from gridapp.models.field import CellEvent, FieldLog, Photo, Visit
from gridapp.models.geography import Block, Building, Community, GridCell, StreetEdge, Subdistrict
from gridapp.models.history import CellChange, CellHistory
from gridapp.models.households import Household, HouseholdAccess
from gridapp.models.imports import ImportJob
from gridapp.models.organisation import (
    CellAssignment,
    Member,
    MemberRegistration,
    PartyOrg,
    TeamMember,
    VolunteerTeam,
)
from gridapp.models.service import ServicePoint
from gridapp.models.users import User, UserScope
from gridapp.models.zones import Unit, Zone, ZonePart

__all__ = [
    "Base",
    "Block",
    "Building",
    "CellAssignment",
    "CellChange",
    "CellEvent",
    "CellHistory",
    "Community",
    "FieldLog",
    "GridCell",
    "Household",
    "HouseholdAccess",
    "ImportJob",
    "Member",
    "MemberRegistration",
    "PartyOrg",
    "Photo",
    "ServicePoint",
    "StreetEdge",
    "Subdistrict",
    "TeamMember",
    "Unit",
    "User",
    "UserScope",
    "Visit",
    "VolunteerTeam",
    "Zone",
    "ZonePart",
]
