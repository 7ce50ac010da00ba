"""Households on top of the test world (tests/world.py), for the field journey's tests.

Per cell: A1N three households (one 低保户, one 独居老人, one 党员中心户), A1S two (one
残疾人 and 失业), A2N one 空巢老人, A2S none, B1X one 低保户. Users (tests/world.py): the
field worker reads A1N, the grid manager A1N and A1S, the coordinator no names, the admin
everything.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridapp.models import Household
from tests.world import World

HOUSEHOLDS = {
    "A1N": [
        ("赵甲", 2, ["dibao"]),
        ("钱乙", 1, ["elderly_alone"]),
        ("孙丙", 3, ["party_member", "party_centre"]),
    ],
    "A1S": [("李丁", 4, ["disabled", "unemployed"]), ("周戊", 3, [])],
    "A2N": [("吴己", 2, ["empty_nest"])],
    "A2S": [],
    "B1X": [("郑庚", 1, ["dibao"])],
}
NAMES = {cell: [name for name, _, _ in rows] for cell, rows in HOUSEHOLDS.items()}
ALL_NAMES = [name for names in NAMES.values() for name in names]


def add_households(session: Session, world: World) -> dict[str, list[int]]:
    """Add the households (the caller's transaction is rolled back after the test)."""
    ids: dict[str, list[int]] = {}
    for cell, rows in HOUSEHOLDS.items():
        ids[cell] = []
        for n, (name, size, tags) in enumerate(rows, start=1):
            h = Household(
                building_id=world.buildings[cell], unit="1单元", room=f"{n}01", head_name=name,
                size=size, phone=f"1380000{n:04d}", tags=tags,
            )  # fmt: skip
            session.add(h)
            session.flush()
            ids[cell].append(h.id)
    return ids
