"""片区 (zones for area-wide party building) and 驻区单位 (units based in the area)."""

from __future__ import annotations

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core.vocab import UNIT_KINDS
from gridapp.models.base import Base, one_of


class Zone(Base):
    """A named zone joining communities, cells and office towers under a joint committee
    (区域化党建促进会), e.g. the Lujiazui "楼—居 / 楼—楼" zones."""

    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(
        ForeignKey("subdistricts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    committee: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    parts: Mapped[list[ZonePart]] = relationship(
        back_populates="zone", cascade="all, delete-orphan", passive_deletes=True
    )


class ZonePart(Base):
    """One community, cell or building (office tower) belonging to a zone."""

    __tablename__ = "zone_parts"
    __table_args__ = (
        CheckConstraint(
            "num_nonnulls(community_id, cell_id, building_id) = 1", name="exactly_one_part"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cells.id", ondelete="CASCADE"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id", ondelete="CASCADE"))

    zone: Mapped[Zone] = relationship(back_populates="parts")


class Unit(Base):
    """驻区单位: a company, school, hospital or agency based in the area, with what it
    shares with residents. A shared facility is also a service point (``service_point_id``)
    so that it counts in service coverage."""

    __tablename__ = "units"
    __table_args__ = (one_of("kind", UNIT_KINDS, "kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(
        ForeignKey("subdistricts.id", ondelete="CASCADE"), index=True
    )
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="SET NULL"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id", ondelete="SET NULL"))
    party_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("party_orgs.id", ondelete="SET NULL")
    )
    service_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_points.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(100), default="")
    resources: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))
