"""ClaimWorkflow on the time-skipping server with a real SQLite database.

The clearinghouse is faked under its real activity names; the tests play the inbox
workflow by signalling AckNotice / RemitNotice / StatusNotice, with real 835 files
written by ``models.x12.write_835`` and stored as X12File rows. A short business day
(``DAY`` seconds) drives every timer through the BusinessClock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.claims import claim_activities
from activities.domain_json import from_json
from activities.tasks import TaskActivities
from iopbill.codec import data_converter
from iopbill.sandbox import workflow_runner
from models.db import claims as claim_repo
from models.db import tasks as task_repo
from models.db.billing_tables import Appeal, ClaimRow, Denial, DocumentedDay, Posting, X12File
from models.db.tables import Task
from models.domain import Claim, Ledger
from tests.conftest import TEST_PHI_KEY
from tests.workflows.claim_episode_stub import ClaimTestEpisodeWorkflow
from tests.workflows.claim_fake_clearinghouse import FakeClearinghouse
from tests.workflows.claim_helpers import (
    ANCHOR,
    DAY,
    WITH_COINSURANCE,
    build_claim,
    clock,
    new_claim_id,
    payment,
    store_835,
    store_authorization,
    store_claim,
    without_auth,
)
from tests.workflows.helpers import (
    STARTED,
    eventually,
    eventually_awaited,
    remember,
    terminate_open,
)
from web.gateway import TaskGateway, explain_closed_row
from workflows.claim import ClaimWorkflow
from workflows.claim_types import (
    AckNotice,
    ClaimOutcome,
    ClaimResult,
    RemitNotice,
    StartClaimInput,
    StatusNotice,
)
from workflows.episode_types import ClaimSettled
from workflows.human_task import HumanTaskWorkflow
from workflows.ids import claim_workflow_id, episode_workflow_id, task_workflow_id

pytestmark = pytest.mark.temporal
HISTORIES = sorted((Path(__file__).parent / "histories" / "claim").glob("*.json"))
CLAIM_WORKFLOWS = [ClaimWorkflow, HumanTaskWorkflow, ClaimTestEpisodeWorkflow]


def claim_worker(
    env: WorkflowEnvironment,
    task_queue: str,
    sessions: sessionmaker[Session],
    fake: FakeClearinghouse,
) -> Worker:
    tasks = TaskActivities(sessions)
    return Worker(
        env.client,
        task_queue=task_queue,
        workflow_runner=workflow_runner(),
        workflows=CLAIM_WORKFLOWS,
        activities=[*claim_activities(sessions), *fake.activities(), tasks.open, tasks.record],
        activity_executor=ThreadPoolExecutor(max_workers=16),
        max_concurrent_activities=16,
    )


@dataclass
class Rig:
    env: WorkflowEnvironment
    sessions: sessionmaker[Session]
    task_queue: str
    fake: FakeClearinghouse

    @property
    def gateway(self) -> TaskGateway:
        def explain(task_id: str) -> tuple[str, str]:
            with self.sessions() as s:
                r = task_repo.get(s, task_id)
                return explain_closed_row(
                    r and r.status, r and r.completed_by, r and r.withdrawn_reason
                )

        return TaskGateway(self.env.client, explain)

    async def start(self, claim: Claim, **store: Any) -> WorkflowHandle[ClaimWorkflow, ClaimResult]:
        store_claim(self.sessions, claim, **store)
        episode_id = episode_workflow_id(claim.episode_id)
        remember(self.task_queue, episode_id)
        await self.env.client.start_workflow(
            ClaimTestEpisodeWorkflow.run, id=episode_id, task_queue=self.task_queue
        )
        now = await self.env.get_current_time()
        wf_id = claim_workflow_id(claim.claim_id)
        remember(self.task_queue, wf_id)
        return await self.env.client.start_workflow(
            ClaimWorkflow.run,
            StartClaimInput(
                claim_id=claim.claim_id,
                episode_id=claim.episode_id,
                payer_id=claim.payer_id,
                clock=clock(now),
            ),
            id=wf_id,
            task_queue=self.task_queue,
        )

    def row(self, claim_id: str) -> ClaimRow:
        with self.sessions() as s:
            return claim_repo.require(s, claim_id)

    def tasks(self, claim_id: str, kind: str) -> list[Task]:
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(Task)
                    .where(Task.claim_id == claim_id, Task.kind == kind)
                    .order_by(Task.created_at)
                )
            )

    def task(self, task_id: str) -> Task:
        with self.sessions() as s:
            t = task_repo.get(s, task_id)
            assert t is not None
            return t

    async def open_task(self, claim_id: str, kind: str, n: int = 1) -> Task:
        found = await eventually(
            lambda: (
                (ts := [t for t in self.tasks(claim_id, kind) if t.status == "open"])
                and len(self.tasks(claim_id, kind)) >= n
                and ts[-1]
            )
        )
        return found

    async def complete(self, task_id: str, data: dict[str, Any], user: str = "bea") -> None:
        assert (await self.gateway.claim(task_id, user)).ok
        done = await self.gateway.complete(task_id, user, data)
        assert done.ok, done

    async def submitted(self, claim_id: str, times: int = 1) -> None:
        await eventually(lambda: self.fake.names(claim_id).count("submit_claim") == times)
        await eventually(lambda: self.row(claim_id).status == "submitted")
        await idle(self.env.client.get_workflow_handle(claim_workflow_id(claim_id)))

    async def accept(
        self,
        handle: WorkflowHandle[ClaimWorkflow, ClaimResult],
        claim_id: str,
        number: str = "PCN-1",
    ) -> None:
        await handle.signal(
            ClaimWorkflow.acknowledged, AckNotice(claim_id=claim_id, source="999", accepted=True)
        )
        await handle.signal(
            ClaimWorkflow.acknowledged,
            AckNotice(claim_id=claim_id, source="277CA", accepted=True, payer_claim_number=number),
        )
        await eventually(lambda: self.row(claim_id).status == "accepted")
        await idle(handle)

    def sent_837(self, claim_id: str) -> list[str]:
        with self.sessions() as s:
            files = s.scalars(select(X12File).where(X12File.kind == "837P").order_by(X12File.id))
            return [f.content for f in files if f.claim_ids == [claim_id]]


async def remit(
    handle: WorkflowHandle[Any, Any], claim_id: str, file_id: int, index: int = 0
) -> None:
    await handle.signal(
        ClaimWorkflow.remitted,
        RemitNotice(claim_id=claim_id, x12_file_id=file_id, claim_index=index, status_code="1"),
    )


def balanced(row: ClaimRow) -> bool:
    ledger = from_json(Ledger, row.ledger)
    return ledger.balanced and row.total_cents == (
        row.paid_cents + row.adjusted_cents + row.patient_resp_cents + row.open_cents
    )


@pytest.fixture
async def rig(
    ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Rig]:
    fake = FakeClearinghouse(sqlite_sessions)
    async with claim_worker(ts_env, task_queue, sqlite_sessions, fake):
        yield Rig(env=ts_env, sessions=sqlite_sessions, task_queue=task_queue, fake=fake)
        with sqlite_sessions() as s:  # every task of this test's database: children too
            for task_id in s.scalars(select(Task.id)):
                remember(task_queue, task_workflow_id(task_id))
        await settle(ts_env, task_queue)
        await terminate_open(ts_env, task_queue)


async def idle(handle: WorkflowHandle[Any, Any]) -> None:
    """Wait until the workflow waits on a timer or a signal (nothing in flight), so a
    time skip cannot overtake a timer it is about to start."""
    quiet = 0
    for _ in range(200):
        desc = await handle.describe()
        raw = desc.raw_description
        if desc.status != WorkflowExecutionStatus.RUNNING:
            return
        busy = bool(raw.pending_activities) or raw.HasField("pending_workflow_task")
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{handle.id} never went idle")


async def settle(env: WorkflowEnvironment, task_queue: str) -> None:
    """Let in-flight activities finish before terminating: the time-skipping server keeps
    time locked for an activity whose workflow was terminated under it."""
    for wf_id in STARTED.get(task_queue, []):
        handle = env.client.get_workflow_handle(wf_id)
        for _ in range(100):
            desc = await handle.describe()
            if desc.status != WorkflowExecutionStatus.RUNNING:
                break
            if not desc.raw_description.pending_activities:
                break
            await asyncio.sleep(0.05)


PAID = (("CO", "45", 27000),)  # each 450.00 line paid 180.00, the contracted fee


async def test_a_clean_claim_is_submitted_acknowledged_paid_and_resolved_balanced(rig: Rig) -> None:
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.accept(handle, claim.claim_id)
    await remit(
        handle, claim.claim_id, store_835(rig.sessions, payment(claim, paid=18000, cas=PAID))
    )
    result = await handle.result()
    assert result == ClaimResult(
        claim_id=claim.claim_id, outcome=ClaimOutcome.PAID, paid_cents=36000, adjusted_cents=54000
    )
    row = rig.row(claim.claim_id)
    assert balanced(row) and row.open_cents == 0 and row.status == "paid"
    assert row.clean_first_pass is True and row.payer_claim_number == "PCN-1"
    with rig.sessions() as s:
        kinds = [e.kind for e in claim_repo.timeline(s, claim.claim_id)]
    assert kinds == [
        "scrubbed",
        "submitted",
        "999_accepted",
        "277ca_accepted",
        "accepted",
        "remitted",
        "resolved",
    ]
    episode = rig.env.client.get_workflow_handle(episode_workflow_id(claim.episode_id))
    assert await episode.query(ClaimTestEpisodeWorkflow.remitted) == [
        ClaimSettled(claim_id=claim.claim_id, resolved=False, outcome="1")
    ]
    assert await episode.query(ClaimTestEpisodeWorkflow.resolved) == [
        ClaimSettled(claim_id=claim.claim_id, resolved=True, outcome="paid")
    ]
    with rig.sessions() as s:
        assert (
            s.scalar(select(func.count()).select_from(Task).where(Task.claim_id == claim.claim_id))
            == 0
        )


async def test_a_scrub_error_opens_a_fix_task_on_the_named_field_then_submits(rig: Rig) -> None:
    claim = without_auth(build_claim(new_claim_id()))
    await rig.start(claim)
    task = await rig.open_task(claim.claim_id, "fix_claim")
    assert task.queue == "billing" and task.form_schema == "fix_claim"
    assert "REF*G1" in task.context["field_notes"]["prior_auth_number"]
    assert [f["field"] for f in task.context["findings"]] == ["prior_auth_number"]
    assert rig.fake.names(claim.claim_id) == []
    await rig.complete(task.id, {"prior_auth_number": "AUTH-1", "note": "auth from portal"})
    await rig.submitted(claim.claim_id)
    assert "REF*G1*AUTH-1~" in rig.sent_837(claim.claim_id)[0]
    assert rig.task(task.id).status == "completed"


AUTH_INVALID = "A7:562 entity's authorization number invalid"


def auth_number_rejected(claim_id: str, x12_file_id: int = 0) -> AckNotice:
    """The payer's 277CA: the claim's authorization number is invalid."""
    return AckNotice(
        claim_id=claim_id,
        source="277CA",
        accepted=False,
        message=AUTH_INVALID,
        field="claim.prior_auth_number",
        x12_file_id=x12_file_id,
    )


async def assert_replays(handle: WorkflowHandle[Any, Any]) -> None:
    """The workflow's history replays under the current code (the trusted runner)."""
    replayer = Replayer(
        workflow_runner=workflow_runner(),
        workflows=CLAIM_WORKFLOWS,
        data_converter=data_converter(TEST_PHI_KEY),
    )
    history = await handle.fetch_history()
    replayed = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert replayed.replay_failure is None


async def test_a_277ca_rejection_opens_a_fix_task_with_the_payers_message_then_resubmits(
    rig: Rig,
) -> None:
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await handle.signal(ClaimWorkflow.acknowledged, auth_number_rejected(claim.claim_id))
    task = await rig.open_task(claim.claim_id, "fix_rejected_claim")
    assert task.context["form_field"] == "prior_auth_number"
    assert task.context["field_notes"] == {"prior_auth_number": AUTH_INVALID}
    assert rig.row(claim.claim_id).status == "rejected"
    await rig.complete(task.id, {"prior_auth_number": "AUTH-2"})
    await rig.submitted(claim.claim_id, times=2)
    assert "REF*G1*AUTH-2~" in rig.sent_837(claim.claim_id)[1]
    await rig.accept(handle, claim.claim_id)
    await eventually(lambda: rig.row(claim.claim_id).clean_first_pass is not None)
    assert rig.row(claim.claim_id).clean_first_pass is False


async def test_a_rejection_fix_must_name_an_authorization_on_file_for_the_claims_dates(
    rig: Rig,
) -> None:
    """The rejected-claim form, like the scrubber's, lists the authorizations that cover the
    claim and refuses another number: it would be rejected again."""
    claim = build_claim(new_claim_id())
    store_authorization(rig.sessions, claim, "AUTH-7")
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await handle.signal(ClaimWorkflow.acknowledged, auth_number_rejected(claim.claim_id))
    task = await rig.open_task(claim.claim_id, "fix_rejected_claim")
    assert list(task.context["authorizations"]) == ["AUTH-7"]
    assert (await rig.gateway.claim(task.id, "bea")).ok
    refused = await rig.gateway.complete(task.id, "bea", {"prior_auth_number": "AUTH-2"})
    assert not refused.ok
    assert "authorization on file" in refused.field_errors["prior_auth_number"]
    assert rig.task(task.id).status == "claimed"
    done = await rig.gateway.complete(task.id, "bea", {"prior_auth_number": "AUTH-7"})
    assert done.ok, done
    await rig.submitted(claim.claim_id, times=2)
    assert "REF*G1*AUTH-7~" in rig.sent_837(claim.claim_id)[1]
    await rig.accept(handle, claim.claim_id)


async def test_a_notice_delivered_twice_is_taken_once(rig: Rig) -> None:
    """The inbox's delivery activity sends a poll's notices again when it is retried: a
    277CA rejection that arrives twice must not reject the corrected resubmission too."""
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    rejection = auth_number_rejected(claim.claim_id, x12_file_id=41)
    await handle.signal(ClaimWorkflow.acknowledged, rejection)
    await handle.signal(ClaimWorkflow.acknowledged, rejection)
    task = await rig.open_task(claim.claim_id, "fix_rejected_claim")
    await rig.complete(task.id, {"prior_auth_number": "AUTH-2"})
    await rig.submitted(claim.claim_id, times=2)
    await idle(handle)
    assert [t.status for t in rig.tasks(claim.claim_id, "fix_rejected_claim")] == ["completed"]
    assert rig.row(claim.claim_id).status == "submitted"
    await rig.accept(handle, claim.claim_id)


async def test_a_patient_share_does_not_hold_the_claim_and_its_answer_is_recorded_later(
    rig: Rig,
) -> None:
    """The payer is done once the 835 posts: the claim resolves and tells the episode while
    the patient-responsibility task waits in the billing queue; the answer is recorded
    when it comes, and only then does the claim's workflow end."""
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.accept(handle, claim.claim_id)
    await remit(
        handle,
        claim.claim_id,
        store_835(rig.sessions, payment(claim, paid=16000, cas=WITH_COINSURANCE)),
    )
    task = await rig.open_task(claim.claim_id, "patient_responsibility")
    row = await eventually(lambda: (r := rig.row(claim.claim_id)).resolved_at is not None and r)
    assert (row.status, row.patient_resp_cents, row.open_cents) == (
        "patient_responsibility",
        4000,
        0,
    )
    episode = rig.env.client.get_workflow_handle(episode_workflow_id(claim.episode_id))
    resolved = await eventually_awaited(lambda: episode.query(ClaimTestEpisodeWorkflow.resolved))
    assert [r.outcome for r in resolved] == ["patient_responsibility"]
    await idle(handle)
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    assert rig.task(task.id).status == "open"

    await rig.complete(task.id, {"result": "billed_patient"})
    result = await handle.result()
    assert result.outcome is ClaimOutcome.PATIENT_RESPONSIBILITY
    assert (result.paid_cents, result.patient_resp_cents) == (32000, 4000)
    with rig.sessions() as s:
        kinds = [e.kind for e in claim_repo.timeline(s, claim.claim_id)]
        denials = s.scalars(select(Denial).where(Denial.claim_id == claim.claim_id)).all()
    assert kinds[-2:] == ["resolved", "patient_responsibility_done"]
    assert [(d.carc, d.status) for d in denials] == [("2", "worked")]
    await assert_replays(handle)


async def test_no_acknowledgement_opens_a_missing_ack_task_on_the_watch_day(rig: Rig) -> None:
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.env.sleep(3 * DAY - 600)
    assert rig.tasks(claim.claim_id, "missing_ack") == []
    await rig.env.sleep(1200)
    task = await rig.open_task(claim.claim_id, "missing_ack")
    assert f"submission on {ANCHOR.isoformat()}" in task.reason
    assert "no 999/277CA within 3 days" in task.context["rule"]
    assert rig.row(claim.claim_id).status == "submitted"  # a missing ack is not a rejection
    await rig.accept(handle, claim.claim_id)
    withdrawn = await eventually(lambda: (t := rig.task(task.id)).status == "withdrawn" and t)
    assert withdrawn.withdrawn_reason == "an acknowledgement arrived"


async def test_no_remittance_sends_a_276_and_opens_status_tasks_on_day_30_and_44(rig: Rig) -> None:
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.accept(handle, claim.claim_id)
    await rig.env.sleep(30 * DAY - 600)
    assert "send_status_inquiry" not in rig.fake.names(claim.claim_id)
    await rig.env.sleep(1200)
    await eventually(lambda: rig.fake.names(claim.claim_id).count("send_status_inquiry") == 1)
    await handle.signal(
        ClaimWorkflow.status_answered,
        StatusNotice(claim_id=claim.claim_id, category="P1", status="20", message="in process"),
    )
    first = await rig.open_task(claim.claim_id, "claim_status")
    assert first.context["answer"] == "P1 (pending: in process) status 20: in process"
    assert "payment_followup" not in first.reason and "276 sent" in first.reason

    await rig.env.sleep(14 * DAY - 1200)
    assert rig.fake.names(claim.claim_id).count("send_status_inquiry") == 1
    await rig.env.sleep(1200)
    await eventually(lambda: rig.fake.names(claim.claim_id).count("send_status_inquiry") == 2)
    await handle.signal(
        ClaimWorkflow.status_answered,
        StatusNotice(claim_id=claim.claim_id, category="F1", status="1", message="paid"),
    )
    second = await rig.open_task(claim.claim_id, "claim_status", n=2)
    assert second.id != first.id and second.context["answer"].startswith("F1 (finalized: payment)")
    assert rig.task(first.id).withdrawn_reason == "a newer claim status inquiry replaced it"

    await remit(
        handle, claim.claim_id, store_835(rig.sessions, payment(claim, paid=18000, cas=PAID))
    )
    assert (await handle.result()).outcome is ClaimOutcome.PAID
    assert rig.task(second.id).withdrawn_reason == "the 835 arrived"


async def test_co_197_becomes_a_corrected_frequency_7_claim_with_the_authorization_then_paid(
    rig: Rig,
) -> None:
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.accept(handle, claim.claim_id, number="PAYER197")
    denial = payment(claim, paid=0, cas=(("CO", "197", 45000),), payer_claim_number="PAYER197")
    await remit(handle, claim.claim_id, store_835(rig.sessions, denial))
    task = await rig.open_task(claim.claim_id, "corrected_claim")
    assert task.queue == "coding" and task.context["carc"] == "CO-197"
    assert task.context["form_field"] == "prior_auth_number"
    await rig.complete(task.id, {"prior_auth_number": "AUTH-9"})

    new_id = f"{claim.claim_id}:r1"
    await rig.submitted(new_id)
    sent = rig.sent_837(new_id)[0]
    assert "REF*G1*AUTH-9~" in sent and "REF*F8*PAYER197~" in sent and ":B:7*" in sent
    child = rig.env.client.get_workflow_handle_for(ClaimWorkflow.run, claim_workflow_id(new_id))
    remember(rig.task_queue, claim_workflow_id(new_id))
    await rig.accept(child, new_id, number="PAYER198")
    replacement = from_json(Claim, rig.row(new_id).claim)
    await remit(child, new_id, store_835(rig.sessions, payment(replacement, paid=18000, cas=PAID)))

    result = await handle.result()
    assert result.outcome is ClaimOutcome.REPLACED and result.replacement_claim_ids == [new_id]
    assert result.paid_cents == 36000
    assert (await child.result()).outcome is ClaimOutcome.PAID
    assert rig.row(new_id).frequency == "7" and rig.row(new_id).original_claim_id == claim.claim_id
    assert balanced(rig.row(new_id)) and balanced(rig.row(claim.claim_id))
    episode = rig.env.client.get_workflow_handle(episode_workflow_id(claim.episode_id))
    resolved = await episode.query(ClaimTestEpisodeWorkflow.resolved)
    assert resolved == [ClaimSettled(claim_id=claim.claim_id, resolved=True, outcome="replaced")]


async def test_co_50_opens_an_appeal_with_a_letter_draft_and_an_overturning_835_pays(
    rig: Rig,
) -> None:
    claim = build_claim(new_claim_id())
    with rig.sessions() as s, s.begin():
        for n in range(2):
            day = claim.lines[n].date_of_service
            s.add(
                DocumentedDay(
                    id=f"{claim.episode_id}:{day}",
                    episode_id=claim.episode_id,
                    day=day,
                    program="psychiatric",
                    minutes=195,
                )
            )
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.accept(handle, claim.claim_id, number="PAYER50")
    denial = payment(claim, paid=0, cas=(("CO", "50", 45000),), payer_claim_number="PAYER50")
    await remit(handle, claim.claim_id, store_835(rig.sessions, denial, trace="DENY50"))
    task = await rig.open_task(claim.claim_id, "write_appeal")
    deadline = (ANCHOR + timedelta(days=60)).isoformat()
    assert task.queue == "appeals" and task.context["deadline"] == deadline
    with rig.sessions() as s:
        appeal = s.get(Appeal, task.context["appeal_id"])
        assert appeal is not None and appeal.status == "drafted"
        letter = appeal.letter
    for cited in ("CO-50", "2026-05-04", "2026-05-05", "AUTH-1", "6 h 30 min", deadline):
        assert cited in letter
    await rig.complete(task.id, {"decision": "send"})
    await eventually(lambda: "send_appeal" in rig.fake.names(claim.claim_id))
    outcome_task = await rig.open_task(claim.claim_id, "appeal_outcome")

    overturn = store_835(
        rig.sessions,
        payment(
            claim, paid=0, cas=(("CO", "50", 45000),), status="22", payer_claim_number="PAYER50"
        ),
        payment(claim, paid=18000, cas=PAID, payer_claim_number="PAYER50"),
        trace="OVER50",
    )
    await remit(handle, claim.claim_id, overturn, 0)
    await remit(handle, claim.claim_id, overturn, 1)
    result = await handle.result()
    assert result.outcome is ClaimOutcome.PAID and result.paid_cents == 36000
    assert rig.task(outcome_task.id).status == "withdrawn"
    with rig.sessions() as s:
        appeal = s.get(Appeal, task.context["appeal_id"])
        assert appeal is not None and appeal.status == "won"
        postings = s.scalars(select(Posting.id).where(Posting.claim_id == claim.claim_id)).all()
    assert len(postings) == 3
    row = rig.row(claim.claim_id)
    assert balanced(row) and (row.paid_cents, row.adjusted_cents) == (36000, 54000)


async def test_a_missed_filing_deadline_before_acceptance_asks_a_supervisor_to_write_off(
    rig: Rig,
) -> None:
    claim = build_claim(new_claim_id(), first_dos=ANCHOR - timedelta(days=94))
    await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.env.sleep(2 * DAY - 600)
    assert rig.tasks(claim.claim_id, "write_off_approval") == []
    await rig.env.sleep(1200)
    task = await rig.open_task(claim.claim_id, "write_off_approval")
    assert task.queue == "supervisor" and task.filing_deadline == ANCHOR + timedelta(days=1)
    assert f"filing deadline {ANCHOR + timedelta(days=1)} passed" in task.reason
    assert rig.tasks(claim.claim_id, "missing_ack") == []
    await rig.complete(task.id, {"decision": "approve"}, user="sam")
    handle = rig.env.client.get_workflow_handle_for(
        ClaimWorkflow.run, claim_workflow_id(claim.claim_id)
    )
    result = await handle.result()
    assert result.outcome is ClaimOutcome.WRITTEN_OFF and result.written_off_cents == 90000
    row = rig.row(claim.claim_id)
    assert row.status == "written_off" and balanced(row) and row.open_cents == 0


async def test_a_posting_that_would_unbalance_the_ledger_is_refused_whole_and_opens_a_task(
    rig: Rig,
) -> None:
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.accept(handle, claim.claim_id)
    wrong = payment(claim, paid=15000, cas=(("CO", "45", 25000),), charge_override=40000)
    await remit(handle, claim.claim_id, store_835(rig.sessions, wrong))
    task = await rig.open_task(claim.claim_id, "posting_review")
    assert "charge 40000 ≠ billed 45000" in task.reason
    row = rig.row(claim.claim_id)
    assert row.paid_cents == 0 and row.open_cents == 90000 and balanced(row)
    with rig.sessions() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(Posting).where(Posting.claim_id == claim.claim_id)
            )
            == 0
        )
    await remit(
        handle, claim.claim_id, store_835(rig.sessions, payment(claim, paid=18000, cas=PAID))
    )
    assert (await handle.result()).outcome is ClaimOutcome.PAID
    assert rig.task(task.id).withdrawn_reason == "another remittance arrived"


async def test_a_payment_under_the_fee_schedule_opens_an_underpayment_review(rig: Rig) -> None:
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.accept(handle, claim.claim_id)
    short = payment(claim, paid=15000, cas=(("CO", "45", 30000),))
    await remit(handle, claim.claim_id, store_835(rig.sessions, short))
    task = await rig.open_task(claim.claim_id, "underpayment_review")
    assert task.queue == "denials" and task.amount_at_risk_cents == 6000
    assert [u["shortfall_cents"] for u in task.context["underpayments"]] == [3000, 3000]
    await rig.complete(task.id, {"decision": "dispute", "note": "contract rate is 180.00"})
    result = await handle.result()
    assert result.outcome is ClaimOutcome.PAID and result.paid_cents == 30000
    with rig.sessions() as s:
        kinds = [e.kind for e in claim_repo.timeline(s, claim.claim_id)]
    assert "underpayment_review_done" in kinds


async def test_an_appeal_not_written_by_its_deadline_is_withdrawn_for_a_write_off(rig: Rig) -> None:
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.accept(handle, claim.claim_id)
    denial = payment(claim, paid=0, cas=(("CO", "50", 45000),))
    await remit(handle, claim.claim_id, store_835(rig.sessions, denial))
    task = await rig.open_task(claim.claim_id, "write_appeal")
    assert task.context["deadline"] == (ANCHOR + timedelta(days=60)).isoformat()
    await idle(handle)
    await rig.env.sleep(61 * DAY - 600)
    assert rig.task(task.id).status == "open"
    await rig.env.sleep(1200)
    approval = await rig.open_task(claim.claim_id, "write_off_approval")
    assert rig.task(task.id).withdrawn_reason == "the appeal deadline passed"
    assert "Level 1 appeal missed (CO-50)" in approval.reason
    await rig.complete(approval.id, {"decision": "approve"}, user="sam")
    result = await handle.result()
    assert result.outcome is ClaimOutcome.WRITTEN_OFF and result.written_off_cents == 90000
    with rig.sessions() as s:
        appeal = s.get(Appeal, task.context["appeal_id"])
        assert appeal is not None and appeal.status == "missed"


async def test_an_upheld_appeal_opens_the_next_level_due_from_the_decision(rig: Rig) -> None:
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.accept(handle, claim.claim_id)
    denial = payment(claim, paid=0, cas=(("CO", "50", 45000),))
    await remit(handle, claim.claim_id, store_835(rig.sessions, denial))
    first = await rig.open_task(claim.claim_id, "write_appeal")
    await rig.complete(first.id, {"decision": "send"})
    outcome = await rig.open_task(claim.claim_id, "appeal_outcome")
    await rig.complete(outcome.id, {"outcome": "upheld", "decision_date": "2026-05-20"})
    second = await rig.open_task(claim.claim_id, "write_appeal", n=2)
    assert second.id != first.id and second.context["level"] == 2
    assert second.context["deadline"] == "2026-09-17"  # state fair hearing: 120 days
    await rig.complete(second.id, {"decision": "do_not_appeal"})
    approval = await rig.open_task(claim.claim_id, "write_off_approval")
    assert approval.queue == "supervisor"


def test_the_recorded_claim_histories_exist() -> None:
    assert {p.stem for p in HISTORIES} >= {"claim_paid", "claim_appeal_overturned"}


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "trusted"])
@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_claim_history_replays_without_nondeterminism(
    path: Path, strict: bool
) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflow_runner=workflow_runner(strict=strict),
        workflows=CLAIM_WORKFLOWS,
        data_converter=data_converter(TEST_PHI_KEY),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
