"""A claim the payer finalized as denied without an 835: the claim status task (opened
when no 835 arrives by the follow-up day) records it with the CARC the biller read on the
277 or the portal, and the claim's denial is routed by that CARC as an 835 denial would be
— without posting money that was never paid. A 277 F2 answer leads the task.

Time-skipping server, SQLite, the fake clearinghouse of ``test_claim.py`` (the tests play
the inbox by signalling the 277 answer).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from iopbill.codec import data_converter
from iopbill.sandbox import workflow_runner
from models.db import claims as claim_repo
from models.db.billing_tables import Denial, Posting
from models.db.tables import Task
from tests.conftest import TEST_PHI_KEY
from tests.workflows.claim_fake_clearinghouse import FakeClearinghouse
from tests.workflows.claim_helpers import ANCHOR, DAY, build_claim, new_claim_id
from tests.workflows.helpers import eventually, remember, terminate_open
from tests.workflows.test_claim import CLAIM_WORKFLOWS, Rig, balanced, claim_worker, settle
from workflows.claim import ClaimWorkflow
from workflows.claim_types import ClaimOutcome, ClaimResult, StatusNotice
from workflows.ids import task_workflow_id

pytestmark = pytest.mark.temporal
FOLLOW_UP = ANCHOR + timedelta(days=30)  # medicaid_state: no 835 by day 30 → 276


@pytest.fixture
async def rig(
    ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Rig]:
    fake = FakeClearinghouse(sqlite_sessions)
    async with claim_worker(ts_env, task_queue, sqlite_sessions, fake):
        yield Rig(env=ts_env, sessions=sqlite_sessions, task_queue=task_queue, fake=fake)
        with sqlite_sessions() as s:
            for task_id in s.scalars(select(Task.id)):
                remember(task_queue, task_workflow_id(task_id))
        await settle(ts_env, task_queue)
        await terminate_open(ts_env, task_queue)


async def status_task(
    rig: Rig, category: str = "F2", status: str = "88"
) -> tuple[WorkflowHandle[ClaimWorkflow, ClaimResult], str, Task]:
    """An accepted claim left without an 835 past its follow-up day: a 276 went out and
    the payer's 277 answered ``category``; the claim status task is open."""
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    await rig.accept(handle, claim.claim_id, number="PAYERF2")
    await rig.env.sleep(30 * DAY + 600)
    await eventually(lambda: "send_status_inquiry" in rig.fake.names(claim.claim_id))
    await handle.signal(
        ClaimWorkflow.status_answered,
        StatusNotice(claim_id=claim.claim_id, category=category, status=status, message="denied"),
    )
    return handle, claim.claim_id, await rig.open_task(claim.claim_id, "claim_status")


def finalized(carc: str, **more: str) -> dict[str, Any]:
    return {"next_step": "finalized_denied", "carc": carc, **more}


def postings(rig: Rig, claim_id: str) -> list[str]:
    with rig.sessions() as s:
        return list(s.scalars(select(Posting.id).where(Posting.claim_id == claim_id)))


def denials(rig: Rig, claim_id: str) -> list[Denial]:
    with rig.sessions() as s:
        return list(s.scalars(select(Denial).where(Denial.claim_id == claim_id)))


async def test_a_277_f2_answer_leads_the_claim_status_task(rig: Rig) -> None:
    _, _, task = await status_task(rig)
    assert task.reason.startswith("THE PAYER FINALIZED THIS CLAIM AS DENIED (277 category F2)")
    assert "finalized" in task.title and task.context["finalized_denied"] is True
    assert task.context["answer"] == "F2 (finalized: denial) status 88: denied"


async def test_a_pending_277_answer_is_not_called_a_denial(rig: Rig) -> None:
    _, _, task = await status_task(rig, category="P1", status="20")
    assert task.reason.startswith("No 835 by")
    assert "finalized_denied" not in task.context and "finalized" not in task.title


async def test_finalized_co_50_opens_the_appeal_and_posts_nothing(rig: Rig) -> None:
    handle, claim_id, task = await status_task(rig)
    decided = FOLLOW_UP - timedelta(days=2)
    data = finalized("50", rarcs="n115", decision_date=decided.isoformat())
    await rig.complete(task.id, data)

    appeal = await rig.open_task(claim_id, "write_appeal")
    assert appeal.queue == "appeals" and appeal.context["carc"] == "CO-50"
    assert appeal.context["rarcs"] == ["N115"] and appeal.context["level"] == 1
    assert appeal.context["deadline"] == (decided + timedelta(days=60)).isoformat()
    row = rig.row(claim_id)
    assert postings(rig, claim_id) == []  # nothing was paid: nothing is posted
    assert (row.status, row.denied, row.paid_cents, row.adjusted_cents) == ("denied", True, 0, 0)
    assert row.open_cents == row.total_cents == 90000 and balanced(row)
    (denial,) = denials(rig, claim_id)
    assert (denial.group_code, denial.carc, denial.amount_cents) == ("CO", "50", 90000)
    assert denial.id == f"{claim_id}:finalized:{task.id.rsplit(':', 1)[1]}:CO:50"
    with rig.sessions() as s:
        (event,) = [e for e in claim_repo.timeline(s, claim_id) if e.kind == "denial_finalized"]
    assert "CO-50 (N115)" in event.detail and "bea" in event.detail

    await rig.complete(appeal.id, {"decision": "do_not_appeal"})
    approval = await rig.open_task(claim_id, "write_off_approval")
    await rig.complete(approval.id, {"decision": "approve"}, user="sam")
    result = await handle.result()
    assert result.outcome is ClaimOutcome.WRITTEN_OFF and result.written_off_cents == 90000
    row = rig.row(claim_id)
    assert (row.paid_cents, row.adjusted_cents, row.open_cents) == (0, 90000, 0) and balanced(row)

    history = await handle.fetch_history()  # the new branch replays (patched)
    replayer = Replayer(
        workflow_runner=workflow_runner(),
        workflows=CLAIM_WORKFLOWS,
        data_converter=data_converter(TEST_PHI_KEY),
    )
    replayed = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert replayed.replay_failure is None


async def test_finalized_co_29_asks_a_supervisor_to_approve_the_write_off(rig: Rig) -> None:
    handle, claim_id, task = await status_task(rig)
    await rig.complete(task.id, finalized("29", payer_claim_number="PAYER-29"))

    approval = await rig.open_task(claim_id, "write_off_approval")
    assert approval.queue == "supervisor" and approval.context["carc"] == "29"
    assert "CO-29" in approval.reason and postings(rig, claim_id) == []
    assert rig.row(claim_id).payer_claim_number == "PAYERF2"  # the 277CA's number stays
    await rig.complete(approval.id, {"decision": "approve"}, user="sam")
    result = await handle.result()
    assert result.outcome is ClaimOutcome.WRITTEN_OFF and result.written_off_cents == 90000
    row = rig.row(claim_id)
    assert (row.adjusted_cents, row.open_cents) == (90000, 0) and balanced(row)
    (denial,) = denials(rig, claim_id)
    assert (denial.carc, denial.status) == ("29", "closed")


async def test_a_finalized_denial_without_its_carc_is_refused_naming_the_field(rig: Rig) -> None:
    _, claim_id, task = await status_task(rig)
    assert (await rig.gateway.claim(task.id, "bea")).ok
    refused = await rig.gateway.complete(task.id, "bea", {"next_step": "finalized_denied"})
    assert not refused.ok and refused.error_type == "FormInvalid"
    assert refused.field_errors == {"carc": "is required when next_step is finalized_denied"}
    unknown = await rig.gateway.complete(task.id, "bea", finalized("9999"))
    assert not unknown.ok and set(unknown.field_errors) == {"carc"}
    assert rig.task(task.id).status == "claimed" and denials(rig, claim_id) == []


def test_the_carc_choices_are_the_routing_tables_denials() -> None:
    from models.task_catalog import get_schema

    carc = next(f for f in get_schema("claim_status").fields if f.name == "carc")
    codes = {code for code, _ in carc.choices}
    assert {"16", "29", "50", "197"} <= codes and "45" not in codes and "1" not in codes
