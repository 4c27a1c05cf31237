"""Task repository: the read model of human tasks. Flushes, never commits.

The HumanTaskWorkflow decides every transition; these functions only record what it
decided, idempotently (deterministic ids and history keys), so a retried activity or a
replayed workflow writes each fact once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models.db.base import upsert, utcnow
from models.db.tables import Notification, Task, TaskHistory

OPEN_STATUSES = ("open", "claimed")


@dataclass(frozen=True, kw_only=True)
class TaskRow:
    id: str
    kind: str
    queue: str
    title: str
    form_schema: str
    priority: int
    due_at: datetime
    episode_id: str | None = None
    claim_id: str | None = None
    payer_id: str | None = None
    amount_at_risk_cents: int = 0
    filing_deadline: date | None = None
    reason: str = ""
    context: dict[str, Any] | None = None


def open_task(session: Session, row: TaskRow, *, actor: str = "system") -> None:
    """Insert the task row once; a retry finds it and leaves its later state alone."""
    now = utcnow()
    upsert(
        session,
        Task.__table__,  # type: ignore[arg-type]
        {
            "id": row.id,
            "kind": row.kind,
            "queue": row.queue,
            "title": row.title,
            "form_schema": row.form_schema,
            "status": "open",
            "priority": row.priority,
            "due_at": row.due_at,
            "escalation_level": 0,
            "overdue": False,
            "episode_id": row.episode_id,
            "claim_id": row.claim_id,
            "payer_id": row.payer_id,
            "amount_at_risk_cents": row.amount_at_risk_cents,
            "filing_deadline": row.filing_deadline,
            "reason": row.reason,
            "context": row.context or {},
            "created_at": now,
            "updated_at": now,
        },
        keys=["id"],
    )
    add_history(
        session, row.id, key=f"{row.id}:opened", event="opened", actor=actor, to_status="open"
    )


def add_history(
    session: Session,
    task_id: str,
    *,
    key: str,
    event: str,
    actor: str,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    upsert(
        session,
        TaskHistory.__table__,  # type: ignore[arg-type]
        {
            "task_id": task_id,
            "key": key,
            "event": event,
            "actor": actor,
            "from_status": from_status,
            "to_status": to_status,
            "detail": detail or {},
            "at": utcnow(),
        },
        keys=["key"],
    )


def record_transition(
    session: Session,
    task_id: str,
    *,
    key: str,
    event: str,
    actor: str,
    status: str,
    assignee: str | None,
    queue: str | None = None,
    priority: int | None = None,
    escalation_level: int | None = None,
    overdue: bool | None = None,
    result: dict[str, Any] | None = None,
    withdrawn_reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Apply the state the workflow reached and log it once under ``key``."""
    already = session.scalar(select(TaskHistory.id).where(TaskHistory.key == key))
    if already is not None:
        return
    task = session.get(Task, task_id, with_for_update=True)
    if task is None:
        raise LookupError(f"task {task_id} has no row")
    before = task.status
    values: dict[str, Any] = {"status": status, "assignee": assignee, "updated_at": utcnow()}
    for name, value in (
        ("queue", queue),
        ("priority", priority),
        ("escalation_level", escalation_level),
        ("overdue", overdue),
        ("result", result),
        ("withdrawn_reason", withdrawn_reason),
    ):
        if value is not None:
            values[name] = value
    if status in ("completed", "withdrawn"):
        values["closed_at"] = utcnow()
        if status == "completed":
            values["completed_by"] = actor
    session.execute(update(Task).where(Task.id == task_id).values(**values))
    add_history(
        session,
        task_id,
        key=key,
        event=event,
        actor=actor,
        from_status=before,
        to_status=status,
        detail=detail,
    )


def notify(session: Session, *, recipient: str, task_id: str, kind: str, message: str) -> None:
    upsert(
        session,
        Notification.__table__,  # type: ignore[arg-type]
        {
            "recipient": recipient,
            "task_id": task_id,
            "kind": kind,
            "message": message,
            "created_at": utcnow(),
        },
        keys=["task_id", "kind", "recipient"],
    )


def get(session: Session, task_id: str) -> Task | None:
    return session.get(Task, task_id)


def history(session: Session, task_id: str) -> Sequence[TaskHistory]:
    return session.scalars(
        select(TaskHistory).where(TaskHistory.task_id == task_id).order_by(TaskHistory.id)
    ).all()


def open_tasks_for(
    session: Session, *, username: str, queues: Sequence[str], limit: int = 50
) -> Sequence[Task]:
    """Open tasks in the user's queues or assigned to them, most urgent first."""
    stmt = (
        select(Task)
        .where(Task.status.in_(OPEN_STATUSES))
        .where((Task.queue.in_(list(queues))) | (Task.assignee == username))
        .order_by(Task.priority, Task.due_at, Task.id)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def count_open_by_queue(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Task.queue, func.count()).where(Task.status.in_(OPEN_STATUSES)).group_by(Task.queue)
    ).all()
    return {q: n for q, n in rows}


def notifications_for(
    session: Session, username: str, *, unread_only: bool = True
) -> Sequence[Notification]:
    stmt = select(Notification).where(Notification.recipient == username)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return session.scalars(stmt.order_by(Notification.id.desc()).limit(50)).all()
