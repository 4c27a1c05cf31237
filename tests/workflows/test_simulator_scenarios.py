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
from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from tests.workflows.helpers import eventually
from tests.workflows.scenario_rig import (
    ALPHA,
    GAMMA,
    TODAY,
    Rig,
    ad,
    balanced,
    day_input,
    opened_on,
    scenario_rig,
)
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import DischargeInput, Stage

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


def submitted_on(rig: Rig, claim: str, n: int = 1) -> date:
    """The business day of the claim's ``n``-th 837 (its timeline row carries workflow time)."""
    return rig.events(claim, "submitted")[n - 1].at.date()


def paid_in_full(rig: Rig, claim: str) -> None:
    row = rig.claim(claim)
    assert row.status == "paid" and row.total_cents == 5 * 45000
    assert (row.paid_cents, row.adjusted_cents, row.patient_resp_cents, row.open_cents) == (
        5 * FEE,
        5 * (45000 - FEE),
        0,
        0,
    )
    assert balanced(row)


async def test_co_50_is_appealed_with_the_generated_letter_overturned_and_paid(rig: Rig) -> None:
    handle = await rig.discharged_episode("S5002", "DENY50-1", ADMIT)
    claim = claim_id("S5002")
    task = await rig.open_task("write_appeal", claim_id=claim, max_days=20)
    (denial,) = rig.files("835", claim)
    assert denial.deliver_at is not None and opened_on(task) == denial.deliver_at.date()
    (posting,) = rig.postings(claim)
    assert posting.status_code == "4" and posting.paid_cents == 0 and posting.paid_on is not None
    deadline = (posting.paid_on + ad(180)).isoformat()  # ERISA internal appeal: 180 days
    assert task.queue == "appeals" and task.context["carc"] == "CO-50"
    assert task.context["level"] == 1 and task.context["deadline"] == deadline
    letter = rig.appeal(task.context["appeal_id"]).letter
    for cited in ("CO-50", ADMIT.isoformat(), (ADMIT + ad(4)).isoformat(), "3 h 10 min", deadline):
        assert cited in letter
    await rig.complete(task, {"decision": "send"})

    outcome = await rig.open_task("appeal_outcome", claim_id=claim, max_days=3)
    status = await rig.closed(handle, max_days=25)
    assert status.claims == {claim: "resolved"}
    assert await rig.withdrawn(outcome) == "the payer's 835 answered the appeal"
    (sent,) = rig.files("APPEAL", claim)
    assert letter in sent.content.replace("\r\n", "\n")
    assert rig.appeal(task.context["appeal_id"]).status == "won"
    paid_in_full(rig, claim)


async def test_a_277ca_rejection_is_fixed_on_the_named_field_resubmitted_accepted_and_paid(
    rig: Rig,
) -> None:
    handle = await rig.discharged_episode("SREJ02", "REJ277-1", ADMIT)
    claim = claim_id("SREJ02")
    task = await rig.open_task("fix_rejected_claim", claim_id=claim, max_days=5)
    assert opened_on(task) == submitted_on(rig, claim) + ad(1)  # gamma's 277CA: a day later
    assert task.queue == "billing" and task.context["form_field"] == "subscriber_id"
    assert "member id" in task.context["field_notes"]["subscriber_id"]
    assert rig.claim(claim).status == "rejected"
    await rig.complete(task, {"subscriber_id": "REJ277-1", "note": "member id confirmed"})

    await rig.closed(handle, max_days=25)
    assert len(rig.files("837P", claim)) == 2
    assert [f.content.count("STC*A7:164") for f in rig.files("277CA", claim)] == [1, 0]
    assert rig.claim(claim).clean_first_pass is False
    paid_in_full(rig, claim)


async def test_no_acknowledgement_opens_a_missing_ack_task_on_the_third_day_then_resubmits(
    rig: Rig,
) -> None:
    handle = await rig.discharged_episode("SACK02", "NOACK-2", ADMIT)
    claim = claim_id("SACK02")
    task = await rig.open_task("missing_ack", claim_id=claim, max_days=5)
    sent = submitted_on(rig, claim)
    assert opened_on(task) == sent + ad(3)  # commercial_gamma: ack_watch_days = 3
    assert task.queue == "billing" and f"submission on {sent}" in task.reason
    assert rig.claim(claim).status == "submitted"  # a missing ack is not a rejection
    assert rig.files("999", claim) == [] and rig.files("277CA", claim) == []
    await rig.complete(task, {"decision": "resubmit"})

    await rig.closed(handle, max_days=25)
    assert len(rig.files("837P", claim)) == 2 and submitted_on(rig, claim, 2) == sent + ad(3)
    paid_in_full(rig, claim)


async def test_no_remittance_sends_276s_and_opens_status_tasks_with_the_277_on_days_30_and_44(
    rig: Rig,
) -> None:
    handle = await rig.discharged_episode("SPAY03", "SLOWPAY-3", ADMIT)
    claim = claim_id("SPAY03")
    first = await rig.open_task("claim_status", claim_id=claim, max_days=35)
    sent = submitted_on(rig, claim)
    assert [e.at.date() for e in rig.events(claim, "status_inquiry")] == [sent + ad(30)]
    assert len(rig.files("276", claim)) == 1 and len(rig.files("277", claim)) == 1
    assert opened_on(first) == sent + ad(31)  # the payer's 277 comes a day after the 276
    assert first.context["answer"].startswith("P1 (pending")
    assert "276 sent" in first.reason and f"No 835 by {sent + ad(30)}" in first.reason
    await rig.complete(first, {"next_step": "waiting", "note": "the payer says in process"})

    second = await rig.open_task("claim_status", claim_id=claim, n=2, max_days=16)
    assert [e.at.date() for e in rig.events(claim, "status_inquiry")] == [
        sent + ad(30),
        sent + ad(44),
    ]
    assert opened_on(second) == sent + ad(45) and second.context["answer"].startswith("P1")
    await rig.closed(handle, max_days=10)
    assert await rig.withdrawn(second) == "the 835 arrived"
    (remit,) = rig.files("835", claim)
    assert remit.deliver_at is not None and remit.deliver_at.date() == sent + ad(50)
    paid_in_full(rig, claim)


async def test_a_missed_filing_deadline_asks_a_supervisor_to_approve_the_write_off(
    rig: Rig,
) -> None:
    admit = TODAY - ad(119)  # commercial_gamma files within 120 days: due tomorrow
    handle = await rig.discharged_episode("SFIL03", "NOACK-3", admit)
    claim = claim_id("SFIL03", admit)
    deadline = admit + ad(120)
    task = await rig.open_task("write_off_approval", claim_id=claim, max_days=4)
    assert opened_on(task) == deadline + ad(1) and task.filing_deadline == deadline
    assert task.queue == "supervisor" and f"filing deadline {deadline} passed" in task.reason
    assert submitted_on(rig, claim) == TODAY and rig.files("999", claim) == []
    assert rig.tasks("missing_ack", claim_id=claim) == []  # due a day after the deadline
    await rig.complete(task, {"decision": "approve"}, user="sam")

    status = await rig.closed(handle, max_days=2)
    assert status.claims == {claim: "resolved"}
    row = rig.claim(claim)
    assert row.status == "written_off" and row.total_cents == 5 * 45000
    assert (row.paid_cents, row.adjusted_cents, row.open_cents) == (0, 5 * 45000, 0)
    assert balanced(row)


async def test_a_co_29_late_filing_denial_asks_a_supervisor_to_approve_the_write_off(
    rig: Rig,
) -> None:
    handle = await rig.discharged_episode("S2901", "DENY29-1", ADMIT)
    claim = claim_id("S2901")
    task = await rig.open_task("write_off_approval", claim_id=claim, max_days=20)
    (denial,) = rig.files("835", claim)
    assert denial.deliver_at is not None and opened_on(task) == denial.deliver_at.date()
    assert task.queue == "supervisor" and task.context["carc"] == "29"
    await rig.complete(task, {"decision": "approve"}, user="sam")

    await rig.closed(handle, max_days=2)
    row = rig.claim(claim)
    assert row.status == "written_off" and row.paid_cents == 0 and row.open_cents == 0
    assert row.adjusted_cents == row.total_cents == 5 * 45000 and balanced(row)


async def test_authorization_running_out_opens_a_concurrent_review_before_the_last_unit(
    rig: Rig,
) -> None:
    """commercial_alpha requires prior authorization; AUTHPART approves 10 of the 20 units
    asked for, over two weeks. At one day a unit the units run out on day 10 (2031-03-12):
    the review is due five days ahead (the rule set's lead days), with units still left."""
    rig.register("SAUTH01", "AUTHPART-1", TODAY, payer=ALPHA)
    handle = await rig.start("SAUTH01", ALPHA)
    await rig.advance_until(lambda: rig.stage("SAUTH01") == "active", max_days=4)
    auth = rig.authorization("SAUTH01")
    assert (auth.status, auth.units, auth.end) == ("partial", 10, TODAY + ad(13))
    held: list[str] = []
    for n in range(12):  # a day a unit: days 11 and 12 are beyond the first 10 units
        await rig.until_day(TODAY + ad(n))
        summary = await handle.execute_update(
            EpisodeWorkflow.document_day, day_input(TODAY + ad(n))
        )
        held += summary.held
        reviews = rig.tasks("concurrent_review", episode_id="SAUTH01")
        if n == 4:
            (review,) = await eventually(
                lambda: [t for t in rig.tasks("concurrent_review") if t.status == "open"]
            )
            assert opened_on(review) == TODAY + ad(4) and review.queue == "authorizations"
            assert review.context["run_out"] == (TODAY + ad(9)).isoformat()
            # due as day 4 begins, from day 3's forecast: 6 of the 10 units are left
            assert review.context["units_remaining"] == 6
            assert held == []
            await rig.complete(
                review, {"status": "approved", "units": "10", "end": (TODAY + ad(30)).isoformat()}
            )
            await eventually(lambda: rig.authorization("SAUTH01").units == 20)
        elif n < 4:
            assert reviews == []
    assert held == [] and len(rig.tasks("concurrent_review", episode_id="SAUTH01")) == 1
    auth = rig.authorization("SAUTH01")
    assert (auth.units, auth.end) == (20, TODAY + ad(30)) and auth.number.startswith("AUTH")


async def test_a_sixty_day_episode_continues_as_new_without_losing_state(rig: Rig) -> None:
    """60 documented days continue as new (history_limit 250) and are all billed: 60 per
    diem lines become two 837P claims (an 837P holds 50 lines), both paid."""
    admit = TODAY - ad(60)
    rig.register("SCAN02", "M60-2", admit)
    handle = await rig.start("SCAN02", history_limit=250)
    await rig.advance_until(lambda: rig.stage("SCAN02") == "active", max_days=1)
    first_run = (await handle.describe()).run_id
    for n in range(60):
        summary = await handle.execute_update(
            EpisodeWorkflow.document_day, day_input(admit + ad(n))
        )
        assert summary.date == (admit + ad(n)).isoformat() and summary.charges
    status = await handle.query(EpisodeWorkflow.status)
    assert status.runs > 1 and status.documented_days == 60
    assert (await handle.describe()).run_id != first_run
    again = await handle.execute_update(EpisodeWorkflow.document_day, day_input(admit))
    assert again.date == admit.isoformat()  # the first answer, kept across the runs
    await handle.execute_update(
        EpisodeWorkflow.discharge, DischargeInput(date=(admit + ad(59)).isoformat())
    )
    status = await rig.closed(handle, max_days=25)
    assert status.stage is Stage.CLOSED and status.documented_days == 60
    second = claim_id("SCAN02", admit + ad(50))
    assert status.claims == {c: "resolved" for c in (claim_id("SCAN02", admit), second)}
    rows = rig.claims("SCAN02")
    assert [(r.id, len(r.claim["lines"]), r.status) for r in rows] == [
        (claim_id("SCAN02", admit), 50, "paid"),
        (second, 10, "paid"),
    ]
    for row, days in zip(rows, (50, 10), strict=True):
        assert (row.total_cents, row.paid_cents, row.open_cents) == (days * 45000, days * FEE, 0)
        assert balanced(row)
