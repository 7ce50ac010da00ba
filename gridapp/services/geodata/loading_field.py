"""Loading a geodata folder, step 5: the past events (事件上报) and field-log entries
(民情日志), moved by the same days as the visits (``loading_visits.clock_shift``).

Their cells are kept as ``SET NULL`` when a subdistrict is replaced, so the rows an earlier
load wrote (client keys ``demo-event-<code>-<n>`` and ``demo-log-<code>-<n>``) are deleted
first: a changed folder replaces them, and records the users wrote are never touched.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from geoalchemy2 import WKTElement
from sqlalchemy import delete, insert

from gridapp.core.errors import LoadError
from gridapp.core.vocab import EVENT_CATEGORIES
from gridapp.extensions import db
from gridapp.models import CellEvent, FieldLog
from gridapp.services.geodata.loading_visits import worker_users


def event_prefix(subdistrict_code: str) -> str:
    return f"demo-event-{subdistrict_code}-"


def log_prefix(subdistrict_code: str) -> str:
    return f"demo-log-{subdistrict_code}-"


def load_field_records(
    subdistrict_code: str,
    event_rows: list[dict[str, Any]],
    log_rows: list[dict[str, Any]],
    cell_id: dict[str, int],
    shift: timedelta,
) -> tuple[int, int]:
    """Replace the subdistrict's generated events and field-log entries by the folder's,
    each moved by ``shift``; returns how many of each. The caller owns the transaction."""
    session = db.session
    session.execute(
        delete(CellEvent).where(
            CellEvent.client_key.startswith(event_prefix(subdistrict_code), autoescape=True)
        )
    )
    session.execute(
        delete(FieldLog).where(
            FieldLog.client_key.startswith(log_prefix(subdistrict_code), autoescape=True)
        )
    )
    workers = worker_users({str(r["worker"]) for r in event_rows + log_rows})
    events = [_event(n, row, cell_id, workers, shift) for n, row in enumerate(event_rows, start=1)]
    logs = [_log(n, row, cell_id, workers, shift) for n, row in enumerate(log_rows, start=1)]
    if events:
        session.execute(insert(CellEvent), events)
    if logs:
        session.execute(insert(FieldLog), logs)
    return len(events), len(logs)


def _who(
    what: str, row: dict[str, Any], cell_id: dict[str, int], workers: dict[str, tuple[int, str]]
) -> tuple[int, int, str]:
    if row["cell_code"] not in cell_id:
        raise LoadError(f"{what}的网格 {row['cell_code']} 不存在")
    if row["worker"] not in workers:
        raise LoadError(f"{what}的网格员 {row['worker']} 不存在")
    user_id, user_name = workers[row["worker"]]
    return cell_id[row["cell_code"]], user_id, user_name


def _event(
    n: int,
    row: dict[str, Any],
    cell_id: dict[str, int],
    workers: dict[str, tuple[int, str]],
    shift: timedelta,
) -> dict[str, Any]:
    what = f"第 {n} 条事件记录"
    cell, user_id, user_name = _who(what, row, cell_id, workers)
    if row["category"] not in EVENT_CATEGORIES:
        raise LoadError(f"{what}的事件类别 {row['category']} 不在词表中")
    if not str(row["description"]).strip():
        raise LoadError(f"{what}缺少事件描述")
    reported_at = datetime.fromisoformat(row["reported_at"]) + shift
    closed_at = datetime.fromisoformat(row["closed_at"]) + shift if row["closed_at"] else None
    if closed_at is not None and closed_at < reported_at:
        raise LoadError(f"{what}的办结时间早于上报时间")
    return {
        "client_key": row["key"],
        "cell_id": cell,
        "category": row["category"],
        "description": row["description"],
        "geom": WKTElement(f"POINT({float(row['lon'])} {float(row['lat'])})", srid=4326),
        "status": "open" if closed_at is None else "closed",
        "reported_by": user_id,
        "reporter_name": user_name,
        "reported_at": reported_at,
        "closed_by": None if closed_at is None else user_id,
        "closer_name": "" if closed_at is None else user_name,
        "closed_at": closed_at,
        "close_note": row["close_note"] if closed_at is not None else "",
    }


def _log(
    n: int,
    row: dict[str, Any],
    cell_id: dict[str, int],
    workers: dict[str, tuple[int, str]],
    shift: timedelta,
) -> dict[str, Any]:
    what = f"第 {n} 条民情日志"
    cell, user_id, user_name = _who(what, row, cell_id, workers)
    if not (str(row["seen"]).strip() or str(row["problems"]).strip()):
        raise LoadError(f"{what}没有内容")
    return {
        "client_key": row["key"],
        "cell_id": cell,
        "user_id": user_id,
        "user_name": user_name,
        "day": date.fromisoformat(row["day"]) + shift,
        "seen": row["seen"],
        "problems": row["problems"],
    }
