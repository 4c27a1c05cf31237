"""Supervisor console figures from the task and episode read model.

Each figure is a function returning a chart whose bars link to the list behind them.
The finance figures (A/R aging, denial rate, clean-claim rate, days in A/R,
authorizations running out) are in ``web/finance.py`` over ``models/db/reports.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from models.db.billing_tables import DocumentedDay
from models.db.tables import Episode, Patient, Task
from web.charts import Bar, BarChart, bar_chart
from web.inbox import IS_OPEN

AGE_BUCKETS = (("0-1", 0, 1), ("1-3", 1, 3), ("3-7", 3, 7), ("7+", 7, None))
# An episode that can still be stuck: a closed one is done, however long ago its stage
# changed (the episode row's ``status`` stays "active" when its workflow closes it).
STILL_MOVING = and_(Episode.status == "active", Episode.stage != "closed")


@dataclass(frozen=True, kw_only=True)
class StuckEpisode:
    episode: Episode
    patient_name: str
    idle_days: float
    open_tasks: int
    # The latest documented day: an attending episode stays "active" for weeks, and this
    # tells one whose days keep coming from one whose patient stopped coming.
    last_documented: date | None = None


def stuck_by_stage(session: Session, *, now: datetime, days: float, day_seconds: float) -> BarChart:
    cutoff = now - timedelta(seconds=days * day_seconds)
    rows = session.execute(
        select(Episode.stage, func.count())
        .where(STILL_MOVING, Episode.stage_changed_at < cutoff)
        .group_by(Episode.stage)
        .order_by(Episode.stage)
    ).all()
    bars = [
        Bar(
            label=stage, value=n, href=f"/supervisor/stuck?stage={stage}&days={days:g}", tone="warn"
        )
        for stage, n in rows
    ]
    return bar_chart(f"Stuck episodes: no stage change for {days:g} days", bars)


def escalations(session: Session, *, now: datetime) -> BarChart:
    by_level = dict(
        session.execute(
            select(Task.escalation_level, func.count())
            .where(IS_OPEN)
            .group_by(Task.escalation_level)
        ).all()
    )
    overdue = session.scalar(
        select(func.count()).select_from(Task).where(IS_OPEN, Task.due_at < now)
    )
    bars = [
        Bar(label="past due", value=overdue or 0, href="/supervisor/tasks?overdue=1", tone="bad"),
        Bar(
            label="level 1", value=by_level.get(1, 0), href="/supervisor/tasks?level=1", tone="warn"
        ),
        Bar(
            label="level 2", value=by_level.get(2, 0), href="/supervisor/tasks?level=2", tone="bad"
        ),
    ]
    return bar_chart("SLA breaches and escalation levels", bars)


def _age_case(now: datetime, day_seconds: float) -> Any:
    whens = [
        (Task.created_at > now - timedelta(seconds=high * day_seconds), label)
        for label, _, high in AGE_BUCKETS
        if high is not None
    ]
    return case(*whens, else_=AGE_BUCKETS[-1][0])


def work_by_queue_and_age(session: Session, *, now: datetime, day_seconds: float) -> list[BarChart]:
    """One chart per queue: open tasks by age (days since the task opened)."""
    age = _age_case(now, day_seconds)
    rows = session.execute(
        select(Task.queue, age.label("age"), func.count()).where(IS_OPEN).group_by(Task.queue, age)
    ).all()
    table: dict[str, dict[str, int]] = {}
    for queue, bucket, n in rows:
        table.setdefault(queue, {})[bucket] = n
    return [
        bar_chart(
            f"{queue}: {sum(counts.values())} open",
            [
                Bar(
                    label=f"{label} days",
                    value=counts.get(label, 0),
                    href=f"/supervisor/tasks?queue={queue}&age={label}",
                )
                for label, _, _ in AGE_BUCKETS
            ],
            width=300,
            label_width=80,
        )
        for queue, counts in sorted(table.items())
    ]


def stuck_list(
    session: Session, *, now: datetime, days: float, day_seconds: float, stage: str
) -> list[StuckEpisode]:
    cutoff = now - timedelta(seconds=days * day_seconds)
    open_tasks = (
        select(func.count())
        .select_from(Task)
        .where(Task.episode_id == Episode.id, IS_OPEN)
        .scalar_subquery()
    )
    last_documented = (
        select(func.max(DocumentedDay.day))
        .where(DocumentedDay.episode_id == Episode.id)
        .scalar_subquery()
    )
    stmt = (
        select(Episode, Patient.first_name, Patient.last_name, open_tasks, last_documented)
        .join(Patient, Patient.id == Episode.patient_id)
        .where(STILL_MOVING, Episode.stage_changed_at < cutoff)
        .order_by(Episode.stage_changed_at)
        .limit(500)
    )
    if stage:
        stmt = stmt.where(Episode.stage == stage)
    return [
        StuckEpisode(
            episode=ep,
            patient_name=f"{first} {last}".strip(),
            idle_days=(now - ep.stage_changed_at).total_seconds() / day_seconds,
            open_tasks=n or 0,
            last_documented=day,
        )
        for ep, first, last, n, day in session.execute(stmt).all()
    ]


def task_list(
    session: Session,
    *,
    now: datetime,
    day_seconds: float,
    queue: str = "",
    age: str = "",
    level: int | None = None,
    overdue: bool = False,
    episode: str = "",
) -> list[Task]:
    stmt = select(Task).where(IS_OPEN)
    if queue:
        stmt = stmt.where(Task.queue == queue)
    if level is not None:
        stmt = stmt.where(Task.escalation_level == level)
    if overdue:
        stmt = stmt.where(Task.due_at < now)
    if episode:
        stmt = stmt.where(Task.episode_id == episode)
    for label, low, high in AGE_BUCKETS:
        if age == label:
            stmt = stmt.where(Task.created_at <= now - timedelta(seconds=low * day_seconds))
            if high is not None:
                stmt = stmt.where(Task.created_at > now - timedelta(seconds=high * day_seconds))
    return list(session.scalars(stmt.order_by(Task.priority, Task.due_at, Task.id).limit(500)))
