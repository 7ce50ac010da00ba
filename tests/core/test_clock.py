"""The app's local day (core.clock): the date in Beijing, whatever the server's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from gridapp.core.clock import local_today


def test_today_is_the_date_in_beijing() -> None:
    # 17:30 UTC on 1 March is 01:30 on 2 March in Beijing
    assert local_today(datetime(2026, 3, 1, 17, 30, tzinfo=UTC)) == date(2026, 3, 2)
    assert local_today(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)) == date(2026, 3, 1)
    new_york = timezone(timedelta(hours=-5))
    assert local_today(datetime(2026, 3, 1, 20, 0, tzinfo=new_york)) == date(2026, 3, 2)
