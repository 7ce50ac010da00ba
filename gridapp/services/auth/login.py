"""Logging in: who a session's user id names, and whether a name and password match."""

from __future__ import annotations

from gridapp.extensions import db
from gridapp.models import User


def load_user(user_id: str) -> User | None:
    """The active user a session names (flask-login's user loader), else None."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def authenticate(username: str | None, password: str) -> User | None:
    """The active user with this name and password, else None."""
    user = db.session.query(User).filter_by(username=username).one_or_none()
    if user is not None and user.active and user.check_password(password):
        return user
    return None
