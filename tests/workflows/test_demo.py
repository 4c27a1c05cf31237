"""Issue #5's demo: `iopbill seed-demo` and the admissions `iopbill dev` adds, on the
time-skipping server with the real worker, the payer simulator at the demo's pace
(payers answer in a tenth of their days) and nobody working the tasks. Within four demo
days (eight minutes of `make run`) there is a moment when every queue holds work,
episodes are at every stage, and there are paid claims, denials, an appeal in progress
and escalated tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from iopbill import demo
from iopbill.settings import Settings
from models.db import episodes as episode_repo
from models.db import reports
from models.db import users as user_repo
from models.db.billing_tables import ClaimRow, Denial
from models.db.tables import Episode, Patient, Task
from tests.workflows.helpers import remember
from tests.workflows.scenario_rig import DAY, TODAY, Rig, scenario_rig
from web.access import ALL_QUEUES
from workflows.episode_types import Stage
from workflows.ids import episode_workflow_id

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
OPEN = ("open", "claimed")
DAYS = 4  # eight minutes of `make run` (a 120-second demo day)


@dataclass
class Look:
    """What the console would show at one moment."""

    at: date
    queues: dict[str, int] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    paid: int = 0
    denied: int = 0
    appeals: int = 0
    escalated: int = 0

    @property
    def complete(self) -> bool:
        """Work in every queue at once, and money moving: the demo as issue #5 asks."""
        every_queue = set(ALL_QUEUES) <= {q for q, n in self.queues.items() if n}
        every_stage = {str(s) for s in Stage} <= set(self.stages)
        money = self.paid and self.denied and self.appeals and self.escalated
        return every_queue and every_stage and bool(money)


def look(sessions: sessionmaker[Session], at: date) -> Look:
    with sessions() as s:
        queues = dict(
            s.execute(
                select(Task.queue, func.count()).where(Task.status.in_(OPEN)).group_by(Task.queue)
            ).all()
        )
        stages = s.execute(select(Episode.stage, func.count()).group_by(Episode.stage)).all()
        return Look(
            at=at,
            queues={str(q): int(n) for q, n in queues.items()},
            stages={str(k): int(n) for k, n in stages},
            paid=s.scalar(select(func.count()).where(ClaimRow.paid_cents > 0)) or 0,
            denied=s.scalar(
                select(func.count(func.distinct(Denial.claim_id))).where(reports.IS_DENIAL)
            )
            or 0,
            appeals=s.scalar(
                select(func.count()).where(Task.kind == "write_appeal", Task.status.in_(OPEN))
            )
            or 0,
            escalated=s.scalar(
                select(func.count()).where(Task.escalation_level > 0, Task.status.in_(OPEN))
            )
            or 0,
        )


def remember_episodes(rig: Rig) -> None:
    with rig.sessions() as s:
        for episode_id in s.scalars(select(Episode.id)):
            remember(rig.task_queue, episode_workflow_id(episode_id))


async def test_within_a_few_demo_days_every_queue_has_work_and_money_moves(
    fresh_ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> None:
    settings = Settings(
        clearinghouse="simulator",
        day_seconds=DAY,
        simulator_delay_scale=0.1,  # as `make run` sets it (DEMO_PAYER_DELAY_SCALE)
        task_queue=task_queue,
    )
    async with scenario_rig(fresh_ts_env, sqlite_sessions, task_queue, settings) as rig:
        summary = await demo.seed(
            settings, force=False, client=rig.env.client, sessions=rig.sessions, today=TODAY
        )
        assert summary.startswith("demo data: 6 users, 36 patients and episodes started")
        assert "nothing loaded" in await demo.seed(
            settings, force=False, client=rig.env.client, sessions=rig.sessions, today=TODAY
        )
        remember_episodes(rig)
        looks: list[Look] = []
        for _ in range(4 * DAYS):  # an admission every quarter day, as `iopbill dev` does
            await rig.env.sleep(DAY / 4)
            admitted = await demo.arrive(
                settings, client=rig.env.client, sessions=rig.sessions, today=await rig.today()
            )
            assert admitted is not None
            remember_episodes(rig)
            looks.append(look(rig.sessions, await rig.today()))
            if looks[-1].complete:
                break
        assert looks[-1].complete, "\n".join(repr(x) for x in looks)
        print(f"complete after {len(looks) / 4:g} demo days: {looks[-1]}")
        with rig.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Patient)) == 36 + len(looks)


async def test_admissions_stop_at_the_cap_and_never_touch_a_database_without_the_demo(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    """Each refusal comes before any Temporal call: the settings point at no server."""
    settings = Settings(temporal_address="127.0.0.1:9", day_seconds=DAY)

    async def admitted() -> str | None:
        return await demo.arrive(settings, sessions=sqlite_sessions, today=TODAY)

    def patients() -> int:
        with sqlite_sessions() as s:
            return s.scalar(select(func.count()).select_from(Patient)) or 0

    assert await admitted() is None  # an empty database
    with sqlite_sessions() as s, s.begin():
        episode_repo.create_patient(s, patient_id="P0001", first_name="Real", last_name="One")
    assert await admitted() is None  # a patient P0001, but not the demo's users
    with sqlite_sessions() as s, s.begin():
        user_repo.create_user(s, username="super1", password="x" * 12, roles=["supervisor"])
        for n in range(2, demo.MAX_PATIENTS + 1):
            episode_repo.create_patient(s, patient_id=f"P{n:04d}", first_name="P", last_name="Q")
    assert await admitted() is None  # the demo is full
    assert patients() == demo.MAX_PATIENTS
