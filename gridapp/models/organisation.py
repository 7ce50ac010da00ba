"""Party organisations, members, volunteer teams, and their assignment to cells."""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core.vocab import ASSIGNMENT_KINDS, MemberStatus, OrgKind, OrgLevel, TeamKind
from gridapp.models.base import Base, created_at, one_of


class PartyOrg(Base):
    """A node of the party-organisation tree (党工委 → 党委/党总支 → 党支部 → 党小组)."""

    __tablename__ = "party_orgs"
    __table_args__ = (
        one_of("level", OrgLevel, "level_known"),
        one_of("kind", OrgKind, "kind_known"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        UniqueConstraint("parent_id", "name", name="uq_party_orgs_parent_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(
        ForeignKey("subdistricts.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL")
    )
    level: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20), default=OrgKind.REGULAR.value)
    name: Mapped[str] = mapped_column(String(200))
    secretary: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = created_at()

    parent: Mapped[PartyOrg | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[PartyOrg]] = relationship(back_populates="parent")


class Member(Base):
    """党员."""

    __tablename__ = "members"
    __table_args__ = (
        one_of("status", MemberStatus, "status_known"),
        CheckConstraint("gender IN ('男', '女')", name="gender_known"),
        CheckConstraint("hub_households BETWEEN 0 AND 100", name="hub_households_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(
        ForeignKey("subdistricts.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("party_orgs.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(20))
    home_building_id: Mapped[int | None] = mapped_column(
        ForeignKey("buildings.id", ondelete="SET NULL")
    )
    home: Mapped[WKBElement | None] = mapped_column(Geometry("POINT", srid=4326), nullable=True)
    # 党员中心户: this member's home serves ``hub_households`` neighbouring households
    is_hub: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    hub_households: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # For the "四访" reminders: the old (born_year), new members (joined_on) and members
    # in difficulty (生活困难党员). Unknown stays unknown (NULL), never guessed.
    born_year: Mapped[int | None] = mapped_column(Integer)
    joined_on: Mapped[date | None] = mapped_column(Date)
    in_difficulty: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    # 党员责任区: the small area this member answers for
    responsibility_area: Mapped[WKBElement | None] = mapped_column(
        Geometry("POLYGON", srid=4326, spatial_index=False), nullable=True
    )


class MemberRegistration(Base):
    """在职党员到社区报到: an in-post member registers where they live, in a cell and a team."""

    __tablename__ = "member_registrations"
    __table_args__ = (UniqueConstraint("member_id", "community_id", name="uq_member_registration"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    cell_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_cells.id", ondelete="SET NULL"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_teams.id", ondelete="SET NULL")
    )
    registered_at: Mapped[datetime] = created_at()


class VolunteerTeam(Base):
    """志愿服务队 / 专业服务队 / 便民服务队."""

    __tablename__ = "volunteer_teams"
    __table_args__ = (one_of("kind", TeamKind, "kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(
        ForeignKey("subdistricts.id", ondelete="CASCADE"), index=True
    )
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))

    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan", passive_deletes=True
    )


class TeamMember(Base):
    """A person in a team; not necessarily a party member (``member_id`` links one)."""

    __tablename__ = "team_members"
    __table_args__ = (
        Index(
            "uq_team_members_one_captain",
            "team_id",
            unique=True,
            postgresql_where=text("is_captain"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_teams.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20), default="")
    is_captain: Mapped[bool] = mapped_column(Boolean, default=False)

    team: Mapped[VolunteerTeam] = relationship(back_populates="members")


class CellAssignment(Base):
    """A party branch/group, a volunteer team or a grid worker answering for a cell.

    ``ended_at`` closes an assignment; closed rows are its history.
    """

    __tablename__ = "cell_assignments"
    __table_args__ = (
        one_of("kind", ASSIGNMENT_KINDS, "kind_known"),
        CheckConstraint(
            "num_nonnulls(party_org_id, team_id, user_id) = 1"
            " AND (kind <> 'party_org' OR party_org_id IS NOT NULL)"
            " AND (kind <> 'team' OR team_id IS NOT NULL)"
            " AND (kind <> 'worker' OR user_id IS NOT NULL)",
            name="one_target",
        ),
        Index(
            "uq_cell_assignments_active",
            "cell_id",
            "kind",
            text("coalesce(party_org_id, team_id, user_id)"),
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cell_id: Mapped[int] = mapped_column(
        ForeignKey("grid_cells.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    party_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("party_orgs.id", ondelete="CASCADE")
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_teams.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = created_at()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
