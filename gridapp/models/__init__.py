"""SQLAlchemy models, one module per area. Importing this package registers them all."""

from gridapp.models.base import Base
from gridapp.models.geography import Block, Building, Community, GridCell, StreetEdge, Subdistrict
from gridapp.models.organisation import Member, PartyOrg, TeamMember, VolunteerTeam
from gridapp.models.service import ServicePoint
from gridapp.models.users import User, UserScope

__all__ = [
    "Base",
    "Block",
    "Building",
    "Community",
    "GridCell",
    "Member",
    "PartyOrg",
    "ServicePoint",
    "StreetEdge",
    "Subdistrict",
    "TeamMember",
    "User",
    "UserScope",
    "VolunteerTeam",
]
