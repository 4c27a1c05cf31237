"""The claim's records carry workflow time, never the machine's clock (time-skipping server).

The server's clock is first moved years ahead of the real one, so a row stamped by the
activity's own clock would lie before ``T0``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.domain_json import from_json
from models.db.billing_tables import Appeal, ClaimEvent, ClaimRow, Denial, Posting
from models.db.tables import Task
from models.domain import Claim
from tests.workflows.claim_fake_clearinghouse import FakeClearinghouse
from tests.workflows.claim_helpers import (
    build_claim,
    new_claim_id,
    payment,
    store_835,
    without_auth,
)
from tests.workflows.helpers import remember, terminate_open
from tests.workflows.test_claim import PAID, Rig, claim_worker, remit, settle
from workflows.claim import ClaimWorkflow
from workflows.claim_types import ClaimOutcome, RemitNotice
from workflows.ids import claim_workflow_id, task_workflow_id

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
T0 = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)  # years after the machine's clock


@pytest.fixture
async def rig(
    fresh_ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Rig]:
    env = fresh_ts_env
    now = await env.get_current_time()
    assert now < T0, "T0 must lie ahead of the real clock"
    await env.sleep((T0 - now).total_seconds())
    fake = FakeClearinghouse(sqlite_sessions)
    async with claim_worker(env, task_queue, sqlite_sessions, fake):
        yield Rig(env=env, sessions=sqlite_sessions, task_queue=task_queue, fake=fake)
        with sqlite_sessions() as s:
            for task_id in s.scalars(select(Task.id)):
                remember(task_queue, task_workflow_id(task_id))
            for claim_id in s.scalars(select(ClaimRow.id)):
                remember(task_queue, claim_workflow_id(claim_id))
        await settle(env, task_queue)
        await terminate_open(env, task_queue)


async def test_every_claim_record_is_stamped_with_workflow_time(rig: Rig) -> None:
    # A: a scrub error fixed, a posting refused, CO-197 → a corrected claim
    a = without_auth(build_claim(new_claim_id()))
    handle_a = await rig.start(a)
    fix = await rig.open_task(a.claim_id, "fix_claim")
    await rig.complete(fix.id, {"prior_auth_number": "AUTH-1"})
    await rig.submitted(a.claim_id)
    await rig.accept(handle_a, a.claim_id, number="PAYER197")
    await handle_a.signal(
        ClaimWorkflow.remitted,
        RemitNotice(claim_id=a.claim_id, x12_file_id=999999, claim_index=0, status_code="1"),
    )
    await rig.open_task(a.claim_id, "posting_review")
    denial = payment(a, paid=0, cas=(("CO", "197", 45000),), payer_claim_number="PAYER197")
    await remit(handle_a, a.claim_id, store_835(rig.sessions, denial))
    corrected = await rig.open_task(a.claim_id, "corrected_claim")
    await rig.complete(corrected.id, {"prior_auth_number": "AUTH-9"})
    new_id = f"{a.claim_id}:r1"
    await rig.submitted(new_id)
    child = rig.env.client.get_workflow_handle_for(ClaimWorkflow.run, claim_workflow_id(new_id))
    await rig.accept(child, new_id, number="PAYER198")
    replacement = from_json(Claim, rig.row(new_id).claim)
    await remit(child, new_id, store_835(rig.sessions, payment(replacement, paid=18000, cas=PAID)))
    assert (await handle_a.result()).outcome is ClaimOutcome.REPLACED

    # B: CO-50 → an appeal drafted
    b = build_claim(new_claim_id())
    handle_b = await rig.start(b)
    await rig.submitted(b.claim_id)
    await rig.accept(handle_b, b.claim_id, number="PAYER50")
    denial = payment(b, paid=0, cas=(("CO", "50", 45000),), payer_claim_number="PAYER50")
    await remit(handle_b, b.claim_id, store_835(rig.sessions, denial))
    await rig.open_task(b.claim_id, "write_appeal")

    end = await rig.env.get_current_time()
    with rig.sessions() as s:
        events = list(s.scalars(select(ClaimEvent).order_by(ClaimEvent.id)))
        stamps = [(f"event {e.kind}", e.at) for e in events]
        stamps += [(f"posting {p.id}", p.posted_at) for p in s.scalars(select(Posting))]
        stamps += [(f"denial {d.id}", d.created_at) for d in s.scalars(select(Denial))]
        stamps += [(f"appeal {x.id}", x.updated_at) for x in s.scalars(select(Appeal))]
        new_row = s.get(ClaimRow, new_id)
        assert new_row is not None
        stamps += [("replacement created", new_row.created_at)]
    kinds = {e.kind for e in events}
    for kind in ("scrubbed", "fixed", "posting_refused", "remitted", "replacement_created"):
        assert kind in kinds
    assert "appeal_drafted" in kinds
    stale = [(what, at) for what, at in stamps if not T0 <= at <= end]
    assert stale == []
