"""EpisodeWorkflow (id ``episode:{episode_id}``): one patient's IOP episode.

intake (task when incomplete) → eligibility by 270/271 (inactive, ambiguous or no
answer → "resolve eligibility" task; an active 271 that comes late withdraws it) →
prior authorization where the rule set wants it (payer decision from the clearinghouse,
or a biller's "authorization" task when none arrives in the decision window) →
attending: documented days arrive by Update, each captured into charges by the rules
engine in an activity; attended days not documented in time open "missing
documentation" tasks; a "concurrent review" task opens before the authorization runs
out; billing cycles by the payer's cadence start one ClaimWorkflow per claim →
discharge → waits until every claim is resolved → closed.

The workflow only sequences, waits and branches; every decision is an activity. Its
helpers (not workflows, no base classes): ``episode_runtime`` (activity and task calls,
clock), ``episode_authorization`` (the authorization stage and page entries),
``episode_attendance`` (missing documentation, concurrent review, next wake-up) and
``episode_checks`` (the Update validators' checks).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from datetime import date, timedelta

from temporalio import workflow

from workflows.episode_attendance import EpisodeAttendance  # sandboxed with the workflow
from workflows.episode_authorization import EpisodeAuthorization
from workflows.episode_held import EpisodeHeldDays
from workflows.episode_runtime import EpisodeRuntime
from workflows.notices import SeenNotices

with workflow.unsafe.imports_passed_through():
    from workflows import search
    from workflows.claim_types import StartClaimInput
    from workflows.clock import BusinessClock
    from workflows.episode_checks import (
        check_attendance,
        check_discharge,
        check_document_day,
        day_hash,
    )
    from workflows.episode_types import (
        SIGNAL_AUTH_DECISION,
        SIGNAL_CLAIM_REMITTED,
        SIGNAL_CLAIM_RESOLVED,
        SIGNAL_ELIGIBILITY,
        AuthDecisionNotice,
        AuthorizationStatus,
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
        HeldWriteOff,
        IntakeStatus,
        RecordAttendanceInput,
        ResolveEligibilityInput,
        Stage,
        StartEpisodeInput,
        StoreIntakeInput,
    )
    from workflows.ids import claim_workflow_id
    from workflows.task_types import TaskResult, TaskStatus


# Patch: the episode waits for its open tasks before the last bill (replay-safe switch).
SETTLE_TASKS_BEFORE_CLOSE = "settle-tasks-before-close"
# Patch: charges still held at the last bill open a "held days" task (retro-authorization
# or an approved write-off) instead of staying unbilled for ever.
HELD_DAYS_BEFORE_CLOSE = "held-days-before-close"
# Patch: a claim's remittance or resolution builds claims again only when the last build
# left a closed period waiting for that remittance (sequential interim claims), a late day
# waits for the next billing check while the patient attends, days are captured one at a
# time and a build waits for the saves in flight. Before, every remittance, resolution and
# late day ran episodes.build_claims (which mostly found nothing), and saves ran side by side.
REBUILD_ONLY_FOR_INTERIM = "rebuild-only-for-interim"
# Patch: a 271 that arrives after the eligibility wait, while the "no answer" task is
# open, is recorded at once; when it says active, the task is withdrawn and the episode
# goes on. Before, the late 271 lay unread until a biller answered the task.
LATE_271_ENDS_TASK = "late-271-ends-task"
# Patch: a late 271 that is not active withdraws the "no answer" task too, and a new
# task says what the 271 said. Before, the first task stayed open under its old reason.
LATE_271_RESTATES_TASK = "late-271-restates-task"


@workflow.defn(name="Episode")
class EpisodeWorkflow:
    @workflow.init
    def __init__(self, inp: StartEpisodeInput) -> None:
        self._inp = inp
        self._rt = EpisodeRuntime(inp, inp.state or EpisodeState(payer_id=inp.payer_id))
        self._s = self._rt.s
        self._authorization = EpisodeAuthorization(self._rt)
        self._attendance = EpisodeAttendance(self._rt, self._authorization)
        self._held = EpisodeHeldDays(self._rt, self._authorization)
        self._eligibility: EligibilityNotice | None = None
        self._recheck: str | None = None  # coverage edited in eligibility: who, so check again
        self._notices = SeenNotices()  # the inbox may deliver a file's notice twice
        self._lean_rebuild = False  # patch REBUILD_ONLY_FOR_INTERIM, decided in run()
        self._capture_lock = asyncio.Lock()  # with that patch, days are captured one by one
        self._capturing = 0  # document_day Updates taken and not yet captured
        if self._s.clock is None:
            # Set here, not in run(): an Update delivered with the start is validated
            # before run() begins, and its validator needs the business date.
            self._s.clock = BusinessClock.start(workflow.now(), inp.day_seconds)

    # -- main line ------------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: StartEpisodeInput) -> EpisodeStatus:
        s, rt = self._s, self._rt
        self._lean_rebuild = workflow.patched(REBUILD_ONLY_FOR_INTERIM)
        workflow.upsert_search_attributes(
            [search.STAGE.value_set(s.stage.value), search.PAYER.value_set(s.payer_id)]
        )
        if s.stage is Stage.INTAKE:
            await self._intake()
            await rt.move_to(Stage.ELIGIBILITY, "intake complete")
        if s.facts is None:
            s.facts = await rt.act(
                "episodes.begin",
                BeginEpisodeInput(episode_id=inp.episode_id, as_of=rt.today().isoformat()),
                EpisodeFacts,
            )
        if s.stage is Stage.ELIGIBILITY:
            await self._check_eligibility()
            needs_auth = s.facts.prior_auth_required and not s.self_pay
            await rt.move_to(
                Stage.AUTHORIZATION if needs_auth else Stage.ACTIVE,
                "self-pay" if s.self_pay else "coverage active",
            )
        if s.stage is Stage.AUTHORIZATION:
            await self._authorization.decide()
            await rt.move_to(Stage.ACTIVE, "authorization decided")
        if s.stage is Stage.ACTIVE:
            await self._attend()
            await rt.move_to(Stage.CLOSING, f"discharged {s.discharge_date}")
        if s.stage is Stage.CLOSING:
            if workflow.patched(SETTLE_TASKS_BEFORE_CLOSE):
                # An open concurrent review or missing-documentation task decides whether
                # held or undocumented days can still be billed: settle it first, or the
                # episode would close with that money unbilled and the task orphaned.
                await workflow.wait_condition(
                    lambda: not rt.open_tasks and s.review_state != "open"
                )
            if not s.self_pay and workflow.patched(HELD_DAYS_BEFORE_CLOSE):
                await self._held.settle(self._bill)  # workflows/episode_held.py
            else:
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
            await rt.move_to(Stage.CLOSED, "every claim resolved")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    # -- intake -----------------------------------------------------------------------------
    async def _intake(self) -> None:
        rt = self._rt
        intake: IntakeStatus = await rt.act(
            "episodes.intake_status", self._inp.episode_id, IntakeStatus
        )
        if not intake.missing:
            return
        result = await rt.start_task(
            "complete_intake",
            "intake",
            "Complete intake",
            "Intake is missing: " + ", ".join(intake.missing),
        )
        if result.status is TaskStatus.COMPLETED:
            await rt.act(
                "episodes.store_intake",
                StoreIntakeInput(episode_id=self._inp.episode_id, data=result.data),
            )

    # -- eligibility ------------------------------------------------------------------------
    async def _check_eligibility(self) -> None:
        s, rt, attempt = self._s, self._rt, 0
        assert s.facts is not None
        while True:
            attempt += 1
            await rt.send(
                "clearinghouse.send_eligibility",
                EligibilityInquiryInput(
                    episode_id=self._inp.episode_id, now=workflow.now().isoformat()
                ),
            )
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._eligibility is not None or self._recheck is not None,
                    timeout=rt.days(s.facts.eligibility_wait_days),
                )
            if self._recheck is not None:  # the member id was corrected: ask again
                self._recheck, self._eligibility = None, None
                continue
            notice, self._eligibility = self._eligibility, None  # a re-check waits for a new one
            if notice is not None:
                await rt.act("episodes.record_eligibility", notice)
                if notice.status == "active":
                    return
            while True:
                reason = (
                    f"271 says {notice.status}: {notice.message}"
                    if notice
                    else f"No 271 answer within {s.facts.eligibility_wait_days} day(s)"
                )
                task = rt.start_task(
                    "resolve_eligibility", f"eligibility-{attempt}", "Resolve eligibility", reason
                )
                late = None
                if notice is None and workflow.patched(LATE_271_ENDS_TASK):
                    late = await self._late_271(
                        task, f"{self._inp.episode_id}-eligibility-{attempt}"
                    )
                if late is None:
                    break
                if late.status == "active":
                    return
                notice, attempt = late, attempt + 1  # a new task says what the 271 said
            result = await task
            if self._recheck is not None and result.status is TaskStatus.WITHDRAWN:
                self._recheck = None  # withdrawn by a coverage edit: check the new member id
                continue
            if result.status is not TaskStatus.COMPLETED:
                return
            res: EligibilityResolution = await rt.act(
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
                s.facts = await rt.act(
                    "episodes.begin",
                    BeginEpisodeInput(
                        episode_id=self._inp.episode_id, as_of=rt.today().isoformat()
                    ),
                    EpisodeFacts,
                )

    async def _late_271(
        self, task: asyncio.Task[TaskResult], task_id: str
    ) -> EligibilityNotice | None:
        """Wait for the "no 271 answer" task or a late 271, whichever comes first. A late
        271 is what the task asked the biller to find out: it is recorded and the task is
        withdrawn. Returns the 271 when that withdrew the task: active lets the episode go
        on; inactive or ambiguous goes on a new task that says so (patch
        ``late-271-restates-task``; before it, the first task stayed open). None when the
        biller answered first: that answer stands."""
        await workflow.wait_condition(lambda: task.done() or self._eligibility is not None)
        if task.done():
            return None
        notice, self._eligibility = self._eligibility, None
        assert notice is not None
        await self._rt.act("episodes.record_eligibility", notice)
        if notice.status != "active" and not workflow.patched(LATE_271_RESTATES_TASK):
            return None
        said = "coverage active" if notice.status == "active" else f"it says {notice.status}"
        await self._rt.withdraw(task_id, f"The payer's 271 arrived after the wait: {said}")
        return notice if (await task).status is not TaskStatus.COMPLETED else None

    @workflow.signal(name=SIGNAL_ELIGIBILITY)
    def eligibility_answered(self, notice: EligibilityNotice) -> None:
        if self._notices.first_sight("eligibility", notice.x12_file_id):
            self._eligibility = notice

    # -- authorization (workflows/episode_authorization.py) -----------------------------------
    @workflow.signal(name=SIGNAL_AUTH_DECISION)
    def authorization_decided(self, notice: AuthDecisionNotice) -> None:
        if self._notices.first_sight("authorization", notice.x12_file_id):
            self._authorization.notice = notice

    # -- attending (helpers in workflows/episode_attendance.py) -------------------------------
    async def _attend(self) -> None:
        s, rt, attendance = self._s, self._rt, self._attendance
        if s.next_billing_check is None and not s.self_pay:
            await self._bill()  # learns when the first billing period closes
        while s.discharge_date is None:
            if (
                workflow.info().get_current_history_length() > self._inp.history_limit
                and not rt.open_tasks
            ):
                await workflow.wait_condition(workflow.all_handlers_finished)
                s.runs += 1
                workflow.continue_as_new(replace(self._inp, state=s))
            await self._bill_if_due()
            attendance.open_missing_documentation()
            rt.changed = False
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: (
                        s.discharge_date is not None
                        or s.rebuild
                        or rt.changed
                        or attendance.review_due()
                    ),
                    timeout=attendance.next_wake(),
                )
            attendance.maybe_open_review()

    # -- billing ------------------------------------------------------------------------------
    async def _bill_if_due(self) -> None:
        s = self._s
        if s.self_pay:
            return
        due = (
            s.next_billing_check is not None
            and s.next_billing_check <= self._rt.today().isoformat()
        )
        if due or s.rebuild:
            s.rebuild = False
            await self._bill()

    async def _bill(
        self, *, settle_held: bool = False, write_off: HeldWriteOff | None = None
    ) -> BuildClaimsResult | None:
        """Build the claims that are due and start each; with ``settle_held`` (the last
        bill) nothing is built while charges are held: the result lists them."""
        s, rt = self._s, self._rt
        assert s.facts is not None
        if s.self_pay:
            return None
        if self._lean_rebuild:
            # Days being saved now belong in this bill: a check that ran beside a save
            # billed the week without that day and the day went out on a late claim.
            await workflow.wait_condition(lambda: self._capturing == 0)
        built: BuildClaimsResult = await rt.act(
            "episodes.build_claims",
            BuildClaimsInput(
                episode_id=self._inp.episode_id,
                ruleset_version=s.facts.ruleset_version,
                as_of=rt.today().isoformat(),
                discharge_date=s.discharge_date,
                settle_held=settle_held,
                write_off_held=write_off,
            ),
            BuildClaimsResult,
        )
        s.next_billing_check = built.next_check
        s.awaits_remittance = built.awaits_remittance
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
                    clock=rt.clock(),
                ),
                id=claim_workflow_id(claim_id),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            )
        return built

    @workflow.signal(name=SIGNAL_CLAIM_REMITTED)
    def claim_remitted(self, note: ClaimSettled) -> None:
        if self._s.claims.get(note.claim_id) != "resolved":
            self._s.claims[note.claim_id] = "remitted"
        self._rebuild_after_claim()

    @workflow.signal(name=SIGNAL_CLAIM_RESOLVED)
    def claim_resolved(self, note: ClaimSettled) -> None:
        self._s.claims[note.claim_id] = "resolved" if note.resolved else "open"
        self._rebuild_after_claim()

    def _late_day_bills_now(self) -> bool:
        """Whether a day documented late asks for a build at once. While the patient
        attends, no (patch REBUILD_ONLY_FOR_INTERIM): a late day of the open period is
        billed when that period closes, and one of a closed period at the next billing
        check, on one late claim with the days caught up by then (a build per day billed a
        week caught up day by day as seven claims). Once discharged there is no next
        check: yes. Before the patch, every late day asked for a build."""
        return not self._lean_rebuild or self._s.discharge_date is not None

    def _rebuild_after_claim(self) -> None:
        """A claim's 835 or resolution: build again if a period waits for it. Nothing
        else can have become billable by it: charges become billable when a day is
        documented or held days are released, and the next billing check (or the last
        bill) takes those."""
        if self._s.awaits_remittance or not self._lean_rebuild:
            self._s.rebuild = True

    # -- Updates from the web form and the EHR API (checks in workflows/episode_checks.py) ----
    @workflow.update(name="document_day")
    async def document_day(self, inp: DocumentDayInput) -> DaySummary:
        s, rt, day = self._s, self._rt, str(inp.day["date"])
        if day in s.documented:
            return s.documented[day]
        await workflow.wait_condition(lambda: s.facts is not None)
        assert s.facts is not None
        s.documented_hash[day] = day_hash(inp)
        self._capturing += 1
        try:
            if self._lean_rebuild:
                # One capture at a time: each re-runs the authorization ledger over the
                # days before it, and a second save of the same day gets the first's answer.
                async with self._capture_lock:
                    if day in s.documented:
                        return s.documented[day]
                    summary = await self._capture(inp)
            else:
                summary = await self._capture(inp)
        except Exception:
            s.documented_hash.pop(day, None)
            raise
        finally:
            self._capturing -= 1
        s.documented[day] = summary
        s.expected.pop(day, None)
        rt.changed = True
        if day < rt.today().isoformat() and self._late_day_bills_now():
            s.rebuild = True  # a late day may belong to a period that has already closed
        await rt.withdraw(f"{self._inp.episode_id}-doc-{day}", f"the day {day} was documented")
        return summary

    async def _capture(
        self, inp: DocumentDayInput, activity: str = "episodes.capture_day"
    ) -> DaySummary:
        """The day run through the rules engine and the authorization ledger: stored by
        ``episodes.capture_day``, only shown by ``episodes.preview_day``."""
        s, rt = self._s, self._rt
        assert s.facts is not None
        summary: DaySummary = await rt.act(
            activity,
            CaptureDayInput(
                episode_id=self._inp.episode_id,
                ruleset_version=s.facts.ruleset_version,
                as_of=rt.today().isoformat(),
                document=inp,
            ),
            DaySummary,
        )
        return summary

    @document_day.validator
    def _validate_day(self, inp: DocumentDayInput) -> None:
        check_document_day(self._s, inp, self._rt.today)

    @workflow.update(name="preview_day")
    async def preview_day(self, inp: DocumentDayInput) -> DaySummary:
        """What documenting this day would produce, under the episode's pinned rule set and
        authorization ledger; nothing is stored."""
        await workflow.wait_condition(lambda: self._s.facts is not None)
        return await self._capture(inp, "episodes.preview_day")

    @workflow.update(name="enter_authorization")
    async def enter_authorization(self, inp: EnterAuthorizationInput) -> AuthorizationStatus:
        """An authorization entered on the episode page.

        Authorization stage: it is the decision the episode waits for (an open biller
        "authorization" task is withdrawn). Active stage: it extends the latest
        authorization (or records a first one), releases held charges and settles the
        concurrent review (an open review task is withdrawn).
        """
        return await self._authorization.enter(inp)

    @enter_authorization.validator
    def _validate_authorization(self, inp: EnterAuthorizationInput) -> None:
        self._authorization.validate(inp)

    @workflow.update(name="coverage_changed")
    async def coverage_changed(self, inp: CoverageChangedInput) -> EpisodeStatus:
        """Coverage edited on the episode page. While eligibility is being checked, a new
        member id means a new 270: the wait for the 271 starts over, or an open
        "resolve eligibility" task is withdrawn and the check runs again. In later stages
        nothing waits on the coverage: claims read it when they are sent."""
        s, rt, eid = self._s, self._rt, self._inp.episode_id
        if s.stage is Stage.ELIGIBILITY and inp.member_id_changed and self._recheck is None:
            self._recheck = inp.user or "staff"
            for task_id in [t for t in rt.open_tasks if t.startswith(f"{eid}-eligibility-")]:
                await rt.withdraw(
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
            self._rt.changed = True
        return self.status()

    @record_attendance.validator
    def _validate_attendance(self, inp: RecordAttendanceInput) -> None:
        check_attendance(self._s, inp, self._rt.today)

    @workflow.update(name="discharge")
    async def discharge(self, inp: DischargeInput) -> EpisodeStatus:
        self._s.discharge_date = inp.date
        return self.status()

    @discharge.validator
    def _validate_discharge(self, inp: DischargeInput) -> None:
        check_discharge(self._s, inp, self._rt.today)

    @workflow.query(name="status")
    def status(self) -> EpisodeStatus:
        s = self._s
        return EpisodeStatus(
            episode_id=self._inp.episode_id,
            stage=s.stage,
            open_task_ids=sorted(self._rt.open_tasks),
            claims=dict(s.claims),
            documented_days=len(s.documented),
            runs=s.runs,
            self_pay=s.self_pay,
            today=self._rt.today().isoformat() if s.clock else "",
        )
