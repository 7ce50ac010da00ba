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

from gridapp.core.errors import Conflict, Forbidden
from gridapp.core.vocab import Role
from gridapp.extensions import db
from gridapp.models import CellEvent, FieldLog, GridCell, Photo, User, Visit
from gridapp.services import scope
from gridapp.services.field import photos

T = TypeVar("T", Visit, FieldLog, CellEvent)
R = TypeVar("R")


RECORD_ROLES = frozenset({Role.ADMIN.value, Role.GRID_MANAGER.value, Role.FIELD_STAFF.value})


def recording_cell(user: User, cell_id: int | None, refusal: str) -> GridCell | None:
    """The cell ``user`` may record in (an event, a field-log entry): 403 with ``refusal``
    for a role that never records, 404 for an unknown cell, 403 outside the scope.
    ``None`` when the request names no cell yet."""
    if user.role not in RECORD_ROLES:
        raise Forbidden(refusal)
    if cell_id is None:
        return None
    cell: GridCell = scope.require_visible(
        GridCell,
        cell_id,
        scope.visible_cell_ids(user),
        "网格",
        f"网格（编号 {cell_id}）不在您的管辖范围内",
    )
    return cell


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


class _LostRace(Exception):
    """A copy with the same key was stored while this one was being written."""


def submit_with_photo(
    model: type[T],
    client_key: str,
    owner: InstrumentedAttribute[Any],
    user: User,
    photo: bytes | None,
    cell_id: int,
    *,
    private: bool,
    create: Callable[[Photo | None], T],
    answer: Callable[[T], R],
) -> tuple[R, bool]:
    """Store the record ``create`` makes with its photo (``photos.stored``) and commit:
    ``(answer(row), True)``. When a copy with the same key landed first, this copy and its
    photo (row and file) go and ``(answer(stored row), False)`` is given. ``answer`` runs
    before the commit, so what it writes (the access log) lands with the record."""
    try:
        with photos.stored(photo, cell_id, user, private=private) as saved:
            row, created = submit_once(model, client_key, owner, user, lambda: create(saved))
            if not created:
                raise _LostRace
            result = answer(row)
            db.session.commit()
            return result, True
    except _LostRace:
        db.session.rollback()  # our photo row goes; photos.stored removed the file
    found = _stored(model, client_key, owner, user)
    assert found is not None
    result = answer(found)
    db.session.commit()
    return result, False


def already_submitted(
    model: type[T], client_key: str, owner: InstrumentedAttribute[Any], user: User
) -> T | None:
    """The row ``user`` stored under ``client_key`` before, or None (409 when another user
    did): lets a use case answer a resend before it checks or stores anything else, e.g.
    a photo."""
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
