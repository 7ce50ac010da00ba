"""Users, roles and the scope each user may act on."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from gridapp.core.vocab import Role
from gridapp.models.base import Base, created_at, one_of


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (one_of("role", Role, "role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(20), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at()

    scopes: Mapped[list[UserScope]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active


class UserScope(Base):
    """One place a user may act on: a whole subdistrict, a community, or a single cell."""

    __tablename__ = "user_scopes"
    __table_args__ = (
        CheckConstraint(
            "num_nonnulls(subdistrict_id, community_id, cell_id) = 1", name="exactly_one_place"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subdistrict_id: Mapped[int | None] = mapped_column(
        ForeignKey("subdistricts.id", ondelete="CASCADE")
    )
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cells.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship(back_populates="scopes")
