"""ClearinghouseInboxWorkflow (id ``clearinghouse:inbox``): the one reader of inbound files.

Every ``poll_seconds`` it runs ``clearinghouse.poll_and_deliver`` with ``workflow.now()``
(so simulated payers answer on workflow time): the activity reads what is due and
signals each delivery to its target (``claim:{id}`` or ``episode:{id}``) with the
worker's client, each target's 835s after its other notices (patch
``inbox-deliver-by-activity``; before it, ``clearinghouse.poll_inbox`` only polled and
this workflow sent the signals itself, every 835 after the poll's other signals). The
workflow then opens one "unmatched file" task per file that could not be read or
matched — also when a delivery's target workflow no longer exists. Tasks are children
with ``ParentClosePolicy.ABANDON`` and the id ``task:unmatched-file-{x12 file id}``, so
they outlive the inbox's continue-as-new. Continues as new every ``polls_per_run`` polls.

A claim notice whose ``claim:{id}`` cannot be signalled (the claim is resolved and its
workflow closed) goes to ``clearinghouse.record_late_notices`` (patch
``inbox-late-claim-notices``): a late 999/277CA acceptance or 277 answer is recorded
against the resolved claim and needs nobody; a late 999/277CA rejection is recorded and
opens a task ``task:{claim id}:late-rejection:{x12 file id}`` (kind ``unmatched_file``)
naming the claim, the file and the payer's message; anything else (an 835, a claim
that is not resolved, an unknown claim) stays an unmatched-file task as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import FailureError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from models.inbox_tasks import UNMATCHED_FILE
    from models.task_catalog import get_kind
    from workflows.claim_types import (
        SIGNAL_ACKNOWLEDGED,
        SIGNAL_REMITTED,
        SIGNAL_STATUS_ANSWERED,
        Delivery,
        PollInboxInput,
        PollInboxResult,
    )
    from workflows.human_task import HumanTaskWorkflow
    from workflows.ids import task_workflow_id
    from workflows.inbox_types import (
        POLL_AND_DELIVER_ACTIVITY,
        RECORD_LATE_ACTIVITY,
        LateNotice,
        LateVerdict,
        PolledAndDelivered,
        RecordLateNoticesInput,
        RecordLateNoticesResult,
    )
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
# Patch: a claim notice that cannot be signalled (the claim's workflow has closed) is
# handed to clearinghouse.record_late_notices instead of becoming an unmatched-file task
# straight away.
LATE_NOTICES_PATCH = "inbox-late-claim-notices"
RECORD_LATE_TIMEOUT = timedelta(seconds=60)
# Patch: one activity, clearinghouse.poll_and_deliver, polls and signals the deliveries
# with the worker's client, not this workflow (see activities/clearinghouse/deliver.py).
DELIVER_PATCH = "inbox-deliver-by-activity"
POLL_AND_DELIVER_TIMEOUT = timedelta(seconds=120)
CLAIM_SIGNALS = frozenset({SIGNAL_ACKNOWLEDGED, SIGNAL_STATUS_ANSWERED, SIGNAL_REMITTED})


def default_poll_seconds(day_seconds: float) -> float:
    """A 48th of a business day, between 2 s and 60 s."""
    return min(60.0, max(2.0, day_seconds / 48))


def unmatched_task_id(x12_file_id: int) -> str:
    return f"unmatched-file-{x12_file_id}"


def late_rejection_task_id(claim_id: str, x12_file_id: int) -> str:
    return f"{claim_id}:late-rejection:{x12_file_id}"


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
    recorded_late: int = 0  # notices recorded against resolved claims, no task
    late_rejections: int = 0  # late rejections of resolved claims: a task each


@workflow.defn(name="ClearinghouseInbox")
class ClearinghouseInboxWorkflow:
    @workflow.init
    def __init__(self, inp: InboxInput) -> None:
        self._polls = inp.polls_done
        self._delivered = 0
        self._unmatched = 0
        self._recorded_late = 0
        self._late_rejections = 0

    @workflow.run
    async def run(self, inp: InboxInput) -> None:
        period = timedelta(seconds=inp.poll_seconds or default_poll_seconds(inp.day_seconds))
        for _ in range(max(1, inp.polls_per_run)):
            polled_at = workflow.now().isoformat()
            result, outcomes = await self._poll(polled_at)
            self._polls += 1
            problems: dict[int, tuple[str, list[str]]] = {}
            for u in result.unmatched:
                problems.setdefault(u.x12_file_id, (u.name, []))[1].append(u.error)
            late: list[tuple[Delivery, str]] = []
            for d, error in zip(result.deliveries, outcomes, strict=True):
                if error is None:
                    self._delivered += 1
                    continue
                if d.signal in CLAIM_SIGNALS and workflow.patched(LATE_NOTICES_PATCH):
                    late.append((d, error))
                    continue
                file_id = int(str(d.payload.get("x12_file_id", 0)))
                problems.setdefault(file_id, (f"file {file_id}", []))[1].append(error)
            rejections = await self._record_late(late, polled_at, problems)
            for file_id, (name, errors) in sorted(problems.items()):
                await self._open_task(file_id, name, errors, inp.day_seconds)
            for (claim_id, file_id), notices in sorted(rejections.items()):
                await self._open_rejection_task(claim_id, file_id, notices, inp.day_seconds)
            await workflow.sleep(period)
        workflow.continue_as_new(replace(inp, polls_done=self._polls))

    async def _poll(self, polled_at: str) -> tuple[PollInboxResult, list[str | None]]:
        """Read what is due and deliver it: the poll and, for each of its deliveries, why
        it could not be delivered, or None."""
        if workflow.patched(DELIVER_PATCH):
            polled: PolledAndDelivered = await workflow.execute_activity(
                POLL_AND_DELIVER_ACTIVITY,
                PollInboxInput(now=polled_at),
                result_type=PolledAndDelivered,
                start_to_close_timeout=POLL_AND_DELIVER_TIMEOUT,
                retry_policy=POLL_RETRY,
            )
            return polled.poll, polled.errors
        result: PollInboxResult = await workflow.execute_activity(
            POLL_ACTIVITY,
            PollInboxInput(now=polled_at),
            result_type=PollInboxResult,
            start_to_close_timeout=POLL_TIMEOUT,
            retry_policy=POLL_RETRY,
        )
        return result, await self._signal_all(result.deliveries)

    async def _signal_all(self, deliveries: list[Delivery]) -> list[str | None]:
        """Before patch ``inbox-deliver-by-activity``: send every delivery from here."""
        if not workflow.patched(REMITS_LAST_PATCH):
            return list(await asyncio.gather(*(self._signal(d) for d in deliveries)))
        outcomes: list[str | None] = [None] * len(deliveries)
        for remits in (False, True):  # the rest at once, then the 835s at once
            batch = [i for i, d in enumerate(deliveries) if (d.signal == SIGNAL_REMITTED) is remits]
            results = await asyncio.gather(*(self._signal(deliveries[i]) for i in batch))
            for i, error in zip(batch, results, strict=True):
                outcomes[i] = error
        return outcomes

    async def _signal(self, d: Delivery) -> str | None:
        """Send one delivery; the reason it could not be delivered, or None."""
        try:
            await workflow.get_external_workflow_handle(d.workflow_id).signal(d.signal, d.payload)
        except FailureError as err:
            return d.undelivered(err.message)
        return None

    async def _record_late(
        self,
        late: list[tuple[Delivery, str]],
        polled_at: str,
        problems: dict[int, tuple[str, list[str]]],
    ) -> dict[tuple[str, int], list[LateNotice]]:
        """Hand undelivered claim notices to ``record_late_notices``; add what it could not
        record to ``problems`` and return the late rejections by (claim id, file id)."""
        rejections: dict[tuple[str, int], list[LateNotice]] = {}
        if not late:
            return rejections
        recorded: RecordLateNoticesResult = await workflow.execute_activity(
            RECORD_LATE_ACTIVITY,
            RecordLateNoticesInput(at=polled_at, deliveries=[d for d, _ in late]),
            result_type=RecordLateNoticesResult,
            start_to_close_timeout=RECORD_LATE_TIMEOUT,
            retry_policy=POLL_RETRY,
        )
        for (_, error), notice in zip(late, recorded.notices, strict=True):
            if notice.verdict == LateVerdict.RECORDED:
                self._recorded_late += 1
            elif notice.verdict == LateVerdict.REJECTED:
                rejections.setdefault((notice.claim_id, notice.x12_file_id), []).append(notice)
            else:
                name = notice.file_name or f"file {notice.x12_file_id}"
                why = f"{error} ({notice.message})" if notice.message else error
                problems.setdefault(notice.x12_file_id, (name, []))[1].append(why)
        return rejections

    async def _open_rejection_task(
        self, claim_id: str, file_id: int, notices: list[LateNotice], day: float
    ) -> None:
        """A person must see a rejection of a claim that is already resolved: one task per
        claim and file, of the unmatched-file kind (what was done by hand, and a note)."""
        self._late_rejections += 1
        first = notices[0]
        sources = " and ".join(dict.fromkeys(n.source for n in notices))
        messages = [n.message for n in notices]
        task_id = late_rejection_task_id(claim_id, file_id)
        reason = (
            f"The {sources} in file {first.file_name} rejected claim {claim_id}, which was "
            f"already resolved ({first.claim_status}): " + "; ".join(messages)
        )
        await self._start_unmatched_kind_task(
            task_id,
            title=f"Late {sources} rejection of resolved claim {claim_id} "
            f"(inbound file #{file_id})"[:200],
            reason=reason[:1000],
            context={
                "x12_file_id": file_id,
                "file_name": first.file_name,
                "claim_id": claim_id,
                "claim_status": first.claim_status,
                "late_rejection": sources,
                "errors": messages[:20],
            },
            day=day,
            episode_id=first.episode_id or None,
            claim_id=claim_id,
            payer_id=first.payer_id or None,
        )

    async def _open_task(self, file_id: int, name: str, errors: list[str], day: float) -> None:
        self._unmatched += 1
        await self._start_unmatched_kind_task(
            unmatched_task_id(file_id),
            title=f"Inbound file #{file_id} could not be read or matched",
            reason="; ".join(errors)[:1000],
            context={"x12_file_id": file_id, "file_name": name, "errors": errors[:20]},
            day=day,
        )

    async def _start_unmatched_kind_task(
        self,
        task_id: str,
        *,
        title: str,
        reason: str,
        context: dict[str, Any],
        day: float,
        episode_id: str | None = None,
        claim_id: str | None = None,
        payer_id: str | None = None,
    ) -> None:
        """Open an unmatched-file task that outlives the inbox (abandoned child, fixed id)."""
        kind = get_kind(UNMATCHED_FILE)
        with contextlib.suppress(WorkflowAlreadyStartedError):  # an earlier run opened it
            await workflow.start_child_workflow(
                HumanTaskWorkflow.run,
                OpenTaskInput(
                    task_id=task_id,
                    kind=kind.name,
                    queue=kind.queue,
                    title=title,
                    form_schema=kind.form_schema,
                    priority=kind.priority,
                    due_seconds=kind.sla_days * day,
                    escalate_seconds=kind.escalate_days * day,
                    episode_id=episode_id,
                    claim_id=claim_id,
                    payer_id=payer_id,
                    reason=reason,
                    context=context,
                ),
                id=task_workflow_id(task_id),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            )

    @workflow.query(name="status")
    def status(self) -> InboxStatus:
        return InboxStatus(
            polls=self._polls,
            delivered=self._delivered,
            unmatched=self._unmatched,
            recorded_late=self._recorded_late,
            late_rejections=self._late_rejections,
        )


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
