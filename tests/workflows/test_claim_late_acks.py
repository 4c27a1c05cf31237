"""Acknowledgements that reach a ClaimWorkflow after its 835 (time-skipping server, SQLite).

The file drop can hand the 999, 277CA and 835 of one claim over in one poll; the claim
must end the same whatever order their signals land in: every acknowledgement on the
timeline and the 277CA's payer claim number on the claim.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from models.db import claims as claim_repo
from models.db.tables import Task
from tests.workflows.claim_fake_clearinghouse import FakeClearinghouse
from tests.workflows.claim_helpers import (
    WITH_COINSURANCE,
    build_claim,
    new_claim_id,
    payment,
    store_835,
)
from tests.workflows.helpers import eventually, remember, terminate_open
from tests.workflows.test_claim import Rig, assert_replays, claim_worker, idle, remit, settle
from workflows.claim import ClaimWorkflow
from workflows.claim_types import AckNotice, ClaimOutcome
from workflows.ids import task_workflow_id

pytestmark = pytest.mark.temporal


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


def kinds(rig: Rig, claim_id: str) -> list[str]:
    with rig.sessions() as s:
        return [e.kind for e in claim_repo.timeline(s, claim_id)]


async def test_a_999_and_277ca_arriving_after_the_835_are_recorded_with_the_payer_claim_number(
    rig: Rig,
) -> None:
    claim = build_claim(new_claim_id())
    handle = await rig.start(claim)
    await rig.submitted(claim.claim_id)
    # the 835 carries no payer claim number (CLP07): only the 277CA names it
    file_id = store_835(
        rig.sessions,
        payment(claim, paid=16000, cas=WITH_COINSURANCE, payer_claim_number=""),
    )
    await remit(handle, claim.claim_id, file_id)
    task = await rig.open_task(claim.claim_id, "patient_responsibility")
    # the claim resolves without waiting for the patient's share
    await eventually(lambda: kinds(rig, claim.claim_id)[-1] == "resolved")
    assert kinds(rig, claim.claim_id)[-3:] == ["accepted", "remitted", "resolved"]
    await idle(handle)

    await handle.signal(
        ClaimWorkflow.acknowledged,
        AckNotice(claim_id=claim.claim_id, source="999", accepted=True),
    )
    await handle.signal(
        ClaimWorkflow.acknowledged,
        AckNotice(
            claim_id=claim.claim_id,
            source="277CA",
            accepted=True,
            payer_claim_number="ICN-277CA-1",
        ),
    )
    await eventually(lambda: "277ca_accepted" in kinds(rig, claim.claim_id))
    assert kinds(rig, claim.claim_id) == [
        "scrubbed",
        "submitted",
        "accepted",
        "remitted",
        "resolved",
        "999_accepted",
        "277ca_accepted",
    ]
    row = rig.row(claim.claim_id)
    assert row.payer_claim_number == "ICN-277CA-1"
    # resolved while the patient's share waits for the biller; a late acknowledgement does
    # not move the claim back
    assert row.status == "patient_responsibility"

    await rig.complete(task.id, {"result": "billed_patient"})
    result = await handle.result()
    assert result.outcome is ClaimOutcome.PATIENT_RESPONSIBILITY
    assert (result.paid_cents, result.patient_resp_cents) == (32000, 4000)
    with rig.sessions() as s:
        late = [e for e in claim_repo.timeline(s, claim.claim_id) if e.kind.endswith("_accepted")]
    assert [e.data.get("after_acceptance") for e in late] == [True, True]

    await assert_replays(handle)
