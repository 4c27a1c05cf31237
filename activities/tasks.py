"""Activities of the human-task engine: record what the HumanTaskWorkflow decided."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.db import unit_of_work
from models.db import tasks as task_repo
from models.db.tables import User
from workflows.task_types import OpenTaskRecord, RecordTaskInput


class TaskActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @activity.defn(name="tasks.open")
    def open(self, record: OpenTaskRecord) -> None:
        inp = record.task
        base = datetime.fromisoformat(record.opened_at)
        with unit_of_work(self._sessions) as session:
            task_repo.open_task(
                session,
                task_repo.TaskRow(
                    id=inp.task_id,
                    kind=inp.kind,
                    queue=inp.queue,
                    title=inp.title,
                    form_schema=inp.form_schema,
                    priority=inp.priority,
                    due_at=base + timedelta(seconds=inp.due_seconds),
                    episode_id=inp.episode_id,
                    claim_id=inp.claim_id,
                    payer_id=inp.payer_id,
                    amount_at_risk_cents=inp.amount_at_risk_cents,
                    filing_deadline=date.fromisoformat(inp.filing_deadline)
                    if inp.filing_deadline
                    else None,
                    reason=inp.reason,
                    context=inp.context,
                ),
            )

    @activity.defn(name="tasks.record")
    def record(self, rec: RecordTaskInput) -> None:
        with unit_of_work(self._sessions) as session:
            task_repo.record_transition(
                session,
                rec.task_id,
                key=rec.key,
                event=rec.event,
                actor=rec.actor,
                status=rec.status.value,
                assignee=rec.assignee,
                queue=rec.queue,
                priority=rec.priority,
                escalation_level=rec.escalation_level,
                overdue=rec.overdue,
                result=rec.result,
                withdrawn_reason=rec.withdrawn_reason,
            )
            for recipient in _recipients(session, rec.notify):
                task_repo.notify(
                    session,
                    recipient=recipient,
                    task_id=rec.task_id,
                    kind=f"{rec.event}:{rec.escalation_level}",
                    message=rec.notify_message,
                )


def _recipients(session: Session, targets: tuple[str, ...]) -> list[str]:
    """Expand ``role:NAME`` into the active users holding that role; keep the rest as given."""
    out: list[str] = []
    for target in targets:
        if target.startswith("role:"):
            role = target.removeprefix("role:")
            users = session.scalars(select(User).where(User.active.is_(True))).all()
            out.extend(u.username for u in users if role in u.role_set)
        else:
            out.append(target)
    return out
