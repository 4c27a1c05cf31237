"""The inbox against real HumanTaskWorkflows on the time-skipping server and a worker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from iopbill.temporal import build_worker
from models.db import tasks as task_repo
from models.db.tables import User
from tests.web.conftest import Browser, password_hash, settings
from tests.workflows.helpers import eventually, remember, terminate_open
from web.app import create_app
from workflows.human_task import HumanTaskWorkflow
from workflows.ids import task_workflow_id
from workflows.task_types import OpenTaskInput

pytestmark = pytest.mark.temporal
DAY = 86400.0
GOOD = {
    "first_name": "Ada",
    "last_name": "Quill",
    "birth_date": "1990-04-02",
    "gender": "F",
    "member_id": "MBR-1234",
    "diagnosis_codes": "F33.1",
}


@pytest.fixture
async def web(
    ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Browser]:
    with sqlite_sessions() as s, s.begin():
        for name, role in (("bea", "biller"), ("sam", "supervisor")):
            s.add(User(username=name, display_name=name, password_hash=password_hash(), roles=role))
    app = create_app(settings(), sessions=sqlite_sessions, client=ts_env.client)
    transport = httpx.ASGITransport(app=app)
    async with (
        build_worker(ts_env.client, task_queue, sqlite_sessions),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield Browser(client).enter(sqlite_sessions, "bea")
        await terminate_open(ts_env, task_queue)


async def open_task(
    env: WorkflowEnvironment, sessions: sessionmaker[Session], task_queue: str, priority: int
) -> str:
    task_id = f"t-{uuid.uuid4().hex[:10]}"
    remember(task_queue, task_workflow_id(task_id))
    await env.client.start_workflow(
        HumanTaskWorkflow.run,
        OpenTaskInput(
            task_id=task_id,
            kind="complete_intake",
            queue="intake",
            title=f"Complete intake for {task_id}",
            form_schema="intake",
            due_seconds=DAY,
            escalate_seconds=DAY,
            priority=priority,
            reason="member id missing",
        ),
        id=task_workflow_id(task_id),
        task_queue=task_queue,
    )

    def written() -> bool:
        with sessions() as s:
            return task_repo.get(s, task_id) is not None

    await eventually(written)
    return task_id


async def test_claim_invalid_form_then_complete_moves_to_the_next_task(
    ts_env: WorkflowEnvironment,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
    web: Browser,
) -> None:
    first = await open_task(ts_env, sqlite_sessions, task_queue, priority=1)
    second = await open_task(ts_env, sqlite_sessions, task_queue, priority=2)
    inbox = await web.get("/inbox")
    assert inbox.text.index(first) < inbox.text.index(second)

    claimed = await web.post(f"/tasks/{first}/claim")
    assert "held by <strong>bea</strong>" in claimed.text

    bad = await web.post(
        f"/tasks/{first}/complete",
        {**GOOD, "birth_date": "1990-13-45", "member_id": "!"},
        headers={"HX-Request": "true"},
    )
    assert 'id="e-birth_date"' in bad.text and "must be a date YYYY-MM-DD" in bad.text
    assert 'id="e-member_id"' in bad.text and "3–30 letters" in bad.text
    with sqlite_sessions() as s:
        row = task_repo.get(s, first)
        assert row is not None and row.status == "claimed"

    done = await web.post(f"/tasks/{first}/complete", GOOD)
    assert done.status_code == 303
    assert done.headers["location"] == f"/tasks/{second}?done={first}"
    with sqlite_sessions() as s:
        row = task_repo.get(s, first)
        assert row is not None and row.status == "completed" and row.completed_by == "bea"


async def test_a_second_completion_of_a_completed_task_changes_nothing(
    ts_env: WorkflowEnvironment,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
    web: Browser,
) -> None:
    task_id = await open_task(ts_env, sqlite_sessions, task_queue, priority=3)
    await web.post(f"/tasks/{task_id}/claim")
    first = await web.post(f"/tasks/{task_id}/complete", GOOD)
    again = await web.post(f"/tasks/{task_id}/complete", GOOD)  # a stale tab or double click
    assert first.status_code == again.status_code == 303
    with sqlite_sessions() as s:
        events = [h.event for h in task_repo.history(s, task_id)]
    assert events.count("completed") == 1
