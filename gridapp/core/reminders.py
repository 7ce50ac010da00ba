"""The "四访" reminders as rules (no database): why a household or a party member is due a
visit, after how many days, and whether they are due on a given day (docs/FIELD.md).

Days are counted on the local calendar (``TIMEZONE``): a visit at 07:00 Beijing time is on
that day, whatever the UTC date. A target with several reasons takes the shortest
interval. It is due when it was never visited, or when ``interval`` days or more have
passed since the day of its last visit (of any method); ``overdue_days`` is 0 on the day
the visit falls due.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from gridapp.core.vocab import (
    DIFFICULTY_TAGS,
    HOUSEHOLD_TAG_LABELS,
    MEMBER_VISIT_REASON_LABELS,
    NEW_MEMBER_YEARS,
    OLD_MEMBER_AGE,
    VISIT_DAYS_DEFAULT,
    MemberStatus,
)

# The calendar the grid workers live by.
TIMEZONE = ZoneInfo("Asia/Shanghai")
# Every reason a target may be due a visit, with its Chinese label: the members' reasons,
# then the households' difficulty tags.
REASON_LABELS = {
    **MEMBER_VISIT_REASON_LABELS,
    **{tag: HOUSEHOLD_TAG_LABELS[tag] for tag in DIFFICULTY_TAGS},
}
MAX_INTERVAL_DAYS = 3650


def local_day(moment: datetime) -> date:
    """The local calendar day of an aware ``moment`` (a naive one is taken as local)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(TIMEZONE).date()


def local_today(now: datetime | None = None) -> date:
    return local_day(now or datetime.now(TIMEZONE))


def years_before(day: date, years: int) -> date:
    """The same day ``years`` years earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def visit_days(value: str | Mapping[str, Any] | None) -> dict[str, int]:
    """Days between visits per reason: ``VISIT_DAYS_DEFAULT`` overridden by ``value``
    (GRIDAPP_VISIT_DAYS, a JSON object such as ``{"elderly_alone": 3}``; empty: the
    defaults). A wrong value raises ValueError saying in Chinese what is wrong."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return dict(VISIT_DAYS_DEFAULT)
    where = "GRIDAPP_VISIT_DAYS（走访间隔天数）"
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(
                f'{where}不是有效的 JSON，应为如 {{"elderly_alone": 3}} 的对象'
            ) from None
    if not isinstance(value, Mapping):
        raise ValueError(f'{where}应为 JSON 对象，如 {{"elderly_alone": 3}}')
    unknown = sorted(str(k) for k in value if k not in VISIT_DAYS_DEFAULT)
    if unknown:
        known = "、".join(VISIT_DAYS_DEFAULT)
        raise ValueError(f"{where}中的 {'、'.join(unknown)} 不是走访原因；可用的原因：{known}")
    days = dict(VISIT_DAYS_DEFAULT)
    for key, n in value.items():
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_INTERVAL_DAYS:
            raise ValueError(f"{where}中 {key} 的天数应为 1 到 {MAX_INTERVAL_DAYS} 之间的整数")
        days[str(key)] = n
    return days


def household_reasons(tags: Iterable[str]) -> list[str]:
    """A household's reasons: its difficulty tags, in the vocabulary's order."""
    have = set(tags)
    return [tag for tag in DIFFICULTY_TAGS if tag in have]


def member_reasons(
    *,
    born_year: int | None,
    joined_on: date | None,
    in_difficulty: bool,
    status: str,
    today: date,
) -> list[str]:
    """A party member's reasons on ``today``: old (70 and over by ``born_year``), in
    difficulty, migrant, new (joined within two years). Unknown years give no reason."""
    reasons = []
    if born_year is not None and today.year - born_year >= OLD_MEMBER_AGE:
        reasons.append("member_old")
    if in_difficulty:
        reasons.append("member_difficulty")
    if status == MemberStatus.MIGRANT.value:
        reasons.append("member_migrant")
    if joined_on is not None and joined_on >= years_before(today, NEW_MEMBER_YEARS):
        reasons.append("member_new")
    return reasons


@dataclass(frozen=True)
class DueState:
    """A target that is due: its interval, and how long since its last visit."""

    interval_days: int
    last_visit_day: date | None
    days_since: int | None  # None: never visited
    overdue_days: int | None  # 0 on the day it falls due; None: never visited

    @property
    def never_visited(self) -> bool:
        return self.last_visit_day is None

    @property
    def overdue(self) -> bool:
        """Past its day: never visited, or overdue by a day or more."""
        return self.overdue_days is None or self.overdue_days > 0

    def sort_key(self) -> tuple[bool, int, int]:
        """Never visited first, then the most overdue, then the shortest interval."""
        return (not self.never_visited, -(self.overdue_days or 0), self.interval_days)


def interval_of(reasons: Iterable[str], days: Mapping[str, int]) -> int:
    return min(days[reason] for reason in reasons)


def due_state(
    reasons: list[str], last_visit_day: date | None, today: date, days: Mapping[str, int]
) -> DueState | None:
    """The target's state on ``today`` when it is due, else None (no reason, or visited
    less than its interval ago)."""
    if not reasons:
        return None
    interval = interval_of(reasons, days)
    if last_visit_day is None:
        return DueState(interval, None, None, None)
    since = (today - last_visit_day).days
    if since < interval:
        return None
    return DueState(interval, last_visit_day, since, since - interval)
