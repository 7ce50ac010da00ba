"""Idempotent submits: a record a phone sends carries its own ``client_key``; sending it
again (a retry after a dropped connection, a double tap, the offline queue) answers the
record already stored instead of storing a second one.

The key is unique in the table, so two copies racing each other cannot both land: the
loser's insert fails on the unique index inside a savepoint and the winner's row is
answered. A key already used by another user is a 409, never that user's record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from gridapp.core.errors import Conflict
from gridapp.extensions import db
from gridapp.models import CellEvent, FieldLog, User, Visit

T = TypeVar("T", Visit, FieldLog, CellEvent)


def submit_once(
    model: type[T],
    client_key: str,
    owner: InstrumentedAttribute[Any],
    user: User,
    create: Callable[[], T],
) -> tuple[T, bool]:
    """``(row, True)`` for a new record made by ``create`` (added and flushed inside a
    savepoint), or ``(the stored row, False)`` when ``client_key`` was sent before."""
    found = _stored(model, client_key, owner, user)
    if found is not None:
        return found, False
    try:
        with db.session.begin_nested():
            row = create()
            db.session.add(row)
            db.session.flush()
    except IntegrityError as err:
        if "client_key" not in str(err.orig):
            raise
        found = _stored(model, client_key, owner, user)
        if found is None:
            raise
        return found, False
    return row, True


def previous(
    model: type[T], client_key: str, owner: InstrumentedAttribute[Any], user: User
) -> T | None:
    """The record ``user`` already sent with ``client_key`` (None: none yet); 409 when the
    key is another user's. Lets a use case answer a retry before doing costly work (a photo
    is not decoded and stored again)."""
    return _stored(model, client_key, owner, user)


def _stored(
    model: type[T], client_key: str, owner: InstrumentedAttribute[Any], user: User
) -> T | None:
    row = db.session.execute(
        select(model, owner).where(model.client_key == client_key)
    ).one_or_none()
    if row is None:
        return None
    if row[1] != user.id:
        raise Conflict("该提交编号（client_key）已被其他用户使用，请重新提交")
    stored: T = row[0]
    return stored
