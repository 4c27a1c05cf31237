"""Building blocks of the ClaimWorkflow: its state, human tasks, timers and activity calls.

``ClaimSteps`` is not a workflow and not a base class: ``workflows.claim`` builds one in
its ``@workflow.init`` and hands it to the submission, remittance and denial helpers.
Everything here runs inside the workflow (``workflow.now()``, ``workflow.sleep``, child
workflows), so this module is imported into the workflow sandbox, not passed through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from models.task_catalog import get_kind
    from workflows.claim_payloads import (
        ClaimStage,
        DeadlineInput,
        DeadlineResult,
        FinalizedDenial,
        MarkClaimInput,
        RecordAppealInput,
        RecordTaskOutcomeInput,
    )
    from workflows.claim_types import AckNotice, ClaimResult, RemitNotice, StatusNotice
    from workflows.clock import BusinessClock
    from workflows.human_task import HumanTaskWorkflow, withdraw_task
    from workflows.ids import task_workflow_id
    from workflows.notices import SeenNotices
    from workflows.task_types import OpenTaskInput, TaskResult, TaskStatus

T = TypeVar("T")
DB_TIMEOUT = timedelta(seconds=30)
DB_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10)
)
CLEARINGHOUSE_TIMEOUT = timedelta(minutes=2)
CLEARINGHOUSE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
ONE_DAY = timedelta(days=1)
Abort = Callable[[], str]  # "" while the task still matters, else why it became moot


@dataclass
class ClaimState:
    claim_id: str
    episode_id: str
    payer_id: str
    clock: BusinessClock
    stage: str = ClaimStage.SCRUBBING
    total_cents: int = 0
    filing_due: str = ""
    filing_rule: str = ""
    accepted: bool = False
    late_acks: bool = False  # acknowledgements after acceptance are recorded (patched)
    recording_ack: bool = False
    submitted_on: str = ""
    scrubs: int = 0
    submissions: int = 0
    rejections: int = 0
    seq: int = 0
    ack_seq: int = 0
    status_seq: int = 0
    status_round: int = 0
    postings: int = 0
    revisions: int = 0
    acks: list[AckNotice] = field(default_factory=list)
    remits: list[RemitNotice] = field(default_factory=list)
    statuses: list[StatusNotice] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)
    open_tasks: dict[str, str] = field(default_factory=dict)
    # Tasks that do not hold the claim (``ClaimSteps.detach_task``) whose answer is not
    # recorded yet: the workflow ends after them, though the claim resolved before.
    detached: int = 0
    replacement_claim_ids: list[str] = field(default_factory=list)
    child_results: list[ClaimResult] = field(default_factory=list)
    # A claim status task answered "the payer finalized this claim as denied": the wait
    # for the 835 ends and the denial is routed by its CARC (patched).
    finalized: FinalizedDenial | None = None
    finalized_count: int = 0
    # Notices already taken, by file (the inbox may deliver one twice).
    notices: SeenNotices = field(default_factory=SeenNotices)


class ClaimSteps:
    """What the claim's stages share: its state, background tasks and the calls they make."""

    def __init__(self, state: ClaimState) -> None:
        self.s = state
        self.background: list[asyncio.Task[None]] = []  # alarms, late acks, status tasks

    async def run_task(
        self,
        kind: str,
        title: str,
        reason: str,
        *,
        context: dict[str, Any] | None = None,
        abort: Abort | None = None,
        amount: int = 0,
    ) -> TaskResult | None:
        """Open a human task and wait for it; withdraw it when ``abort`` names a reason."""
        s = self.s
        s.seq += 1
        task_id = f"{s.claim_id}:{kind}:{s.seq}"
        k = get_kind(kind)
        handle = await workflow.start_child_workflow(
            HumanTaskWorkflow.run,
            OpenTaskInput(
                task_id=task_id,
                kind=k.name,
                queue=k.queue,
                title=title,
                form_schema=k.form_schema,
                priority=k.priority,
                due_seconds=k.sla_days * s.clock.day_seconds,
                escalate_seconds=k.escalate_days * s.clock.day_seconds,
                episode_id=s.episode_id,
                claim_id=s.claim_id,
                payer_id=s.payer_id,
                amount_at_risk_cents=amount or s.total_cents,
                filing_deadline=None if s.accepted else (s.filing_due or None),
                reason=reason,
                context=context or {},
            ),
            id=task_workflow_id(task_id),
            parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
        )
        s.open_tasks[task_id] = kind
        try:
            if abort is not None:
                await workflow.wait_condition(lambda: handle.done() or bool(abort()))
                if not handle.done():
                    await withdraw_task(handle, abort() or "")
            result: TaskResult = await handle
        finally:
            s.open_tasks.pop(task_id, None)
        return result if result.status is TaskStatus.COMPLETED else None

    async def simple_task(
        self,
        kind: str,
        reason: str,
        *,
        context: dict[str, Any] | None = None,
        abort: Abort | None = None,
        denial_id: str = "",
        amount: int = 0,
    ) -> None:
        title = f"{get_kind(kind).label} for claim {self.s.claim_id}"
        answer = await self.run_task(
            kind, title, reason, context=context, abort=abort, amount=amount
        )
        if answer is not None:
            await self.record_task(answer, kind, denial_id)

    def detach_task(
        self, kind: str, reason: str, *, context: dict[str, Any], denial_id: str, amount: int
    ) -> None:
        """``simple_task`` without holding the claim: the task opens and its answer is
        recorded when it comes, while the claim goes on to resolve."""
        s = self.s
        s.detached += 1

        async def work() -> None:
            try:
                await self.simple_task(
                    kind, reason, context=context, denial_id=denial_id, amount=amount
                )
            finally:
                s.detached -= 1

        self.background.append(asyncio.create_task(work()))

    async def record_task(self, answer: TaskResult, kind: str, denial_id: str = "") -> None:
        await self.do(
            "claims.record_task_outcome",
            RecordTaskOutcomeInput(
                claim_id=self.s.claim_id,
                task_id=answer.task_id,
                kind=kind,
                at=workflow.now().isoformat(),
                data=answer.data,
                denial_id=denial_id,
            ),
        )

    async def record_appeal(
        self, level: int, status: str, *, letter: str = "", note: str = ""
    ) -> None:
        await self.do(
            "claims.record_appeal",
            RecordAppealInput(
                claim_id=self.s.claim_id,
                level=level,
                status=status,
                at=workflow.now().isoformat(),
                letter=letter,
                note=str(note),
            ),
        )

    def alarm_abort(self, name: str, reason: str) -> Abort:
        return lambda: reason if name in self.s.alarms else ""

    def filing_abort(self) -> str:
        if "filing" in self.s.alarms and not self.s.accepted:
            return f"the filing deadline {self.s.filing_due} passed"
        return ""

    def alarm(self, name: str, due: date) -> asyncio.Task[None]:
        """Adds ``name`` to the state's alarms when business date ``due`` begins."""

        async def ring() -> None:
            delay = self.s.clock.until(workflow.now(), due)
            if delay > timedelta(0):
                await workflow.sleep(delay)
            self.s.alarms.append(name)

        task = asyncio.create_task(ring())
        self.background.append(task)
        return task

    async def sleep_until(self, due: date, done: Callable[[], bool]) -> bool:
        """Wait until ``done()`` or the business date ``due`` begins; True when done."""
        if done():
            return True
        delay = self.s.clock.until(workflow.now(), due)
        if delay <= timedelta(0):
            return False
        try:
            await workflow.wait_condition(done, timeout=delay)
        except TimeoutError:
            return done()
        return True

    async def deadline(
        self, clock: str, start: date, *, level: int = 1, repeat: int = 0
    ) -> DeadlineResult:
        return await self.act(
            "claims.deadline",
            DeadlineInput(
                claim_id=self.s.claim_id,
                clock=clock,
                start=start.isoformat(),
                level=level,
                repeat=repeat,
            ),
            DeadlineResult,
        )

    async def mark(self, kind: str, **fields: Any) -> None:
        s = self.s
        s.seq += 1
        await self.do(
            "claims.mark",
            MarkClaimInput(
                claim_id=s.claim_id,
                key=f"{s.claim_id}:{kind}:{s.seq}",
                kind=kind,
                at=workflow.now().isoformat(),
                **fields,
            ),
        )

    async def do(self, name: str, arg: Any) -> None:
        await workflow.execute_activity(
            name, arg, start_to_close_timeout=DB_TIMEOUT, retry_policy=DB_RETRY
        )

    async def act(self, name: str, arg: Any, result_type: type[T]) -> T:
        result: T = await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
        )
        return result

    def today(self) -> date:
        return self.s.clock.today(workflow.now())

    def iso_today(self) -> str:
        return self.today().isoformat()
