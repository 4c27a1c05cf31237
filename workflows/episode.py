"""EpisodeWorkflow (id ``episode:{episode_id}``): one patient's IOP episode.

intake (task when incomplete) → eligibility by 270/271 (inactive, ambiguous or no
answer → "resolve eligibility" task) → prior authorization where the rule set wants it
(payer decision from the clearinghouse, or a biller's "authorization" task when none
arrives in the decision window) → attending: documented days arrive by Update, each
captured into charges by the rules engine in an activity; attended days not
documented in time open "missing documentation" tasks; a "concurrent review" task
opens before the authorization runs out; billing cycles by the payer's cadence start
one ClaimWorkflow per claim → discharge → waits until every claim is resolved → closed.

The workflow only sequences, waits and branches; every decision is an activity.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.task_catalog import get_kind
    from workflows import search
    from workflows.authorization_entry import entry_errors
    from workflows.claim_types import StartClaimInput
    from workflows.clock import BusinessClock
    from workflows.episode_types import (
        SIGNAL_AUTH_DECISION,
        SIGNAL_CLAIM_REMITTED,
        SIGNAL_CLAIM_RESOLVED,
        SIGNAL_ELIGIBILITY,
        AuthDecisionNotice,
        AuthorizationStatus,
        AuthRequestInput,
        BeginEpisodeInput,
        BuildClaimsInput,
        BuildClaimsResult,
        CaptureDayInput,
        ClaimSettled,
        CoverageChangedInput,
        DaySummary,
        DischargeInput,
        DocumentDayInput,
        EligibilityInquiryInput,
        EligibilityNotice,
        EligibilityResolution,
        EnterAuthorizationInput,
        EpisodeFacts,
        EpisodeState,
        EpisodeStatus,
        IntakeStatus,
        RecordAttendanceInput,
        RecordAuthorizationInput,
        ResolveEligibilityInput,
        SetStageInput,
        Stage,
        StartEpisodeInput,
        StoreIntakeInput,
    )
    from workflows.errors import ErrorType
    from workflows.human_task import HumanTaskWorkflow
    from workflows.ids import claim_workflow_id, task_workflow_id
    from workflows.task_types import OpenTaskInput, TaskResult, TaskStatus, WithdrawTaskInput

DB_TIMEOUT = timedelta(seconds=30)
DB_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=5)
)
SEND_TIMEOUT = timedelta(seconds=60)
RULE_ERRORS = [ErrorType.DAY_INVALID, ErrorType.AUTH_INCOMPLETE, ErrorType.NOT_FOUND]


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
        context=links.get("context") or {},
    )


def _day_hash(doc: DocumentDayInput) -> str:
    body = json.dumps({"day": doc.day, "note": doc.note}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


@workflow.defn(name="Episode")
class EpisodeWorkflow:
    @workflow.init
    def __init__(self, inp: StartEpisodeInput) -> None:
        self._inp = inp
        self._s = inp.state or EpisodeState(payer_id=inp.payer_id)
        self._open_tasks: dict[str, asyncio.Task[TaskResult]] = {}
        self._eligibility: EligibilityNotice | None = None
        self._auth: AuthDecisionNotice | None = None
        self._changed = False  # an Update changed what the attendance loop waits for
        # An authorization entered on the episode page (enter_authorization Update):
        self._entered: EnterAuthorizationInput | None = None
        self._entered_result: AuthorizationStatus | None = None
        self._entered_key = ""
        self._auth_taken = False  # the main line has taken the payer's or the biller's answer
        self._review_override: str | None = None  # review state after a withdrawn review task
        self._recheck: str | None = None  # coverage edited in eligibility: who, so check again

    # -- main line ------------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: StartEpisodeInput) -> EpisodeStatus:
        s = self._s
        if s.clock is None:
            s.clock = BusinessClock.start(workflow.now(), inp.day_seconds)
        workflow.upsert_search_attributes(
            [search.STAGE.value_set(s.stage.value), search.PAYER.value_set(s.payer_id)]
        )
        if s.stage is Stage.INTAKE:
            await self._intake()
            await self._move_to(Stage.ELIGIBILITY, "intake complete")
        if s.facts is None:
            s.facts = await self._act(
                "episodes.begin",
                BeginEpisodeInput(episode_id=inp.episode_id, as_of=self._today().isoformat()),
                EpisodeFacts,
            )
        if s.stage is Stage.ELIGIBILITY:
            await self._check_eligibility()
            needs_auth = s.facts.prior_auth_required and not s.self_pay
            await self._move_to(
                Stage.AUTHORIZATION if needs_auth else Stage.ACTIVE,
                "self-pay" if s.self_pay else "coverage active",
            )
        if s.stage is Stage.AUTHORIZATION:
            await self._authorize()
            await self._move_to(Stage.ACTIVE, "authorization decided")
        if s.stage is Stage.ACTIVE:
            await self._attend()
            await self._move_to(Stage.CLOSING, f"discharged {s.discharge_date}")
        if s.stage is Stage.CLOSING:
            await self._bill()
            await workflow.wait_condition(
                lambda: all(v == "resolved" for v in s.claims.values()) or s.rebuild
            )
            while not all(v == "resolved" for v in s.claims.values()):
                s.rebuild = False
                await self._bill()
                await workflow.wait_condition(
                    lambda: all(v == "resolved" for v in s.claims.values()) or s.rebuild
                )
            await self._move_to(Stage.CLOSED, "every claim resolved")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    def _clock(self) -> BusinessClock:
        assert self._s.clock is not None
        return self._s.clock

    def _today(self) -> date:
        return self._clock().today(workflow.now())

    def _days(self, n: float) -> timedelta:
        assert self._s.clock is not None
        return self._s.clock.days(n)

    async def _act(self, name: str, arg: Any, result_type: type[Any] | None = None) -> Any:
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

    async def _send(self, name: str, arg: Any) -> None:
        await workflow.execute_activity(
            name, arg, start_to_close_timeout=SEND_TIMEOUT, retry_policy=DB_RETRY
        )

    async def _move_to(self, stage: Stage, detail: str) -> None:
        self._s.stage = stage
        workflow.upsert_search_attributes([search.STAGE.value_set(stage.value)])
        await self._act(
            "episodes.set_stage",
            SetStageInput(
                episode_id=self._inp.episode_id,
                stage=stage,
                key=f"{self._inp.episode_id}:stage:{stage.value}:{self._s.runs}",
                detail=detail,
            ),
        )

    # -- tasks ------------------------------------------------------------------------------
    def _start_task(
        self, kind: str, suffix: str, title: str, reason: str, context: dict[str, Any] | None = None
    ) -> asyncio.Task[TaskResult]:
        task_id = f"{self._inp.episode_id}-{suffix}"
        inp = open_task_input(
            kind,
            task_id=task_id,
            day_seconds=self._inp.day_seconds,
            title=f"{title} (episode {self._inp.episode_id})",
            reason=reason,
            episode_id=self._inp.episode_id,
            payer_id=self._s.payer_id,
            context=context,
        )
        handle = asyncio.create_task(self._run_task(inp))
        self._open_tasks[task_id] = handle
        return handle

    async def _run_task(self, inp: OpenTaskInput) -> TaskResult:
        try:
            result: TaskResult = await workflow.execute_child_workflow(
                HumanTaskWorkflow.run, inp, id=task_workflow_id(inp.task_id)
            )
            return result
        finally:
            self._open_tasks.pop(inp.task_id, None)

    async def _withdraw(self, task_id: str, reason: str) -> None:
        if task_id in self._open_tasks:
            handle = workflow.get_external_workflow_handle(task_workflow_id(task_id))
            await handle.signal("withdraw", WithdrawTaskInput(reason=reason))

    # -- intake -----------------------------------------------------------------------------
    async def _intake(self) -> None:
        intake: IntakeStatus = await self._act(
            "episodes.intake_status", self._inp.episode_id, IntakeStatus
        )
        if not intake.missing:
            return
        result = await self._start_task(
            "complete_intake",
            "intake",
            "Complete intake",
            "Intake is missing: " + ", ".join(intake.missing),
        )
        if result.status is TaskStatus.COMPLETED:
            await self._act(
                "episodes.store_intake",
                StoreIntakeInput(episode_id=self._inp.episode_id, data=result.data),
            )

    # -- eligibility ------------------------------------------------------------------------
    async def _check_eligibility(self) -> None:
        s, attempt = self._s, 0
        assert s.facts is not None
        while True:
            attempt += 1
            await self._send(
                "clearinghouse.send_eligibility",
                EligibilityInquiryInput(
                    episode_id=self._inp.episode_id, now=workflow.now().isoformat()
                ),
            )
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._eligibility is not None or self._recheck is not None,
                    timeout=self._days(s.facts.eligibility_wait_days),
                )
            if self._recheck is not None:  # the member id was corrected: ask again
                self._recheck, self._eligibility = None, None
                continue
            notice, self._eligibility = self._eligibility, None  # a re-check waits for a new one
            if notice is not None:
                await self._act("episodes.record_eligibility", notice)
                if notice.status == "active":
                    return
            reason = (
                f"271 says {notice.status}: {notice.message}"
                if notice
                else f"No 271 answer within {s.facts.eligibility_wait_days} day(s)"
            )
            result = await self._start_task(
                "resolve_eligibility", f"eligibility-{attempt}", "Resolve eligibility", reason
            )
            if self._recheck is not None and result.status is TaskStatus.WITHDRAWN:
                self._recheck = None  # withdrawn by a coverage edit: check the new member id
                continue
            if result.status is not TaskStatus.COMPLETED:
                return
            res: EligibilityResolution = await self._act(
                "episodes.resolve_eligibility",
                ResolveEligibilityInput(episode_id=self._inp.episode_id, data=result.data),
                EligibilityResolution,
            )
            if res.action == "self_pay":
                s.self_pay = True
                return
            if res.action == "confirmed_active":
                return
            if res.payer_id != s.payer_id:
                s.payer_id = res.payer_id
                workflow.upsert_search_attributes([search.PAYER.value_set(res.payer_id)])
                s.facts = await self._act(
                    "episodes.begin",
                    BeginEpisodeInput(
                        episode_id=self._inp.episode_id, as_of=self._today().isoformat()
                    ),
                    EpisodeFacts,
                )

    @workflow.signal(name=SIGNAL_ELIGIBILITY)
    def eligibility_answered(self, notice: EligibilityNotice) -> None:
        self._eligibility = notice

    # -- authorization ----------------------------------------------------------------------
    async def _authorize(self) -> None:
        s = self._s
        assert s.facts is not None
        self._auth = None
        await self._send(
            "clearinghouse.request_authorization",
            AuthRequestInput(episode_id=self._inp.episode_id, now=workflow.now().isoformat()),
        )
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: (
                    (self._auth is not None and self._auth.status != "pended")
                    or self._entered is not None
                ),
                timeout=self._days(s.facts.prior_auth_days),
            )
        if self._entered is not None:
            await self._record_entered()
            return
        decision = self._auth
        if decision is not None and decision.status in ("approved", "partial"):
            self._auth_taken = True
            await self._record_auth(
                decision.status,
                decision.number,
                decision.start,
                decision.end,
                decision.units,
                "payer",
            )
            return
        reason = (
            f"The payer answered {decision.status}: {decision.message}"
            if decision
            else f"No authorization decision within {s.facts.prior_auth_days} day(s): "
            "call the payer and record the decision"
        )
        result = await self._start_task("authorization", "authorization", "Authorization", reason)
        if self._entered is not None:  # entered on the episode page: the task was withdrawn
            await self._record_entered()
            return
        self._auth_taken = True
        if result.status is TaskStatus.COMPLETED:
            d = result.data
            await self._record_auth(
                str(d["status"]),
                str(d.get("number", "")),
                d.get("start"),
                d.get("end"),
                int(d.get("units") or 0),
                "biller",
            )

    async def _record_auth(
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
        assert self._s.facts is not None
        recorded: AuthorizationStatus = await self._act(
            "episodes.record_authorization",
            RecordAuthorizationInput(
                episode_id=self._inp.episode_id,
                ruleset_version=self._s.facts.ruleset_version,
                status=status,
                number=number,
                start=start,
                end=end,
                units=units,
                source=source,
                extend=extend,
                key=key,
            ),
            AuthorizationStatus,
        )
        return recorded

    def _entry_key_for_update(self) -> str:
        """Once per Update (the web's id carries the form's key): a retried activity or a
        replayed Update records the entry once."""
        info = workflow.current_update_info()
        return f"{self._inp.episode_id}:auth:{info.id if info else workflow.uuid4()}"

    async def _record_entered(self) -> None:
        inp = self._entered
        assert inp is not None
        self._entered_result = await self._record_auth(
            inp.status,
            inp.number,
            inp.start or None,
            inp.end or None,
            inp.units,
            "staff",
            key=self._entered_key,
        )

    @workflow.signal(name=SIGNAL_AUTH_DECISION)
    def authorization_decided(self, notice: AuthDecisionNotice) -> None:
        self._auth = notice

    # -- attending ----------------------------------------------------------------------------
    async def _attend(self) -> None:
        s = self._s
        if s.next_billing_check is None and not s.self_pay:
            await self._bill()  # learns when the first billing period closes
        while s.discharge_date is None:
            if (
                workflow.info().get_current_history_length() > self._inp.history_limit
                and not self._open_tasks
            ):
                await workflow.wait_condition(workflow.all_handlers_finished)
                s.runs += 1
                workflow.continue_as_new(replace(self._inp, state=s))
            await self._bill_if_due()
            self._open_missing_documentation()
            self._changed = False
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: (
                        s.discharge_date is not None
                        or s.rebuild
                        or self._changed
                        or self._review_due()
                    ),
                    timeout=self._next_wake(),
                )
            self._maybe_open_review()

    def _next_wake(self) -> timedelta:
        s = self._s
        assert s.clock is not None
        dates = [
            date.fromisoformat(due)
            for day, due in s.expected.items()
            if f"{self._inp.episode_id}-doc-{day}" not in self._open_tasks
        ]
        if s.next_billing_check and not s.self_pay:
            dates.append(date.fromisoformat(s.next_billing_check))
        if not dates:
            return self._days(7)
        wait = s.clock.until(workflow.now(), min(dates))
        return max(wait, timedelta(seconds=1))

    def _review_due(self) -> bool:
        """A concurrent review is due: the forecast says so and none is open or settled."""
        s = self._s
        due = self._latest_review_due()
        if due is None or due > self._today().isoformat():
            return False
        if s.review_state == "open" or s.review_state == "denied":
            return False
        return s.review_handled_for is None or due > s.review_handled_for

    def _latest_review_due(self) -> str | None:
        """The review date forecast after the most recent documented day."""
        days = self._s.documented
        return days[max(days)].review_due if days else None

    def _maybe_open_review(self) -> None:
        s = self._s
        if not self._review_due():
            return
        summary = s.documented[max(s.documented)]
        s.review_state = "open"
        task = self._start_task(
            "concurrent_review",
            f"review-{summary.review_due}",
            "Concurrent review",
            f"Authorization forecast: {summary.units_remaining} unit(s) left, runs out "
            f"{summary.run_out}; review due {summary.review_due}",
            context={"run_out": summary.run_out, "units_remaining": summary.units_remaining},
        )
        task.add_done_callback(lambda t: asyncio.create_task(self._review_done(t)))

    async def _review_done(self, task: asyncio.Task[TaskResult]) -> None:
        s = self._s
        result = task.result()
        s.review_handled_for = self._today().isoformat()
        if result.status is TaskStatus.WITHDRAWN and self._review_override is not None:
            s.review_state, self._review_override = self._review_override, None
            return  # settled by an authorization entered on the episode page
        if result.status is not TaskStatus.COMPLETED or result.data.get("status") != "approved":
            s.review_state = "denied" if result.status is TaskStatus.COMPLETED else "none"
            return
        d = result.data
        await self._record_auth(
            "approved",
            str(d.get("number", "")),
            None,
            d.get("end"),
            int(d.get("units") or 0),
            "biller",
            extend=True,
        )
        s.review_state = "none"
        self._changed = True

    def _open_missing_documentation(self) -> None:
        today = self._today().isoformat()
        for day, due in list(self._s.expected.items()):
            task_id = f"{self._inp.episode_id}-doc-{day}"
            if due <= today and day not in self._s.documented and task_id not in self._open_tasks:
                task = self._start_task(
                    "missing_documentation",
                    f"doc-{day}",
                    f"Document the day {day}",
                    f"Attended on {day} but not documented by {due}",
                    context={"date": day},
                )
                task.add_done_callback(functools.partial(self._documentation_done, day=day))

    def _documentation_done(self, task: asyncio.Task[TaskResult], *, day: str) -> None:
        result = task.result()
        if result.status is TaskStatus.COMPLETED and result.data.get("action") == "not_attended":
            self._s.expected.pop(day, None)

    # -- billing ------------------------------------------------------------------------------
    async def _bill_if_due(self) -> None:
        s = self._s
        if s.self_pay:
            return
        due = s.next_billing_check is not None and s.next_billing_check <= self._today().isoformat()
        if due or s.rebuild:
            s.rebuild = False
            await self._bill()

    async def _bill(self) -> None:
        s = self._s
        assert s.facts is not None
        if s.self_pay:
            return
        built: BuildClaimsResult = await self._act(
            "episodes.build_claims",
            BuildClaimsInput(
                episode_id=self._inp.episode_id,
                ruleset_version=s.facts.ruleset_version,
                as_of=self._today().isoformat(),
                discharge_date=s.discharge_date,
            ),
            BuildClaimsResult,
        )
        s.next_billing_check = built.next_check
        for claim_id in built.claim_ids:
            if claim_id in s.claims:
                continue
            s.claims[claim_id] = "open"
            await workflow.start_child_workflow(
                "Claim",
                StartClaimInput(
                    claim_id=claim_id,
                    episode_id=self._inp.episode_id,
                    payer_id=s.payer_id,
                    clock=self._clock(),
                ),
                id=claim_workflow_id(claim_id),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            )

    @workflow.signal(name=SIGNAL_CLAIM_REMITTED)
    def claim_remitted(self, note: ClaimSettled) -> None:
        if self._s.claims.get(note.claim_id) != "resolved":
            self._s.claims[note.claim_id] = "remitted"
        self._s.rebuild = True

    @workflow.signal(name=SIGNAL_CLAIM_RESOLVED)
    def claim_resolved(self, note: ClaimSettled) -> None:
        self._s.claims[note.claim_id] = "resolved" if note.resolved else "open"
        self._s.rebuild = True

    # -- Updates from the web form and the EHR API --------------------------------------------
    @workflow.update(name="document_day")
    async def document_day(self, inp: DocumentDayInput) -> DaySummary:
        s, day = self._s, str(inp.day["date"])
        if day in s.documented:
            return s.documented[day]
        await workflow.wait_condition(lambda: s.facts is not None)
        assert s.facts is not None
        s.documented_hash[day] = _day_hash(inp)
        try:
            summary: DaySummary = await self._act(
                "episodes.capture_day",
                CaptureDayInput(
                    episode_id=self._inp.episode_id,
                    ruleset_version=s.facts.ruleset_version,
                    as_of=self._today().isoformat(),
                    document=inp,
                ),
                DaySummary,
            )
        except Exception:
            s.documented_hash.pop(day, None)
            raise
        s.documented[day] = summary
        s.expected.pop(day, None)
        self._changed = True
        if day < self._today().isoformat():
            s.rebuild = True  # a late day may belong to a period that has already closed
        await self._withdraw(f"{self._inp.episode_id}-doc-{day}", f"the day {day} was documented")
        return summary

    @document_day.validator
    def _validate_day(self, inp: DocumentDayInput) -> None:
        s = self._s
        raw = inp.day.get("date")
        day = _parse_date(raw)
        if s.stage in (Stage.CLOSING, Stage.CLOSED) and (
            s.discharge_date is None or day.isoformat() > s.discharge_date
        ):
            raise _invalid("date", f"the episode was discharged on {s.discharge_date}")
        if day > self._today():
            raise _invalid("date", f"{day} is in the future")
        if s.facts is not None and day.isoformat() < s.facts.admit_date:
            raise _invalid("date", f"{day} is before admission ({s.facts.admit_date})")
        known = s.documented_hash.get(day.isoformat())
        if known is not None and known != _day_hash(inp):
            raise _invalid("date", f"{day} is already documented; correct it on the claim instead")
        if not isinstance(inp.day.get("services"), list) or not inp.day["services"]:
            raise _invalid("services", "document at least one service")

    @workflow.update(name="preview_day")
    async def preview_day(self, inp: DocumentDayInput) -> DaySummary:
        """What documenting this day would produce, under the episode's pinned rule set and
        authorization ledger; nothing is stored."""
        s = self._s
        await workflow.wait_condition(lambda: s.facts is not None)
        assert s.facts is not None
        summary: DaySummary = await self._act(
            "episodes.preview_day",
            CaptureDayInput(
                episode_id=self._inp.episode_id,
                ruleset_version=s.facts.ruleset_version,
                as_of=self._today().isoformat(),
                document=inp,
            ),
            DaySummary,
        )
        return summary

    @workflow.update(name="enter_authorization")
    async def enter_authorization(self, inp: EnterAuthorizationInput) -> AuthorizationStatus:
        """An authorization entered on the episode page.

        Authorization stage: it is the decision the episode waits for (an open biller
        "authorization" task is withdrawn). Active stage: it extends the latest
        authorization (or records a first one), releases held charges and settles the
        concurrent review (an open review task is withdrawn).
        """
        s, eid = self._s, self._inp.episode_id
        why = f"the authorization was recorded by {inp.user or 'staff'} on the episode page"
        if s.stage is Stage.AUTHORIZATION:
            self._entered, self._entered_key = inp, self._entry_key_for_update()
            await self._withdraw(f"{eid}-authorization", why)
            await workflow.wait_condition(lambda: self._entered_result is not None)
            assert self._entered_result is not None
            return self._entered_result
        result = await self._record_auth(
            inp.status,
            inp.number,
            inp.start or None,
            inp.end or None,
            inp.units,
            "staff",
            extend=True,
            key=self._entry_key_for_update(),
        )
        s.review_handled_for = self._today().isoformat()
        settled = "none" if result.approved else "denied"
        reviews = [t for t in self._open_tasks if t.startswith(f"{eid}-review-")]
        if reviews or s.review_state == "open":
            self._review_override = settled
        s.review_state = settled
        for task_id in reviews:
            await self._withdraw(task_id, why)
        self._changed = True
        return result

    @enter_authorization.validator
    def _validate_authorization(self, inp: EnterAuthorizationInput) -> None:
        s, errors = self._s, entry_errors(inp)
        if s.stage not in (Stage.AUTHORIZATION, Stage.ACTIVE):
            errors["stage"] = f"an authorization cannot be recorded in the {s.stage.value} stage"
        elif s.stage is Stage.AUTHORIZATION and (self._entered is not None or self._auth_taken):
            errors["stage"] = "the pending authorization has already been decided; reload"
        if errors:
            raise ApplicationError(
                "; ".join(f"{k}: {v}" for k, v in errors.items()),
                errors,
                type=ErrorType.FORM_INVALID,
                non_retryable=True,
            )

    @workflow.update(name="coverage_changed")
    async def coverage_changed(self, inp: CoverageChangedInput) -> EpisodeStatus:
        """Coverage edited on the episode page. While eligibility is being checked, a new
        member id means a new 270: the wait for the 271 starts over, or an open
        "resolve eligibility" task is withdrawn and the check runs again. In later stages
        nothing waits on the coverage: claims read it when they are sent."""
        s, eid = self._s, self._inp.episode_id
        if s.stage is Stage.ELIGIBILITY and inp.member_id_changed and self._recheck is None:
            self._recheck = inp.user or "staff"
            for task_id in [t for t in self._open_tasks if t.startswith(f"{eid}-eligibility-")]:
                await self._withdraw(
                    task_id,
                    f"the coverage was edited by {self._recheck}: eligibility is checked again",
                )
        return self.status()

    @workflow.update(name="record_attendance")
    async def record_attendance(self, inp: RecordAttendanceInput) -> EpisodeStatus:
        s = self._s
        if inp.date not in s.documented:
            window = s.facts.documentation_window_days if s.facts else 2
            due = date.fromisoformat(inp.date) + timedelta(days=window)
            s.expected.setdefault(inp.date, due.isoformat())
            self._changed = True
        return self.status()

    @record_attendance.validator
    def _validate_attendance(self, inp: RecordAttendanceInput) -> None:
        day = _parse_date(inp.date)
        if day > self._today():
            raise _invalid("date", f"{day} is in the future")
        if self._s.discharge_date is not None:
            raise _invalid("date", f"the episode was discharged on {self._s.discharge_date}")

    @workflow.update(name="discharge")
    async def discharge(self, inp: DischargeInput) -> EpisodeStatus:
        self._s.discharge_date = inp.date
        return self.status()

    @discharge.validator
    def _validate_discharge(self, inp: DischargeInput) -> None:
        if self._s.discharge_date is not None:
            raise _invalid("date", f"already discharged on {self._s.discharge_date}")
        day = _parse_date(inp.date)
        if day > self._today():
            raise _invalid("date", f"{day} is in the future")
        if self._s.facts is not None and inp.date < self._s.facts.admit_date:
            raise _invalid("date", f"{day} is before admission ({self._s.facts.admit_date})")

    @workflow.query(name="status")
    def status(self) -> EpisodeStatus:
        s = self._s
        return EpisodeStatus(
            episode_id=self._inp.episode_id,
            stage=s.stage,
            open_task_ids=sorted(self._open_tasks),
            claims=dict(s.claims),
            documented_days=len(s.documented),
            runs=s.runs,
            self_pay=s.self_pay,
            today=self._today().isoformat() if s.clock else "",
        )


def _parse_date(raw: object) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise _invalid("date", f"must be a date YYYY-MM-DD, got {raw!r}") from None


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        message, {field: message}, type=ErrorType.FORM_INVALID, non_retryable=True
    )
