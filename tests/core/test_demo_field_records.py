"""The demo's events (事件上报) and field log (民情日志), no database: by the cells' own
workers, inside their cells, dated before DEMO_TODAY (never the clock), deterministic, and
part of the demo's fingerprint."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from gridapp.core.clock import local_day
from gridapp.core.geodemo.events import CLOSE_NOTES, DESCRIPTIONS, event_history
from gridapp.core.geodemo.field_logs import field_log_history
from gridapp.core.geodemo.generated import generate_subdistrict
from gridapp.core.geodemo.pipeline import build_subdistrict
from gridapp.core.geodemo.result import SubdistrictResult
from gridapp.core.geodemo.visits import DEMO_TODAY
from gridapp.core.vocab import EVENT_CATEGORIES


@pytest.fixture(scope="module")
def demo() -> SubdistrictResult:
    return build_subdistrict(generate_subdistrict())


def _day(iso: str) -> date:
    return local_day(datetime.fromisoformat(iso))


def test_one_to_three_events_per_community_by_a_worker_of_the_cell(
    demo: SubdistrictResult,
) -> None:
    events = demo.events
    assert demo.stats["events"] == len(events)
    assert len({e.key for e in events}) == len(events)
    assert all(e.key.startswith(f"demo-event-{demo.code}-") for e in events)
    community_of = {c.code: c.community_code for c in demo.cells}
    per_community = Counter(community_of[e.cell_code] for e in events)
    staffed = {community_of[c] for w in demo.work.workers for c in w.cells}
    assert set(per_community) == staffed  # every community with a worker has events
    assert all(1 <= n <= 3 for n in per_community.values())
    worker_of = {c: w.username for w in demo.work.workers for c in w.cells}
    assert all(worker_of[e.cell_code] == e.worker for e in events)


def test_events_lie_inside_their_cell_next_to_a_building(demo: SubdistrictResult) -> None:
    cells = {c.code: c.geom for c in demo.cells}
    assert all(cells[e.cell_code].contains(e.geom) for e in demo.events)
    footprints: dict[str, list[object]] = {}
    for b in demo.buildings:
        footprints.setdefault(b.cell_code, []).append(b.raw.geom)
    near = [
        e for e in demo.events if any(f.distance(e.geom) <= 12.01 for f in footprints[e.cell_code])
    ]
    assert len(near) >= 0.8 * len(demo.events)


def test_events_read_plausibly_and_about_forty_percent_are_closed(
    demo: SubdistrictResult,
) -> None:
    events = demo.events
    assert all(e.category in EVENT_CATEGORIES for e in events)
    assert len({e.category for e in events}) >= 4
    assert all(e.description in DESCRIPTIONS[e.category] for e in events)
    closed = [e for e in events if e.closed_at]
    assert round(0.4 * len(events)) == len(closed)
    assert all(e.close_note in CLOSE_NOTES[e.category] for e in closed)
    assert all(e.close_note == "" for e in events if not e.closed_at)
    for e in events:
        reported = _day(e.reported_at)
        assert DEMO_TODAY - timedelta(days=30) <= reported < DEMO_TODAY
        if e.closed_at:
            closed_on = _day(e.closed_at)
            assert reported < closed_on < DEMO_TODAY
            assert (closed_on - reported).days <= 5


def test_field_log_only_in_the_workers_cells_on_working_days_before_today(
    demo: SubdistrictResult,
) -> None:
    logs = demo.logs
    assert demo.stats["field_logs"] == len(logs)
    assert len({g.key for g in logs}) == len(logs)
    assert all(g.key.startswith(f"demo-log-{demo.code}-") for g in logs)
    cells_of = {w.username: set(w.cells) for w in demo.work.workers}
    assert all(g.cell_code in cells_of[g.worker] for g in logs)
    days = [date.fromisoformat(g.day) for g in logs]
    assert all(DEMO_TODAY - timedelta(days=14) <= d < DEMO_TODAY for d in days)
    assert all(d.weekday() < 5 for d in days)
    per_worker_day = Counter((g.worker, g.day) for g in logs)
    assert max(per_worker_day.values()) == 1  # at most one entry a day
    working = sum(
        (DEMO_TODAY - timedelta(days=k)).weekday() < 5 for k in range(1, 15)
    )  # 10 working days
    per_worker = Counter(g.worker for g in logs)
    assert set(per_worker) == set(cells_of)  # every worker writes
    assert 0.7 <= len(logs) / (working * len(cells_of)) <= 0.95  # on most working days


def test_field_log_texts_are_varied(demo: SubdistrictResult) -> None:
    logs = demo.logs
    assert all(g.seen.strip() for g in logs)
    assert len({g.seen for g in logs}) >= 0.6 * len(logs)
    with_problem = sum(bool(g.problems) for g in logs) / len(logs)
    assert 0.25 <= with_problem <= 0.55


def test_events_and_field_log_are_deterministic(demo: SubdistrictResult) -> None:
    args = (demo.communities, demo.cells, demo.buildings, demo.work.workers, demo.code)
    assert event_history(*args, 20240601) == demo.events
    assert field_log_history(demo.work.workers, demo.code, 20240601) == demo.logs
    assert [e.reported_at for e in event_history(*args, 7)] != [e.reported_at for e in demo.events]
    assert field_log_history(demo.work.workers, demo.code, 7) != demo.logs


def test_the_fingerprint_covers_events_and_field_log(demo: SubdistrictResult) -> None:
    events = list(demo.events)
    events[0] = replace(events[0], description=events[0].description + "。")
    assert replace(demo, events=events).fingerprint() != demo.fingerprint()
    logs = list(demo.logs)
    logs[0] = replace(logs[0], day=(DEMO_TODAY - timedelta(days=1)).isoformat())
    assert replace(demo, logs=logs).fingerprint() != demo.fingerprint()
