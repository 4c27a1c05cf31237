"""The web's only way to change workflow state: Updates to HumanTaskWorkflows.

Every outcome comes back as a ``TaskOutcome`` the pages can render: the workflow's
answer, or a plain error with field errors from the validator. Completions use one
Update id per task, so a double click, a retry after "still processing" or a second
browser tab all get the first answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from web.update_retry import send_again_message, send_patiently
from workflows.errors import ErrorType
from workflows.ids import complete_update_id, task_workflow_id
from workflows.task_types import (
    ClaimTaskInput,
    CompleteTaskInput,
    ReassignTaskInput,
    ReleaseTaskInput,
    TaskResult,
)

UPDATE_TIMEOUT = timedelta(seconds=8)
PROCESSING = "processing"


@dataclass(frozen=True, kw_only=True)
class TaskOutcome:
    ok: bool
    result: TaskResult | None = None
    error_type: str | None = None
    message: str = ""
    field_errors: dict[str, str] = field(default_factory=dict)

    @property
    def still_processing(self) -> bool:
        return self.error_type == PROCESSING


# Given a task id whose workflow has closed: (ErrorType, sentence), read from the read model.
ClosedTaskExplainer = Callable[[str], tuple[str, str]]


class TaskGateway:
    """Sends task Updates. ``explain_closed`` turns a closed task id into a sentence."""

    def __init__(self, client: Client, explain_closed: ClosedTaskExplainer) -> None:
        self._client = client
        self._explain_closed = explain_closed

    async def claim(self, task_id: str, user: str) -> TaskOutcome:
        return await self._update(task_id, "claim", ClaimTaskInput(user=user), None)

    async def release(self, task_id: str, user: str, roles: tuple[str, ...]) -> TaskOutcome:
        return await self._update(
            task_id, "release", ReleaseTaskInput(user=user, roles=roles), None
        )

    async def reassign(self, task_id: str, inp: ReassignTaskInput) -> TaskOutcome:
        return await self._update(task_id, "reassign", inp, None)

    async def complete(self, task_id: str, user: str, data: dict[str, Any]) -> TaskOutcome:
        return await self._update(
            task_id,
            "complete",
            CompleteTaskInput(user=user, data=data),
            complete_update_id(task_id),
        )

    async def _update(
        self, task_id: str, name: str, arg: Any, update_id: str | None
    ) -> TaskOutcome:
        handle = self._client.get_workflow_handle(task_workflow_id(task_id))
        try:
            result = await send_patiently(
                lambda: handle.execute_update(
                    name, arg, id=update_id, result_type=TaskResult, rpc_timeout=UPDATE_TIMEOUT
                )
            )
        except WorkflowUpdateFailedError as exc:
            return _from_failure(exc.cause)
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            return TaskOutcome(
                ok=False,
                error_type=PROCESSING,
                message="Still processing: the answer will show when it arrives. "
                "Submitting again is safe.",
            )
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                error_type, message = self._explain_closed(task_id)
                return TaskOutcome(ok=False, error_type=error_type, message=message)
            if (again := send_again_message(exc)) is not None:
                return TaskOutcome(ok=False, error_type=PROCESSING, message=again)
            raise
        return TaskOutcome(ok=True, result=result)


def _from_failure(cause: BaseException | None) -> TaskOutcome:
    if isinstance(cause, ApplicationError):
        errors: dict[str, str] = {}
        if cause.details and isinstance(cause.details[0], dict):
            errors = {str(k): str(v) for k, v in cause.details[0].items()}
        return TaskOutcome(
            ok=False, error_type=cause.type, message=cause.message, field_errors=errors
        )
    return TaskOutcome(ok=False, error_type="unknown", message=str(cause))


def explain_closed_row(
    status: str | None, completed_by: str | None, reason: str | None
) -> tuple[str, str]:
    """The sentence a person sees when acting on a task that has already closed."""
    if status == "withdrawn":
        return ErrorType.TASK_WITHDRAWN, f"This task was withdrawn because {reason}."
    if status == "completed":
        return ErrorType.TASK_COMPLETED, f"This task was already completed by {completed_by}."
    return ErrorType.NOT_FOUND, "This task no longer exists."
