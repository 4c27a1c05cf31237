"""Helpers for workflow tests: wait for read-model rows written by activities."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from iopbill.temporal import activities_for, build_worker
from models.db import tasks as task_repo
from tests.workflows.fake_claim import FakeClaimWorkflow
from tests.workflows.fake_clearinghouse import FAKES
from web.gateway import TaskGateway, explain_closed_row

T = TypeVar("T")


async def eventually(probe: Callable[[], T | None], *, timeout: float = 15.0) -> T:
    """Poll ``probe`` (real time) until it returns something truthy."""

    async def asked() -> T | None:
        return probe()

    return await eventually_awaited(asked, timeout=timeout)


async def eventually_awaited(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 15.0
) -> T:
    """``eventually`` for a probe that must be awaited (a query, a history fetch)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if loop.time() > end:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.05)


STARTED: dict[str, list[str]] = {}


def remember(task_queue: str, workflow_id: str) -> None:
    STARTED.setdefault(task_queue, []).append(workflow_id)


async def terminate_open(env: WorkflowEnvironment, task_queue: str) -> None:
    """End what a test left running, so the next test's time skipping is not held up.

    (The time-skipping server cannot list workflows, so tests ``remember`` what they start.)
    """
    for wf_id in STARTED.pop(task_queue, []):
        handle = env.client.get_workflow_handle(wf_id)
        try:
            desc = await handle.describe()
            if desc.status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate("test over")
        except RPCError:
            pass


def activity_name(fn: Callable[..., object]) -> str:
    defn = activity._Definition.from_callable(fn)
    assert defn is not None and defn.name is not None, fn
    return defn.name


def with_fakes(
    real: list[Callable[..., object]], fakes: list[Callable[..., object]]
) -> list[Callable[..., object]]:
    """The real activities, with each fake standing in for the one of the same name."""
    names = {activity_name(f) for f in fakes}
    return [a for a in real if activity_name(a) not in names] + list(fakes)


def task_gateway(env: WorkflowEnvironment, sessions: sessionmaker[Session]) -> TaskGateway:
    """The web's TaskGateway, explaining closed tasks from the test's read model."""

    def explain(task_id: str) -> tuple[str, str]:
        with sessions() as s:
            r = task_repo.get(s, task_id)
            if r is None:
                return explain_closed_row(None, None, None)
            return explain_closed_row(r.status, r.completed_by, r.withdrawn_reason)

    return TaskGateway(env.client, explain)


@contextlib.asynccontextmanager
async def episode_worker(
    env: WorkflowEnvironment,
    sessions: sessionmaker[Session],
    task_queue: str,
    claim_workflow: type = FakeClaimWorkflow,
) -> AsyncIterator[Worker]:
    """Every real activity but the clearinghouse's (faked) and a stand-in ClaimWorkflow
    (tests/workflows/fake_claim.py): episode tests that bill without exercising claims.
    Terminates what a test left open."""
    acts = with_fakes(activities_for(sessions), FAKES)
    async with build_worker(
        env.client, task_queue, sessions, activities=acts, extra_workflows=[claim_workflow]
    ) as w:
        yield w
        await terminate_open(env, task_queue)
