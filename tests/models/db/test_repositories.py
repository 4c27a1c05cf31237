"""Repositories on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models.db import billing, counters, episodes, tasks, users
from models.db.tables import ControlCounter, Episode, Notification, Task, TaskHistory

pytestmark = pytest.mark.db
DUE = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def row(task_id: str = "T-1", **kw: object) -> tasks.TaskRow:
    base = dict(
        id=task_id,
        kind="complete_intake",
        queue="intake",
        title="Complete intake",
        form_schema="intake",
        priority=3,
        due_at=DUE,
        episode_id="E-1",
    )
    base.update(kw)
    return tasks.TaskRow(**base)  # type: ignore[arg-type]


def test_opening_a_task_twice_keeps_one_row_and_one_history_entry(session: Session) -> None:
    tasks.open_task(session, row())
    tasks.record_transition(
        session,
        "T-1",
        key="T-1:1:claimed",
        event="claimed",
        actor="alice",
        status="claimed",
        assignee="alice",
    )
    tasks.open_task(session, row(title="changed by a retry"))
    saved = session.get(Task, "T-1")
    assert saved is not None and saved.status == "claimed" and saved.title == "Complete intake"
    assert saved.due_at == DUE
    assert [h.event for h in tasks.history(session, "T-1")] == ["opened", "claimed"]


def test_a_transition_recorded_twice_under_one_key_is_applied_once(session: Session) -> None:
    tasks.open_task(session, row())
    for _ in range(2):
        tasks.record_transition(
            session,
            "T-1",
            key="T-1:1:completed",
            event="completed",
            actor="bo",
            status="completed",
            assignee="bo",
            result={"a": 1},
        )
    saved = session.get(Task, "T-1")
    assert saved is not None and saved.completed_by == "bo" and saved.closed_at is not None
    n = session.scalar(
        select(func.count()).select_from(TaskHistory).where(TaskHistory.event == "completed")
    )
    assert n == 1


def test_transition_of_an_unknown_task_raises(session: Session) -> None:
    with pytest.raises(LookupError):
        tasks.record_transition(
            session, "nope", key="k", event="claimed", actor="a", status="claimed", assignee="a"
        )


def test_notifications_are_written_once_per_task_kind_and_recipient(session: Session) -> None:
    for _ in range(3):
        tasks.notify(session, recipient="alice", task_id="T-1", kind="escalated:1", message="late")
    tasks.notify(session, recipient="alice", task_id="T-1", kind="escalated:2", message="later")
    assert session.scalar(select(func.count()).select_from(Notification)) == 2
    assert [n.kind for n in tasks.notifications_for(session, "alice")] == [
        "escalated:2",
        "escalated:1",
    ]


def test_inbox_lists_my_queues_and_my_claims_most_urgent_first(session: Session) -> None:
    tasks.open_task(session, row("A", queue="billing", priority=3, due_at=DUE))
    tasks.open_task(session, row("B", queue="billing", priority=1, due_at=DUE + timedelta(days=3)))
    tasks.open_task(session, row("C", queue="coding", priority=2))
    tasks.open_task(session, row("D", queue="coding", priority=2))
    tasks.record_transition(
        session, "D", key="D:1", event="claimed", actor="me", status="claimed", assignee="me"
    )
    tasks.open_task(session, row("E", queue="billing"))
    tasks.record_transition(
        session, "E", key="E:1", event="completed", actor="x", status="completed", assignee="x"
    )
    listed = [t.id for t in tasks.open_tasks_for(session, username="me", queues=["billing"])]
    assert listed == ["B", "D", "A"]
    assert tasks.count_open_by_queue(session) == {"billing": 2, "coding": 2}


def test_users_hash_passwords_and_reject_bad_input(session: Session) -> None:
    user = users.create_user(session, username="ann", password="s3cret-pass", roles=["biller"])
    assert user.password_hash.startswith("$argon2") and "s3cret" not in user.password_hash
    assert users.authenticate(session, "ann", "s3cret-pass") is not None
    assert users.authenticate(session, "ann", "wrong-pass") is None
    assert users.authenticate(session, "nobody", "whatever1") is None
    for kwargs, message in [
        (dict(username="ann", password="another-pass", roles=["biller"]), "taken"),
        (dict(username="bo", password="short", roles=["biller"]), "at least 8"),
        (dict(username="bo", password="long-enough", roles=["pilot"]), "unknown role"),
        (dict(username="bo", password="long-enough", roles=[]), "at least one role"),
        (dict(username="b o", password="long-enough", roles=["biller"]), "username"),
    ]:
        with pytest.raises(users.UserError, match=message):
            users.create_user(session, **kwargs)  # type: ignore[arg-type]


def test_control_numbers_increase_per_name_and_wrap_after_nine_digits(session: Session) -> None:
    assert [counters.next_control_number(session, "isa") for _ in range(3)] == [1, 2, 3]
    assert counters.next_control_number(session, "st") == 1
    session.execute(
        update(ControlCounter)
        .values(value=counters.MAX_CONTROL)
        .where(ControlCounter.name == "isa")
    )
    assert counters.next_control_number(session, "isa") == 1


def test_intake_is_stored_and_the_stage_change_logged_once(session: Session) -> None:
    episodes.create_patient(session, patient_id="P-1", first_name="Ann")
    episodes.create_episode(
        session, episode_id="E-1", patient_id="P-1", payer_id="medicare", program="psychiatric"
    )
    assert episodes.intake_missing(session, "E-1") == [
        "last_name",
        "birth_date",
        "member_id",
        "diagnosis_codes",
    ]
    intake = {
        "first_name": "Ann",
        "last_name": "Lee",
        "birth_date": "1990-01-02",
        "member_id": "M-1",
        "diagnosis_codes": "f33.1; F41.1",
    }
    episodes.store_intake(session, "E-1", intake)
    assert episodes.intake_missing(session, "E-1") == []
    cover = billing.coverage(session, "E-1")
    assert cover is not None and cover.member_id == "M-1" and cover.payer_id == "medicare"
    episode = session.get(Episode, "E-1")
    assert episode is not None and episode.intake["diagnosis_codes"] == ["F33.1", "F41.1"]
    for _ in range(2):
        episodes.set_stage(session, "E-1", "eligibility", key="E-1:stage:eligibility")
    assert [e.kind for e in episodes.timeline(session, "E-1")] == ["created", "stage:eligibility"]
    with pytest.raises(LookupError):
        episodes.intake_missing(session, "E-404")
