"""Clearinghouse adapters (simulator | filedrop) and the activities that use them.

The worker registers them with::

    from activities.clearinghouse import activities_for as clearinghouse_activities
    activities += clearinghouse_activities(sessions, settings)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from iopbill.settings import Settings

from .activities import ClearinghouseActivities
from .filedrop import FileDrop
from .protocol import Clearinghouse
from .simulator import Simulator

__all__ = ["ClearinghouseActivities", "activities_for", "make_adapter"]


def make_adapter(sessions: sessionmaker[Session], settings: Settings) -> Clearinghouse:
    """The adapter named by ``IOPBILL_CLEARINGHOUSE``: ``simulator`` (default) or ``filedrop``."""
    if settings.clearinghouse == "simulator":
        return Simulator(
            sessions,
            day_seconds=settings.day_seconds,
            delay_scale=settings.simulator_delay_scale,
        )
    if settings.clearinghouse == "filedrop":
        return FileDrop(settings.filedrop_dir)
    raise ValueError(f"unknown clearinghouse adapter {settings.clearinghouse!r}")


def activities_for(sessions: sessionmaker[Session], settings: Settings) -> list[Any]:
    """The seven ``clearinghouse.*`` activities, bound to the configured adapter."""
    return ClearinghouseActivities(sessions, make_adapter(sessions, settings)).all()
