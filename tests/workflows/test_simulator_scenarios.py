"""Issue #5's claim scenarios end to end: whole episodes on the time-skipping server
against the payer simulator (real X12 written and read by ``models.x12``), the real
workflows and activities, a SQLite read model, and a scripted biller who works each
task through the web's Update path. Scenario markers in the member id pick the payer's
behaviour (docs/workflows.md, "The payer simulator"); the episode ids are fixed so the
seeded answers (payment delays, no patient share) repeat on every run.

Every episode here is with ``commercial_gamma`` unless stated (no prior authorization,
one claim per episode, S9480 paid at its fee schedule of 180.00 a day)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from tests.workflows.scenario_rig import GAMMA, TODAY, Rig, ad, balanced, opened_on, scenario_rig
from workflows.episode_types import Stage

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
ADMIT = TODAY - ad(7)  # five documented days, Monday to Friday of the week before T0
FEE = 18000  # commercial_gamma's S9480 per day


@pytest.fixture
async def rig(
    fresh_ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Rig]:
    async with scenario_rig(fresh_ts_env, sqlite_sessions, task_queue) as r:
        yield r


def claim_id(episode_id: str, first_day: object = ADMIT) -> str:
    return f"{episode_id}:{GAMMA}:{first_day}"


async def test_co_197_is_corrected_by_a_frequency_7_replacement_with_the_authorization_then_paid(
    rig: Rig,
) -> None:
    handle = await rig.discharged_episode("S19702", "DENY197-1", ADMIT)
    original = claim_id("S19702")
    task = await rig.open_task("corrected_claim", claim_id=original, max_days=20)
    (denial,) = rig.files("835", original)
    assert denial.deliver_at is not None and opened_on(task) == denial.deliver_at.date()
    assert task.queue == "coding" and task.context["carc"] == "CO-197"
    assert task.context["form_field"] == "prior_auth_number"
    await rig.complete(task, {"prior_auth_number": "AUTH-197", "note": "auth from the portal"})

    status = await rig.closed(handle, max_days=25)
    assert status.stage is Stage.CLOSED and status.claims == {original: "resolved"}
    old, new = rig.claim(original), rig.claim(f"{original}:r1")
    assert (old.frequency, new.frequency) == ("1", "7") and new.original_claim_id == original
    (sent,) = [f.content for f in rig.files("837P", new.id)]
    assert "REF*G1*AUTH-197~" in sent and f"REF*F8*{old.payer_claim_number}~" in sent
    assert ":B:7*" in sent
    assert old.status == "replaced" and old.total_cents == new.total_cents == 5 * 45000
    assert (old.paid_cents, old.adjusted_cents, old.open_cents) == (0, 5 * 45000, 0)
    assert (new.paid_cents, new.adjusted_cents, new.patient_resp_cents, new.open_cents) == (
        5 * FEE,
        5 * (45000 - FEE),
        0,
        0,
    )
    assert balanced(old) and balanced(new)
