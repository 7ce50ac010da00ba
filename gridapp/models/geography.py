"""Places: subdistrict → community → grid cell, and what lies in them."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core.vocab import BUILDING_KINDS, STREET_KINDS
from gridapp.models.base import Base, created_at, one_of, valid_geom


class Subdistrict(Base):
    """街道. ``code`` is the 6-digit district code followed by the 3-digit subdistrict code."""

    __tablename__ = "subdistricts"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{9}$'", name="code_pattern"),
        valid_geom(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    district_name: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326))
    created_at: Mapped[datetime] = created_at()

    communities: Mapped[list[Community]] = relationship(
        back_populates="subdistrict", cascade="all, delete-orphan", passive_deletes=True
    )


class Community(Base):
    """社区. ``code`` is the subdistrict code followed by a 3-digit community number."""

    __tablename__ = "communities"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{12}$'", name="code_pattern"),
        valid_geom(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(
        ForeignKey("subdistricts.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326))

    subdistrict: Mapped[Subdistrict] = relationship(back_populates="communities")
    cells: Mapped[list[GridCell]] = relationship(
        back_populates="community", cascade="all, delete-orphan", passive_deletes=True
    )


class GridCell(Base):
    """网格. ``code`` follows DB11/T 2157-2023: community code + 3-digit sequence.

    ``version`` is the optimistic-locking counter: SQLAlchemy issues
    ``UPDATE … WHERE id = :id AND version = :v`` and raises StaleDataError on a mismatch.
    """

    __tablename__ = "grid_cells"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{15}$'", name="code_pattern"),
        CheckConstraint("seq BETWEEN 1 AND 999", name="seq_range"),
        CheckConstraint("households >= 0 AND residents >= 0", name="counts_nonneg"),
        CheckConstraint("NOT ST_IsEmpty(geom)", name="geom_not_empty"),
        valid_geom(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(15), unique=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    households: Mapped[int] = mapped_column(Integer, default=0)
    residents: Mapped[int] = mapped_column(Integer, default=0)
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    community: Mapped[Community] = relationship(back_populates="cells")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Block(Base):
    """街坊 / 小区: the smallest unit a cell is built from (bounded by streets or walls)."""

    __tablename__ = "blocks"
    __table_args__ = (valid_geom(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    cell_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_cells.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="block")  # block / compound / water …
    name: Mapped[str] = mapped_column(String(100), default="")
    households: Mapped[int] = mapped_column(Integer, default=0)
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326))


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (
        one_of("kind", BUILDING_KINDS, "kind_known"),
        CheckConstraint("households >= 0 AND residents >= 0 AND levels >= 0", name="counts"),
        valid_geom(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(
        ForeignKey("subdistricts.id", ondelete="CASCADE"), index=True
    )
    cell_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_cells.id", ondelete="SET NULL"), index=True
    )
    source_ref: Mapped[str] = mapped_column(String(50), default="")
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    levels: Mapped[int] = mapped_column(Integer, default=1)
    households: Mapped[int] = mapped_column(Integer, default=0)
    residents: Mapped[int] = mapped_column(Integer, default=0)
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326))


class StreetEdge(Base):
    """One edge of the walking network between two nodes (``u``, ``v``)."""

    __tablename__ = "street_edges"
    __table_args__ = (
        one_of("kind", STREET_KINDS, "kind_known"),
        CheckConstraint("length_m >= 0", name="length_nonneg"),
        CheckConstraint("u <> v", name="not_loop"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(
        ForeignKey("subdistricts.id", ondelete="CASCADE"), index=True
    )
    u: Mapped[int] = mapped_column(Integer)
    v: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    length_m: Mapped[float]
    walkable: Mapped[bool] = mapped_column(default=True)
    geom: Mapped[WKBElement] = mapped_column(Geometry("LINESTRING", srid=4326))
