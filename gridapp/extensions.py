"""Extension objects, created unbound and attached in create_app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker


@dataclass
class _DatabaseState:
    engine: Engine
    session_factory: sessionmaker[Session]


class Database:
    """A SQLAlchemy engine per app and one session per application context.

    ``db.session`` is the current request's (or CLI command's) session; it is closed
    when the application context ends. Tests bind it to an outer transaction. The engine
    lives in ``app.extensions``, so several apps (tests) can exist side by side.
    """

    def init_app(self, app: Flask) -> None:
        engine = create_engine(str(app.config["DATABASE_URL"]), pool_pre_ping=True)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        app.extensions["gridapp_db"] = _DatabaseState(engine, factory)
        app.teardown_appcontext(self._close_session)

    @staticmethod
    def _state() -> _DatabaseState:
        state: _DatabaseState = current_app.extensions["gridapp_db"]
        return state

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self._state().session_factory()
        session: Session = g.db_session
        return session

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    def configure(self, **kwargs: Any) -> None:
        """Rebind future sessions of the current app (tests join an outer transaction)."""
        self._state().session_factory.configure(**kwargs)


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
api = Api()
