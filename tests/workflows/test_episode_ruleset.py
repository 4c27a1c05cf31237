"""An admin-added rule-set version through a whole episode on the time-skipping server:
admitted on its effective date, the episode pins it and its day's charge and its claim
follow the added charge master."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models import ruleset_catalog
from models.db.billing_tables import ClaimRow
from tests.factories import ruleset_text
from tests.workflows.helpers import eventually
from tests.workflows.test_episode_flow import day, register, stage, start, today
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import (
    SIGNAL_ELIGIBILITY,
    DischargeInput,
    EligibilityNotice,
    Stage,
)

pytestmark = pytest.mark.temporal


async def test_an_episode_admitted_on_the_effective_date_bills_under_the_added_version(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0 = await today(fresh_ts_env)
    with sqlite_sessions() as s, s.begin():
        text = ruleset_text(
            "commercial_gamma",
            effective=t0.isoformat(),
            changes={'"S9480" = 45000': '"S9480" = 47000'},
        )
        ruleset_catalog.add_version(
            s, "commercial_gamma", text, today=t0 - timedelta(days=1), created_by="root"
        )
    episode_id = register(sqlite_sessions, "commercial_gamma", t0)
    handle = await start(fresh_ts_env, task_queue, episode_id, "commercial_gamma")
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "eligibility")
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")
    summary = await handle.execute_update(EpisodeWorkflow.document_day, day(t0))
    assert any("S9480" in c for c in summary.charges)
    await handle.execute_update(EpisodeWorkflow.discharge, DischargeInput(date=t0.isoformat()))
    assert (await handle.result()).stage is Stage.CLOSED
    with sqlite_sessions() as s:
        (claim,) = s.scalars(select(ClaimRow).where(ClaimRow.episode_id == episode_id))
    assert claim.claim["ruleset_version"] == "2027.1" and claim.total_cents == 47000
