"""Send an Update again when the server says the workflow is not ready for it; name the
server not answering at all.

While a workflow's last workflow task failed or timed out and is being retried (a worker
restarting, or a worker so busy that a task overran its start-to-close timeout), the
server refuses every Update to that workflow at once with FAILED_PRECONDITION "Workflow
Task in failed state". And an Update already sent to the worker when its workflow task
fails (a signal or a child's completion landing while the workflow completes:
UNHANDLED_COMMAND) is aborted with FAILED_PRECONDITION "... due to unexpected workflow
task failure". Neither was applied, so sending it again cannot apply it twice; the
workflow is usually ready within a second or two. Both gateways send their
Updates through ``send_patiently``; a refusal that outlasts the delays reaches the page as
"still processing", which tells the person that sending again is safe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from temporalio.service import RPCError, RPCStatusCode

T = TypeVar("T")

# About 11 s in all: longer than a worker restart, shorter than a person's patience.
NOT_READY_DELAYS: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 3.0, 4.0)

BUSY_MESSAGE = (
    "The workflow is catching up after a delay and did not take this yet. Sending again is safe."
)


# The workflow service did not answer at all: down, restarting, overloaded or too slow.
UNREACHABLE = (
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.RESOURCE_EXHAUSTED,
)
UNREACHABLE_MESSAGE = (
    "The workflow service did not answer, so this may not have been taken yet. "
    "Nothing is lost: sending again in a moment is safe."
)


def service_unreachable(exc: BaseException) -> bool:
    """True when the server did not answer (as while it restarts). The pages say so, and
    that sending again is safe: the Updates that change money carry a fixed Update id (a
    documented day, a discharge, an authorization, a task's completion), and the others
    (claim, release, attendance, a coverage edit) leave the same state when repeated."""
    return isinstance(exc, RPCError) and exc.status in UNREACHABLE


# The server's WorkflowNotReady refusals of an Update (FAILED_PRECONDITION): refused at
# the door while a workflow task is retried, or aborted because the task it rode on failed.
NOT_READY_TEXTS = ("workflow task in failed state", "unexpected workflow task failure")


def workflow_not_ready(exc: BaseException) -> bool:
    """True for the server's "not ready for Updates" refusal, which is safe to resend."""
    if not isinstance(exc, RPCError) or exc.status != RPCStatusCode.FAILED_PRECONDITION:
        return False
    message = exc.message.lower()
    return any(text in message for text in NOT_READY_TEXTS)


def send_again_message(exc: BaseException) -> str | None:
    """What a page says for a refusal that sending again can cure (the workflow not ready,
    or the server not answering); None for any other error."""
    if workflow_not_ready(exc):
        return BUSY_MESSAGE
    if service_unreachable(exc):
        return UNREACHABLE_MESSAGE
    return None


async def send_patiently(
    send: Callable[[], Awaitable[T]],
    delays: Sequence[float] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> T:
    """``await send()``, again after each delay while the workflow is not ready.

    ``delays`` defaults to ``NOT_READY_DELAYS``. Any other error, and the last refusal
    once the delays are spent, is raised as is.
    """
    pause = sleep or asyncio.sleep
    for delay in NOT_READY_DELAYS if delays is None else delays:
        try:
            return await send()
        except RPCError as exc:
            if not workflow_not_ready(exc):
                raise
        await pause(delay)
    return await send()
