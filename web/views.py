"""Inbox page context and saved views (private, or shared with the owner's team)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.db.tables import Episode, Patient, Task, User
from models.db.web_tables import SavedView
from models.task_catalog import KINDS
from web import inbox
from web.access import SUPERVISOR, WORKERS
from web.security import CurrentUser
from workflows.episode_types import Stage


def visible(session: Session, user: CurrentUser) -> list[SavedView]:
    return list(
        session.scalars(
            select(SavedView)
            .where(or_(SavedView.owner == user.username, SavedView.team == user.team))
            .order_by(SavedView.name, SavedView.id)
        )
    )


def query_for(session: Session, user: CurrentUser, view_id: int) -> inbox.InboxQuery:
    view = session.get(SavedView, view_id)
    if view is None or (view.owner != user.username and view.team != user.team):
        return inbox.InboxQuery()
    return inbox.InboxQuery.from_saved(view.filters, view.columns, view.sort)


def save(session: Session, user: CurrentUser, form: dict[str, Any]) -> SavedView | None:
    name = str(form.get("view_name", "")).strip()[:80]
    if not name:
        return None
    q = inbox.InboxQuery.from_form(form)
    view = session.scalar(
        select(SavedView).where(SavedView.owner == user.username, SavedView.name == name)
    )
    if view is None:
        view = SavedView(owner=user.username, name=name)
        session.add(view)
    view.team = user.team if form.get("shared") else None
    view.filters, view.columns, view.sort = q.saved(), list(q.columns), q.sort
    session.flush()
    return view


def delete(session: Session, user: CurrentUser, view_id: int) -> None:
    view = session.get(SavedView, view_id)
    if view is not None and view.owner == user.username:
        session.delete(view)
        session.flush()


def assignable_users(session: Session) -> list[str]:
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
    return [u.username for u in users if u.role_set & WORKERS]


def inbox_context(
    session: Session, user: CurrentUser, q: inbox.InboxQuery, now: datetime
) -> dict[str, Any]:
    # The stamp first: each of these reads sees the database as of its own statement
    # (SQLite reads outside a write, PostgreSQL's READ COMMITTED), so a task written
    # between them leaves the stamp behind the list (one extra refresh), never ahead of
    # it (the pulse would then call a list without that task current until the next change).
    stamp = inbox.pulse_stamp(session)
    page = inbox.list_page(session, q, username=user.username, roles=user.roles, now=now)
    return {
        "q": q,
        "page": page,
        "counts": inbox.queue_counts(session, user.roles),
        "views": visible(session, user),
        "kinds": [(k.name, k.label) for k in KINDS.values()],
        "stages": [s.value for s in Stage],
        "due_choices": inbox.DUE_CHOICES,
        "sorts": inbox.SORTS,
        "all_columns": inbox.COLUMNS,
        "stamp": stamp,
        "assignable": assignable_users(session) if SUPERVISOR in user.roles else [],
    }


def row_for(session: Session, task_id: str, now: datetime) -> inbox.InboxRow | None:
    found = session.execute(
        select(Task, Episode.stage, Patient.first_name, Patient.last_name)
        .outerjoin(Episode, Episode.id == Task.episode_id)
        .outerjoin(Patient, Patient.id == Episode.patient_id)
        .where(Task.id == task_id)
    ).first()
    if found is None:
        return None
    task, stage, first, last = found
    days = (task.filing_deadline - now.date()).days if task.filing_deadline else None
    return inbox.InboxRow(
        task=task,
        stage=stage,
        patient_name=f"{first or ''} {last or ''}".strip(),
        days_to_filing=days,
    )
