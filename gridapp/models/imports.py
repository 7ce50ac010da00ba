"""Imports of layers from files (数据导入): one row per upload, kept as the record of who
loaded what, when, and what it changed.

An import is read in the background (``status`` reading → ready or failed) into a preview
(``preview``: the incoming features, their problems, the partition check of the result and
the versions of the cells it would update), then committed on request (committing →
committed or failed). ``progress`` (0–100) and ``stage`` feed the page's progress bar; they
are written on their own connection, so they show while the import's transaction is open.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.core.vocab import IMPORT_LAYERS, IMPORT_MODES, IMPORT_STATUSES
from gridapp.models.base import Base, created_at, one_of


class ImportJob(Base):
    __tablename__ = "import_jobs"
    __table_args__ = (
        one_of("layer", IMPORT_LAYERS, "layer_known"),
        one_of("status", IMPORT_STATUSES, "status_known"),
        one_of("mode", IMPORT_MODES, "mode_known"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    user_name: Mapped[str] = mapped_column(String(50), default="")
    layer: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255), default="")
    datum: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(10), default="merge")  # merge | replace
    status: Mapped[str] = mapped_column(String(20), default="reading")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(100), default="")
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    preview: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
