"""The demo's "四访" data: the party members' ages, join dates and difficulties, and a
history of past visits (走访) by each cell's grid worker. Deterministic (fixed seed).

Everything dated is dated as of ``DEMO_TODAY``, the demo's own "today" — never the
clock, so that generating twice gives the same data and the same fingerprint. Loading
moves the dated facts forward to the day of loading (``services/geodata/loading_visits``),
so the due list looks the same whenever the demo is loaded: some targets never visited,
some overdue, some visited recently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import numpy as np

from gridapp.core.clock import LOCAL_TZ
from gridapp.core.geodemo.households import HouseholdOut
from gridapp.core.geodemo.people import MemberOut
from gridapp.core.reminders import (
    due_state,
    household_reasons,
    member_reasons,
    years_before,
)
from gridapp.core.vocab import NEW_MEMBER_YEARS, VISIT_DAYS_DEFAULT, MemberStatus

if TYPE_CHECKING:
    from gridapp.core.geodemo.grid_work import WorkerOut
    from gridapp.core.geodemo.result import BuildingOut

DEMO_TODAY = date(2026, 12, 1)  # the demo's "today": every generated date is before it

# Ages by member status: (youngest, most common, oldest), a triangular distribution.
AGES = {
    MemberStatus.RETIRED.value: (58, 72, 95),  # about 70 % are 70 and over
    MemberStatus.IN_POST.value: (22, 38, 60),
    MemberStatus.MIGRANT.value: (22, 32, 55),
    MemberStatus.UNATTACHED.value: (25, 45, 75),
}
SHARE_NEW = 0.08  # joined within the last two years
IN_DIFFICULTY = {MemberStatus.RETIRED.value: 0.07}  # others: OTHERS_IN_DIFFICULTY
OTHERS_IN_DIFFICULTY = 0.035  # about 5 % of all members
JOIN_AGES = (18, 40)

# The visit history: of the targets in a cell with a grid worker, this share never
# visited, this share visited within their interval, the rest overdue by up to 60 days.
SHARE_NEVER = 0.3
SHARE_RECENT = 0.35
MAX_OVERDUE = 60
METHODS = (("home", 0.7), ("phone", 0.2), ("street", 0.1))
NOTES = {
    "home": (
        "了解近况，身体状况良好",
        "询问生活需求，暂无困难",
        "送去慰问品，家属表示感谢",
        "提醒按时复诊、按时服药",
        "反映楼道灯不亮，已转物业",
        "协助准备年审材料",
        "宣传防诈骗知识",
    ),
    "phone": ("电话询问近况，一切正常", "电话提醒天气变化，注意保暖", "电话了解就医需求"),
    "street": ("路遇交谈，反映小区停车难", "路遇交谈，了解就业意向", "路遇交谈，身体硬朗"),
}


@dataclass
class VisitOut:
    key: str  # the visit's client_key: demo-<subdistrict code>-<n>
    cell_code: str
    worker: str  # the grid worker's username
    building_ref: str  # a household: its building, unit and room ("" for a member)
    unit: str
    room: str
    member: int  # a member: index into the members, -1 for a household
    method: str
    visited_at: str  # ISO 8601 with the UTC offset of LOCAL_TZ
    note: str


def member_details(members: Sequence[MemberOut], seed: int) -> None:
    """Give every member a year of birth, a join date and whether they are in
    difficulty (in place), by their status."""
    rng = np.random.default_rng(seed + 41)
    for m in members:
        low, mode, high = AGES.get(m.status, AGES[MemberStatus.IN_POST.value])
        age = int(np.clip(round(rng.triangular(low, mode, high)), 22, 95))
        m.born_year = DEMO_TODAY.year - age
        share = IN_DIFFICULTY.get(m.status, OTHERS_IN_DIFFICULTY)
        m.in_difficulty = bool(rng.random() < share)
        m.joined_on = _joined(rng, m.born_year).isoformat()


def _joined(rng: np.random.Generator, born_year: int) -> date:
    """A join date: within the last two years for SHARE_NEW of the members (all are 22 or
    older, so 18 or older when they joined), else at 18 to 40 and before that."""
    two_years = years_before(DEMO_TODAY, NEW_MEMBER_YEARS)
    if rng.random() < SHARE_NEW:
        return DEMO_TODAY - timedelta(days=int(rng.integers(1, (DEMO_TODAY - two_years).days)))
    earliest = date(born_year + JOIN_AGES[0], 1, 1)
    latest = min(two_years - timedelta(days=1), date(born_year + JOIN_AGES[1], 12, 31))
    span = max((latest - earliest).days, 0)
    return earliest + timedelta(days=int(rng.integers(0, span + 1)))


def visit_history(
    buildings: Sequence[BuildingOut],
    households: Sequence[HouseholdOut],
    members: Sequence[MemberOut],
    workers: Sequence[WorkerOut],
    subdistrict_code: str,
    seed: int,
) -> list[VisitOut]:
    """Past visits to the households in difficulty and the members with a reason, by the
    grid worker of their cell (cells without a worker have no history), oldest first per
    target."""
    rng = np.random.default_rng(seed + 43)
    worker_of = {cell: w.username for w in workers for cell in w.cells}
    cell_of = {b.raw.source_ref: b.cell_code for b in buildings}
    out: list[VisitOut] = []

    def add(cell: str, reasons: list[str], ref: str = "", unit: str = "", room: str = "",
            member: int = -1) -> None:  # fmt: skip
        if not reasons or cell not in worker_of:
            return
        for day in _visit_days(rng, reasons):
            minutes = int(rng.integers(9 * 60, 17 * 60))
            at = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=LOCAL_TZ)
            method = METHODS[int(rng.choice(len(METHODS), p=[p for _, p in METHODS]))][0]
            note = NOTES[method][int(rng.integers(len(NOTES[method])))]
            key = f"demo-{subdistrict_code}-{len(out) + 1}"
            out.append(
                VisitOut(key, cell, worker_of[cell], ref, unit, room, member, method,
                         at.isoformat(), note)
            )  # fmt: skip

    for h in households:
        cell = cell_of.get(h.building_ref, "")
        add(cell, household_reasons(h.tags), h.building_ref, h.unit, h.room)
    for index, m in enumerate(members):
        joined = date.fromisoformat(m.joined_on) if m.joined_on else None
        reasons = member_reasons(
            born_year=m.born_year,
            joined_on=joined,
            in_difficulty=m.in_difficulty,
            status=m.status,
            today=DEMO_TODAY,
        )
        add(m.home_cell or m.registered_cell, reasons, member=index)
    return out


def _visit_days(rng: np.random.Generator, reasons: list[str]) -> list[date]:
    """The days of a target's visits, oldest first: none, or a last visit within its
    interval or overdue, after zero to two earlier ones about an interval apart."""
    state = due_state(reasons, None, DEMO_TODAY, VISIT_DAYS_DEFAULT)
    assert state is not None
    interval = state.interval_days
    draw = rng.random()
    if draw < SHARE_NEVER:
        return []
    if draw < SHARE_NEVER + SHARE_RECENT:
        ago = int(rng.integers(1, interval)) if interval > 1 else 1
    else:
        ago = interval + int(rng.integers(1, MAX_OVERDUE + 1))
    days = [ago]
    for _ in range(int(rng.integers(0, 3))):
        days.append(days[-1] + interval + int(rng.integers(-2, 8)))
    return [DEMO_TODAY - timedelta(days=d) for d in reversed(days)]
