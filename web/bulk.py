"""Supervisor bulk actions: one Update per task through the gateway, failures listed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from web.deps import TaskActions
from web.gateway import TaskOutcome
from web.security import CurrentUser
from workflows.task_types import ReassignTaskInput

MAX_BULK = 200
CONCURRENCY = 8


@dataclass(frozen=True, kw_only=True)
class BulkResult:
    total: int
    ok: int
    failures: list[tuple[str, str]] = field(default_factory=list)


async def run_bulk(
    gateway: TaskActions, user: CurrentUser, task_ids: list[str], form: dict[str, str]
) -> BulkResult:
    """Apply ``form['action']`` to each task; a bad request fails every task with one reason."""
    action = form.get("action", "")
    roles = tuple(sorted(user.roles))
    ids = list(dict.fromkeys(task_ids))[:MAX_BULK]
    priority = form.get("to_priority", "")
    inp: ReassignTaskInput | None = None
    if action == "reassign" and form.get("to_user"):
        inp = ReassignTaskInput(user=user.username, roles=roles, to_user=form["to_user"])
    elif action == "queue" and form.get("to_queue"):
        inp = ReassignTaskInput(user=user.username, roles=roles, to_queue=form["to_queue"])
    elif action == "priority" and priority.isdigit():
        inp = ReassignTaskInput(user=user.username, roles=roles, priority=int(priority))
    elif action != "release":
        return BulkResult(
            total=len(ids), ok=0, failures=[(i, "choose a user, queue or priority") for i in ids]
        )
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(task_id: str) -> TaskOutcome:
        async with limit:
            if inp is None:
                return await gateway.release(task_id, user.username, roles)
            return await gateway.reassign(task_id, inp)

    outcomes = await asyncio.gather(*(one(i) for i in ids))
    failures = [(i, o.message) for i, o in zip(ids, outcomes, strict=True) if not o.ok]
    return BulkResult(total=len(ids), ok=len(ids) - len(failures), failures=failures)
