"""Idempotent submits (services/field/submit.py): one record per client_key, even when two
copies race, and never another user's record. Each test runs rolled back (``db_session``)."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select

from gridapp.core.errors import Conflict
from gridapp.extensions import db
from gridapp.models import FieldLog, User
from gridapp.services.field import submit
from tests.world import World


def _log(user: User, cell_id: int, key: str, seen: str) -> FieldLog:
    return FieldLog(
        client_key=key, cell_id=cell_id, user_id=user.id, user_name=user.username,
        day=date(2026, 12, 7), seen=seen,
    )  # fmt: skip


def _count(key: str) -> int:
    query = select(func.count()).select_from(FieldLog).where(FieldLog.client_key == key)
    return int(db.session.scalar(query) or 0)


def test_the_same_key_twice_stores_one_record(app: Flask, world: World, db_session: None) -> None:
    with app.app_context():
        user = db.session.get_one(User, world.users["t_field"])
        cell = world.cells["A1N"]
        first, created = submit.submit_once(
            FieldLog, "key-0001", FieldLog.user_id, user, lambda: _log(user, cell, "key-0001", "甲")
        )
        again, created_again = submit.submit_once(
            FieldLog, "key-0001", FieldLog.user_id, user, lambda: _log(user, cell, "key-0001", "乙")
        )
        assert (created, created_again) == (True, False)
        assert again.id == first.id and again.seen == "甲"
        assert _count("key-0001") == 1


def test_a_key_of_another_user_is_a_conflict(app: Flask, world: World, db_session: None) -> None:
    with app.app_context():
        field = db.session.get_one(User, world.users["t_field"])
        other = db.session.get_one(User, world.users["t_manager"])
        cell = world.cells["A1N"]
        submit.submit_once(
            FieldLog,
            "key-0002",
            FieldLog.user_id,
            field,
            lambda: _log(field, cell, "key-0002", "甲"),
        )
        with pytest.raises(Conflict, match="其他用户"):
            submit.submit_once(
                FieldLog, "key-0002", FieldLog.user_id, other,
                lambda: _log(other, cell, "key-0002", "乙"),
            )  # fmt: skip
        assert _count("key-0002") == 1


def test_the_loser_of_a_race_gets_the_winners_record(
    app: Flask, world: World, db_session: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both copies passed the lookup before either was stored: the second insert fails on
    the unique key inside its savepoint, and the stored record is answered."""
    with app.app_context():
        user = db.session.get_one(User, world.users["t_field"])
        cell = world.cells["A1N"]
        winner, _ = submit.submit_once(
            FieldLog, "key-0003", FieldLog.user_id, user, lambda: _log(user, cell, "key-0003", "甲")
        )
        real_lookup = submit._stored
        calls: list[str] = []

        def late_lookup(*args: object) -> object:
            calls.append("lookup")
            return None if len(calls) == 1 else real_lookup(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(submit, "_stored", late_lookup)
        loser, created = submit.submit_once(
            FieldLog, "key-0003", FieldLog.user_id, user, lambda: _log(user, cell, "key-0003", "乙")
        )
        assert created is False and loser.id == winner.id and calls == ["lookup", "lookup"]
        assert _count("key-0003") == 1
        db.session.flush()  # the session is still usable after the failed savepoint
