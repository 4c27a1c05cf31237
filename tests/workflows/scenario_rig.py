"""A rig for whole-process scenarios on the time-skipping server: the real worker (every
workflow and activity), the payer simulator exchanging real X12, the clearinghouse
inbox polling every six business hours, a SQLite read model, and a scripted biller who
claims and completes tasks through the web's TaskGateway (the same Updates the web sends).

The server's clock is first moved to ``T0`` (a fixed Monday): claim ids carry their first
date of service and the simulator seeds its decisions with the claim id, so a fixed date
makes every scenario's payer answers the same on every run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.domain_json import from_json
from iopbill.settings import Settings
from iopbill.temporal import build_worker
from models.db import claims as claim_repo
from models.db import episodes as episode_repo
from models.db.billing_tables import (
    Appeal,
    AuthorizationRow,
    ClaimEvent,
    ClaimRow,
    Posting,
    X12File,
)
from models.db.tables import Episode, Task
from models.domain import Ledger
from models.task_catalog import get_kind
from tests.workflows.helpers import eventually, remember, task_gateway, terminate_open
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import (
    DischargeInput,
    DocumentDayInput,
    EpisodeStatus,
    StartEpisodeInput,
)
from workflows.ids import claim_workflow_id, episode_workflow_id, task_workflow_id
from workflows.inbox import INBOX_WORKFLOW_ID, start_inbox

T = TypeVar("T")
DAY = 86400.0
T0 = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC
TODAY = T0.date()
GAMMA = "commercial_gamma"  # no prior auth, billed once per episode, S9480 at 180.00
ALPHA = "commercial_alpha"  # prior auth required, billed weekly

EpisodeHandle = WorkflowHandle[EpisodeWorkflow, EpisodeStatus]


def day_input(d: date) -> DocumentDayInput:
    """A per diem day: 135 minutes of group and 55 of individual therapy."""
    return DocumentDayInput(
        day={
            "date": d.isoformat(),
            "program": "psychiatric",
            "telehealth": "none",
            "services": [{"kind": "group", "minutes": 135}, {"kind": "individual", "minutes": 55}],
        },
        note="Group and individual therapy.",
        signed_by="clin1",
    )


def opened_on(task: Task) -> date:
    """The business day a task was opened on: its due date less its kind's SLA."""
    return (task.due_at - timedelta(seconds=get_kind(task.kind).sla_days * DAY)).date()


def balanced(row: ClaimRow) -> bool:
    """billed = paid + adjustments + patient responsibility + open, per line and in total."""
    ledger = from_json(Ledger, row.ledger)
    return ledger.balanced and row.total_cents == (
        row.paid_cents + row.adjusted_cents + row.patient_resp_cents + row.open_cents
    )


@dataclass
class Rig:
    env: WorkflowEnvironment
    sessions: sessionmaker[Session]
    task_queue: str

    # -- episodes ----------------------------------------------------------------------------
    def register(self, episode_id: str, member: str, admit: date, payer: str = GAMMA) -> None:
        with self.sessions() as s, s.begin():
            episode_repo.create_patient(
                s,
                patient_id=f"P{episode_id}",
                first_name="Robin",
                last_name="Vale",
                birth_date=date(1984, 2, 14),
                gender="F",
                member_id=member,
            )
            episode_repo.create_episode(
                s,
                episode_id=episode_id,
                patient_id=f"P{episode_id}",
                payer_id=payer,
                program="psychiatric",
                admit_date=admit,
            )
            episode_repo.store_intake(s, episode_id, {"diagnosis_codes": "F33.1"})

    async def start(
        self, episode_id: str, payer: str = GAMMA, *, history_limit: int = 8000
    ) -> EpisodeHandle:
        remember(self.task_queue, episode_workflow_id(episode_id))
        return await self.env.client.start_workflow(
            EpisodeWorkflow.run,
            StartEpisodeInput(episode_id=episode_id, payer_id=payer, history_limit=history_limit),
            id=episode_workflow_id(episode_id),
            task_queue=self.task_queue,
        )

    async def discharged_episode(
        self, episode_id: str, member: str, admit: date, days: int = 5
    ) -> EpisodeHandle:
        """An episode of ``days`` documented past days from ``admit``, discharged on the last:
        its one claim is built and submitted as soon as the 271 says active."""
        self.register(episode_id, member, admit)
        handle = await self.start(episode_id)
        for n in range(days):
            await handle.execute_update(EpisodeWorkflow.document_day, day_input(admit + ad(n)))
        last = admit + ad(days - 1)
        await handle.execute_update(
            EpisodeWorkflow.discharge, DischargeInput(date=last.isoformat())
        )
        return handle

    def stage(self, episode_id: str) -> str | None:
        with self.sessions() as s:
            row = s.get(Episode, episode_id)
            return row.stage if row else None

    async def closed(self, handle: EpisodeHandle, *, max_days: float) -> EpisodeStatus:
        episode_id = handle.id.split(":", 1)[1]
        await self.advance_until(lambda: self.stage(episode_id) == "closed", max_days=max_days)
        return await asyncio.wait_for(handle.result(), timeout=30)

    # -- time ----------------------------------------------------------------------------------
    async def today(self) -> date:
        return (await self.env.get_current_time()).date()

    async def advance_until(
        self, probe: Callable[[], T | None], *, max_days: float, step_days: float = 0.25
    ) -> T:
        """Skip time ``step_days`` at a time until ``probe`` holds. (Dates are asserted from
        what the workflows recorded, never from when the test saw it.)"""
        skipped = 0.0
        while True:
            value = probe()
            if value:
                return value
            if skipped >= max_days:
                try:
                    return await eventually(probe, timeout=5)  # the last step's work may lag
                except AssertionError:
                    now = await self.env.get_current_time()
                    raise AssertionError(f"not so within {max_days} days (now {now})") from None
            await self.env.sleep(step_days * DAY)
            skipped += step_days

    async def until_day(self, day: date) -> None:
        """Skip time until business day ``day`` has begun (documenting it is allowed)."""
        while await self.today() < day:
            await self.env.sleep(DAY / 4)

    # -- read model ----------------------------------------------------------------------------
    def claim(self, claim_id: str) -> ClaimRow:
        with self.sessions() as s:
            return claim_repo.require(s, claim_id)

    def claims(self, episode_id: str) -> list[ClaimRow]:
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(ClaimRow).where(ClaimRow.episode_id == episode_id).order_by(ClaimRow.id)
                )
            )

    def events(self, claim_id: str, kind: str) -> list[ClaimEvent]:
        with self.sessions() as s:
            return [e for e in claim_repo.timeline(s, claim_id) if e.kind == kind]

    def files(self, kind: str, claim_id: str) -> list[X12File]:
        with self.sessions() as s:
            rows = s.scalars(select(X12File).where(X12File.kind == kind).order_by(X12File.id))
            return [f for f in rows if claim_id in f.claim_ids]

    def postings(self, claim_id: str) -> list[Posting]:
        with self.sessions() as s:
            return list(
                s.scalars(select(Posting).where(Posting.claim_id == claim_id).order_by(Posting.id))
            )

    def authorization(self, episode_id: str) -> AuthorizationRow:
        with self.sessions() as s:
            row = s.scalars(
                select(AuthorizationRow).where(AuthorizationRow.episode_id == episode_id)
            ).one()
            return row

    def appeal(self, appeal_id: str) -> Appeal:
        with self.sessions() as s:
            row = s.get(Appeal, appeal_id)
            assert row is not None, appeal_id
            return row

    def tasks(
        self, kind: str, *, claim_id: str | None = None, episode_id: str | None = None
    ) -> list[Task]:
        query = select(Task).where(Task.kind == kind)
        if claim_id is not None:
            query = query.where(Task.claim_id == claim_id)
        if episode_id is not None:
            query = query.where(Task.episode_id == episode_id)
        with self.sessions() as s:
            return list(s.scalars(query.order_by(Task.due_at, Task.id)))

    def task(self, task_id: str) -> Task:
        with self.sessions() as s:
            row = s.get(Task, task_id)
            assert row is not None, task_id
            return row

    async def open_task(self, kind: str, *, max_days: float, n: int = 1, **where: str) -> Task:
        """The ``n``-th task of ``kind``, once it is open (skipping time until it is)."""

        def probe() -> Task | None:
            found = self.tasks(kind, **where)
            return found[n - 1] if len(found) >= n and found[n - 1].status == "open" else None

        return await self.advance_until(probe, max_days=max_days)

    # -- the scripted biller -------------------------------------------------------------------
    async def complete(self, task: Task, data: dict[str, Any], user: str = "bea") -> None:
        gateway = task_gateway(self.env, self.sessions)
        claimed = await gateway.claim(task.id, user)
        assert claimed.ok, claimed
        done = await gateway.complete(task.id, user, data)
        assert done.ok, done

    async def withdrawn(self, task: Task) -> str:
        row = await eventually(lambda: (t := self.task(task.id)).status == "withdrawn" and t)
        return row.withdrawn_reason or ""

    # -- clean-up ------------------------------------------------------------------------------
    def remember_everything(self) -> None:
        """Every claim and task workflow this test's database knows of, for terminate_open."""
        with self.sessions() as s:
            for claim_id in s.scalars(select(ClaimRow.id)):
                remember(self.task_queue, claim_workflow_id(claim_id))
            for task_id in s.scalars(select(Task.id)):
                remember(self.task_queue, task_workflow_id(task_id))


def ad(n: int) -> timedelta:
    return timedelta(days=n)


@asynccontextmanager
async def scenario_rig(
    env: WorkflowEnvironment,
    sessions: sessionmaker[Session],
    task_queue: str,
    settings: Settings | None = None,
) -> AsyncIterator[Rig]:
    """Move the server's clock to T0, run the worker and the inbox; afterwards terminate
    whatever is still open (a leftover workflow would hold up time skipping)."""
    now = await env.get_current_time()
    assert now < T0, "T0 must lie ahead of the real clock"
    await env.sleep((T0 - now).total_seconds())
    settings = settings or Settings(clearinghouse="simulator", day_seconds=DAY)
    async with build_worker(env.client, task_queue, sessions, settings=settings):
        remember(task_queue, INBOX_WORKFLOW_ID)
        # Polls every 6 business hours: enough for the simulator, few events to skip over.
        await start_inbox(env.client, task_queue, day_seconds=DAY, poll_seconds=DAY / 4)
        rig = Rig(env=env, sessions=sessions, task_queue=task_queue)
        try:
            yield rig
        finally:
            rig.remember_everything()
            await terminate_open(env, task_queue)
