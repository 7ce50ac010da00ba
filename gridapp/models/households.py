"""Households (户) and the log of who read them (住户信息访问记录).

A household belongs to a building and so to the building's cell. The cell is **not**
stored on the household: it is always joined through ``Building.cell_id``, which the
editing save keeps right when a boundary edit moves a building to another cell, so a
household can never disagree with its building about its cell (and a building outside
every cell puts its households outside every cell too).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.core.vocab import HOUSEHOLD_TAGS
from gridapp.models.base import Base, created_at

_TAG_ARRAY = "ARRAY[" + ", ".join(f"'{t}'" for t in HOUSEHOLD_TAGS) + "]::text[]"


class Household(Base):
    """户: a household living in a building, with its head, size, phone and tags."""

    __tablename__ = "households"
    __table_args__ = (
        CheckConstraint("size >= 1", name="size_positive"),
        CheckConstraint("btrim(head_name) <> ''", name="head_named"),
        CheckConstraint(f"tags <@ {_TAG_ARRAY}", name="tags_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(
        ForeignKey("buildings.id", ondelete="CASCADE"), index=True
    )
    unit: Mapped[str] = mapped_column(String(20), default="")  # 单元, e.g. "2单元"
    room: Mapped[str] = mapped_column(String(20), default="")  # 门牌, e.g. "301"
    head_name: Mapped[str] = mapped_column(String(50))  # 户主
    size: Mapped[int] = mapped_column(Integer, default=1)  # 人数
    phone: Mapped[str] = mapped_column(String(20), default="")
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(Text()), default=list, server_default=text("'{}'::text[]")
    )
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class HouseholdAccess(Base):
    """One read of one household record: who, when, which record, from which route, why.

    An audit trail outlives what it names: ``household_id`` and ``cell_id`` are plain
    numbers (no foreign key), so deleting a household or a cell keeps its log; a deleted
    user's rows keep ``user_name``.
    """

    __tablename__ = "household_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    user_name: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    household_id: Mapped[int] = mapped_column(Integer, index=True)
    cell_id: Mapped[int | None] = mapped_column(Integer)  # the household's cell when read
    route: Mapped[str] = mapped_column(String(100))  # the endpoint, e.g. field_api.household
    purpose: Mapped[str] = mapped_column(String(100), default="")  # 查阅目的
