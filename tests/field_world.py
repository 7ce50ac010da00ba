"""Households on top of the test world (tests/world.py), for the field journey's tests.

Per cell: A1N three households (one 低保户, one 独居老人, one 党员中心户), A1S two (one
残疾人 and 失业), A2N one 空巢老人, A2S none, B1X one 低保户. Users (tests/world.py): the
field worker reads A1N, the grid manager A1N and A1S, the coordinator no names, the admin
everything.

Party members (``add_members``, for the "四访" reminders as of ``TODAY``): in A1N 老王 (old),
小流 (migrant), 小新 (new) and 中年 (no reason); in A1S 困难 (in difficulty); 报到 with no
home, registered in A1S (old); 外乡 living in A2N but registered in A1N (old: a home cell
comes first).
"""

from __future__ import annotations

import io
from datetime import date

from PIL import Image
from sqlalchemy.orm import Session

from gridapp.models import Household, Member, MemberRegistration
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


TODAY = date(2026, 6, 15)
# name: (home cell or "", registered cell or "", born_year, joined_on, in_difficulty, status)
MEMBERS: dict[str, tuple[str, str, int | None, date | None, bool, str]] = {
    "老王": ("A1N", "", 1950, date(1975, 7, 1), False, "retired"),
    "小流": ("A1N", "", 1990, date(2012, 7, 1), False, "migrant"),
    "小新": ("A1N", "", 1998, date(2025, 7, 1), False, "in_post"),
    "中年": ("A1N", "", 1976, date(2001, 7, 1), False, "in_post"),
    "困难": ("A1S", "", 1970, date(1995, 7, 1), True, "in_post"),
    "报到": ("", "A1S", 1952, date(1980, 7, 1), False, "in_post"),
    "外乡": ("A2N", "A1N", 1951, date(1978, 7, 1), False, "retired"),
}


def add_members(session: Session, world: World) -> dict[str, int]:
    """Add the members (and registrations); ids by name."""
    ids: dict[str, int] = {}
    for name, (home, registered, born, joined, hard, status) in MEMBERS.items():
        m = Member(
            subdistrict_id=world.subdistricts["A"], name=name, gender="男", status=status,
            home_building_id=world.buildings[home] if home else None, born_year=born,
            joined_on=joined, in_difficulty=hard,
        )  # fmt: skip
        session.add(m)
        session.flush()
        if registered:
            session.add(
                MemberRegistration(
                    member_id=m.id,
                    community_id=world.communities[registered[:2]],
                    cell_id=world.cells[registered],
                )
            )
        ids[name] = m.id
    session.flush()
    return ids


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG photo whose EXIF names a camera and a GPS position."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()
