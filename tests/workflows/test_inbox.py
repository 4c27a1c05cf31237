"""ClearinghouseInboxWorkflow on the time-skipping server: signals to targets, tasks for
files that could not be read or matched, continue-as-new without losing its count.
(File-drop exactly-once across a restart: tests/activities/clearinghouse/test_filedrop.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.clearinghouse.activities import ClearinghouseActivities
from activities.clearinghouse.simulator import Simulator
from activities.tasks import TaskActivities
from models.db import tasks as task_repo
from models.db import x12files as repo
from models.db.billing_tables import X12File
from models.db.tables import Task
from tests.activities.clearinghouse.builders import setup
from tests.workflows.helpers import eventually, remember, terminate_open
from tests.workflows.signal_sink import SignalSinkWorkflow, SinkInput
from workflows.claim_types import SubmitClaimInput
from workflows.human_task import HumanTaskWorkflow
from workflows.ids import task_workflow_id
from workflows.inbox import (
    INBOX_WORKFLOW_ID,
    ClearinghouseInboxWorkflow,
    InboxStatus,
    default_poll_seconds,
    start_inbox,
    unmatched_task_id,
)

pytestmark = pytest.mark.temporal
DAY = 86400.0


def test_default_poll_period_is_a_48th_of_a_day_within_2_and_60_seconds() -> None:
    assert default_poll_seconds(86400) == 60
    assert default_poll_seconds(120) == 2.5
    assert default_poll_seconds(10) == 2


def task(sessions: sessionmaker[Session], task_id: str) -> Task | None:
    with sessions() as s:
        return task_repo.get(s, task_id)


def worker(
    env: WorkflowEnvironment,
    task_queue: str,
    sessions: sessionmaker[Session],
    clearinghouse: ClearinghouseActivities,
) -> Worker:
    tasks = TaskActivities(sessions)
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=[ClearinghouseInboxWorkflow, HumanTaskWorkflow, SignalSinkWorkflow],
        activities=[tasks.open, tasks.record, *clearinghouse.all()],
        activity_executor=ThreadPoolExecutor(max_workers=4),
    )


async def end_all(
    env: WorkflowEnvironment, task_queue: str, sessions: sessionmaker[Session]
) -> None:
    """Terminate the inbox, the sink and every task it opened (they are abandoned
    children): a workflow left running without a worker holds up time skipping."""
    with sessions() as s:  # every task the inbox may have started, row written or not
        for file_id in s.scalars(select(X12File.id).where(X12File.direction == "in")):
            remember(task_queue, task_workflow_id(unmatched_task_id(file_id)))
    await terminate_open(env, task_queue)


@pytest.fixture
async def cleanup(
    ts_env: WorkflowEnvironment, task_queue: str, sqlite_sessions: sessionmaker[Session]
) -> AsyncIterator[None]:
    yield
    await end_all(ts_env, task_queue, sqlite_sessions)


async def test_inbox_signals_targets_and_opens_a_task_per_unmatched_file(
    ts_env: WorkflowEnvironment,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
    cleanup: None,
) -> None:
    now = await ts_env.get_current_time()
    setup(sqlite_sessions, "E1", claim_ids=("E1:c:1",))
    setup(sqlite_sessions, "E2", claim_ids=("E2:c:1",))  # no workflow listens for E2's claim
    clearinghouse = ClearinghouseActivities(sqlite_sessions, Simulator(sqlite_sessions))
    for claim_id in ("E1:c:1", "E2:c:1"):
        clearinghouse.submit_claim(SubmitClaimInput(claim_id=claim_id, now=now.isoformat()))
    with sqlite_sessions() as s, s.begin():
        garbled, _ = repo.store_inbound(
            s, name="garbled.835", content="ISA*00*cut off", deliver_at=now, delivered=False
        )
        garbled_id = garbled.id
        e2_ack = s.scalars(select(X12File.id).where(X12File.name.like("837P-E2+c+1-%.999.1"))).one()

    async with worker(ts_env, task_queue, sqlite_sessions, clearinghouse):
        sink = await ts_env.client.start_workflow(
            SignalSinkWorkflow.run, SinkInput(expected=2), id="claim:E1:c:1", task_queue=task_queue
        )
        remember(task_queue, sink.id)
        await start_inbox(ts_env.client, task_queue, poll_seconds=3600, polls_per_run=4)
        inbox = ts_env.client.get_workflow_handle(INBOX_WORKFLOW_ID)
        first_run = (await inbox.describe()).run_id
        assert await start_inbox(ts_env.client, task_queue) == INBOX_WORKFLOW_ID  # attaches
        remember(task_queue, INBOX_WORKFLOW_ID)

        received = await sink.result()
        assert [r["signal"] for r in received] == ["acknowledged", "acknowledged"]
        assert [r["payload"]["source"] for r in received] == ["999", "277CA"]
        assert all(r["payload"]["accepted"] for r in received)

        unreadable = await eventually(lambda: task(sqlite_sessions, unmatched_task_id(garbled_id)))
        assert unreadable.kind == "unmatched_file" and unreadable.queue == "billing"
        assert "garbled.835" in unreadable.reason
        assert unreadable.context["x12_file_id"] == garbled_id
        orphan = await eventually(lambda: task(sqlite_sessions, unmatched_task_id(e2_ack)))
        assert "claim:E2:c:1 not delivered" in orphan.reason

        status = await inbox.query("status", result_type=InboxStatus)
        assert status.polls > 4  # the count carried over continue-as-new
        assert (await inbox.describe()).run_id != first_run

        replayer = Replayer(
            workflows=[ClearinghouseInboxWorkflow, HumanTaskWorkflow],
            data_converter=ts_env.client.data_converter,
        )
        for run_id in (first_run, None):
            handle = ts_env.client.get_workflow_handle(INBOX_WORKFLOW_ID, run_id=run_id)
            await replayer.replay_workflow(await handle.fetch_history())
