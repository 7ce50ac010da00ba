"""The "四访" rules without a database: reasons, intervals, due days, the configuration."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gridapp.core.reminders import (
    DueState,
    due_state,
    household_reasons,
    local_day,
    member_reasons,
    visit_days,
    years_before,
)
from gridapp.core.vocab import VISIT_DAYS_DEFAULT

TODAY = date(2026, 6, 15)
DAYS = VISIT_DAYS_DEFAULT


def _member(**kw: object) -> list[str]:
    args: dict[str, object] = {
        "born_year": 1980,
        "joined_on": date(2000, 7, 1),
        "in_difficulty": False,
        "status": "in_post",
        "today": TODAY,
    }
    return member_reasons(**{**args, **kw})  # type: ignore[arg-type]


def test_member_reasons_old_difficulty_migrant_new() -> None:
    assert _member() == []
    assert _member(born_year=1956) == ["member_old"]  # 70 this year
    assert _member(born_year=1957) == []
    assert _member(born_year=None) == []  # unknown stays unknown
    assert _member(in_difficulty=True) == ["member_difficulty"]
    assert _member(status="migrant") == ["member_migrant"]
    assert _member(joined_on=date(2024, 6, 15)) == ["member_new"]  # two years to the day
    assert _member(joined_on=date(2024, 6, 14)) == []
    assert _member(joined_on=None) == []
    assert _member(born_year=1940, in_difficulty=True, status="migrant") == [
        "member_old",
        "member_difficulty",
        "member_migrant",
    ]


def test_household_reasons_are_its_difficulty_tags_in_vocabulary_order() -> None:
    assert household_reasons(["party_member", "unemployed", "dibao"]) == ["dibao", "unemployed"]
    assert household_reasons(["party_member", "party_centre"]) == []


def test_the_shortest_interval_of_several_reasons_counts() -> None:
    state = due_state(["dibao", "elderly_alone"], None, TODAY, DAYS)
    assert state == DueState(7, None, None, None) and state.never_visited and state.overdue
    new_migrant = due_state(["member_migrant", "member_new"], None, TODAY, DAYS)
    assert new_migrant is not None and new_migrant.interval_days == 60


def test_due_on_the_day_the_interval_ends_and_overdue_after() -> None:
    assert due_state(["elderly_alone"], date(2026, 6, 9), TODAY, DAYS) is None  # 6 days ago
    on_time = due_state(["elderly_alone"], date(2026, 6, 8), TODAY, DAYS)
    assert on_time == DueState(7, date(2026, 6, 8), 7, 0) and not on_time.overdue
    late = due_state(["elderly_alone"], date(2026, 6, 1), TODAY, DAYS)
    assert late is not None and late.overdue_days == 7 and late.overdue
    assert due_state([], None, TODAY, DAYS) is None  # no reason, never due


def test_never_visited_first_then_the_most_overdue() -> None:
    states = [
        due_state(["dibao"], date(2026, 5, 1), TODAY, DAYS),  # 45 days: 15 overdue
        due_state(["member_migrant"], None, TODAY, DAYS),
        due_state(["elderly_alone"], date(2026, 5, 1), TODAY, DAYS),  # 38 overdue
        due_state(["elderly_alone"], None, TODAY, DAYS),
    ]
    ordered = sorted((s for s in states if s is not None), key=DueState.sort_key)
    assert [(s.never_visited, s.overdue_days, s.interval_days) for s in ordered] == [
        (True, None, 7),
        (True, None, 90),
        (False, 38, 7),
        (False, 15, 30),
    ]


def test_days_are_local_days_in_beijing() -> None:
    assert local_day(datetime(2026, 6, 14, 23, 30, tzinfo=UTC)) == date(2026, 6, 15)
    assert local_day(datetime(2026, 6, 14, 15, 59, tzinfo=UTC)) == date(2026, 6, 14)
    assert years_before(date(2028, 2, 29), 2) == date(2026, 2, 28)


def test_visit_days_default_and_override() -> None:
    assert visit_days("") == VISIT_DAYS_DEFAULT
    assert visit_days(None) == VISIT_DAYS_DEFAULT
    days = visit_days('{"elderly_alone": 3, "member_old": 45}')
    assert days == {**VISIT_DAYS_DEFAULT, "elderly_alone": 3, "member_old": 45}
    assert visit_days({"dibao": 10})["dibao"] == 10


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("{elderly_alone: 3}", "不是有效的 JSON"),
        ("[3]", "应为 JSON 对象"),
        ('{"old": 3}', "old 不是走访原因"),
        ('{"dibao": 0}', "dibao 的天数应为 1 到"),
        ('{"dibao": "7"}', "dibao 的天数"),
        ('{"dibao": true}', "dibao 的天数"),
        ('{"dibao": 7.5}', "dibao 的天数"),
    ],
)
def test_a_wrong_visit_days_setting_is_refused_in_chinese(value: str, words: str) -> None:
    with pytest.raises(ValueError, match=words) as err:
        visit_days(value)
    assert "GRIDAPP_VISIT_DAYS" in str(err.value)
