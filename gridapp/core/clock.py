"""The app's local day: field work happens in China, so "today" is the date in Asia/Shanghai
(UTC+8, no daylight saving), whatever the server's own time zone. A worker writing the
field log at 07:30 in Beijing writes for that day, not for yesterday in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_today(now: datetime | None = None) -> date:
    """The date in Asia/Shanghai at ``now`` (an aware datetime; default: now)."""
    return (now or datetime.now(UTC)).astimezone(LOCAL_TZ).date()
