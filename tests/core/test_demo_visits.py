"""The demo's "四访" data (no database): members' ages, join dates and difficulties, and the
history of past visits — plausible, dated as of DEMO_TODAY (never the clock),
deterministic, and part of the demo's fingerprint."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime

import pytest

from gridapp.core.clock import local_day
from gridapp.core.geodemo.generated import generate_subdistrict
from gridapp.core.geodemo.people import MemberOut
from gridapp.core.geodemo.pipeline import build_subdistrict
from gridapp.core.geodemo.result import SubdistrictResult
from gridapp.core.geodemo.visits import DEMO_TODAY, NOTES, member_details, visit_history
from gridapp.core.reminders import (
    due_state,
    household_reasons,
    member_reasons,
    years_before,
)
from gridapp.core.vocab import VISIT_DAYS_DEFAULT, VISIT_METHODS


@pytest.fixture(scope="module")
def demo() -> SubdistrictResult:
    return build_subdistrict(generate_subdistrict())


def _age(m: MemberOut) -> int:
    assert m.born_year is not None
    return DEMO_TODAY.year - m.born_year


def _reasons(m: MemberOut) -> list[str]:
    return member_reasons(
        born_year=m.born_year,
        joined_on=date.fromisoformat(m.joined_on),
        in_difficulty=m.in_difficulty,
        status=m.status,
        today=DEMO_TODAY,
    )


def test_members_have_plausible_ages_with_the_retired_older(demo: SubdistrictResult) -> None:
    ages = [_age(m) for m in demo.members]
    assert min(ages) >= 22 and max(ages) <= 95
    retired = [_age(m) for m in demo.members if m.status == "retired"]
    in_post = [_age(m) for m in demo.members if m.status == "in_post"]
    assert sum(a >= 70 for a in retired) / len(retired) >= 0.6
    assert max(in_post) <= 60
    assert sum(retired) / len(retired) > sum(in_post) / len(in_post) + 20
    assert 0.2 <= sum(a >= 70 for a in ages) / len(ages) <= 0.5


def test_about_five_percent_in_difficulty_and_eight_percent_new(demo: SubdistrictResult) -> None:
    n = len(demo.members)
    assert 0.03 <= sum(m.in_difficulty for m in demo.members) / n <= 0.07
    cutoff = years_before(DEMO_TODAY, 2)
    joined = [date.fromisoformat(m.joined_on) for m in demo.members]
    assert 0.05 <= sum(d >= cutoff for d in joined) / n <= 0.11
    assert all(d < DEMO_TODAY for d in joined)
    for m, d in zip(demo.members, joined, strict=True):
        assert m.born_year is not None and d.year - m.born_year >= 18  # joined as an adult


def test_visits_are_by_the_cells_worker_before_the_demos_today(demo: SubdistrictResult) -> None:
    visits = demo.visits
    assert demo.stats["visits"] == len(visits) > 500
    assert len({v.key for v in visits}) == len(visits)
    assert all(v.key.startswith(f"demo-{demo.code}-") for v in visits)
    worker_of = {c: w.username for w in demo.work.workers for c in w.cells}
    assert all(worker_of[v.cell_code] == v.worker for v in visits)
    assert all(local_day(datetime.fromisoformat(v.visited_at)) < DEMO_TODAY for v in visits)
    assert set(Counter(v.method for v in visits)) == set(VISIT_METHODS)
    assert all(v.note in NOTES[v.method] for v in visits)  # a phone call reads as one
    cell_of = {b.raw.source_ref: b.cell_code for b in demo.buildings}
    hard = {
        (h.building_ref, h.unit, h.room): h for h in demo.households if household_reasons(h.tags)
    }
    for v in visits:
        if v.member >= 0:
            m = demo.members[v.member]
            assert _reasons(m) and v.cell_code in (m.home_cell, m.registered_cell)
        else:
            assert (v.building_ref, v.unit, v.room) in hard  # only households in difficulty
            assert cell_of[v.building_ref] == v.cell_code


def test_on_the_demos_today_targets_are_never_visited_overdue_or_recent(
    demo: SubdistrictResult,
) -> None:
    last: dict[object, date] = {}
    for v in demo.visits:
        target = v.member if v.member >= 0 else (v.building_ref, v.unit, v.room)
        last[target] = max(last.get(target, date.min), datetime.fromisoformat(v.visited_at).date())
    states: Counter[str] = Counter()
    for h in demo.households:
        reasons = household_reasons(h.tags)
        if reasons:
            state = due_state(
                reasons, last.get((h.building_ref, h.unit, h.room)), DEMO_TODAY, VISIT_DAYS_DEFAULT
            )
            states[
                "recent" if state is None else "never" if state.never_visited else "overdue"
            ] += 1
    assert min(states.values()) >= 0.15 * sum(states.values()), states
    assert len(states) == 3


def test_member_details_and_visits_are_deterministic(demo: SubdistrictResult) -> None:
    members = [replace(m, born_year=None, joined_on="", in_difficulty=False) for m in demo.members]
    member_details(members, 20240601)
    assert members == demo.members
    again = visit_history(
        demo.buildings, demo.households, demo.members, demo.work.workers, demo.code, 20240601
    )
    assert again == demo.visits
    other = visit_history(
        demo.buildings, demo.households, demo.members, demo.work.workers, demo.code, 7
    )
    assert [v.visited_at for v in other] != [v.visited_at for v in demo.visits]


def test_the_fingerprint_covers_visits_and_member_details(demo: SubdistrictResult) -> None:
    visits = list(demo.visits)
    visits[0] = replace(visits[0], method="phone" if visits[0].method != "phone" else "home")
    assert replace(demo, visits=visits).fingerprint() != demo.fingerprint()
    members = list(demo.members)
    members[0] = replace(members[0], in_difficulty=not members[0].in_difficulty)
    assert replace(demo, members=members).fingerprint() != demo.fingerprint()
