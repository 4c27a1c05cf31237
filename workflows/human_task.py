"""HumanTaskWorkflow: one workflow per human task (id ``task:{task_id}``).

Writes the task row through an activity, then waits for the ``complete`` Update while an
SLA timer runs: level 1 when the due time passes (priority up, overdue flag, a
notification), level 2 after a second window (moved to the supervisor queue). Validators
reject stale or invalid input before anything is written to history. Cancelled by its
parent (or sent ``withdraw``), it marks the row withdrawn and says why.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.forms import FormInvalid, validate_form
    from models.task_catalog import get_schema
    from workflows.errors import ErrorType
    from workflows.task_types import (
        SUPERVISOR_QUEUE,
        ClaimTaskInput,
        CompleteTaskInput,
        OpenTaskInput,
        OpenTaskRecord,
        ReassignTaskInput,
        RecordTaskInput,
        ReleaseTaskInput,
        TaskResult,
        TaskStatus,
        WithdrawTaskInput,
    )

# Task rows are written by local activities: a short DB write inside the workflow task,
# so an Update's answer costs no extra server round trips (see docs/benchmarks.md).
DB_TIMEOUT = timedelta(seconds=15)
DB_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=5)
)
DEFAULT_WITHDRAW_REASON = "the work it was waiting for moved on without it"


async def withdraw_task(handle: Any, reason: str) -> bool:
    """Send ``withdraw`` to a task's workflow; False when that workflow had already closed.

    A person can complete a task in the very workflow task in which its parent decides to
    withdraw it (a biller submits the "missing acknowledgement" form as the payer's 999
    arrives): the signal then finds no open task. Nothing is left to withdraw, and the
    parent reads the person's answer from the child's result as usual. Unhandled, the
    failed signal would fail the parent workflow: a claim whose 835 could never post.
    """
    try:
        await handle.signal("withdraw", WithdrawTaskInput(reason=reason))
    except ApplicationError as err:
        if err.type != "ExternalWorkflowExecutionNotFound":
            raise
        workflow.logger.info("task already closed, not withdrawn (%s): %s", reason, err)
        return False
    return True


@workflow.defn(name="HumanTask")
class HumanTaskWorkflow:
    @workflow.init
    def __init__(self, inp: OpenTaskInput) -> None:
        self._inp = inp
        self._status = TaskStatus.OPEN
        self._assignee: str | None = None
        self._queue = inp.queue
        self._priority = inp.priority
        self._level = 0
        self._data: dict[str, Any] = {}
        self._completed_by: str | None = None
        self._withdrawn_reason: str | None = None
        self._seq = 0
        self._lock = asyncio.Lock()

    # -- run ---------------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: OpenTaskInput) -> TaskResult:
        await workflow.execute_local_activity(
            "tasks.open",
            OpenTaskRecord(task=inp, opened_at=workflow.now().isoformat()),
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
        )
        try:
            await self._wait_with_sla()
        except asyncio.CancelledError:
            if self._status is not TaskStatus.COMPLETED:
                await self._withdraw(DEFAULT_WITHDRAW_REASON)
                raise
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.result()

    async def _wait_with_sla(self) -> None:
        windows = (self._inp.due_seconds, self._inp.escalate_seconds)
        while not self._closed():
            timeout = windows[self._level] if self._level < len(windows) else None
            try:
                await workflow.wait_condition(
                    self._closed,
                    timeout=timedelta(seconds=timeout) if timeout is not None else None,
                )
            except TimeoutError:
                await self._escalate()

    def _closed(self) -> bool:
        return self._status in (TaskStatus.COMPLETED, TaskStatus.WITHDRAWN)

    async def _escalate(self) -> None:
        self._level += 1
        self._priority = max(1, self._priority - 1)
        if self._level == 1:
            who = self._assignee or f"queue:{self._queue}"
            await self._record(
                "escalated",
                "system",
                notify=(who,),
                message=f"Task {self._inp.task_id} is overdue ({self._inp.title})",
            )
        else:
            self._queue = SUPERVISOR_QUEUE
            await self._record(
                "escalated",
                "system",
                notify=("role:supervisor",),
                message=f"Task {self._inp.task_id} moved to the supervisor queue"
                f" ({self._inp.title})",
            )

    async def _withdraw(self, reason: str) -> None:
        self._status = TaskStatus.WITHDRAWN
        self._withdrawn_reason = reason
        await self._record("withdrawn", "system")

    async def _record(
        self, event: str, actor: str, *, notify: tuple[str, ...] = (), message: str = ""
    ) -> None:
        self._seq += 1
        rec = RecordTaskInput(
            task_id=self._inp.task_id,
            key=f"{self._inp.task_id}:{self._seq}:{event}",
            event=event,
            actor=actor,
            status=self._status,
            assignee=self._assignee,
            queue=self._queue,
            priority=self._priority,
            escalation_level=self._level,
            overdue=self._level > 0,
            result=self._data if self._status is TaskStatus.COMPLETED else None,
            withdrawn_reason=self._withdrawn_reason,
            notify=notify,
            notify_message=message,
        )
        async with self._lock:
            await workflow.execute_local_activity(
                "tasks.record", rec, start_to_close_timeout=DB_TIMEOUT, retry_policy=DB_RETRY
            )

    # -- queries and signals -------------------------------------------------------------
    @workflow.query(name="status")
    def result(self) -> TaskResult:
        return TaskResult(
            task_id=self._inp.task_id,
            status=self._status,
            assignee=self._assignee,
            queue=self._queue,
            priority=self._priority,
            escalation_level=self._level,
            completed_by=self._completed_by,
            data=self._data,
            withdrawn_reason=self._withdrawn_reason,
        )

    @workflow.signal(name="withdraw")
    async def withdraw(self, inp: WithdrawTaskInput) -> None:
        if not self._closed():
            await self._withdraw(inp.reason)

    # -- validators: raise before anything is written ---------------------------------
    def _reject_closed(self) -> None:
        if self._status is TaskStatus.WITHDRAWN:
            raise ApplicationError(
                f"This task was withdrawn because {self._withdrawn_reason}.",
                type=ErrorType.TASK_WITHDRAWN,
                non_retryable=True,
            )
        if self._status is TaskStatus.COMPLETED:
            raise ApplicationError(
                f"This task was already completed by {self._completed_by}.",
                type=ErrorType.TASK_COMPLETED,
                non_retryable=True,
            )

    # -- updates -------------------------------------------------------------------------
    @workflow.update(name="claim")
    async def claim(self, inp: ClaimTaskInput) -> TaskResult:
        self._status, self._assignee = TaskStatus.CLAIMED, inp.user
        await self._record("claimed", inp.user)
        return self.result()

    @claim.validator
    def _validate_claim(self, inp: ClaimTaskInput) -> None:
        self._reject_closed()
        if self._status is TaskStatus.CLAIMED:
            raise ApplicationError(
                f"This task is already claimed by {self._assignee}.",
                type=ErrorType.TASK_NOT_OPEN,
                non_retryable=True,
            )

    @workflow.update(name="release")
    async def release(self, inp: ReleaseTaskInput) -> TaskResult:
        self._status, self._assignee = TaskStatus.OPEN, None
        await self._record("released", inp.user)
        return self.result()

    @release.validator
    def _validate_release(self, inp: ReleaseTaskInput) -> None:
        self._reject_closed()
        if self._status is not TaskStatus.CLAIMED:
            raise ApplicationError(
                "This task is not claimed.", type=ErrorType.TASK_NOT_OPEN, non_retryable=True
            )
        if self._assignee != inp.user and "supervisor" not in inp.roles:
            raise ApplicationError(
                f"Only {self._assignee} or a supervisor can release this task.",
                type=ErrorType.TASK_NOT_HELD,
                non_retryable=True,
            )

    @workflow.update(name="reassign")
    async def reassign(self, inp: ReassignTaskInput) -> TaskResult:
        if inp.to_queue:
            self._queue = inp.to_queue
        if inp.to_user:
            self._status, self._assignee = TaskStatus.CLAIMED, inp.to_user
        elif inp.to_queue:
            self._status, self._assignee = TaskStatus.OPEN, None
        if inp.priority is not None:
            self._priority = inp.priority
        await self._record("reassigned", inp.user)
        return self.result()

    @reassign.validator
    def _validate_reassign(self, inp: ReassignTaskInput) -> None:
        self._reject_closed()
        if "supervisor" not in inp.roles and "admin" not in inp.roles:
            raise ApplicationError(
                "Only a supervisor can reassign tasks.",
                type=ErrorType.NOT_ALLOWED,
                non_retryable=True,
            )
        if not (inp.to_user or inp.to_queue or inp.priority is not None):
            raise ApplicationError(
                "Say whom, which queue or which priority.",
                {"to_user": "give a user, a queue or a priority"},
                type=ErrorType.FORM_INVALID,
                non_retryable=True,
            )
        if inp.priority is not None and not 1 <= inp.priority <= 5:
            raise ApplicationError(
                "Priority is 1 (highest) to 5.",
                {"priority": "must be 1 to 5"},
                type=ErrorType.FORM_INVALID,
                non_retryable=True,
            )

    @workflow.update(name="complete")
    async def complete(self, inp: CompleteTaskInput) -> TaskResult:
        if self._status is TaskStatus.COMPLETED:  # same user, same data: the first answer
            return self.result()
        schema = get_schema(self._inp.form_schema)
        self._data = validate_form(schema, inp.data, as_of=workflow.now().date())
        self._status, self._completed_by = TaskStatus.COMPLETED, inp.user
        await self._record("completed", inp.user)
        return self.result()

    @complete.validator
    def _validate_complete(self, inp: CompleteTaskInput) -> None:
        schema = get_schema(self._inp.form_schema)
        if self._status is TaskStatus.COMPLETED and self._completed_by == inp.user:
            try:
                if validate_form(schema, inp.data, as_of=workflow.now().date()) == self._data:
                    return
            except FormInvalid:
                pass
        self._reject_closed()
        if self._status is not TaskStatus.CLAIMED:
            raise ApplicationError(
                "Claim this task before completing it.",
                type=ErrorType.TASK_NOT_HELD,
                non_retryable=True,
            )
        if self._assignee != inp.user:
            raise ApplicationError(
                f"This task is held by {self._assignee}, not {inp.user}.",
                type=ErrorType.TASK_NOT_HELD,
                non_retryable=True,
            )
        try:
            # The task's context only here, in the validator: the handler's own check
            # stays as it was, so histories recorded before a context rule replay alike.
            validate_form(schema, inp.data, as_of=workflow.now().date(), context=self._inp.context)
        except FormInvalid as exc:
            raise ApplicationError(
                str(exc), exc.errors, type=ErrorType.FORM_INVALID, non_retryable=True
            ) from None
