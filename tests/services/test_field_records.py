"""Events and the field log in the service layer: a report is one transaction with its
photo (a failure after the photo is written leaves no file and no row; a copy racing a
retry stores one record and one photo), the day of the field log, events and entries whose
cell was deleted, and the ILIKE escaping. Each test runs rolled back (``db_session``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from gridapp.core.errors import NotFound, Unprocessable
from gridapp.extensions import db
from gridapp.models import CellEvent, FieldLog, Photo, User
from gridapp.services.field import events, field_log, submit
from tests.field_photos import files_under, image_bytes
from tests.world import World


@pytest.fixture
def ctx(
    app: Flask, db_session: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    monkeypatch.setitem(app.config, "PHOTO_DIR", str(tmp_path))
    with app.app_context():
        yield tmp_path


def _user(world: World, username: str) -> User:
    return db.session.get_one(User, world.users[username])


def _report(
    world: World, key: str = "svc-event-0001", cell: str = "A1N", **extra: Any
) -> events.EventReport:
    lat = 39.9075 if cell == "A1N" else 39.9025
    fields = {
        "category": "facility",
        "description": "井盖松动",
        "lat": lat,
        "lon": 116.405,
        **extra,
    }
    return events.EventReport(client_key=key, cell_id=world.cells[cell], **fields)


def _count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_failure_after_the_photo_is_written_removes_it_and_stores_nothing(
    world: World, ctx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: Any, **kwargs: Any) -> Any:
        assert len(files_under(ctx)) == 1  # the photo is on disk by now
        raise RuntimeError("the insert failed")

    monkeypatch.setattr(submit, "submit_once", failing)
    with pytest.raises(RuntimeError):
        events.report_event(_user(world, "t_field"), _report(world), image_bytes())
    db.session.rollback()
    assert files_under(ctx) == []
    assert _count(CellEvent) == 0 and _count(Photo) == 0


def test_a_copy_racing_a_stored_report_keeps_one_event_and_one_photo(
    world: World, ctx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = _user(world, "t_field")
    first, created = events.report_event(user, _report(world), image_bytes())
    assert created and len(files_under(ctx)) == 1
    stored_files = files_under(ctx)
    real_previous = submit.previous
    calls: list[int] = []

    def not_yet_seen(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)  # the first look misses the row the other copy just committed
        return None if len(calls) == 1 else real_previous(*args, **kwargs)

    monkeypatch.setattr(submit, "previous", not_yet_seen)
    second, created = events.report_event(user, _report(world), image_bytes("PNG"))
    assert not created and second["id"] == first["id"]
    assert second["photo_id"] == first["photo_id"]
    assert _count(CellEvent) == 1 and _count(Photo) == 1
    assert files_under(ctx) == stored_files


def test_an_event_whose_cell_was_deleted_is_seen_where_its_point_lies(
    world: World, ctx: Path
) -> None:
    manager = _user(world, "t_manager")
    north, _ = events.report_event(manager, _report(world), None)
    south, _ = events.report_event(manager, _report(world, "svc-event-0002", "A1S"), None)
    db.session.execute(update(CellEvent).values(cell_id=None))  # as if a merge deleted both
    field = _user(world, "t_field")
    assert [e["id"] for e in events.events(field)["items"]] == [north["id"]]
    assert events.events(field)["items"][0]["cell_code"] == ""
    assert events.close_event(field, north["id"])["status"] == "closed"
    with pytest.raises(NotFound):
        events.close_event(field, south["id"])
    assert events.events(_user(world, "t_coordinator"))["total"] == 2


def test_the_rules_of_an_event_come_after_a_retry_is_recognised(world: World, ctx: Path) -> None:
    user = _user(world, "t_field")
    stored, _ = events.report_event(user, _report(world), None)
    retry, created = events.report_event(user, _report(world, category="?"), None)
    assert not created and retry["id"] == stored["id"]
    with pytest.raises(Unprocessable):
        events.report_event(user, _report(world, "svc-event-0009", category="?"), None)


def test_the_field_log_day_defaults_to_today_and_keeps_to_30_days(world: World, ctx: Path) -> None:
    user = _user(world, "t_field")
    cell = world.cells["A1N"]
    today = date(2026, 3, 15)
    entry, _ = field_log.write_log(user, "svc-log-0001", cell, seen="巡查", today=today)
    assert entry["day"] == "2026-03-15"
    entry, _ = field_log.write_log(
        user, "svc-log-0002", cell, day=date(2026, 2, 13), seen="补记", today=today
    )
    assert entry["day"] == "2026-02-13"  # 30 days back
    for day in (date(2026, 2, 12), date(2026, 3, 16)):
        with pytest.raises(Unprocessable):
            field_log.write_log(user, "svc-log-0003", cell, day=day, seen="x", today=today)


def test_an_entry_whose_cell_was_deleted_is_read_by_admins_only(world: World, ctx: Path) -> None:
    entry, _ = field_log.write_log(
        _user(world, "t_field"), "svc-log-0001", world.cells["A1N"], problems="路灯坏了"
    )
    db.session.execute(update(FieldLog).values(cell_id=None))
    assert field_log.field_logs(_user(world, "t_field"))["total"] == 0
    assert field_log.field_logs(_user(world, "t_coordinator"))["total"] == 0
    admin = field_log.field_logs(_user(world, "t_admin"), q="路灯")
    assert [e["id"] for e in admin["items"]] == [entry["id"]]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("100%", "100\\%"), ("a_b", "a\\_b"), ("c:\\x", "c:\\\\x"), ("普通", "普通")],
)
def test_like_patterns_escape_the_users_wildcards(text: str, escaped: str) -> None:
    assert field_log.escape_like(text) == escaped
