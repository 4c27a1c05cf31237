"""Inbox queries on the read model: filters, search, keyset pages, queue counts.

Every list is read from the ``tasks`` table (never from Temporal visibility). Open work
is walked through the partial index ``ix_tasks_open_due`` so the million closed rows
never slow the first page; counts are one indexed GROUP BY.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select, tuple_
from sqlalchemy.orm import Session, load_only

from models.db.tables import Episode, Patient, Task
from models.db.web_tables import TaskQueueCount
from web.access import queues_for, sees_all_queues

# A SELECT being built (typed loosely: its row shape changes with the joins).
Statement = Any
OPEN = ("open", "claimed")
# Written as SQL literals, not bound parameters: SQLite (and PostgreSQL's generic plans)
# use the partial indexes ``WHERE status IN ('open', 'claimed')`` only for a literal match.
IS_OPEN = Task.status.in_([literal_column("'open'"), literal_column("'claimed'")])
# On SQLite the list wraps the same term in likely(): the partial index still matches,
# but the planner can no longer pick the (status, queue) index and sort every open task,
# which it does without statistics (a fresh database) and took 0.4 s at 100,000 tasks.
SQLITE_LIST_OPEN = func.likely(IS_OPEN)
PAGE_SIZE = 50
FAR_DATE = date(9999, 12, 31)

# Column key → header. ``patient`` shows PHI on the page (never in a URL).
COLUMNS: dict[str, str] = {
    "title": "Task",
    "patient": "Patient",
    "kind": "Kind",
    "queue": "Queue",
    "payer": "Payer",
    "stage": "Stage",
    "priority": "Priority",
    "due": "Due",
    "assignee": "Assignee",
    "amount": "Amount at risk",
    "filing": "Days to filing deadline",
    "escalation": "Escalation",
    "claim": "Claim",
}
# Task columns a row shows (the reason, context and result stay unread on lists).
ROW_COLUMNS = (
    Task.id,
    Task.kind,
    Task.queue,
    Task.title,
    Task.status,
    Task.assignee,
    Task.priority,
    Task.due_at,
    Task.escalation_level,
    Task.overdue,
    Task.claim_id,
    Task.payer_id,
    Task.amount_at_risk_cents,
    Task.filing_deadline,
    Task.created_at,
)
DEFAULT_COLUMNS = ("title", "patient", "queue", "payer", "priority", "due", "assignee", "amount")

# Sort key → the ordered columns of the keyset (``id`` always last, unique).
SORTS: dict[str, str] = {
    "due": "Due",
    "priority": "Priority",
    "amount": "Amount at risk",
    "filing": "Filing deadline",
    "created": "Created",
}
DUE_CHOICES = {"": "any time", "overdue": "overdue", "today": "due today", "week": "this week"}
# Longer than a task write can take from its ``updated_at`` to its commit (SQLite's busy
# timeout, the longest wait for the write lock, is 30 s).
COMMIT_LAG = timedelta(minutes=1)


def _sort_columns(sort: str) -> list[Any]:
    if sort == "priority":
        return [Task.priority, Task.due_at, Task.id]
    if sort == "amount":
        return [Task.amount_at_risk_cents, Task.id]
    if sort == "filing":
        return [func.coalesce(Task.filing_deadline, FAR_DATE), Task.id]
    if sort == "created":
        return [Task.created_at, Task.id]
    return [Task.due_at, Task.id]


@dataclass(frozen=True, kw_only=True)
class InboxQuery:
    queue: str = ""
    kind: str = ""
    payer: str = ""
    stage: str = ""
    due: str = ""
    priority: int | None = None
    assignee: str = ""  # "" any, "me", "none", or a username
    search: str = ""
    sort: str = "due"
    desc: bool = False
    after: str = ""
    columns: tuple[str, ...] = DEFAULT_COLUMNS

    @classmethod
    def from_form(cls, form: dict[str, Any]) -> InboxQuery:
        def text(name: str, limit: int = 64) -> str:
            value = form.get(name, "")
            return str(value).strip()[:limit] if value is not None else ""

        prio = text("priority")
        picked = text("pick_queue")  # a queue button beats the hidden current queue
        queue = "" if picked == "*" else picked or text("queue")
        cols = tuple(c for c in form.get("columns", ()) if c in COLUMNS) or DEFAULT_COLUMNS
        return cls(
            queue=queue,
            kind=text("kind"),
            payer=text("payer"),
            stage=text("stage"),
            due=text("due") if text("due") in DUE_CHOICES else "",
            priority=int(prio) if prio.isdigit() and 1 <= int(prio) <= 5 else None,
            assignee=text("assignee"),
            search=text("search", 100),
            sort=text("sort") if text("sort") in SORTS else "due",
            desc=text("desc") in ("1", "true", "on"),
            after=text("after", 400),
            columns=cols,
        )

    def saved(self) -> dict[str, Any]:
        """The filters a saved view keeps (no cursor, no search text: searches are PHI)."""
        return {
            "queue": self.queue,
            "kind": self.kind,
            "payer": self.payer,
            "stage": self.stage,
            "due": self.due,
            "priority": self.priority,
            "assignee": self.assignee,
            "desc": self.desc,
        }

    @classmethod
    def from_saved(cls, filters: dict[str, Any], columns: Sequence[str], sort: str) -> InboxQuery:
        base = cls.from_form({**filters, "sort": sort, "columns": list(columns)})
        return replace(base, desc=bool(filters.get("desc")))


@dataclass(frozen=True, kw_only=True)
class InboxRow:
    task: Task
    stage: str | None
    patient_name: str
    days_to_filing: int | None


@dataclass(frozen=True, kw_only=True)
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str = ""
    query: InboxQuery = field(default_factory=InboxQuery)


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, (datetime, date)) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def decode_cursor(sort: str, cursor: str) -> list[Any] | None:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        return None
    if not isinstance(raw, list) or len(raw) != len(_sort_columns(sort)):
        return None
    try:
        if sort in ("due", "created"):
            return [datetime.fromisoformat(raw[0]), str(raw[1])]
        if sort == "priority":
            return [int(raw[0]), datetime.fromisoformat(raw[1]), str(raw[2])]
        if sort == "filing":
            return [date.fromisoformat(raw[0]), str(raw[1])]
        return [int(raw[0]), str(raw[1])]
    except (ValueError, TypeError):
        return None


def _start_of_day(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def scope(stmt: Statement, username: str, roles: frozenset[str], queue: str) -> Statement:
    """Restrict to the queues the user works (a supervisor: all) plus tasks they hold."""
    if sees_all_queues(roles):
        return stmt.where(Task.queue == queue) if queue else stmt
    mine = queues_for(roles)
    if queue:
        if queue not in mine:
            return stmt.where(Task.assignee == username, Task.queue == queue)
        return stmt.where(Task.queue == queue)
    return stmt.where(or_(Task.queue.in_(mine), Task.assignee == username))


def _filtered(stmt: Statement, q: InboxQuery, username: str, now: datetime) -> Statement:
    if q.kind:
        stmt = stmt.where(Task.kind == q.kind)
    if q.payer:
        stmt = stmt.where(Task.payer_id == q.payer)
    if q.priority is not None:
        stmt = stmt.where(Task.priority == q.priority)
    if q.assignee == "me":
        stmt = stmt.where(Task.assignee == username)
    elif q.assignee == "none":
        stmt = stmt.where(Task.assignee.is_(None))
    elif q.assignee:
        stmt = stmt.where(Task.assignee == q.assignee)
    today = _start_of_day(now)
    if q.due == "overdue":
        stmt = stmt.where(Task.due_at < now)
    elif q.due == "today":
        stmt = stmt.where(Task.due_at >= today, Task.due_at < today + timedelta(days=1))
    elif q.due == "week":
        stmt = stmt.where(Task.due_at >= today, Task.due_at < today + timedelta(days=7))
    if q.stage:
        stmt = stmt.where(Episode.stage == q.stage)
    if q.search:
        needle = f"%{q.search.lower()}%"
        name = func.lower(Patient.first_name + " " + Patient.last_name)
        stmt = stmt.where(or_(name.like(needle), func.lower(Task.claim_id).like(needle)))
    return stmt


def list_page(
    session: Session,
    q: InboxQuery,
    *,
    username: str,
    roles: frozenset[str],
    now: datetime,
    page_size: int | None = None,
) -> InboxPage:
    page_size = page_size or PAGE_SIZE
    cols = _sort_columns(q.sort)
    stmt: Statement = (
        select(Task, Episode.stage, Patient.first_name, Patient.last_name)
        .options(load_only(*ROW_COLUMNS))
        .outerjoin(Episode, Episode.id == Task.episode_id)
        .outerjoin(Patient, Patient.id == Episode.patient_id)
    )
    sqlite = session.get_bind().dialect.name == "sqlite"
    stmt = stmt.where(SQLITE_LIST_OPEN if sqlite else IS_OPEN)
    stmt = _filtered(scope(stmt, username, roles, q.queue), q, username, now)
    after = decode_cursor(q.sort, q.after) if q.after else None
    if after is not None:
        key = tuple_(*cols)
        stmt = stmt.where(key < tuple(after) if q.desc else key > tuple(after))
    order = [c.desc() for c in cols] if q.desc else cols
    result = session.execute(stmt.order_by(*order).limit(page_size + 1)).all()
    rows = [
        InboxRow(
            task=task,
            stage=stage,
            patient_name=f"{first or ''} {last or ''}".strip(),
            days_to_filing=(task.filing_deadline - now.date()).days
            if task.filing_deadline
            else None,
        )
        for task, stage, first, last in result[:page_size]
    ]
    cursor = ""
    if len(result) > page_size:
        cursor = encode_cursor(_key_values(q.sort, rows[-1].task))
    return InboxPage(rows=rows, next_cursor=cursor, query=q)


def _key_values(sort: str, task: Task) -> list[Any]:
    if sort == "priority":
        return [task.priority, task.due_at, task.id]
    if sort == "amount":
        return [task.amount_at_risk_cents, task.id]
    if sort == "filing":
        return [task.filing_deadline or FAR_DATE, task.id]
    if sort == "created":
        return [task.created_at, task.id]
    return [task.due_at, task.id]


def queue_counts(session: Session, roles: frozenset[str]) -> dict[str, int]:
    """Open tasks per queue the user works, from the trigger-kept ``task_queue_counts``."""
    stmt = select(TaskQueueCount.queue, TaskQueueCount.open_count)
    counts = {queue: n for queue, n in session.execute(stmt).all()}
    if sees_all_queues(roles):
        shown = dict.fromkeys(queues_for(roles), 0)
        shown.update(counts)
        return shown
    return {queue: counts.get(queue, 0) for queue in queues_for(roles)}


def pulse_stamp(session: Session) -> str:
    """Changes whenever any task row changes: the live poll compares it.

    The newest ``updated_at`` alone misses a write that commits after a newer one (it
    took its timestamp, then waited for the write lock) or in the same millisecond, so
    the stamp also digests every ``updated_at`` within ``COMMIT_LAG`` of the newest: an
    index range of the last minute's changes.
    """
    newest = session.scalar(select(func.max(Task.updated_at)))
    if newest is None:
        return "0"
    recent = session.scalars(
        select(Task.updated_at)
        .where(Task.updated_at >= newest - COMMIT_LAG)
        .order_by(Task.updated_at)
    )
    digest = hashlib.blake2b(digest_size=6)
    for at in recent:
        digest.update(at.isoformat().encode())
    return f"{int(newest.timestamp() * 1000)}{int.from_bytes(digest.digest(), 'big'):015d}"


def next_task_id(session: Session, *, queue: str, username: str, exclude: str) -> str | None:
    """The next task to work in ``queue``: held by me first, then unclaimed, most urgent."""
    held = session.scalar(
        select(Task.id)
        .where(Task.status == "claimed", Task.assignee == username, Task.id != exclude)
        .order_by(Task.priority, Task.due_at, Task.id)
        .limit(1)
    )
    if held is not None:
        return held
    return session.scalar(
        select(Task.id)
        .where(and_(Task.status == "open", Task.queue == queue, Task.id != exclude))
        .order_by(Task.priority, Task.due_at, Task.id)
        .limit(1)
    )
