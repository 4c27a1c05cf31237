"""The business clock: which date of service / filing date it is for a workflow.

With the default day length (86400 s) the business date is the calendar date of
``workflow.now()``. With a short demo day, one business day passes every
``day_seconds`` from an anchor, so a month of billing runs in an hour. Workflows pass
their clock to children and across continue-as-new so every party agrees on "today".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

REAL_DAY = 86400.0


@dataclass(frozen=True, kw_only=True)
class BusinessClock:
    anchor_date: str  # ISO date that was "today" at anchor_at
    anchor_at: str  # ISO datetime (workflow time)
    day_seconds: float = REAL_DAY

    @classmethod
    def start(cls, now: datetime, day_seconds: float, today: date | None = None) -> BusinessClock:
        return cls(
            anchor_date=(today or now.date()).isoformat(),
            anchor_at=now.isoformat(),
            day_seconds=day_seconds,
        )

    def today(self, now: datetime) -> date:
        if self.day_seconds == REAL_DAY:
            return now.date()
        elapsed = (now - datetime.fromisoformat(self.anchor_at)).total_seconds()
        return date.fromisoformat(self.anchor_date) + timedelta(
            days=int(elapsed // self.day_seconds)
        )

    def until(self, now: datetime, due: date) -> timedelta:
        """Workflow time to wait until the business date ``due`` begins (zero if past)."""
        if self.day_seconds == REAL_DAY:
            start = datetime(due.year, due.month, due.day, tzinfo=now.tzinfo)
            return max(timedelta(0), start - now)
        anchor_at = datetime.fromisoformat(self.anchor_at)
        days = (due - date.fromisoformat(self.anchor_date)).days
        target = anchor_at + timedelta(seconds=days * self.day_seconds)
        return max(timedelta(0), target - now)

    def days(self, n: float) -> timedelta:
        return timedelta(seconds=n * self.day_seconds)
