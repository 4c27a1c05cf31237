"""The trigger-kept queue counters agree with a GROUP BY after every kind of change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models.db import tasks as task_repo
from models.db.base import utcnow
from models.db.tables import Task
from models.db.web_tables import TaskQueueCount

pytestmark = pytest.mark.db


def counted(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Task.queue, func.count())
        .where(Task.status.in_(("open", "claimed")))
        .group_by(Task.queue)
    ).all()
    return {q: n for q, n in rows}


def kept(session: Session) -> dict[str, int]:
    rows = session.execute(select(TaskQueueCount.queue, TaskQueueCount.open_count)).all()
    return {q: n for q, n in rows if n}


def open_task(session: Session, task_id: str, queue: str) -> None:
    task_repo.open_task(
        session,
        task_repo.TaskRow(
            id=task_id,
            kind="complete_intake",
            queue=queue,
            title="t",
            form_schema="intake",
            priority=3,
            due_at=utcnow() + timedelta(days=1),
        ),
    )


def move(session: Session, task_id: str, key: str, status: str, **kw: object) -> None:
    task_repo.record_transition(
        session,
        task_id,
        key=key,
        event=key,
        actor="a",
        status=status,
        assignee=kw.pop("assignee", None),
        **kw,  # type: ignore[arg-type]
    )


def test_counters_follow_open_claim_escalate_complete_withdraw_and_delete(
    session: Session,
) -> None:
    for i in range(4):
        open_task(session, f"t{i}", "billing")
    open_task(session, "t0", "billing")  # a retried activity: no second count
    open_task(session, "d1", "denials")
    assert kept(session) == counted(session) == {"billing": 4, "denials": 1}

    move(session, "t0", "claim", "claimed", assignee="bea")
    move(session, "t1", "escalate", "open", queue="supervisor")
    move(session, "t2", "done", "completed", assignee="bea")
    move(session, "t3", "gone", "withdrawn", withdrawn_reason="moved on")
    assert kept(session) == counted(session) == {"billing": 1, "supervisor": 1, "denials": 1}

    session.execute(delete(Task).where(Task.id == "d1"))
    assert kept(session) == counted(session) == {"billing": 1, "supervisor": 1}
