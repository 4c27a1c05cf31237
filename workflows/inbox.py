"""ClearinghouseInboxWorkflow (id ``clearinghouse:inbox``): the one reader of inbound files.

Every ``poll_seconds`` it runs ``clearinghouse.poll_inbox`` with ``workflow.now()`` (so
simulated payers answer on workflow time), sends each delivery as a signal to its
target (``claim:{id}`` or ``episode:{id}``) — the 835s last, once the poll's other
signals are delivered — and opens one "unmatched file" task per
file that could not be read or matched — also when a delivery's target workflow no
longer exists. Tasks are children with ``ParentClosePolicy.ABANDON`` and the id
``task:unmatched-file-{x12 file id}``, so they outlive the inbox's continue-as-new.
Continues as new every ``polls_per_run`` polls.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import FailureError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from models.inbox_tasks import UNMATCHED_FILE
    from models.task_catalog import get_kind
    from workflows.claim_types import SIGNAL_REMITTED, Delivery, PollInboxInput, PollInboxResult
    from workflows.human_task import HumanTaskWorkflow
    from workflows.ids import task_workflow_id
    from workflows.task_types import OpenTaskInput

INBOX_WORKFLOW_ID = "clearinghouse:inbox"
POLL_ACTIVITY = "clearinghouse.poll_inbox"
POLL_TIMEOUT = timedelta(seconds=60)
POLL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10)
)
# Patch: a poll's remittances are signalled only once its other deliveries (999, 277CA,
# 277, 271, authorization decisions) have been delivered, so a claim never reads the 835
# of a poll before that poll's acknowledgements.
REMITS_LAST_PATCH = "inbox-remits-after-acks"


def default_poll_seconds(day_seconds: float) -> float:
    """A 48th of a business day, between 2 s and 60 s."""
    return min(60.0, max(2.0, day_seconds / 48))


def unmatched_task_id(x12_file_id: int) -> str:
    return f"unmatched-file-{x12_file_id}"


@dataclass(frozen=True, kw_only=True)
class InboxInput:
    day_seconds: float = 86400.0
    poll_seconds: float = 0.0  # 0: default_poll_seconds(day_seconds)
    polls_per_run: int = 200  # then continue as new
    polls_done: int = 0  # across runs, for the status query


@dataclass(frozen=True, kw_only=True)
class InboxStatus:
    polls: int
    delivered: int
    unmatched: int


@workflow.defn(name="ClearinghouseInbox")
class ClearinghouseInboxWorkflow:
    @workflow.init
    def __init__(self, inp: InboxInput) -> None:
        self._polls = inp.polls_done
        self._delivered = 0
        self._unmatched = 0

    @workflow.run
    async def run(self, inp: InboxInput) -> None:
        period = timedelta(seconds=inp.poll_seconds or default_poll_seconds(inp.day_seconds))
        for _ in range(max(1, inp.polls_per_run)):
            result: PollInboxResult = await workflow.execute_activity(
                POLL_ACTIVITY,
                PollInboxInput(now=workflow.now().isoformat()),
                result_type=PollInboxResult,
                start_to_close_timeout=POLL_TIMEOUT,
                retry_policy=POLL_RETRY,
            )
            self._polls += 1
            problems: dict[int, tuple[str, list[str]]] = {}
            for u in result.unmatched:
                problems.setdefault(u.x12_file_id, (u.name, []))[1].append(u.error)
            outcomes = await self._signal_all(result.deliveries)
            for d, error in zip(result.deliveries, outcomes, strict=True):
                if error is None:
                    self._delivered += 1
                    continue
                file_id = int(str(d.payload.get("x12_file_id", 0)))
                problems.setdefault(file_id, (f"file {file_id}", []))[1].append(error)
            for file_id, (name, errors) in sorted(problems.items()):
                await self._open_task(file_id, name, errors, inp.day_seconds)
            await workflow.sleep(period)
        workflow.continue_as_new(replace(inp, polls_done=self._polls))

    async def _signal_all(self, deliveries: list[Delivery]) -> list[str | None]:
        """Send every delivery; for each, why it could not be delivered, or None."""
        if not workflow.patched(REMITS_LAST_PATCH):
            return list(await asyncio.gather(*(self._signal(d) for d in deliveries)))
        outcomes: list[str | None] = [None] * len(deliveries)
        for remits in (False, True):  # the rest at once, then the 835s at once
            batch = [i for i, d in enumerate(deliveries) if (d.signal == SIGNAL_REMITTED) is remits]
            sent = await asyncio.gather(*(self._signal(deliveries[i]) for i in batch))
            for i, error in zip(batch, sent, strict=True):
                outcomes[i] = error
        return outcomes

    async def _signal(self, d: Delivery) -> str | None:
        """Send one delivery; the reason it could not be delivered, or None."""
        try:
            await workflow.get_external_workflow_handle(d.workflow_id).signal(d.signal, d.payload)
        except FailureError as err:
            return f"{d.payload_type} for {d.workflow_id} not delivered: {err.message}"
        return None

    async def _open_task(self, file_id: int, name: str, errors: list[str], day: float) -> None:
        self._unmatched += 1
        kind = get_kind(UNMATCHED_FILE)
        task_id = unmatched_task_id(file_id)
        reason = "; ".join(errors)[:1000]
        with contextlib.suppress(WorkflowAlreadyStartedError):  # an earlier run opened it
            await workflow.start_child_workflow(
                HumanTaskWorkflow.run,
                OpenTaskInput(
                    task_id=task_id,
                    kind=kind.name,
                    queue=kind.queue,
                    title=f"Inbound file #{file_id} could not be read or matched",
                    form_schema=kind.form_schema,
                    priority=kind.priority,
                    due_seconds=kind.sla_days * day,
                    escalate_seconds=kind.escalate_days * day,
                    reason=reason,
                    context={"x12_file_id": file_id, "file_name": name, "errors": errors[:20]},
                ),
                id=task_workflow_id(task_id),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            )

    @workflow.query(name="status")
    def status(self) -> InboxStatus:
        return InboxStatus(polls=self._polls, delivered=self._delivered, unmatched=self._unmatched)


async def start_inbox(
    client: Client,
    task_queue: str,
    *,
    day_seconds: float = 86400.0,
    poll_seconds: float = 0.0,
    polls_per_run: int = 200,
) -> str:
    """Start ``clearinghouse:inbox`` unless it runs already (a second call attaches)."""
    handle = await client.start_workflow(
        ClearinghouseInboxWorkflow.run,
        InboxInput(day_seconds=day_seconds, poll_seconds=poll_seconds, polls_per_run=polls_per_run),
        id=INBOX_WORKFLOW_ID,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    return handle.id
