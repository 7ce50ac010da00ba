"""Field work records (网格员): photos, visits (走访), the daily field log (民情日志) and
events reported in a cell (事件上报).

Every record a phone sends carries a ``client_key`` chosen by the phone (a UUID), unique
in the table: a form retried after a dropped connection, or sent twice, is stored once.
``cell_id`` is the cell the record was made in, kept as it was (a later boundary edit does
not move a visit). People are named by ``user_id`` plus ``user_name`` so a deleted account
keeps its records readable.
"""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.core.vocab import EVENT_CATEGORIES, EVENT_STATUSES, VISIT_METHODS
from gridapp.models.base import Base, created_at, one_of

CLIENT_KEY = String(64)


class Photo(Base):
    """A photo stored under the instance folder (``path`` is relative to the photo root),
    verified and re-encoded by Pillow with its metadata (EXIF GPS included) removed.

    ``private`` photos (those of a household visit) are shown only to readers of the cell's
    households; the others to every user who sees the cell."""

    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint("bytes > 0", name="bytes_positive"),
        CheckConstraint("mime IN ('image/jpeg', 'image/png', 'image/webp')", name="mime_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cell_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_cells.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(String(200), unique=True)
    mime: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    private: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at()


class Visit(Base):
    """走访: a visit to one household or one party member, by a worker, at a time."""

    __tablename__ = "visits"
    __table_args__ = (
        one_of("method", VISIT_METHODS, "method_known"),
        CheckConstraint("num_nonnulls(household_id, member_id) = 1", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(CLIENT_KEY, unique=True)
    cell_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_cells.id", ondelete="SET NULL"), index=True
    )
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    user_name: Mapped[str] = mapped_column(String(50))
    method: Mapped[str] = mapped_column(String(20), default="home")
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id", ondelete="SET NULL"))
    location: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=True
    )
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = created_at()


class FieldLog(Base):
    """民情日志: a worker's short entry for a day in one of their cells — what was seen and
    the problems found."""

    __tablename__ = "field_logs"
    __table_args__ = (CheckConstraint("btrim(seen) <> '' OR btrim(problems) <> ''", name="said"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(CLIENT_KEY, unique=True)
    cell_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_cells.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    user_name: Mapped[str] = mapped_column(String(50))
    day: Mapped[date] = mapped_column(Date, index=True)
    seen: Mapped[str] = mapped_column(Text, default="")  # 所见所闻
    problems: Mapped[str] = mapped_column(Text, default="")  # 发现的问题
    created_at: Mapped[datetime] = created_at()


class CellEvent(Base):
    """事件上报: a problem a worker found in a cell, at a point, until someone closes it."""

    __tablename__ = "cell_events"
    __table_args__ = (
        one_of("category", EVENT_CATEGORIES, "category_known"),
        one_of("status", EVENT_STATUSES, "status_known"),
        CheckConstraint("btrim(description) <> ''", name="described"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_when_closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(CLIENT_KEY, unique=True)
    cell_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_cells.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reporter_name: Mapped[str] = mapped_column(String(50))
    reported_at: Mapped[datetime] = created_at()
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closer_name: Mapped[str] = mapped_column(String(50), default="")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_note: Mapped[str] = mapped_column(Text, default="")
