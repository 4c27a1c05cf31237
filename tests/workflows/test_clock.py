from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from workflows.clock import BusinessClock

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def test_real_days_follow_the_calendar() -> None:
    clock = BusinessClock.start(T0, 86400)
    assert clock.today(T0 + timedelta(hours=10)) == date(2026, 3, 3)
    assert clock.until(T0, date(2026, 3, 4)) == timedelta(hours=33)
    assert clock.until(T0, date(2026, 3, 1)) == timedelta(0)


def test_a_short_demo_day_advances_the_business_date_every_day_seconds() -> None:
    clock = BusinessClock.start(T0, 120, today=date(2026, 1, 10))
    assert clock.today(T0 + timedelta(seconds=119)) == date(2026, 1, 10)
    assert clock.today(T0 + timedelta(seconds=240)) == date(2026, 1, 12)
    assert clock.until(T0 + timedelta(seconds=30), date(2026, 1, 13)) == timedelta(seconds=330)
    assert clock.days(1.5) == timedelta(seconds=180)
