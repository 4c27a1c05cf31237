"""The EpisodeWorkflow's prior authorization and the authorizations entered on its page.

Authorization stage (``decide``): the request goes to the clearinghouse; the payer's
decision arrives by signal, or a biller's "authorization" task opens when none arrives in
the decision window (an approval that comes later withdraws it); an authorization
entered on the episode page (``enter``) is the decision the episode waits for, and
withdraws that task. Active stage: an entered authorization extends the latest one and
settles the concurrent review.

``EpisodeAuthorization`` is not a workflow: ``workflows.episode`` holds one and calls it
from its main line, its ``authorization_decided`` signal and its ``enter_authorization``
Update and validator. It runs inside the workflow, so it is imported into the sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.episode_runtime import EpisodeRuntime

with workflow.unsafe.imports_passed_through():
    from workflows.authorization_entry import entry_errors
    from workflows.episode_types import (
        AuthDecisionNotice,
        AuthorizationStatus,
        AuthRequestInput,
        EnterAuthorizationInput,
        RecordAuthorizationInput,
        Stage,
    )
    from workflows.errors import ErrorType
    from workflows.task_types import TaskResult, TaskStatus

# Patch: a payer's approval that arrives after the decision window, while the biller's
# "authorization" task (no decision) is open, is recorded and withdraws the task.
LATE_278_ENDS_TASK = "late-278-ends-task"


class EpisodeAuthorization:
    def __init__(self, rt: EpisodeRuntime) -> None:
        self._rt = rt
        self.notice: AuthDecisionNotice | None = None  # the payer's, by signal
        # An authorization entered on the episode page (enter_authorization Update):
        self._entered: EnterAuthorizationInput | None = None
        self._entered_result: AuthorizationStatus | None = None
        self._entered_key = ""
        self._taken = False  # the main line has taken the payer's or the biller's answer

    async def decide(self) -> None:
        """The authorization stage: wait for the payer, the page or a biller's task."""
        rt = self._rt
        s = rt.s
        assert s.facts is not None
        self.notice = None
        await rt.send(
            "clearinghouse.request_authorization",
            AuthRequestInput(episode_id=rt.inp.episode_id, now=workflow.now().isoformat()),
        )
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: (
                    (self.notice is not None and self.notice.status != "pended")
                    or self._entered is not None
                ),
                timeout=rt.days(s.facts.prior_auth_days),
            )
        if self._entered is not None:
            await self._record_entered()
            return
        decision = self.notice
        if decision is not None and decision.status in ("approved", "partial"):
            self._taken = True
            await self._record_payer(decision)
            return
        reason = (
            f"The payer answered {decision.status}: {decision.message}"
            if decision
            else f"No authorization decision within {s.facts.prior_auth_days} day(s): "
            "call the payer and record the decision"
        )
        task = rt.start_task("authorization", "authorization", "Authorization", reason)
        if (
            decision is None
            and workflow.patched(LATE_278_ENDS_TASK)
            and await self._late_approval(task)
        ):
            return
        result = await task
        if self._entered is not None:  # entered on the episode page: the task was withdrawn
            await self._record_entered()
            return
        self._taken = True
        if result.status is TaskStatus.COMPLETED:
            d = result.data
            await self.record(
                str(d["status"]),
                str(d.get("number", "")),
                d.get("start"),
                d.get("end"),
                int(d.get("units") or 0),
                "biller",
            )

    async def _late_approval(self, task: asyncio.Task[TaskResult]) -> bool:
        """Wait for the "no decision" task or a late decision from the payer. A late
        approval is what the task asked the biller to find out: the task is withdrawn and
        the approval recorded. True when it was; a late denial leaves the task to the
        biller, as does an answer the biller or the page gave first."""
        rt = self._rt
        await workflow.wait_condition(
            lambda: task.done() or (self.notice is not None and self.notice.status != "pended")
        )
        decision = self.notice
        if task.done() or self._entered is not None or decision is None:
            return False
        if decision.status not in ("approved", "partial"):
            return False
        self._taken = True  # the page can no longer enter a decision for this stage
        await rt.withdraw(
            f"{rt.inp.episode_id}-authorization",
            f"The payer's decision arrived after the wait: {decision.status} {decision.number}",
        )
        if (await task).status is TaskStatus.COMPLETED:
            return False  # the biller answered first: that answer stands
        await self._record_payer(decision)
        return True

    async def _record_payer(self, decision: AuthDecisionNotice) -> None:
        await self.record(
            decision.status,
            decision.number,
            decision.start,
            decision.end,
            decision.units,
            "payer",
        )

    async def record(
        self,
        status: str,
        number: str,
        start: str | None,
        end: str | None,
        units: int,
        source: str,
        *,
        extend: bool = False,
        key: str = "",
    ) -> AuthorizationStatus:
        rt = self._rt
        assert rt.s.facts is not None
        recorded: AuthorizationStatus = await rt.act(
            "episodes.record_authorization",
            RecordAuthorizationInput(
                episode_id=rt.inp.episode_id,
                ruleset_version=rt.s.facts.ruleset_version,
                status=status,
                number=number,
                start=start,
                end=end,
                units=units,
                source=source,
                extend=extend,
                key=key,
                at=workflow.now().isoformat(),
            ),
            AuthorizationStatus,
        )
        return recorded

    def _entry_key_for_update(self) -> str:
        """Once per Update (the web's id carries the form's key): a retried activity or a
        replayed Update records the entry once."""
        info = workflow.current_update_info()
        return f"{self._rt.inp.episode_id}:auth:{info.id if info else workflow.uuid4()}"

    async def _record_entered(self) -> None:
        inp = self._entered
        assert inp is not None
        self._entered_result = await self.record(
            inp.status,
            inp.number,
            inp.start or None,
            inp.end or None,
            inp.units,
            "staff",
            key=self._entered_key,
        )

    async def enter(self, inp: EnterAuthorizationInput) -> AuthorizationStatus:
        """The ``enter_authorization`` Update (see its docstring in workflows.episode)."""
        rt = self._rt
        s, eid = rt.s, rt.inp.episode_id
        why = f"the authorization was recorded by {inp.user or 'staff'} on the episode page"
        if s.stage is Stage.AUTHORIZATION:
            self._entered, self._entered_key = inp, self._entry_key_for_update()
            await rt.withdraw(f"{eid}-authorization", why)
            await workflow.wait_condition(lambda: self._entered_result is not None)
            assert self._entered_result is not None
            return self._entered_result
        result = await self.record(
            inp.status,
            inp.number,
            inp.start or None,
            inp.end or None,
            inp.units,
            "staff",
            extend=True,
            key=self._entry_key_for_update(),
        )
        s.review_handled_for = rt.today().isoformat()
        settled = "none" if result.approved else "denied"
        reviews = [t for t in rt.open_tasks if t.startswith(f"{eid}-review-")]
        if reviews or s.review_state == "open":
            rt.review_override = settled
        s.review_state = settled
        for task_id in reviews:
            await rt.withdraw(task_id, why)
        rt.changed = True
        return result

    def validate(self, inp: EnterAuthorizationInput) -> None:
        """The ``enter_authorization`` validator: one FormInvalid naming every bad field."""
        s, errors = self._rt.s, entry_errors(inp)
        if s.stage not in (Stage.AUTHORIZATION, Stage.ACTIVE):
            errors["stage"] = f"an authorization cannot be recorded in the {s.stage.value} stage"
        elif s.stage is Stage.AUTHORIZATION and (self._entered is not None or self._taken):
            errors["stage"] = "the pending authorization has already been decided; reload"
        if errors:
            raise ApplicationError(
                "; ".join(f"{k}: {v}" for k, v in errors.items()),
                errors,
                type=ErrorType.FORM_INVALID,
                non_retryable=True,
            )
