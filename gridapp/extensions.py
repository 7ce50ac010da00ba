"""Extension objects, created unbound and attached in create_app."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """A SQLAlchemy engine per app and one session per application context.

    ``db.session`` is the current request's (or CLI command's) session; it is closed
    when the application context ends. Tests bind it to an outer transaction.
    """

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        self.engine = create_engine(str(app.config["DATABASE_URL"]), pool_pre_ping=True)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        app.extensions["gridapp_db"] = self
        app.teardown_appcontext(self._close_session)

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            factory = self.session_factory
            if factory is None:
                raise RuntimeError("Database.init_app was not called")
            g.db_session = factory()
        session: Session = g.db_session
        return session

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    def configure(self, **kwargs: Any) -> None:
        """Rebind future sessions (used by tests to join an outer transaction)."""
        if self.session_factory is None:
            raise RuntimeError("Database.init_app was not called")
        self.session_factory.configure(**kwargs)


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
api = Api()
