"""History of cell edits: one CellChange per save, one CellHistory row per cell it touched."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core.vocab import CHANGE_OPS
from gridapp.models.base import Base, created_at, one_of


class CellChange(Base):
    """One save: who changed which cells of a community, when, how and why."""

    __tablename__ = "cell_changes"
    __table_args__ = (one_of("op", CHANGE_OPS, "op_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(50), default="")
    op: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="")
    override_reason: Mapped[str] = mapped_column(Text, default="")
    reverts_change_id: Mapped[int | None] = mapped_column(
        ForeignKey("cell_changes.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at()

    cells: Mapped[list[CellHistory]] = relationship(
        back_populates="change", cascade="all, delete-orphan", passive_deletes=True
    )


class CellHistory(Base):
    """A cell before and after one change (``geom_before`` is NULL for a new cell,
    ``geom_after`` for a deleted one)."""

    __tablename__ = "cell_history"
    __table_args__ = (
        CheckConstraint(
            "geom_before IS NOT NULL OR geom_after IS NOT NULL", name="before_or_after"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(
        ForeignKey("cell_changes.id", ondelete="CASCADE"), index=True
    )
    cell_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_cells.id", ondelete="SET NULL"), index=True
    )
    cell_code: Mapped[str] = mapped_column(String(15), index=True)
    name_before: Mapped[str] = mapped_column(String(100), default="")
    name_after: Mapped[str] = mapped_column(String(100), default="")
    version_before: Mapped[int | None] = mapped_column(Integer)
    version_after: Mapped[int | None] = mapped_column(Integer)
    area_before_m2: Mapped[float] = mapped_column(default=0.0)
    area_after_m2: Mapped[float] = mapped_column(default=0.0)
    households_before: Mapped[int] = mapped_column(Integer, default=0)
    households_after: Mapped[int] = mapped_column(Integer, default=0)
    geom_before: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True
    )
    geom_after: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True
    )

    change: Mapped[CellChange] = relationship(back_populates="cells")
