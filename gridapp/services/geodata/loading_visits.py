"""Loading a geodata folder, step 4: the past visits (走访), and the demo's clock.

A folder's dated facts — visits and the members' join dates — are generated as of its
``as_of`` day (``core/geodemo/visits.DEMO_TODAY``), never the clock, so the folder and its
fingerprint stay the same whenever it is generated. Loading moves them by the days from
``as_of`` to the day of loading, so a demo loaded today shows today what the generator
meant: some targets never visited, some overdue, some visited a few days ago.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from gridapp.core.clock import local_today
from gridapp.core.errors import LoadError
from gridapp.core.vocab import VISIT_METHODS
from gridapp.extensions import db
from gridapp.models import Household, User, Visit


def clock_shift(meta: dict[str, Any], today: date | None = None) -> timedelta:
    """From the folder's ``as_of`` day to ``today`` (default: the local today); none for
    a folder without ``as_of``."""
    as_of = meta.get("as_of")
    if not as_of:
        return timedelta(0)
    return (today or local_today()) - date.fromisoformat(str(as_of))


def shift_join_dates(members: list[dict[str, Any]], shift: timedelta) -> None:
    """Move the members' ``joined_on`` (ISO, "" = unknown) by ``shift``, in place."""
    for m in members:
        if m.get("joined_on"):
            m["joined_on"] = (date.fromisoformat(m["joined_on"]) + shift).isoformat()


def load_visits(
    rows: list[dict[str, Any]],
    cell_id: dict[str, int],
    building_id: dict[str, int],
    member_ids: list[int],
    shift: timedelta,
) -> int:
    """Insert the visits, each moved by ``shift``; returns how many. A visit names its
    household by building, unit and room, its member by position in the folder, its
    worker by username. The caller owns the transaction."""
    if not rows:
        return 0
    households = _households(list(building_id.values()))
    workers = worker_users({str(r["worker"]) for r in rows})
    values = []
    for n, row in enumerate(rows, start=1):
        values.append(_visit(n, row, cell_id, building_id, households, member_ids, workers, shift))
    db.session.execute(insert(Visit), values)
    return len(values)


def worker_users(usernames: set[str]) -> dict[str, tuple[int, str]]:
    """The users by username: their id and the name their records show."""
    return {
        username: (uid, name or username)
        for uid, username, name in db.session.execute(
            select(User.id, User.username, User.display_name).where(User.username.in_(usernames))
        )
    }


def _households(building_ids: list[int]) -> dict[tuple[int, str, str], int]:
    rows = db.session.execute(
        select(Household.id, Household.building_id, Household.unit, Household.room).where(
            Household.building_id.in_(building_ids)
        )
    )
    return {(b, unit, room): hid for hid, b, unit, room in rows}


def _visit(
    n: int,
    row: dict[str, Any],
    cell_id: dict[str, int],
    building_id: dict[str, int],
    households: dict[tuple[int, str, str], int],
    member_ids: list[int],
    workers: dict[str, tuple[int, str]],
    shift: timedelta,
) -> dict[str, Any]:
    what = f"第 {n} 条走访记录"
    if row["cell_code"] not in cell_id:
        raise LoadError(f"{what}的网格 {row['cell_code']} 不存在")
    if row["worker"] not in workers:
        raise LoadError(f"{what}的网格员 {row['worker']} 不存在")
    if row["method"] not in VISIT_METHODS:
        raise LoadError(f"{what}的走访方式 {row['method']} 不在词表中")
    household, member = None, None
    if int(row["member"]) >= 0:
        if int(row["member"]) >= len(member_ids):
            raise LoadError(f"{what}的党员（第 {int(row['member']) + 1} 名）不存在")
        member = member_ids[int(row["member"])]
    else:
        key = (building_id.get(row["building_ref"], -1), row["unit"], row["room"])
        household = households.get(key)
        if household is None:
            raise LoadError(
                f"{what}的住户（{row['building_ref']} {row['unit']}{row['room']}）不存在"
            )
    user_id, user_name = workers[row["worker"]]
    return {
        "client_key": row["key"],
        "cell_id": cell_id[row["cell_code"]],
        "household_id": household,
        "member_id": member,
        "user_id": user_id,
        "user_name": user_name,
        "method": row["method"],
        "visited_at": datetime.fromisoformat(row["visited_at"]) + shift,
        "note": row["note"],
    }
