"""Whole episodes against the payer simulator, on the time-skipping server: the real
EpisodeWorkflow, ClaimWorkflow, clearinghouse inbox and activities, real X12 both ways.

The server's clock is first moved to the scenario rig's fixed Monday (``T0``): the claim
id carries the first date of service and the simulator seeds its answers with the claim
id, so the payer's answers are the same on whatever day the suite runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from models.db.billing_tables import ClaimRow, Posting, X12File
from tests.workflows.scenario_rig import (
    GAMMA,
    TODAY,
    Rig,
    ad,
    balanced,
    day_input,
    scenario_rig,
)
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import DischargeInput, Stage

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
HAPPY_EPISODE = "EHAPPY02"
ADMIT = TODAY - ad(7)  # Monday of the week before T0: five past days, Monday to Friday
# The simulator, seeded with this claim id, pays it in full with no patient share.
CLAIM_ID = f"{HAPPY_EPISODE}:{GAMMA}:{ADMIT.isoformat()}"
FEE = 18000  # commercial_gamma's S9480 per day


@pytest.fixture
async def rig(
    fresh_ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Rig]:
    async with scenario_rig(fresh_ts_env, sqlite_sessions, task_queue) as r:
        yield r


async def test_a_happy_episode_is_paid_and_closed_with_the_ledger_balanced_to_the_cent(
    rig: Rig,
) -> None:
    assert await rig.today() == TODAY  # the payer's answers hold for these dates only
    rig.register(HAPPY_EPISODE, "M123456", ADMIT)
    handle = await rig.start(HAPPY_EPISODE)
    for n in range(5):
        summary = await handle.execute_update(
            EpisodeWorkflow.document_day, day_input(ADMIT + ad(n))
        )
        assert summary.charges and not summary.held
    await handle.execute_update(
        EpisodeWorkflow.discharge, DischargeInput(date=(ADMIT + ad(4)).isoformat())
    )
    # the 271, the acknowledgements, then the 835 after the payer's delay
    result = await rig.closed(handle, max_days=30)
    assert result.stage is Stage.CLOSED and result.claims == {CLAIM_ID: "resolved"}
    with rig.sessions() as s:
        claim = s.get(ClaimRow, CLAIM_ID)
        assert claim is not None
        postings = s.scalars(select(Posting).where(Posting.claim_id == claim.id)).all()
        kinds = {f.kind for f in s.scalars(select(X12File))}
    assert {"270", "271", "837P", "999", "277CA", "835"} <= kinds
    assert claim.status == "paid" and len(postings) == 1 and balanced(claim)
    assert (claim.paid_cents, claim.patient_resp_cents, claim.open_cents) == (5 * FEE, 0, 0)
    assert claim.adjusted_cents == claim.total_cents - 5 * FEE
    assert postings[0].paid_cents == claim.paid_cents
