"""The ``auth`` journey's use cases: logging in, and the accounts (demo users)."""

from gridapp.services.auth.login import authenticate, load_user
from gridapp.services.auth.users import ensure_demo_users, upsert_user

__all__ = ["authenticate", "ensure_demo_users", "load_user", "upsert_user"]
