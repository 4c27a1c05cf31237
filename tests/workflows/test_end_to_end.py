"""Whole episodes against the payer simulator, on the time-skipping server: the real
EpisodeWorkflow, ClaimWorkflow, clearinghouse inbox and activities, real X12 both ways."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from iopbill.settings import Settings
from iopbill.temporal import build_worker
from models.db import episodes as episode_repo
from models.db.billing_tables import ClaimRow, Posting, X12File
from models.db.tables import Episode
from tests.workflows.helpers import remember, terminate_open
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import DischargeInput, DocumentDayInput, Stage, StartEpisodeInput
from workflows.ids import episode_workflow_id
from workflows.inbox import INBOX_WORKFLOW_ID, start_inbox

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
DAY = 86400
HAPPY_EPISODE = "EHAPPY02"  # the seeded simulator pays its claim in full, no patient share


@pytest.fixture
def ts_env(fresh_ts_env: WorkflowEnvironment) -> WorkflowEnvironment:
    return fresh_ts_env


@pytest.fixture
async def worker(
    ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Worker]:
    settings = Settings(clearinghouse="simulator", day_seconds=DAY)
    async with build_worker(ts_env.client, task_queue, sqlite_sessions, settings=settings) as w:
        remember(task_queue, INBOX_WORKFLOW_ID)
        # Polls every 6 business hours: enough for the simulator, few events to skip over.
        await start_inbox(ts_env.client, task_queue, day_seconds=DAY, poll_seconds=DAY / 4)
        yield w
        await terminate_open(ts_env, task_queue)


def register(
    sessions: sessionmaker[Session], payer: str, admit: date, member: str, episode_id: str
) -> str:
    """Fixed ids: the simulator decides from its seed and the claim id, so outcomes repeat."""
    with sessions() as s, s.begin():
        episode_repo.create_patient(
            s,
            patient_id=f"P{episode_id}",
            first_name="Robin",
            last_name="Vale",
            birth_date=date(1984, 2, 14),
            gender="F",
            member_id=member,
        )
        episode_repo.create_episode(
            s,
            episode_id=episode_id,
            patient_id=f"P{episode_id}",
            payer_id=payer,
            program="psychiatric",
            admit_date=admit,
        )
        episode_repo.store_intake(s, episode_id, {"diagnosis_codes": "F33.1"})
    return episode_id


def stage(sessions: sessionmaker[Session], episode_id: str) -> str | None:
    with sessions() as s:
        row = s.get(Episode, episode_id)
        return row.stage if row else None


def day(d: date) -> DocumentDayInput:
    return DocumentDayInput(
        day={
            "date": d.isoformat(),
            "program": "psychiatric",
            "telehealth": "none",
            "services": [{"kind": "group", "minutes": 135}, {"kind": "individual", "minutes": 55}],
        },
        note="Group and individual therapy.",
        signed_by="clin1",
    )


async def test_a_happy_episode_is_paid_and_closed_with_the_ledger_balanced_to_the_cent(
    ts_env: WorkflowEnvironment,
    worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0 = (await ts_env.get_current_time()).date()
    episode_id = register(sqlite_sessions, "commercial_gamma", t0, "M123456", HAPPY_EPISODE)
    remember(task_queue, episode_workflow_id(episode_id))
    handle = await ts_env.client.start_workflow(
        EpisodeWorkflow.run,
        StartEpisodeInput(episode_id=episode_id, payer_id="commercial_gamma"),
        id=episode_workflow_id(episode_id),
        task_queue=task_queue,
    )
    for n in range(5):
        summary = await handle.execute_update(
            EpisodeWorkflow.document_day, day(t0 + timedelta(days=n))
        )
        assert summary.charges and not summary.held
        await ts_env.sleep(DAY)
    assert stage(sqlite_sessions, episode_id) == "active"  # the 271 from the simulator said active
    await handle.execute_update(
        EpisodeWorkflow.discharge, DischargeInput(date=(t0 + timedelta(days=4)).isoformat())
    )
    await ts_env.sleep(45 * DAY)  # acknowledgements, then the 835 after the payer's delay
    result = await asyncio.wait_for(handle.result(), timeout=60)
    assert result.stage is Stage.CLOSED and set(result.claims.values()) == {"resolved"}
    with sqlite_sessions() as s:
        claims = s.scalars(select(ClaimRow).where(ClaimRow.episode_id == episode_id)).all()
        assert len(claims) == 1
        claim = claims[0]
        postings = s.scalars(select(Posting).where(Posting.claim_id == claim.id)).all()
        kinds = {f.kind for f in s.scalars(select(X12File))}
    assert {"270", "271", "837P", "999", "277CA", "835"} <= kinds
    assert postings and claim.open_cents == 0
    assert claim.total_cents == (
        claim.paid_cents + claim.adjusted_cents + claim.patient_resp_cents + claim.open_cents
    )
    assert sum(p.paid_cents for p in postings) == claim.paid_cents > 0
