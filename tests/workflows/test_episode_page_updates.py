"""Updates from the episode page's coverage and authorization forms, on the
time-skipping server. ``enter_authorization``: an authorization entered by staff decides
the pending request (withdrawing the biller's task), extends a running authorization
(releasing held charges and settling the concurrent review), is refused with every bad
field named, and is one record per submission. ``coverage_changed``: a corrected member
id during eligibility sends a new 270 (withdrawing the resolution task)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.db import episodes as episode_repo
from models.db import tasks as task_repo
from models.db.billing_tables import AuthorizationRow, ChargeRow
from tests.workflows.fake_clearinghouse import SENT
from tests.workflows.helpers import eventually, task_gateway
from tests.workflows.test_episode_flow import (
    DAY,
    day,
    held_charges,
    open_task,
    payer_decision,
    register,
    stage,
    start,
    to_active,
    today,
)
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import (
    SIGNAL_AUTH_DECISION,
    SIGNAL_ELIGIBILITY,
    AuthDecisionNotice,
    CoverageChangedInput,
    DischargeInput,
    EligibilityNotice,
    EnterAuthorizationInput,
    Stage,
)
from workflows.errors import ErrorType

pytestmark = pytest.mark.temporal


def entered(first: date, **changes: object) -> EnterAuthorizationInput:
    values: dict[str, object] = {
        "status": "approved",
        "number": "PA-HAND-1",
        "start": first.isoformat(),
        "end": (first + timedelta(days=30)).isoformat(),
        "units": 20,
        "user": "ivy",
    }
    return EnterAuthorizationInput(**{**values, **changes})  # type: ignore[arg-type]


def auth_rows(sessions: sessionmaker[Session], episode_id: str) -> list[AuthorizationRow]:
    with sessions() as s:
        stmt = select(AuthorizationRow).where(AuthorizationRow.episode_id == episode_id)
        return list(s.scalars(stmt))


def field_errors(exc: WorkflowUpdateFailedError) -> dict[str, str]:
    cause = exc.cause
    assert isinstance(cause, ApplicationError) and cause.type == ErrorType.FORM_INVALID
    errors = cause.details[0]
    assert isinstance(errors, dict)
    return errors


async def awaiting_authorization(
    env: WorkflowEnvironment, sessions: sessionmaker[Session], queue: str
) -> tuple[date, str, WorkflowHandle[EpisodeWorkflow, object]]:
    """A commercial_alpha episode admitted today, its 271 active, waiting for the payer's
    authorization decision."""
    t0 = await today(env)
    episode_id = register(sessions, "commercial_alpha", t0)
    handle = await start(env, queue, episode_id, "commercial_alpha")
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(sessions, episode_id) == "authorization")
    return t0, episode_id, handle


async def no_decision_task(
    env: WorkflowEnvironment, sessions: sessionmaker[Session], queue: str
) -> tuple[date, str, WorkflowHandle[EpisodeWorkflow, object], Any]:
    """As ``awaiting_authorization``, after the 7 standard decision days passed with no
    decision: the biller's open "authorization" task."""
    t0, episode_id, handle = await awaiting_authorization(env, sessions, queue)
    await env.sleep(8 * DAY)
    task = await eventually(lambda: open_task(sessions, episode_id, "authorization"))
    return t0, episode_id, handle, task


async def test_entered_authorization_decides_the_pending_request_once_per_submission(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0 = await today(fresh_ts_env)
    episode_id = register(sqlite_sessions, "commercial_alpha", t0)
    handle = await start(fresh_ts_env, task_queue, episode_id, "commercial_alpha")
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "eligibility")
    with pytest.raises(WorkflowUpdateFailedError) as early:  # nothing to decide yet
        await handle.execute_update(EpisodeWorkflow.enter_authorization, entered(t0))
    assert "eligibility stage" in field_errors(early.value)["stage"]
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "authorization")

    update_id = f"auth:{episode_id}:0123456789ab"
    first = await handle.execute_update(
        EpisodeWorkflow.enter_authorization, entered(t0), id=update_id
    )
    again = await handle.execute_update(  # a double click: the same Update id
        EpisodeWorkflow.enter_authorization, entered(t0), id=update_id
    )
    assert first.approved and first.number == "PA-HAND-1" and again == first
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")
    (row,) = auth_rows(sqlite_sessions, episode_id)
    assert (row.number, row.units, row.source, row.start) == ("PA-HAND-1", 20, "staff", t0)
    with sqlite_sessions() as s:  # recorded once, under the Update's id
        events = [e for e in episode_repo.timeline(s, episode_id) if e.kind == "authorization"]
    assert [e.key for e in events] == [f"{episode_id}:auth:{update_id}"]
    assert events[0].detail == "approved PA-HAND-1 recorded by staff"
    summary = await handle.execute_update(EpisodeWorkflow.document_day, day(t0))
    assert summary.held == [] and summary.units_remaining == 19
    await handle.execute_update(EpisodeWorkflow.discharge, DischargeInput(date=t0.isoformat()))


async def test_bad_input_is_refused_with_every_bad_field_named(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0, episode_id, handle = await awaiting_authorization(fresh_ts_env, sqlite_sessions, task_queue)
    bad = entered(t0, number=" ", start="2026-13-01", end="", units=0)
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(EpisodeWorkflow.enter_authorization, bad)
    assert set(field_errors(failed.value)) == {"number", "start", "end", "units"}
    backwards = entered(t0, start=t0.isoformat(), end=(t0 - timedelta(days=1)).isoformat())
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(EpisodeWorkflow.enter_authorization, backwards)
    assert set(field_errors(failed.value)) == {"end"}
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(EpisodeWorkflow.enter_authorization, entered(t0, status="ok"))
    assert set(field_errors(failed.value)) == {"status"}
    assert auth_rows(sqlite_sessions, episode_id) == []
    assert (await handle.query(EpisodeWorkflow.status)).stage is Stage.AUTHORIZATION
    # denied needs no number, dates or units; the episode goes on without authorization
    denied = await handle.execute_update(
        EpisodeWorkflow.enter_authorization,
        EnterAuthorizationInput(status="denied", user="ivy"),
    )
    assert not denied.approved
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")
    assert auth_rows(sqlite_sessions, episode_id) == []
    await handle.execute_update(EpisodeWorkflow.discharge, DischargeInput(date=t0.isoformat()))


async def test_entering_the_authorization_withdraws_the_billers_open_task(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0, episode_id, handle, task = await no_decision_task(fresh_ts_env, sqlite_sessions, task_queue)
    result = await handle.execute_update(
        EpisodeWorkflow.enter_authorization, entered(t0, user="ivy")
    )
    assert result.approved
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")
    with sqlite_sessions() as s:
        row = task_repo.get(s, task.id)  # type: ignore[attr-defined]
        assert row is not None and row.status == "withdrawn"
        assert row.withdrawn_reason == "the authorization was recorded by ivy on the episode page"
    assert [r.source for r in auth_rows(sqlite_sessions, episode_id)] == ["staff"]
    assert (await handle.query(EpisodeWorkflow.status)).open_task_ids == []


async def test_a_late_approval_from_the_payer_withdraws_the_billers_task(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0, episode_id, handle, task = await no_decision_task(fresh_ts_env, sqlite_sessions, task_queue)
    assert "No authorization decision" in task.reason  # type: ignore[attr-defined]
    late = payer_decision(episode_id, "approved", "PA-LATE", t0, 30, 20)
    await handle.signal(SIGNAL_AUTH_DECISION, late)
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")
    with sqlite_sessions() as s:
        row = task_repo.get(s, task.id)  # type: ignore[attr-defined]
        assert row is not None and row.status == "withdrawn"
        assert row.withdrawn_reason == (
            "The payer's decision arrived after the wait: approved PA-LATE"
        )
    rows = auth_rows(sqlite_sessions, episode_id)
    assert [(r.number, r.source, r.units) for r in rows] == [("PA-LATE", "payer", 20)]
    # The page can no longer decide the stage the payer decided.
    assert (await handle.query(EpisodeWorkflow.status)).open_task_ids == []


async def test_a_late_denial_from_the_payer_leaves_the_task_to_the_biller(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0, episode_id, handle, task = await no_decision_task(fresh_ts_env, sqlite_sessions, task_queue)
    await handle.signal(
        SIGNAL_AUTH_DECISION,
        AuthDecisionNotice(episode_id=episode_id, status="denied", message="not necessary"),
    )
    # The episode takes the signal and the task stays open for the biller.
    await handle.query(EpisodeWorkflow.status)
    await fresh_ts_env.sleep(60)
    assert stage(sqlite_sessions, episode_id) == "authorization"
    assert open_task(sqlite_sessions, episode_id, "authorization") is not None
    assert auth_rows(sqlite_sessions, episode_id) == []
    gw = task_gateway(fresh_ts_env, sqlite_sessions)
    await gw.claim(task.id, "ivy")  # type: ignore[attr-defined]
    answer = {
        "status": "approved",
        "number": "PA-PHONE",
        "start": t0.isoformat(),
        "end": (t0 + timedelta(days=30)).isoformat(),
        "units": "20",
    }
    assert (await gw.complete(task.id, "ivy", answer)).ok  # type: ignore[attr-defined]
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")
    assert [r.source for r in auth_rows(sqlite_sessions, episode_id)] == ["biller"]


async def four_days_on_three_units(
    fresh_ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> tuple[Any, str, date]:
    """An active episode with a partial authorization of 3 units and 4 documented days:
    the fourth day is held and a concurrent review is due."""
    t0 = await today(fresh_ts_env)
    episode_id = register(sqlite_sessions, "commercial_alpha", t0)
    handle = await start(fresh_ts_env, task_queue, episode_id, "commercial_alpha")
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "eligibility")
    await to_active(handle, sqlite_sessions, episode_id, "partial", "PA-9", t0, 30, 3)
    for n in range(4):
        await handle.execute_update(EpisodeWorkflow.document_day, day(t0 + timedelta(days=n)))
        await fresh_ts_env.sleep(DAY)
    return handle, episode_id, t0


async def test_an_extension_releases_held_charges_and_settles_the_concurrent_review(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    handle, episode_id, t0 = await four_days_on_three_units(
        fresh_ts_env, sqlite_sessions, task_queue
    )
    assert held_charges(sqlite_sessions, episode_id)
    review = await eventually(lambda: open_task(sqlite_sessions, episode_id, "concurrent_review"))
    end = (t0 + timedelta(days=45)).isoformat()
    result = await handle.execute_update(
        EpisodeWorkflow.enter_authorization,
        entered(t0, number="PA-9", end=end, units=10, user="sam"),
        id=f"auth:{episode_id}:feedfacecafe",
    )
    assert result.approved and result.message == "PA-9 extended"
    assert not held_charges(sqlite_sessions, episode_id)
    (row,) = auth_rows(sqlite_sessions, episode_id)
    assert row.units == 13 and row.end.isoformat() == end

    def withdrawn() -> Any:
        # The task's own workflow records the withdrawal after the Update has returned.
        with sqlite_sessions() as s:
            row = task_repo.get(s, review.id)  # type: ignore[attr-defined]
            return row if row is not None and row.status == "withdrawn" else None

    closed = await eventually(withdrawn)
    assert "recorded by sam" in (closed.withdrawn_reason or "")
    await fresh_ts_env.sleep(DAY)
    status = await handle.query(EpisodeWorkflow.status)
    assert status.stage is Stage.ACTIVE and status.open_task_ids == []


def sent_270s(episode_id: str) -> int:
    return SENT.count(("270", episode_id))


async def test_a_corrected_member_id_sends_a_new_270_and_withdraws_the_resolution_task(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0 = await today(fresh_ts_env)
    episode_id = register(sqlite_sessions, "commercial_alpha", t0)
    handle = await start(fresh_ts_env, task_queue, episode_id, "commercial_alpha")
    await eventually(lambda: sent_270s(episode_id) == 1)
    unchanged = CoverageChangedInput(member_id_changed=False, user="ivy")
    await handle.execute_update(EpisodeWorkflow.coverage_changed, unchanged)
    await fresh_ts_env.sleep(60)
    assert sent_270s(episode_id) == 1  # plan dates or a secondary: nothing to re-check
    changed = CoverageChangedInput(member_id_changed=True, user="ivy")
    status = await handle.execute_update(EpisodeWorkflow.coverage_changed, changed)
    assert status.stage is Stage.ELIGIBILITY
    await eventually(lambda: sent_270s(episode_id) == 2)  # waiting for a 271: asked again

    await handle.signal(
        SIGNAL_ELIGIBILITY,
        EligibilityNotice(episode_id=episode_id, status="rejected", message="AAA 72"),
    )
    task = await eventually(lambda: open_task(sqlite_sessions, episode_id, "resolve_eligibility"))
    await handle.execute_update(EpisodeWorkflow.coverage_changed, changed)
    await eventually(lambda: sent_270s(episode_id) == 3)
    with sqlite_sessions() as s:
        row = task_repo.get(s, task.id)  # type: ignore[attr-defined]
        assert row is not None and row.status == "withdrawn"
        assert row.withdrawn_reason == (
            "the coverage was edited by ivy: eligibility is checked again"
        )
    assert stage(sqlite_sessions, episode_id) == "eligibility"
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "authorization")
    after = await handle.execute_update(EpisodeWorkflow.coverage_changed, changed)
    assert after.stage is Stage.AUTHORIZATION and sent_270s(episode_id) == 3


async def test_a_discharge_with_a_review_open_waits_for_it_then_bills_what_it_released(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    handle, episode_id, t0 = await four_days_on_three_units(
        fresh_ts_env, sqlite_sessions, task_queue
    )
    review: Any = await eventually(
        lambda: open_task(sqlite_sessions, episode_id, "concurrent_review")
    )
    held = {c.id for c in held_charges(sqlite_sessions, episode_id)}
    assert held
    status = await handle.query(EpisodeWorkflow.status)
    await handle.execute_update(EpisodeWorkflow.discharge, DischargeInput(date=status.today))
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "closing")
    await fresh_ts_env.sleep(3 * DAY)
    # Closing waits for the review: the held days may still be authorized.
    assert (await handle.query(EpisodeWorkflow.status)).stage is Stage.CLOSING
    assert open_task(sqlite_sessions, episode_id, "concurrent_review") is not None

    gw = task_gateway(fresh_ts_env, sqlite_sessions)
    assert (await gw.claim(review.id, "sam")).ok
    extension = {"status": "approved", "number": "PA-9", "end": (t0 + timedelta(days=45))}
    outcome = await gw.complete(
        review.id, "sam", {**extension, "end": extension["end"].isoformat(), "units": "10"}
    )
    assert outcome.ok, outcome.message
    result = await handle.result()
    assert result.stage is Stage.CLOSED
    assert not held_charges(sqlite_sessions, episode_id)
    with sqlite_sessions() as s:
        billed = s.scalars(
            select(ChargeRow.id).where(
                ChargeRow.episode_id == episode_id, ChargeRow.claim_id.is_not(None)
            )
        ).all()
    assert held <= set(billed)
