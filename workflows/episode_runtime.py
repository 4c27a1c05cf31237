"""What every step of one EpisodeWorkflow run shares: its input and state, its open human
tasks, the business clock, and the activity and task calls with their timeouts and retries.

``EpisodeRuntime`` is not a workflow and not a base class: ``workflows.episode`` builds one
in its ``@workflow.init`` and hands it to the authorization and attendance helpers.
Everything here runs inside the workflow (``workflow.now()``, child workflows, signals),
so this module is imported into the workflow sandbox, not passed through.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from models.task_catalog import get_kind
    from workflows import search
    from workflows.clock import BusinessClock
    from workflows.episode_types import EpisodeState, SetStageInput, Stage, StartEpisodeInput
    from workflows.errors import ErrorType
    from workflows.human_task import HumanTaskWorkflow, withdraw_task
    from workflows.ids import task_workflow_id
    from workflows.task_types import OpenTaskInput, TaskResult

DB_TIMEOUT = timedelta(seconds=30)
DB_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=5)
)
SEND_TIMEOUT = timedelta(seconds=60)
RULE_ERRORS = (ErrorType.DAY_INVALID, ErrorType.AUTH_INCOMPLETE, ErrorType.NOT_FOUND)


def open_task_input(
    kind_name: str, *, task_id: str, day_seconds: float, title: str, reason: str, **links: Any
) -> OpenTaskInput:
    kind = get_kind(kind_name)
    return OpenTaskInput(
        task_id=task_id,
        kind=kind.name,
        queue=kind.queue,
        title=title,
        form_schema=kind.form_schema,
        priority=kind.priority,
        due_seconds=kind.sla_days * day_seconds,
        escalate_seconds=kind.escalate_days * day_seconds,
        reason=reason,
        episode_id=links.get("episode_id"),
        claim_id=links.get("claim_id"),
        payer_id=links.get("payer_id"),
        amount_at_risk_cents=int(links.get("amount") or 0),
        context=links.get("context") or {},
    )


class EpisodeRuntime:
    def __init__(self, inp: StartEpisodeInput, state: EpisodeState) -> None:
        self.inp = inp
        self.s = state
        self.open_tasks: dict[str, asyncio.Task[TaskResult]] = {}
        self.changed = False  # an Update changed what the attendance loop waits for
        self.review_override: str | None = None  # review state after a withdrawn review task

    # -- clock ------------------------------------------------------------------------------
    def clock(self) -> BusinessClock:
        assert self.s.clock is not None
        return self.s.clock

    def today(self) -> date:
        return self.clock().today(workflow.now())

    def days(self, n: float) -> timedelta:
        assert self.s.clock is not None
        return self.s.clock.days(n)

    # -- activities -------------------------------------------------------------------------
    async def act(self, name: str, arg: Any, result_type: type[Any] | None = None) -> Any:
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=RetryPolicy(
                initial_interval=DB_RETRY.initial_interval,
                maximum_interval=DB_RETRY.maximum_interval,
                non_retryable_error_types=RULE_ERRORS,
            ),
        )

    async def send(self, name: str, arg: Any) -> None:
        await workflow.execute_activity(
            name, arg, start_to_close_timeout=SEND_TIMEOUT, retry_policy=DB_RETRY
        )

    async def move_to(self, stage: Stage, detail: str) -> None:
        self.s.stage = stage
        workflow.upsert_search_attributes([search.STAGE.value_set(stage.value)])
        await self.act(
            "episodes.set_stage",
            SetStageInput(
                episode_id=self.inp.episode_id,
                stage=stage,
                key=f"{self.inp.episode_id}:stage:{stage.value}:{self.s.runs}",
                detail=detail,
                at=workflow.now().isoformat(),
            ),
        )

    # -- human tasks ------------------------------------------------------------------------
    def start_task(
        self,
        kind: str,
        suffix: str,
        title: str,
        reason: str,
        context: dict[str, Any] | None = None,
        *,
        amount: int = 0,
    ) -> asyncio.Task[TaskResult]:
        task_id = f"{self.inp.episode_id}-{suffix}"
        inp = open_task_input(
            kind,
            task_id=task_id,
            day_seconds=self.inp.day_seconds,
            title=f"{title} (episode {self.inp.episode_id})",
            reason=reason,
            episode_id=self.inp.episode_id,
            payer_id=self.s.payer_id,
            context=context,
            amount=amount,
        )
        handle = asyncio.create_task(self._run_task(inp))
        self.open_tasks[task_id] = handle
        return handle

    async def _run_task(self, inp: OpenTaskInput) -> TaskResult:
        try:
            result: TaskResult = await workflow.execute_child_workflow(
                HumanTaskWorkflow.run, inp, id=task_workflow_id(inp.task_id)
            )
            return result
        finally:
            self.open_tasks.pop(inp.task_id, None)

    async def withdraw(self, task_id: str, reason: str) -> None:
        if task_id in self.open_tasks:
            handle = workflow.get_external_workflow_handle(task_workflow_id(task_id))
            await withdraw_task(handle, reason)
