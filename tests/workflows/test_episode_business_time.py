"""The episode's timeline and stage rows carry workflow time, never the machine's clock
(time-skipping server).

The server's clock is first moved years ahead of the real one, so a row stamped by the
activity's own clock would lie before ``T0``. Only the ``created`` row is written outside
the workflow (by the registration), so it keeps the clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.db import episodes as episode_repo
from models.db.tables import Episode
from tests.workflows.helpers import episode_worker, eventually
from tests.workflows.test_episode_flow import day, register, stage, start
from tests.workflows.test_episode_page_updates import entered
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import SIGNAL_ELIGIBILITY, DischargeInput, EligibilityNotice, Stage

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
T0 = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)  # years after the machine's clock


@pytest.fixture
async def env(fresh_ts_env: WorkflowEnvironment) -> WorkflowEnvironment:
    now = await fresh_ts_env.get_current_time()
    assert now < T0, "T0 must lie ahead of the real clock"
    await fresh_ts_env.sleep((T0 - now).total_seconds())
    return fresh_ts_env


@pytest.fixture
async def worker(
    env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Worker]:
    async with episode_worker(env, sqlite_sessions, task_queue) as w:
        yield w


async def test_every_episode_stage_and_timeline_row_is_stamped_with_workflow_time(
    env: WorkflowEnvironment,
    worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    first = T0.date()
    episode_id = register(sqlite_sessions, "commercial_alpha", first)
    handle = await start(env, task_queue, episode_id, "commercial_alpha")
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "eligibility")
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "authorization")
    await handle.execute_update(  # recorded from the page: a keyed timeline row
        EpisodeWorkflow.enter_authorization, entered(first), id=f"auth:{episode_id}:t0"
    )
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")
    await handle.execute_update(EpisodeWorkflow.document_day, day(first))
    await handle.execute_update(EpisodeWorkflow.discharge, DischargeInput(date=first.isoformat()))
    assert (await handle.result()).stage is Stage.CLOSED

    end = await env.get_current_time()
    with sqlite_sessions() as s:
        events = [e for e in episode_repo.timeline(s, episode_id) if e.kind != "created"]
        episode = s.get(Episode, episode_id)
        assert episode is not None
        stamps = [(f"event {e.kind}", e.at) for e in events]
        stamps.append(("stage_changed_at", episode.stage_changed_at))
    kinds = [e.kind for e in events]
    for kind in ("stage:eligibility", "stage:authorization", "stage:active", "authorization"):
        assert kind in kinds
    assert kinds[-2:] == ["stage:closing", "stage:closed"]
    stale = [(what, at) for what, at in stamps if not T0 <= at <= end]
    assert stale == []
