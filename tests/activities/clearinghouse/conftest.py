"""Fixtures: a committed database (SQLite, and PostgreSQL when configured), the simulator
and the activities bound to it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from activities.clearinghouse.activities import ClearinghouseActivities
from activities.clearinghouse.simulator import Simulator
from models.db.engine import make_sessionmaker
from workflows.claim_types import PollInboxInput, PollInboxResult

from .builders import NOW

DAY = 86400.0


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(db_engine)


@pytest.fixture
def simulator(sessions: sessionmaker[Session]) -> Simulator:
    return Simulator(sessions, day_seconds=DAY)


@pytest.fixture
def acts(sessions: sessionmaker[Session], simulator: Simulator) -> ClearinghouseActivities:
    return ClearinghouseActivities(sessions, simulator)


def at(days: float) -> str:
    """ISO workflow time ``days`` after the tests' start."""
    return (NOW + timedelta(days=days)).isoformat()


Poll = Callable[[float], PollInboxResult]


@pytest.fixture
def poll(acts: ClearinghouseActivities) -> Poll:
    def run(days: float) -> PollInboxResult:
        return acts.poll_inbox(PollInboxInput(now=at(days)))

    return run
