"""ClearinghouseInboxWorkflow on the time-skipping server: signals to targets, tasks for
files that could not be read or matched, continue-as-new without losing its count.
(File-drop exactly-once across a restart: tests/activities/clearinghouse/test_filedrop.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.clearinghouse.activities import ClearinghouseActivities
from activities.clearinghouse.simulator import Simulator
from activities.tasks import TaskActivities
from iopbill.codec import data_converter
from iopbill.sandbox import workflow_runner
from models.db import claims as claim_repo
from models.db import tasks as task_repo
from models.db import x12files as repo
from models.db.billing_tables import ClaimRow, X12File
from models.db.tables import Task
from tests.activities.clearinghouse.builders import setup
from tests.conftest import TEST_PHI_KEY
from tests.workflows.helpers import eventually, remember, terminate_open
from tests.workflows.signal_sink import SignalSinkWorkflow, SinkInput
from workflows.claim_types import SubmitClaimInput
from workflows.human_task import HumanTaskWorkflow
from workflows.ids import claim_workflow_id, task_workflow_id
from workflows.inbox import (
    INBOX_WORKFLOW_ID,
    ClearinghouseInboxWorkflow,
    InboxStatus,
    default_poll_seconds,
    late_rejection_task_id,
    start_inbox,
    unmatched_task_id,
)

pytestmark = pytest.mark.temporal
DAY = 86400.0
HISTORIES = sorted((Path(__file__).parent / "histories" / "inbox").glob("*.json"))


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
        workflow_runner=workflow_runner(),
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
        for task_id in s.scalars(select(Task.id)):
            remember(task_queue, task_workflow_id(task_id))
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
            workflow_runner=workflow_runner(),
            workflows=[ClearinghouseInboxWorkflow, HumanTaskWorkflow],
            data_converter=ts_env.client.data_converter,
        )
        for run_id in (first_run, None):
            handle = ts_env.client.get_workflow_handle(INBOX_WORKFLOW_ID, run_id=run_id)
            await replayer.replay_workflow(await handle.fetch_history())


def resolve(sessions: sessionmaker[Session], claim_id: str, at: datetime) -> None:
    """As claims.resolve leaves a paid claim."""
    with sessions() as s, s.begin():
        row = claim_repo.require(s, claim_id)
        row.status, row.resolved_at = "paid", at


def answer_files(sessions: sessionmaker[Session], claim_id: str) -> dict[str, int]:
    """The simulator's answers to the claim's 837, by kind (999, 277CA, 835)."""
    stem = claim_id.replace(":", "+")
    with sessions() as s:
        rows = s.scalars(select(X12File).where(X12File.name.like(f"837P-{stem}-%")))
        return {r.name.split(".")[-2]: r.id for r in rows if r.direction == "in"}


def timeline(sessions: sessionmaker[Session], claim_id: str) -> list[tuple[str, str]]:
    with sessions() as s:
        return [(e.kind, e.detail) for e in claim_repo.timeline(s, claim_id)]


def task_ids(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as s:
        return set(s.scalars(select(Task.id)))


async def test_late_acks_of_resolved_claims_are_recorded_and_only_a_rejection_opens_a_task(
    ts_env: WorkflowEnvironment,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
    cleanup: None,
) -> None:
    now = await ts_env.get_current_time()
    paid, rejected, gone = "E3:c:1", "E4:c:1", "E5:c:1"
    setup(sqlite_sessions, "E3", claim_ids=(paid,))
    setup(sqlite_sessions, "E4", member_id="REJ277-4444", claim_ids=(rejected,))
    setup(sqlite_sessions, "E5", claim_ids=(gone,))
    clearinghouse = ClearinghouseActivities(sqlite_sessions, Simulator(sqlite_sessions))
    for claim_id in (paid, rejected, gone):
        clearinghouse.submit_claim(SubmitClaimInput(claim_id=claim_id, now=now.isoformat()))
        resolve(sqlite_sessions, claim_id, now)
    files = {c: answer_files(sqlite_sessions, c) for c in (paid, rejected, gone)}
    assert sorted(files[paid]) == ["277CA", "835", "999"]
    assert sorted(files[rejected]) == ["277CA", "999"]
    with sqlite_sessions() as s, s.begin():
        # every answer in the first poll; E5's claim is unknown by the time they come
        s.execute(update(X12File).where(X12File.direction == "in").values(deliver_at=now))
        s.execute(delete(ClaimRow).where(ClaimRow.id == gone))

    async with worker(ts_env, task_queue, sqlite_sessions, clearinghouse):
        for claim_id in (paid, rejected):  # each claim's workflow has run and closed
            closed = await ts_env.client.start_workflow(
                SignalSinkWorkflow.run,
                SinkInput(expected=0),
                id=claim_workflow_id(claim_id),
                task_queue=task_queue,
            )
            assert await closed.result() == []
        await start_inbox(ts_env.client, task_queue, poll_seconds=3600, polls_per_run=50)
        remember(task_queue, INBOX_WORKFLOW_ID)
        inbox = ts_env.client.get_workflow_handle(INBOX_WORKFLOW_ID)

        # the late rejection's task is the last thing the first poll opens
        task_id = late_rejection_task_id(rejected, files[rejected]["277CA"])
        late = await eventually(lambda: task(sqlite_sessions, task_id))
        assert late.kind == "unmatched_file" and late.queue == "billing"
        assert late.claim_id == rejected and late.episode_id == "E4"
        assert rejected in late.title and "277CA" in late.title
        assert "subscriber member id is invalid" in late.reason
        assert late.context["x12_file_id"] == files[rejected]["277CA"]
        assert ".277CA." in late.context["file_name"]
        status = await inbox.query("status", result_type=InboxStatus)
        assert (status.recorded_late, status.late_rejections) == (3, 1)  # 999s, paid's 277CA
        assert status.unmatched == 4  # paid's 835, and the unknown claim's 999, 277CA, 835

        # acceptances open nothing; the paid claim's 835 and the unknown claim still do
        expected = {task_id} | {
            unmatched_task_id(files[c][k])
            for c, k in ((paid, "835"), (gone, "999"), (gone, "277CA"), (gone, "835"))
        }
        await eventually(lambda: task_ids(sqlite_sessions) == expected)
        remit = await eventually(
            lambda: task(sqlite_sessions, unmatched_task_id(files[paid]["835"]))
        )
        assert "already resolved (paid)" in remit.reason
        for file_id in (files[gone]["999"], files[gone]["277CA"]):
            unknown = await eventually(partial(task, sqlite_sessions, unmatched_task_id(file_id)))
            assert "no claim" in unknown.reason

        assert [k for k, _ in timeline(sqlite_sessions, paid)][-2:] == [
            "999_accepted",
            "277ca_accepted",
        ]
        kinds = [k for k, _ in timeline(sqlite_sessions, rejected)]
        assert kinds[-2:] == ["999_accepted", "277ca_rejected"]

        # later polls (the same files are never read again) record and open nothing more
        await ts_env.sleep(3 * 3600)
        again = await inbox.query("status", result_type=InboxStatus)
        assert again.polls > status.polls
        assert (again.recorded_late, again.late_rejections) == (3, 1)
        assert [k for k, _ in timeline(sqlite_sessions, rejected)] == kinds
        with sqlite_sessions() as s:
            statuses = {
                r.id: r.status for r in s.scalars(select(X12File).where(X12File.direction == "in"))
            }
        for kind in ("999", "277CA"):
            assert statuses[files[paid][kind]] == statuses[files[rejected][kind]] == "processed"

        replayer = Replayer(
            workflow_runner=workflow_runner(),
            workflows=[ClearinghouseInboxWorkflow, HumanTaskWorkflow],
            data_converter=ts_env.client.data_converter,
        )
        await replayer.replay_workflow(await inbox.fetch_history())


def test_the_recorded_inbox_histories_exist() -> None:
    assert {p.stem for p in HISTORIES} >= {"inbox_undelivered_acks"}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_an_inbox_history_recorded_before_late_notices_replays(path: Path) -> None:
    """A run that opened unmatched-file tasks for undelivered acks keeps doing so."""
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflow_runner=workflow_runner(),
        workflows=[ClearinghouseInboxWorkflow, HumanTaskWorkflow],
        data_converter=data_converter(TEST_PHI_KEY),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
