"""EpisodeWorkflow beyond intake, on the time-skipping server, with a fake clearinghouse
and a stand-in ClaimWorkflow: eligibility, authorization, documented days, charges held
outside the authorization, concurrent review, billing cycles, discharge and close. Each
test crosses weeks of business time: it gets a server of its own (``fresh_ts_env``)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.db import episodes as episode_repo
from models.db import tasks as task_repo
from models.db.billing_tables import (
    AuthorizationRow,
    ChargeRow,
    ClaimRow,
    DocumentedDay,
    Posting,
)
from models.db.tables import Episode
from tests.workflows.fake_claim import PacedClaimWorkflow
from tests.workflows.fake_clearinghouse import SENT
from tests.workflows.helpers import (
    episode_worker,
    eventually,
    eventually_awaited,
    remember,
    task_gateway,
)
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import (
    SIGNAL_AUTH_DECISION,
    SIGNAL_ELIGIBILITY,
    AuthDecisionNotice,
    DaySummary,
    DischargeInput,
    DocumentDayInput,
    EligibilityNotice,
    RecordAttendanceInput,
    Stage,
    StartEpisodeInput,
)
from workflows.ids import claim_workflow_id, episode_workflow_id

pytestmark = pytest.mark.temporal
DAY = 86400


async def today(env: WorkflowEnvironment) -> date:
    return (await env.get_current_time()).date()


def register(sessions: sessionmaker[Session], payer: str, admit: date, member: str = "M-77") -> str:
    episode_id = f"E-{uuid.uuid4().hex[:8]}"
    with sessions() as s, s.begin():
        episode_repo.create_patient(
            s,
            patient_id=f"P-{episode_id}",
            first_name="Jo",
            last_name="Doe",
            birth_date=date(1985, 5, 5),
            member_id=member,
        )
        episode_repo.create_episode(
            s,
            episode_id=episode_id,
            patient_id=f"P-{episode_id}",
            payer_id=payer,
            program="psychiatric",
            admit_date=admit,
        )
        episode_repo.store_intake(s, episode_id, {"diagnosis_codes": "F33.1"})
    return episode_id


def stage(sessions: sessionmaker[Session], episode_id: str) -> str | None:
    with sessions() as s:
        row = s.get(Episode, episode_id)
        return row.stage if row else None


def payer_decision(
    episode_id: str, status: str, number: str, start: date, days: int, units: int
) -> AuthDecisionNotice:
    """The payer's 278 answer as the inbox signals it: ``days`` from ``start``."""
    return AuthDecisionNotice(
        episode_id=episode_id,
        status=status,
        number=number,
        start=start.isoformat(),
        end=(start + timedelta(days=days)).isoformat(),
        units=units,
    )


async def to_active(
    handle: WorkflowHandle[EpisodeWorkflow, object],
    sessions: sessionmaker[Session],
    episode_id: str,
    status: str,
    number: str,
    start: date,
    days: int,
    units: int,
) -> None:
    """Answer the 271 (active) and the authorization request, then wait for `active`."""
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(sessions, episode_id) == "authorization")
    # The stage row is written before the workflow starts waiting for a decision (and it
    # forgets any earlier one then): signal once its request has gone out.
    await eventually(lambda: ("AUTHREQ", episode_id) in SENT)
    decision = payer_decision(episode_id, status, number, start, days, units)
    await handle.signal(SIGNAL_AUTH_DECISION, decision)
    await eventually(lambda: stage(sessions, episode_id) == "active")


def day(d: date, minutes: int = 190) -> DocumentDayInput:
    return DocumentDayInput(
        day={
            "date": d.isoformat(),
            "program": "psychiatric",
            "telehealth": "none",
            "services": [
                {"kind": "group", "minutes": minutes - 50},
                {"kind": "individual", "minutes": 50},
            ],
        },
        note="Group and individual therapy; engaged.",
        signed_by="clin1",
    )


async def start(
    env: WorkflowEnvironment, queue: str, episode_id: str, payer: str
) -> WorkflowHandle[EpisodeWorkflow, object]:
    remember(queue, episode_workflow_id(episode_id))
    return await env.client.start_workflow(
        EpisodeWorkflow.run,
        StartEpisodeInput(episode_id=episode_id, payer_id=payer),
        id=episode_workflow_id(episode_id),
        task_queue=queue,
    )


async def weekly_episode_in_attendance(
    env: WorkflowEnvironment, sessions: sessionmaker[Session], queue: str, t0: date
) -> tuple[str, WorkflowHandle[EpisodeWorkflow, object]]:
    """A medicaid_state episode (weekly billing) admitted on ``t0``, its 271 active and 60
    days and 30 units authorized from ``t0``, in attendance."""
    episode_id = register(sessions, "medicaid_state", t0)
    handle = await start(env, queue, episode_id, "medicaid_state")
    await eventually(lambda: stage(sessions, episode_id) == "eligibility")
    await eventually(lambda: ("270", episode_id) in SENT)
    await to_active(handle, sessions, episode_id, "approved", "AUTH-1", t0, 60, 30)
    return episode_id, handle


async def test_authorized_episode_documents_days_bills_weekly_and_closes_when_claims_resolve(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0 = await today(fresh_ts_env)
    episode_id, handle = await weekly_episode_in_attendance(
        fresh_ts_env, sqlite_sessions, task_queue, t0
    )

    first: DaySummary = await handle.execute_update(EpisodeWorkflow.document_day, day(t0))
    assert first.minutes == 190 and first.held == []
    assert any("S9480" in c for c in first.charges)
    again = await handle.execute_update(EpisodeWorkflow.document_day, day(t0))
    assert again == first  # the same day twice: the first answer, no second charge
    with pytest.raises(WorkflowUpdateFailedError):  # a different record for the same day
        await handle.execute_update(EpisodeWorkflow.document_day, day(t0, minutes=200))
    with pytest.raises(WorkflowUpdateFailedError):  # tomorrow is not documentable today
        await handle.execute_update(EpisodeWorkflow.document_day, day(t0 + timedelta(days=1)))
    for n in (1, 2):
        await fresh_ts_env.sleep(DAY)
        await handle.execute_update(EpisodeWorkflow.document_day, day(t0 + timedelta(days=n)))
    with sqlite_sessions() as s:
        charges = s.scalars(select(ChargeRow).where(ChargeRow.episode_id == episode_id)).all()
        # a week may already have closed (the server clock carries over from earlier tests)
        assert len(charges) == 3 and {c.status for c in charges} <= {"billable", "billed"}
        assert {c.authorization_number for c in charges} == {"AUTH-1"}
        assert s.scalar(select(DocumentedDay.note).where(DocumentedDay.episode_id == episode_id))

    await fresh_ts_env.sleep(8 * DAY)  # the week closes: a claim is built and its workflow started
    # the three days straddle an ISO billing week when t0 falls on a weekend (the test
    # server's clock carries over from earlier tests): one claim per week, each charge once
    weeks = {(t0 + timedelta(days=n)).isocalendar()[:2] for n in range(3)}
    await eventually(lambda: all_billed(sqlite_sessions, episode_id))
    originals = [c for c in claims_of(sqlite_sessions, episode_id) if c.original_claim_id is None]
    assert len(originals) == len(weeks)
    assert sum(c.total_cents for c in originals) == sum(c.charge_cents for c in charges)
    status = await handle.query(EpisodeWorkflow.status)
    assert status.stage is Stage.ACTIVE

    discharge_day = (await today(fresh_ts_env)).isoformat()
    await handle.execute_update(EpisodeWorkflow.discharge, DischargeInput(date=discharge_day))
    result = await handle.result()
    assert result.stage is Stage.CLOSED
    assert set(result.claims.values()) == {"resolved"}
    assert stage(sqlite_sessions, episode_id) == "closed"


def all_billed(sessions: sessionmaker[Session], episode_id: str) -> bool:
    with sessions() as s:
        statuses = s.scalars(select(ChargeRow.status).where(ChargeRow.episode_id == episode_id))
        return set(statuses) == {"billed"}


def claims_of(sessions: sessionmaker[Session], episode_id: str) -> list[ClaimRow]:
    with sessions() as s:
        return list(s.scalars(select(ClaimRow).where(ClaimRow.episode_id == episode_id)))


async def test_days_beyond_the_authorization_are_held_and_a_review_opens_before_it_runs_out(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0 = await today(fresh_ts_env)
    episode_id = register(sqlite_sessions, "commercial_alpha", t0)
    handle = await start(fresh_ts_env, task_queue, episode_id, "commercial_alpha")
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "eligibility")
    await to_active(handle, sqlite_sessions, episode_id, "partial", "PA-9", t0, 30, 3)
    summaries = []
    for n in range(4):
        summaries.append(
            await handle.execute_update(EpisodeWorkflow.document_day, day(t0 + timedelta(days=n)))
        )
        await fresh_ts_env.sleep(DAY)
    assert summaries[3].held and "PA-9" in summaries[3].held[0]
    review = await eventually(lambda: open_task(sqlite_sessions, episode_id, "concurrent_review"))
    assert "unit" in review.reason
    gw = task_gateway(fresh_ts_env, sqlite_sessions)
    assert (await gw.claim(review.id, "bea")).ok
    done = await gw.complete(
        review.id,
        "bea",
        {"status": "approved", "units": "10", "end": (t0 + timedelta(days=45)).isoformat()},
    )
    assert done.ok, done.message
    await eventually(lambda: not held_charges(sqlite_sessions, episode_id), timeout=10)
    with sqlite_sessions() as s:
        auth = s.scalar(select(AuthorizationRow).where(AuthorizationRow.episode_id == episode_id))
        assert auth is not None and auth.units == 13


def open_task(sessions: sessionmaker[Session], episode_id: str, kind: str) -> object:
    from models.db.tables import Task

    with sessions() as s:
        return s.scalar(
            select(Task).where(
                Task.episode_id == episode_id,
                Task.kind == kind,
                Task.status.in_(["open", "claimed"]),
            )
        )


def held_charges(sessions: sessionmaker[Session], episode_id: str) -> list[ChargeRow]:
    with sessions() as s:
        return list(
            s.scalars(
                select(ChargeRow).where(
                    ChargeRow.episode_id == episode_id, ChargeRow.status == "held"
                )
            )
        )


async def test_attended_day_without_documentation_opens_a_task_that_documenting_withdraws(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0 = await today(fresh_ts_env)
    episode_id = register(sqlite_sessions, "medicare", t0)
    handle = await start(fresh_ts_env, task_queue, episode_id, "medicare")
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "eligibility")
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")  # no PA for Medicare
    await handle.execute_update(
        EpisodeWorkflow.record_attendance, RecordAttendanceInput(date=t0.isoformat())
    )
    await fresh_ts_env.sleep(DAY)
    assert open_task(sqlite_sessions, episode_id, "missing_documentation") is None
    await fresh_ts_env.sleep(DAY + 60)
    task = await eventually(lambda: open_task(sqlite_sessions, episode_id, "missing_documentation"))
    await handle.execute_update(EpisodeWorkflow.document_day, day(t0))
    withdrawn = await eventually(
        lambda: (r := task_repo_get(sqlite_sessions, task.id)) and r.status == "withdrawn" and r  # type: ignore[attr-defined]
    )
    assert "documented" in (withdrawn.withdrawn_reason or "")


async def test_inactive_coverage_opens_a_resolution_task_and_self_pay_skips_billing(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0 = await today(fresh_ts_env)
    episode_id = register(sqlite_sessions, "commercial_gamma", t0)
    handle = await start(fresh_ts_env, task_queue, episode_id, "commercial_gamma")
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "eligibility")
    await handle.signal(
        SIGNAL_ELIGIBILITY,
        EligibilityNotice(
            episode_id=episode_id, status="inactive", message="coverage terminated 2026-01-31"
        ),
    )
    task = await eventually(lambda: open_task(sqlite_sessions, episode_id, "resolve_eligibility"))
    assert "inactive" in task.reason  # type: ignore[attr-defined]
    gw = task_gateway(fresh_ts_env, sqlite_sessions)
    await gw.claim(task.id, "eli")  # type: ignore[attr-defined]
    assert (await gw.complete(task.id, "eli", {"action": "self_pay"})).ok  # type: ignore[attr-defined]
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")
    assert (await handle.query(EpisodeWorkflow.status)).self_pay


def coverage_status(sessions: sessionmaker[Session], episode_id: str) -> str | None:
    from models.db.billing_tables import Coverage

    with sessions() as s:
        row = s.scalar(select(Coverage).where(Coverage.episode_id == episode_id))
        return row.status if row else None


async def no_answer_task(
    env: WorkflowEnvironment, sessions: sessionmaker[Session], queue: str
) -> tuple[str, WorkflowHandle[EpisodeWorkflow, object], object]:
    """An episode whose 271 has not come within the eligibility wait: its open task."""
    episode_id = register(sessions, "commercial_gamma", await today(env))
    handle = await start(env, queue, episode_id, "commercial_gamma")
    await eventually(lambda: stage(sessions, episode_id) == "eligibility")
    await env.sleep(2 * DAY)
    task = await eventually(lambda: open_task(sessions, episode_id, "resolve_eligibility"))
    assert "No 271 answer" in task.reason  # type: ignore[attr-defined]
    return episode_id, handle, task


async def test_a_late_active_271_withdraws_the_no_answer_task_and_the_episode_goes_on(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    episode_id, handle, task = await no_answer_task(fresh_ts_env, sqlite_sessions, task_queue)
    await task_gateway(fresh_ts_env, sqlite_sessions).claim(task.id, "eli")  # type: ignore[attr-defined]
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")
    row = await eventually(
        lambda: (r := task_repo_get(sqlite_sessions, task.id)) and r.status == "withdrawn" and r  # type: ignore[attr-defined]
    )
    assert "271 arrived after the wait" in (row.withdrawn_reason or "")
    assert coverage_status(sqlite_sessions, episode_id) == "active"


async def test_a_late_inactive_271_moves_the_question_to_a_task_that_says_so(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    episode_id, handle, first = await no_answer_task(fresh_ts_env, sqlite_sessions, task_queue)
    await handle.signal(
        SIGNAL_ELIGIBILITY,
        EligibilityNotice(episode_id=episode_id, status="inactive", message="termed 2026-01-31"),
    )
    await eventually(lambda: coverage_status(sqlite_sessions, episode_id) == "inactive")
    withdrawn = await eventually(
        lambda: (r := task_repo_get(sqlite_sessions, first.id)) and r.status == "withdrawn" and r  # type: ignore[attr-defined]
    )
    assert withdrawn.withdrawn_reason == "The payer's 271 arrived after the wait: it says inactive"
    task = await eventually(lambda: open_task(sqlite_sessions, episode_id, "resolve_eligibility"))
    assert task.id != first.id  # type: ignore[attr-defined]
    assert task.reason == "271 says inactive: termed 2026-01-31"  # type: ignore[attr-defined]
    gw = task_gateway(fresh_ts_env, sqlite_sessions)
    await gw.claim(task.id, "eli")  # type: ignore[attr-defined]
    assert (await gw.complete(task.id, "eli", {"action": "self_pay"})).ok  # type: ignore[attr-defined]
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")
    assert (await handle.query(EpisodeWorkflow.status)).self_pay


def task_repo_get(sessions: sessionmaker[Session], task_id: str) -> object:
    with sessions() as s:
        return task_repo.get(s, task_id)


async def test_a_sixty_day_episode_continues_as_new_without_losing_state(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0 = await today(fresh_ts_env)
    episode_id = register(sqlite_sessions, "commercial_gamma", t0)
    remember(task_queue, episode_workflow_id(episode_id))
    handle = await fresh_ts_env.client.start_workflow(
        EpisodeWorkflow.run,
        StartEpisodeInput(episode_id=episode_id, payer_id="commercial_gamma", history_limit=250),
        id=episode_workflow_id(episode_id),
        task_queue=task_queue,
    )
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "eligibility")
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")
    first_run = (await handle.describe()).run_id
    for n in range(60):
        summary = await handle.execute_update(
            EpisodeWorkflow.document_day, day(t0 + timedelta(days=n))
        )
        assert summary.date == (t0 + timedelta(days=n)).isoformat()
        await fresh_ts_env.sleep(DAY)
    status = await handle.query(EpisodeWorkflow.status)
    assert status.runs > 1 and status.documented_days == 60
    assert (await handle.describe()).run_id != first_run
    # A day documented before the continue-as-new still answers with its first summary.
    again = await handle.execute_update(EpisodeWorkflow.document_day, day(t0))
    assert again.date == t0.isoformat()
    await handle.execute_update(
        EpisodeWorkflow.discharge, DischargeInput(date=(t0 + timedelta(days=59)).isoformat())
    )
    result = await handle.result()
    assert result.stage is Stage.CLOSED and result.documented_days == 60
    claims = claims_of(sqlite_sessions, episode_id)
    assert sorted(len(c.claim["lines"]) for c in claims) == [10, 50]  # an 837P holds 50 lines


async def scheduled(handle: WorkflowHandle[EpisodeWorkflow, object], activity: str) -> int:
    """How many times the episode has scheduled ``activity``."""
    history = await handle.fetch_history()
    return sum(
        1
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == activity
    )


async def builds(handle: WorkflowHandle[EpisodeWorkflow, object]) -> int:
    """How many times the episode has run episodes.build_claims."""
    return await scheduled(handle, "episodes.build_claims")


async def test_an_interim_claim_waits_for_the_last_remittance_and_only_then_builds_again(
    fresh_ts_env: WorkflowEnvironment,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    """Medicare bills sequential interim claims by month: a closed month waits for the
    previous claim's 835, whose arrival builds the next claim; a remittance with nothing
    waiting on it builds nothing."""
    async with episode_worker(fresh_ts_env, sqlite_sessions, task_queue, PacedClaimWorkflow):
        t0 = await today(fresh_ts_env)
        month2 = (t0.replace(day=1) + timedelta(days=32)).replace(day=1)
        month3 = (month2 + timedelta(days=32)).replace(day=1)
        episode_id = register(sqlite_sessions, "medicare", t0)
        handle = await start(fresh_ts_env, task_queue, episode_id, "medicare")
        await eventually(lambda: stage(sqlite_sessions, episode_id) == "eligibility")
        await handle.signal(
            SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
        )
        await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")  # no PA
        await handle.execute_update(EpisodeWorkflow.document_day, day(t0))
        await fresh_ts_env.sleep((month2 - t0).days * DAY + 60)  # the first month closes
        (first,) = await eventually(lambda: claims_of(sqlite_sessions, episode_id) or None)
        assert first.frequency == "2"  # interim, first claim

        await handle.execute_update(EpisodeWorkflow.document_day, day(month2))
        await fresh_ts_env.sleep((month3 - month2).days * DAY + 60)  # the second closes
        await eventually(lambda: held_for_remittance(sqlite_sessions, episode_id))
        assert len(claims_of(sqlite_sessions, episode_id)) == 1  # it waits for the 835

        post_835(sqlite_sessions, first)  # what the real ClaimWorkflow posts before it signals
        await fresh_ts_env.client.get_workflow_handle(claim_workflow_id(first.id)).signal("remit")
        second = await eventually(
            lambda: [c for c in claims_of(sqlite_sessions, episode_id) if c.id != first.id]
        )
        assert [c.frequency for c in second] == ["3"]  # interim, continuing
        await resolved(handle, first.id)
        before = await settled_builds(handle)  # its resolution may have come mid-build
        post_835(sqlite_sessions, second[0])
        await fresh_ts_env.client.get_workflow_handle(claim_workflow_id(second[0].id)).signal(
            "remit"
        )
        await resolved(handle, second[0].id)
        assert await builds(handle) == before  # nothing waited on that 835: no build

        await handle.execute_update(
            EpisodeWorkflow.discharge, DischargeInput(date=month2.isoformat())
        )
        result = await handle.result()
        assert result.stage is Stage.CLOSED
        assert set(result.claims.values()) == {"resolved"}


async def resolved(handle: WorkflowHandle[EpisodeWorkflow, object], claim_id: str) -> None:
    """Wait (real time) until the episode has taken the claim's resolution."""

    async def taken() -> bool:
        return (await handle.query(EpisodeWorkflow.status)).claims.get(claim_id) == "resolved"

    await eventually_awaited(taken)


async def at_least_builds(handle: WorkflowHandle[EpisodeWorkflow, object], n: int) -> int:
    """Wait (real time) until the episode has run episodes.build_claims ``n`` times."""

    async def count() -> int | None:
        done = await builds(handle)
        return done if done >= n else None

    return await eventually_awaited(count)


async def settled_builds(handle: WorkflowHandle[EpisodeWorkflow, object]) -> int:
    """The episode's build count once it has stopped changing for half a second."""
    count = await builds(handle)
    while True:
        await asyncio.sleep(0.5)
        if (again := await builds(handle)) == count:
            return count
        count = again


def post_835(sessions: sessionmaker[Session], claim: ClaimRow) -> None:
    """The claim's remittance, paid in full, as the ERA posting records it."""
    with sessions() as s, s.begin():
        s.add(
            Posting(
                id=f"TRACE-1:{claim.id}:1",
                claim_id=claim.id,
                payer_id=claim.payer_id,
                status_code="1",
                charge_cents=claim.total_cents,
                paid_cents=claim.total_cents,
                patient_resp_cents=0,
            )
        )


def held_for_remittance(sessions: sessionmaker[Session], episode_id: str) -> bool:
    """The second month's charges are captured and not yet billed, the first's are."""
    with sessions() as s:
        statuses = list(
            s.scalars(select(ChargeRow.status).where(ChargeRow.episode_id == episode_id))
        )
    return set(statuses) == {"billable", "billed"}


async def test_days_documented_late_are_billed_at_the_next_check_or_at_discharge_on_one_claim(
    fresh_ts_env: WorkflowEnvironment,
    fresh_episode_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0 = await today(fresh_ts_env)
    episode_id, handle = await weekly_episode_in_attendance(
        fresh_ts_env, sqlite_sessions, task_queue, t0
    )
    week_end = t0 + timedelta(days=6 - t0.weekday())
    await fresh_ts_env.sleep((week_end - t0).days * DAY + DAY + 60)  # t0's week has closed
    before = await at_least_builds(handle, 2)  # on reaching attendance, at the week's close
    late = [day(t0), day(t0), day(t0 + timedelta(days=1))]  # sent at once, t0 twice
    answers = await asyncio.gather(
        *[handle.execute_update(EpisodeWorkflow.document_day, d) for d in late]
    )
    assert answers[0] == answers[1]  # the second save of a day gets the first's answer
    assert await builds(handle) == before  # no build per late day
    assert await scheduled(handle, "episodes.capture_day") == 2  # one capture a day
    assert claims_of(sqlite_sessions, episode_id) == []

    await fresh_ts_env.sleep(7 * DAY)  # the next billing check
    await eventually(lambda: all_billed(sqlite_sessions, episode_id))
    first = claims_of(sqlite_sessions, episode_id)
    assert sorted(line["date_of_service"] for c in first for line in c.claim["lines"]) == [
        t0.isoformat(),
        (t0 + timedelta(days=1)).isoformat(),
    ]

    discharged = t0 + timedelta(days=3)
    await handle.execute_update(EpisodeWorkflow.document_day, day(discharged))  # late again
    await handle.execute_update(
        EpisodeWorkflow.discharge, DischargeInput(date=discharged.isoformat())
    )
    result = await handle.result()
    assert result.stage is Stage.CLOSED and set(result.claims.values()) == {"resolved"}
    assert all_billed(sqlite_sessions, episode_id)
    claims = claims_of(sqlite_sessions, episode_id)
    with sqlite_sessions() as s:
        charged = sum(
            s.scalars(select(ChargeRow.charge_cents).where(ChargeRow.episode_id == episode_id))
        )
    assert sum(c.total_cents for c in claims) == charged  # every day on a claim, once
