"""Household records (户) for the demo: one per household a building counts, deterministic
(fixed seed), Chinese names made from the surname and given-name lists (no real people).

A few percent are households in difficulty (困难群众); every party member at home in a
building heads one of its households (党员户), and a 党员中心户 member's household carries
that tag too, so the records agree with the organisation data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gridapp.core.geodemo.people import GIVEN, PHONE_PREFIXES, SURNAMES, MemberOut
from gridapp.core.vocab import HOUSEHOLD_TAGS

if TYPE_CHECKING:
    from gridapp.core.geodemo.result import BuildingOut

SHARE_IN_DIFFICULTY = 0.05  # "a few percent"
# Tags of a household in difficulty, with their weights among those households.
DIFFICULTY_WEIGHTS = (
    ("dibao", 0.16),
    ("dibao_edge", 0.08),
    ("disabled", 0.18),
    ("elderly_alone", 0.20),
    ("empty_nest", 0.20),
    ("serious_illness", 0.08),
    ("unemployed", 0.10),
)
SHARE_WITH_TWO_DIFFICULTIES = 0.2
# People per household: 1 … 6 (a mean of about 2.7).
SIZE_WEIGHTS = (0.18, 0.30, 0.27, 0.15, 0.07, 0.03)
DOORS_PER_FLOOR = 2
LOWRISE_KINDS = frozenset({"lowrise"})


@dataclass
class HouseholdOut:
    building_ref: str
    unit: str  # 单元, "" for a low-rise building
    room: str  # 门牌
    head_name: str
    size: int
    phone: str
    tags: list[str]


def address(kind: str, levels: int, index: int) -> tuple[str, str]:
    """Unit and room of the ``index``-th household (from 0) of a building: two doors a
    floor and ``levels`` floors a unit (2单元 301); numbered doors (12号) in a low-rise."""
    if kind in LOWRISE_KINDS:
        return "", f"{index + 1}号"
    per_unit = DOORS_PER_FLOOR * max(1, levels)
    unit, k = divmod(index, per_unit)
    floor, door = divmod(k, DOORS_PER_FLOOR)
    return f"{unit + 1}单元", f"{floor + 1}{door + 1:02d}"


def make_households(
    buildings: Sequence[BuildingOut], members: Sequence[MemberOut], seed: int
) -> list[HouseholdOut]:
    """As many records per building as its ``households`` figure, in building order."""
    rng = np.random.default_rng(seed + 31)
    total = sum(int(b.raw.households) for b in buildings)
    sizes = rng.choice(len(SIZE_WEIGHTS), size=total, p=SIZE_WEIGHTS) + 1
    hard = np.flatnonzero(rng.random(total) < SHARE_IN_DIFFICULTY)
    heads, phones = _names(rng, total), _phones(rng, total)
    out: list[HouseholdOut] = []
    first: dict[str, tuple[int, int]] = {}  # building ref → (first index, count)
    for b in buildings:
        count = int(b.raw.households)
        first[b.raw.source_ref] = (len(out), count)
        for i in range(count):
            unit, room = address(b.raw.kind, int(b.raw.levels), i)
            n = len(out)
            out.append(
                HouseholdOut(b.raw.source_ref, unit, room, heads[n], int(sizes[n]), phones[n], [])
            )
    _difficulties(out, hard, rng)
    _party_households(out, first, members, rng)
    return out


def _names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` Chinese names: a surname and one or two given characters (as ``NameMaker``)."""
    surname = rng.integers(len(SURNAMES), size=n)
    given = rng.integers(len(GIVEN), size=(n, 2))
    two = rng.random(n) >= 0.3
    return [
        SURNAMES[s] + GIVEN[g[0]] + (GIVEN[g[1]] if t else "")
        for s, g, t in zip(surname.tolist(), given.tolist(), two.tolist(), strict=True)
    ]


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    prefix = rng.integers(len(PHONE_PREFIXES), size=n)
    number = rng.integers(0, 10**8, size=n)
    return [
        f"{PHONE_PREFIXES[p]}{d:08d}" for p, d in zip(prefix.tolist(), number.tolist(), strict=True)
    ]


def _difficulties(out: list[HouseholdOut], hard: np.ndarray, rng: np.random.Generator) -> None:
    """One or two difficulty tags for the households ``hard``; an old person living alone
    is a household of one, an empty nest one of two."""
    tags = [t for t, _ in DIFFICULTY_WEIGHTS]
    weights = np.array([w for _, w in DIFFICULTY_WEIGHTS])
    weights = weights / weights.sum()
    for index in hard.tolist():
        n = 2 if rng.random() < SHARE_WITH_TWO_DIFFICULTIES else 1
        picked = sorted(int(j) for j in rng.choice(len(tags), n, replace=False, p=weights))
        h = out[index]
        h.tags = [tags[j] for j in picked]
        if "elderly_alone" in h.tags:
            h.tags = [t for t in h.tags if t != "empty_nest"]
            h.size = 1
        elif "empty_nest" in h.tags:
            h.size = 2


def _party_households(
    out: list[HouseholdOut],
    first: dict[str, tuple[int, int]],
    members: Sequence[MemberOut],
    rng: np.random.Generator,
) -> None:
    """Each member at home in a building heads a household of it (党员户, and 党员中心户
    for a hub), one member a household while the building has free ones."""
    taken: set[int] = set()
    for m in members:
        start, count = first.get(m.home_building_ref, (0, 0))
        if count == 0:
            continue
        free = [i for i in range(start, start + count) if i not in taken]
        index = free[int(rng.integers(len(free)))] if free else start + int(rng.integers(count))
        taken.add(index)
        h = out[index]
        if "party_member" not in h.tags:  # the first member of the household heads it
            h.head_name, h.phone = m.name, m.phone
        wanted = {"party_member", "party_centre"} if m.is_hub else {"party_member"}
        h.tags = [t for t in HOUSEHOLD_TAGS if t in wanted or t in h.tags]
