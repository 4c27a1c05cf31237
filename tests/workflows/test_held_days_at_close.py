"""Days held outside the authorization when the episode closes: before its last bill the
episode lists them in a ``held_days`` task (billing queue) — a retro-authorization bills
them like an approved extension; a write-off goes through a supervisor's approval and is
recorded on the charges — so no held charge is left silently unbilled.

Whole episodes on the time-skipping server with the real worker, the payer simulator and
the scripted biller of ``scenario_rig``. The episode is with ``commercial_alpha`` (prior
authorization, billed weekly, S9480 charged 450.00 a day): staff enter a 3-day
authorization on the episode page, the concurrent review is denied, and the fourth
documented day (Thursday) is held outside the authorized dates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from iopbill.codec import data_converter
from iopbill.sandbox import workflow_runner
from models.db import billing
from models.db import episodes as episode_repo
from models.db.billing_tables import ChargeRow, ClaimRow
from models.db.tables import Task
from tests.conftest import TEST_PHI_KEY
from tests.workflows.helpers import task_gateway
from tests.workflows.scenario_rig import (
    ALPHA,
    TODAY,
    EpisodeHandle,
    Rig,
    ad,
    balanced,
    day_input,
    scenario_rig,
)
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import DischargeInput, EnterAuthorizationInput, EpisodeStatus, Stage
from workflows.human_task import HumanTaskWorkflow

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
CHARGE = 45000  # commercial_alpha's S9480 charge a day
HELD_DAY = TODAY + ad(3)  # Thursday: after the authorization's last day


@pytest.fixture
async def rig(
    fresh_ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Rig]:
    async with scenario_rig(fresh_ts_env, sqlite_sessions, task_queue) as r:
        yield r


async def held_at_close(rig: Rig, episode_id: str) -> tuple[EpisodeHandle, Task]:
    """Four documented days on a 3-day authorization whose extension was denied, then
    discharged: the held-days task is open and nothing has been billed yet."""
    rig.register(episode_id, f"M-{episode_id}", TODAY, payer=ALPHA)
    handle = await rig.start(episode_id, ALPHA)
    await rig.advance_until(lambda: rig.stage(episode_id) == "authorization", max_days=1)
    await handle.execute_update(
        EpisodeWorkflow.enter_authorization,
        EnterAuthorizationInput(
            status="approved",
            number="PA-3",
            start=TODAY.isoformat(),
            end=(TODAY + ad(2)).isoformat(),
            units=3,
            user="ivy",
        ),
    )
    await rig.advance_until(lambda: rig.stage(episode_id) == "active", max_days=1)
    for n in range(4):
        await rig.until_day(TODAY + ad(n))
        summary = await handle.execute_update(
            EpisodeWorkflow.document_day, day_input(TODAY + ad(n))
        )
        if n == 0:  # the units run out with the dates: the review is due at once
            review = await rig.open_task("concurrent_review", episode_id=episode_id, max_days=1)
            await rig.complete(review, {"status": "denied", "note": "extension denied"})
    assert summary.held and "outside the authorized dates" in summary.held[0]
    await handle.execute_update(
        EpisodeWorkflow.discharge, DischargeInput(date=HELD_DAY.isoformat())
    )
    task = await rig.open_task("held_days", episode_id=episode_id, max_days=2)
    assert rig.stage(episode_id) == "closing" and rig.claims(episode_id) == []
    return handle, task


def charges(rig: Rig, episode_id: str) -> list[ChargeRow]:
    with rig.sessions() as s:
        return list(s.scalars(select(ChargeRow).where(ChargeRow.episode_id == episode_id)))


async def closed(rig: Rig, handle: EpisodeHandle, episode_id: str) -> EpisodeStatus:
    """Skip time until the episode closes, billing any patient share the payer assigns."""

    def next_step() -> Task | str | None:
        if rig.stage(episode_id) == "closed":
            return "closed"
        shares = rig.tasks("patient_responsibility", episode_id=episode_id)
        return next((t for t in shares if t.status == "open"), None)

    while True:
        step = await rig.advance_until(next_step, max_days=35)
        if not isinstance(step, Task):
            return await handle.result()
        await rig.complete(step, {"result": "billed_patient"})


def assert_ledger_balances(rig: Rig, episode_id: str, written_off: int) -> list[ClaimRow]:
    """Every claim balances to the cent, and every captured charge is billed or written off."""
    rows = rig.claims(episode_id)
    assert rows and all(balanced(r) and r.open_cents == 0 for r in rows)
    captured = sum(c.charge_cents for c in charges(rig, episode_id))
    billed = sum(r.total_cents for r in rows if r.original_claim_id is None)
    assert captured == billed + written_off
    assert not [c for c in charges(rig, episode_id) if c.status == "held"]
    return rows


async def test_held_days_are_asked_about_before_the_last_bill_and_a_retro_auth_bills_them(
    rig: Rig,
) -> None:
    handle, task = await held_at_close(rig, "SHELD01")
    assert task.queue == "billing" and task.amount_at_risk_cents == CHARGE
    assert task.context["days"] == [HELD_DAY.isoformat()]
    assert task.context["held_cents"] == CHARGE
    (held,) = task.context["held"]
    assert (held["date"], held["code"], held["charge_cents"]) == (
        HELD_DAY.isoformat(),
        "S9480",
        CHARGE,
    )
    assert "outside the authorized dates" in held["reason"]
    assert "450.00" in task.reason and HELD_DAY.isoformat() in task.reason

    retro = {
        "decision": "retro_authorization",
        "number": "RETRO-7",
        "start": HELD_DAY.isoformat(),
        "end": HELD_DAY.isoformat(),
        "units": "1",
    }
    gateway = task_gateway(rig.env, rig.sessions)
    assert (await gateway.claim(task.id, "bea")).ok
    # A retro-authorization ending before the held day would release nothing and the
    # biller would be asked again about the same day: refused on the field, task kept.
    before = {"start": (HELD_DAY - ad(30)).isoformat(), "end": (HELD_DAY - ad(1)).isoformat()}
    short = {**retro, **before}
    refused = await gateway.complete(task.id, "bea", short)
    assert not refused.ok
    assert refused.field_errors == {
        "end": f"must be on or after {HELD_DAY.isoformat()}, the last day listed"
    }
    assert rig.task(task.id).status == "claimed"
    assert (await gateway.complete(task.id, "bea", retro)).ok
    status = await closed(rig, handle, "SHELD01")
    assert status.stage is Stage.CLOSED
    with rig.sessions() as s:  # the retro-authorization has a number of its own
        auths = {a.number: (a.start, a.end, a.units) for a in billing.authorizations(s, "SHELD01")}
    assert auths == {"PA-3": (TODAY, TODAY + ad(2), 3), "RETRO-7": (HELD_DAY, HELD_DAY, 1)}
    claims = assert_ledger_balances(rig, "SHELD01", written_off=0)
    by_number = {
        c.claim["prior_auth_number"]: [line["date_of_service"] for line in c.claim["lines"]]
        for c in claims
    }
    assert by_number == {  # each day billed under the number that covers it (REF*G1)
        "PA-3": [(TODAY + ad(n)).isoformat() for n in range(3)],
        "RETRO-7": [HELD_DAY.isoformat()],
    }
    assert sum(c.total_cents for c in claims) == 4 * CHARGE
    assert {c.frequency for c in claims} == {"1"}
    assert len(rig.tasks("held_days", episode_id="SHELD01")) == 1

    history = await handle.fetch_history()  # the patched close replays
    replayer = Replayer(
        workflow_runner=workflow_runner(),
        workflows=[EpisodeWorkflow, HumanTaskWorkflow],
        data_converter=data_converter(TEST_PHI_KEY),
    )
    replayed = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert replayed.replay_failure is None


async def test_written_off_held_days_need_a_supervisor_and_close_the_episode_balanced(
    rig: Rig,
) -> None:
    handle, task = await held_at_close(rig, "SHELD02")
    why = "the payer denied the extension; no retro-authorization"
    gateway = task_gateway(rig.env, rig.sessions)
    assert (await gateway.claim(task.id, "bea")).ok
    refused = await gateway.complete(task.id, "bea", {"decision": "write_off"})
    assert refused.field_errors == {"reason": "is required when decision is write_off"}
    done = await gateway.complete(task.id, "bea", {"decision": "write_off", "reason": why})
    assert done.ok, done
    first = await rig.open_task("write_off_approval", episode_id="SHELD02", max_days=1)
    assert first.queue == "supervisor" and first.amount_at_risk_cents == CHARGE
    assert first.context["days"] == [HELD_DAY.isoformat()]
    await rig.complete(first, {"decision": "deny", "note": "ask for a retro-auth"}, user="sam")

    again = await rig.open_task("held_days", episode_id="SHELD02", max_days=1, n=2)
    assert again.context["held_cents"] == CHARGE  # a denied write-off asks the biller again
    await rig.complete(again, {"decision": "write_off", "reason": why})
    second = await rig.open_task("write_off_approval", episode_id="SHELD02", max_days=1, n=2)
    await rig.complete(second, {"decision": "approve"}, user="sam")

    status = await closed(rig, handle, "SHELD02")
    assert status.stage is Stage.CLOSED
    (claim,) = assert_ledger_balances(rig, "SHELD02", written_off=CHARGE)
    assert claim.total_cents == 3 * CHARGE
    (off,) = [c for c in charges(rig, "SHELD02") if c.status == "written_off"]
    assert off.day == HELD_DAY and off.claim_id is None and why in off.held_reason
    with rig.sessions() as s:
        (event,) = [e for e in episode_repo.timeline(s, "SHELD02") if e.kind == "held_written_off"]
    assert f"{CHARGE} cents" in event.detail and "approved by sam" in event.detail
