"""The app's local day: field work happens in China, so "today" is the date in Asia/Shanghai
(UTC+8, no daylight saving), whatever the server's own time zone. A worker writing the
field log at 07:30 in Beijing writes for that day, not for yesterday in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_day(moment: datetime) -> date:
    """The local calendar day of an aware ``moment`` (a naive one is taken as local)."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(LOCAL_TZ).date()


def local_today(now: datetime | None = None) -> date:
    """The date in Asia/Shanghai at ``now`` (an aware datetime; default: now)."""
    return local_day(now or datetime.now(UTC))
