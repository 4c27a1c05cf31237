"""ClaimWorkflow (id ``claim:{claim_id}``): one claim from scrub to resolved.

scrub (``fix_claim`` task until clean) → submit (``clearinghouse.submit_claim``) → wait
for the 999/277CA (rejection → ``fix_rejected_claim`` → re-scrub and resubmit; nothing
within the ack-watch days → ``missing_ack``) → wait for the 835 (no 835 by the payment
follow-up day → a 276 and a ``claim_status`` task with the 277 answer, again every
follow-up interval) → post it (a refused posting → ``posting_review``) → signal the
episode ``claim_remitted`` → work the denial routes (corrected claim as a child
``claim:{new_id}``, appeals with deadline timers per level, write-off approval,
patient responsibility, COB, credentialing, records, general review, underpayment)
→ resolve, signal the episode ``claim_resolved`` and return the ClaimResult.
The filing deadline runs beside everything until the payer accepts the claim: when it
passes, the open task is withdrawn and a supervisor approves the write-off.

Every rule decision is a ``claims.*`` activity; this module sequences, waits, branches
on their answers and sets timers through the episode's BusinessClock.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from temporalio import workflow
from temporalio.exceptions import FailureError
from temporalio.workflow import ParentClosePolicy

from workflows.claim_steps import (  # sandboxed with the workflow: its imports register there
    CLEARINGHOUSE_RETRY,
    CLEARINGHOUSE_TIMEOUT,
    ONE_DAY,
    ClaimState,
    ClaimSteps,
)

with workflow.unsafe.imports_passed_through():
    from workflows.claim_payloads import (
        AckOutcome,
        AppealDraft,
        ApplyFixInput,
        ClaimFacts,
        ClaimStage,
        ClaimStatusView,
        ClaimTotals,
        DeadlineResult,
        DenialPlan,
        DenialWork,
        DraftAppealInput,
        LoadClaimInput,
        PostingOutcome,
        PostRemittanceInput,
        RecordAckInput,
        RecordStatusInput,
        ReplacementInput,
        ReplacementResult,
        ResolveClaimInput,
        RouteDenialsInput,
        ScrubClaimInput,
        ScrubResult,
        StatusAnswer,
        WriteOffInput,
    )
    from workflows.claim_types import (
        SIGNAL_ACKNOWLEDGED,
        SIGNAL_REMITTED,
        SIGNAL_STATUS_ANSWERED,
        AckNotice,
        AppealInput,
        ClaimOutcome,
        ClaimResult,
        RemitNotice,
        SentFileResult,
        StartClaimInput,
        StatusInquiryInput,
        StatusNotice,
        SubmitClaimInput,
    )
    from workflows.episode_types import SIGNAL_CLAIM_REMITTED, SIGNAL_CLAIM_RESOLVED, ClaimSettled
    from workflows.ids import claim_workflow_id, episode_workflow_id

# Patch: once accepted, the claim records acknowledgements that arrive afterwards (an 835
# signalled before the 999/277CA of the same poll, or a 999 after the 277CA) instead of
# leaving them unread.
LATE_ACKS_PATCH = "claim-records-late-acks"


@workflow.defn(name="Claim")
class ClaimWorkflow(ClaimSteps):
    @workflow.init
    def __init__(self, inp: StartClaimInput) -> None:
        self._s = ClaimState(
            claim_id=inp.claim_id, episode_id=inp.episode_id, payer_id=inp.payer_id, clock=inp.clock
        )
        self._background: list[asyncio.Task[None]] = []

    # -- signals and query -----------------------------------------------------------------
    @workflow.signal(name=SIGNAL_ACKNOWLEDGED)
    def acknowledged(self, notice: AckNotice) -> None:
        self._s.acks.append(notice)

    @workflow.signal(name=SIGNAL_REMITTED)
    def remitted(self, notice: RemitNotice) -> None:
        self._s.remits.append(notice)

    @workflow.signal(name=SIGNAL_STATUS_ANSWERED)
    def status_answered(self, notice: StatusNotice) -> None:
        self._s.statuses.append(notice)

    @workflow.query(name="status")
    def status(self) -> ClaimStatusView:
        return ClaimStatusView(
            claim_id=self._s.claim_id,
            stage=self._s.stage,
            open_task_ids=sorted(self._s.open_tasks),
            replacement_claim_ids=list(self._s.replacement_claim_ids),
        )

    # -- run ---------------------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: StartClaimInput) -> ClaimResult:
        facts = await self._act(
            "claims.load",
            LoadClaimInput(claim_id=inp.claim_id, today=self._iso_today()),
            ClaimFacts,
        )
        s = self._s
        s.total_cents, s.filing_due, s.filing_rule = (
            facts.total_cents,
            facts.filing_deadline,
            facts.filing_rule,
        )
        filing = self._alarm("filing", date.fromisoformat(facts.filing_deadline) + ONE_DAY)
        accepted = await self._get_accepted()
        filing.cancel()
        if not accepted:
            await self._write_off_approval(
                f"The filing deadline {s.filing_due} passed before the payer accepted the claim "
                f"({s.filing_rule})",
                carc="29",
            )
            return await self._finish()
        posting = await self._await_remittance(date.fromisoformat(s.submitted_on))
        while True:
            await self._signal_episode(
                SIGNAL_CLAIM_REMITTED,
                ClaimSettled(claim_id=s.claim_id, resolved=False, outcome=posting.status_code),
            )
            following = await self._work_denials(posting)
            if following is None:
                break
            posting = following
        return await self._finish()

    # -- until the payer accepts the claim -------------------------------------------------
    async def _get_accepted(self) -> bool:
        while True:
            if not await self._scrub_until_clean():
                return False
            await self._submit()
            verdict, ack = await self._await_ack()
            if verdict == "accepted":
                return True
            if verdict == "missed":
                return False
            if verdict == "rejected" and ack is not None:
                self._s.rejections += 1
                notes = {ack.form_field: ack.message} if ack.form_field else {}
                fix = await self._run_task(
                    "fix_rejected_claim",
                    f"Fix rejected claim {self._s.claim_id}",
                    f"The payer rejected the claim: {ack.message}",
                    context={
                        "message": ack.message,
                        "form_field": ack.form_field,
                        "field_notes": notes,
                    },
                    abort=self._filing_abort,
                )
                if fix is None:
                    return False
                await self._do(
                    "claims.apply_fix",
                    ApplyFixInput(
                        claim_id=self._s.claim_id,
                        task_id=fix.task_id,
                        data=fix.data,
                        at=workflow.now().isoformat(),
                    ),
                )

    async def _scrub_until_clean(self) -> bool:
        s = self._s
        while not self._filing_abort():
            s.scrubs += 1
            s.stage = ClaimStage.SCRUBBING
            result = await self._act(
                "claims.scrub",
                ScrubClaimInput(
                    claim_id=s.claim_id,
                    today=self._iso_today(),
                    attempt=s.scrubs,
                    at=workflow.now().isoformat(),
                ),
                ScrubResult,
            )
            if result.clean:
                return True
            listed = "; ".join(f"{f['field']}: {f['message']}" for f in result.findings)
            fix = await self._run_task(
                "fix_claim",
                f"Fix claim {s.claim_id}",
                f"The scrubber found {len(result.findings)} error(s): {listed}",
                context={"findings": result.findings, "field_notes": result.field_notes},
                abort=self._filing_abort,
            )
            if fix is None:
                return False
            await self._do(
                "claims.apply_fix",
                ApplyFixInput(
                    claim_id=s.claim_id,
                    task_id=fix.task_id,
                    data=fix.data,
                    at=workflow.now().isoformat(),
                ),
            )
        return False

    async def _submit(self) -> None:
        s = self._s
        s.submissions += 1
        sent: SentFileResult = await workflow.execute_activity(
            "clearinghouse.submit_claim",
            SubmitClaimInput(claim_id=s.claim_id, now=workflow.now().isoformat()),
            result_type=SentFileResult,
            start_to_close_timeout=CLEARINGHOUSE_TIMEOUT,
            retry_policy=CLEARINGHOUSE_RETRY,
        )
        s.submitted_on, s.stage = self._iso_today(), ClaimStage.SUBMITTED
        await self._mark(
            "submitted",
            status="submitted",
            detail=f"837 sent as {sent.name}",
            data={"x12_file_id": sent.x12_file_id, "submission": s.submissions},
            submitted=True,
        )

    async def _await_ack(self) -> tuple[str, AckOutcome | None]:
        s = self._s
        watch = await self._deadline("ack_watch", date.fromisoformat(s.submitted_on))
        while True:
            got = await self._sleep_until(
                date.fromisoformat(watch.due),
                lambda: bool(s.acks or s.remits) or bool(self._filing_abort()),
            )
            if self._filing_abort():
                return "missed", None
            if got and s.acks:
                s.ack_seq += 1
                ack = await self._act(
                    "claims.record_ack",
                    RecordAckInput(
                        claim_id=s.claim_id,
                        notice=s.acks.pop(0),
                        seq=s.ack_seq,
                        at=workflow.now().isoformat(),
                    ),
                    AckOutcome,
                )
                if not ack.accepted:
                    return "rejected", ack
                if ack.final:
                    await self._accepted("277CA accepted")
                    return "accepted", ack
                continue
            if got and s.remits:
                await self._accepted("the payer remitted before a 277CA arrived")
                return "accepted", None
            answer = await self._run_task(
                "missing_ack",
                f"Missing acknowledgement for claim {s.claim_id}",
                f"No 999/277CA acceptance since the submission on {s.submitted_on} ({watch.rule})."
                " A missing acknowledgement is not a rejection: check the clearinghouse.",
                context={"submitted_on": s.submitted_on, "rule": watch.rule},
                abort=lambda: (
                    "an acknowledgement arrived" if (s.acks or s.remits) else self._filing_abort()
                ),
            )
            if answer is None:
                continue
            decision = answer.data.get("decision")
            if decision == "resubmit":
                return "resubmit", None
            if decision == "accepted":
                await self._accepted(f"accepted at the payer per {answer.completed_by}")
                return "accepted", None
            watch = await self._deadline("ack_watch", self._today())

    async def _accepted(self, detail: str) -> None:
        s = self._s
        s.accepted, s.stage = True, ClaimStage.ACCEPTED
        clean = s.scrubs == 1 and s.rejections == 0 and s.submissions == 1
        await self._mark(
            "accepted",
            status="accepted",
            detail=detail,
            data={"clean_first_pass": clean},
            accepted=True,
        )
        if workflow.patched(LATE_ACKS_PATCH):
            s.late_acks = True
            self._background.append(asyncio.create_task(self._record_late_acks()))

    async def _record_late_acks(self) -> None:
        """Record every acknowledgement that arrives once the claim is accepted: its
        timeline row and a payer claim number the claim lacks; nothing else changes."""
        s = self._s
        while True:
            await workflow.wait_condition(lambda: bool(s.acks))
            s.ack_seq += 1
            s.recording_ack = True
            await self._act(
                "claims.record_ack",
                RecordAckInput(
                    claim_id=s.claim_id,
                    notice=s.acks.pop(0),
                    seq=s.ack_seq,
                    at=workflow.now().isoformat(),
                    late=True,
                ),
                AckOutcome,
            )
            s.recording_ack = False

    # -- waiting for the 835 ------------------------------------------------------------------
    async def _await_remittance(self, since: date) -> PostingOutcome:
        s = self._s
        repeat = 0
        follow = await self._deadline("payment_followup", since, repeat=repeat)
        while True:
            if not await self._sleep_until(date.fromisoformat(follow.due), lambda: bool(s.remits)):
                await self._status_followup(follow)
                repeat += 1
                follow = await self._deadline("payment_followup", since, repeat=repeat)
                continue
            notice = s.remits.pop(0)
            posting = await self._act(
                "claims.post_remittance",
                PostRemittanceInput(
                    claim_id=s.claim_id, notice=notice, at=workflow.now().isoformat()
                ),
                PostingOutcome,
            )
            if not posting.accepted:
                await self._simple_task(
                    "posting_review",
                    f"The remittance could not be posted, nothing was posted: {posting.reason}",
                    context={
                        "x12_file_id": notice.x12_file_id,
                        "claim_index": notice.claim_index,
                        "reason": posting.reason,
                    },
                    abort=lambda: "another remittance arrived" if s.remits else "",
                )
                continue
            if posting.reversal:
                continue
            s.postings += 1
            s.stage = ClaimStage.REMITTED
            return posting

    async def _status_followup(self, follow: DeadlineResult) -> None:
        s = self._s
        sent: SentFileResult = await workflow.execute_activity(
            "clearinghouse.send_status_inquiry",
            StatusInquiryInput(claim_id=s.claim_id, now=workflow.now().isoformat()),
            result_type=SentFileResult,
            start_to_close_timeout=CLEARINGHOUSE_TIMEOUT,
            retry_policy=CLEARINGHOUSE_RETRY,
        )
        s.status_round += 1
        await self._mark(
            "status_inquiry",
            detail=f"276 sent as {sent.name} ({follow.rule})",
            data={"x12_file_id": sent.x12_file_id, "round": s.status_round},
        )
        answer_due = await self._deadline("ack_watch", self._today())
        task = asyncio.create_task(
            self._status_task(s.status_round, s.postings, follow, answer_due)
        )
        self._background.append(task)

    async def _status_task(
        self, round_: int, postings: int, follow: DeadlineResult, answer_due: DeadlineResult
    ) -> None:
        s = self._s

        def moot() -> str:
            if s.postings > postings:
                return "the 835 arrived"
            if s.status_round > round_:
                return "a newer claim status inquiry replaced it"
            return ""

        await self._sleep_until(
            date.fromisoformat(answer_due.due), lambda: bool(s.statuses) or bool(moot())
        )
        if moot():
            return
        context: dict[str, Any] = {"round": round_, "followup_rule": follow.rule}
        if s.statuses:
            s.status_seq += 1
            answer = await self._act(
                "claims.record_status",
                RecordStatusInput(
                    claim_id=s.claim_id,
                    notice=s.statuses.pop(0),
                    seq=s.status_seq,
                    at=workflow.now().isoformat(),
                ),
                StatusAnswer,
            )
            summary = answer.summary
            context |= {"category": answer.category, "status": answer.status}
        else:
            summary = f"no 277 answer by {answer_due.due}"
        context["answer"] = summary
        await self._simple_task(
            "claim_status",
            f"No 835 by {follow.due} ({follow.rule}); 276 sent. Payer's 277 answer: {summary}",
            context=context,
            abort=moot,
        )

    # -- after the remittance ---------------------------------------------------------------
    async def _work_denials(self, posting: PostingOutcome) -> PostingOutcome | None:
        """Work every route of the posting; a new posting (appeal won) is returned to re-route."""
        s = self._s
        s.stage = ClaimStage.WORKING_DENIAL
        plan = await self._act(
            "claims.route_denials",
            RouteDenialsInput(
                claim_id=s.claim_id,
                posting_id=posting.posting_id,
                today=self._iso_today(),
                notice_date=posting.paid_on or self._iso_today(),
                at=workflow.now().isoformat(),
            ),
            DenialPlan,
        )
        if posting.underpayments:
            await self._simple_task(
                "underpayment_review",
                f"The payer allowed {posting.underpaid_cents} cents less than the fee schedule",
                context={"underpayments": posting.underpayments},
                amount=posting.underpaid_cents,
            )
        for item in plan.work:
            if item.kind == "corrected_claim":
                await self._corrected_claim(item)
                return None
            if item.kind == "write_appeal":
                following = await self._appeal(item, posting)
                if following is not None:
                    return following
            elif item.kind == "write_off_approval":
                await self._write_off_approval(item.reason, carc=item.carc)
            else:
                await self._simple_task(
                    item.kind,
                    item.reason,
                    context=self._denial_context(item),
                    denial_id=item.denial_id,
                    amount=item.amount_cents,
                )
        return None

    def _denial_context(self, item: DenialWork) -> dict[str, Any]:
        notes = {item.form_field: item.reason} if item.form_field else {}
        return {
            "denial_id": item.denial_id,
            "carc": f"{item.group}-{item.carc}",
            "rarcs": item.rarcs,
            "deadline": item.deadline,
            "rule": item.rule,
            "field": item.field,
            "form_field": item.form_field,
            "field_notes": notes,
        }

    async def _corrected_claim(self, item: DenialWork) -> None:
        s = self._s
        fix = await self._run_task(
            "corrected_claim",
            f"Corrected claim for {s.claim_id}",
            item.reason,
            context=self._denial_context(item),
            amount=item.amount_cents,
        )
        if fix is None:
            return
        s.revisions += 1
        new = await self._act(
            "claims.create_replacement",
            ReplacementInput(
                claim_id=s.claim_id,
                task_id=fix.task_id,
                data=fix.data,
                revision=s.revisions,
                at=workflow.now().isoformat(),
            ),
            ReplacementResult,
        )
        await self._record_task(fix, "corrected_claim", item.denial_id)
        s.replacement_claim_ids.append(new.claim_id)
        child: ClaimResult = await workflow.execute_child_workflow(
            ClaimWorkflow.run,
            StartClaimInput(
                claim_id=new.claim_id, episode_id=s.episode_id, payer_id=s.payer_id, clock=s.clock
            ),
            id=claim_workflow_id(new.claim_id),
            parent_close_policy=ParentClosePolicy.ABANDON,
        )
        s.child_results.append(child)

    async def _appeal(self, item: DenialWork, posting: PostingOutcome) -> PostingOutcome | None:
        s = self._s
        level, notice = max(1, item.appeal_level), posting.paid_on or self._iso_today()
        while True:
            draft = await self._act(
                "claims.draft_appeal",
                DraftAppealInput(
                    claim_id=s.claim_id,
                    denial_id=item.denial_id,
                    level=level,
                    notice_date=notice,
                    today=self._iso_today(),
                    at=workflow.now().isoformat(),
                ),
                AppealDraft,
            )
            name = f"appeal:{level}"
            alarm = self._alarm(name, date.fromisoformat(draft.deadline) + ONE_DAY)
            written = await self._run_task(
                "write_appeal",
                f"Write level {level} appeal for claim {s.claim_id}",
                f"{item.reason}. A draft letter is ready; the appeal is due {draft.deadline} "
                f"({draft.rule}).",
                context=self._denial_context(item)
                | {
                    "appeal_id": draft.appeal_id,
                    "level": level,
                    "deadline": draft.deadline,
                    "rule": draft.rule,
                },
                abort=self._alarm_abort(name, "the appeal deadline passed"),
                amount=item.amount_cents,
            )
            alarm.cancel()
            if written is None or written.data.get("decision") != "send":
                status = "missed" if written is None else "abandoned"
                await self._record_appeal(
                    level, status, note=(written and written.data.get("note")) or ""
                )
                await self._write_off_approval(
                    f"Level {level} appeal {status} ({item.group}-{item.carc})", carc=item.carc
                )
                return None
            await self._record_appeal(level, "ready", letter=str(written.data.get("letter", "")))
            await workflow.execute_activity(
                "clearinghouse.send_appeal",
                AppealInput(claim_id=s.claim_id, level=level, now=workflow.now().isoformat()),
                result_type=SentFileResult,
                start_to_close_timeout=CLEARINGHOUSE_TIMEOUT,
                retry_policy=CLEARINGHOUSE_RETRY,
            )
            await self._record_appeal(level, "sent")
            sent_on = self._today()
            outcome = await self._run_task(
                "appeal_outcome",
                f"Record the level {level} appeal outcome for claim {s.claim_id}",
                f"Level {level} appeal sent on {sent_on.isoformat()}: record the payer's "
                "decision when it arrives (a new 835 records it by itself).",
                context={"appeal_id": draft.appeal_id, "level": level},
                abort=lambda: "the payer's 835 answered the appeal" if s.remits else "",
            )
            if (outcome is None and s.remits) or (
                outcome is not None and outcome.data.get("outcome") == "overturned"
            ):
                following = await self._await_remittance(sent_on)
                won = following.paid_cents > posting.paid_cents
                await self._record_appeal(level, "won" if won else "lost")
                return following
            await self._record_appeal(
                level, "lost", note=(outcome and outcome.data.get("note")) or ""
            )
            if outcome is None:
                return None
            if level >= draft.levels:
                await self._write_off_approval(
                    f"Every appeal level was denied ({item.group}-{item.carc})", carc=item.carc
                )
                return None
            level += 1
            notice = str(outcome.data.get("decision_date") or self._iso_today())

    async def _write_off_approval(self, reason: str, *, carc: str) -> None:
        s = self._s
        answer = await self._run_task(
            "write_off_approval",
            f"Approve write-off for claim {s.claim_id}",
            reason,
            context={"carc": carc, "filing_deadline": s.filing_due},
            amount=s.total_cents,
        )
        if answer is None:
            return
        if answer.data.get("decision") == "approve":
            await self._do(
                "claims.write_off",
                WriteOffInput(
                    claim_id=s.claim_id,
                    reason=reason,
                    approved_by=answer.completed_by or "",
                    at=workflow.now().isoformat(),
                    carc=carc,
                ),
            )
            return
        await self._record_task(answer, "write_off_approval")
        await self._simple_task("general_review", f"Write-off denied: {reason}")

    # -- resolution ----------------------------------------------------------------------------
    async def _finish(self) -> ClaimResult:
        s = self._s
        totals = await self._act(
            "claims.resolve",
            ResolveClaimInput(
                claim_id=s.claim_id,
                at=workflow.now().isoformat(),
                replacement_claim_ids=list(s.replacement_claim_ids),
            ),
            ClaimTotals,
        )
        replaced = list(s.replacement_claim_ids)
        paid, adjusted, patient = (
            totals.paid_cents,
            totals.adjusted_cents,
            totals.patient_resp_cents,
        )
        written = totals.written_off_cents
        for child in s.child_results:
            replaced += [i for i in child.replacement_claim_ids if i not in replaced]
            paid, patient = paid + child.paid_cents, patient + child.patient_resp_cents
            adjusted, written = adjusted + child.adjusted_cents, written + child.written_off_cents
        result = ClaimResult(
            claim_id=s.claim_id,
            outcome=ClaimOutcome(totals.outcome),
            paid_cents=paid,
            adjusted_cents=adjusted,
            patient_resp_cents=patient,
            written_off_cents=written,
            replacement_claim_ids=replaced,
        )
        s.stage = ClaimStage.RESOLVED
        await self._signal_episode(
            SIGNAL_CLAIM_RESOLVED,
            ClaimSettled(claim_id=s.claim_id, resolved=True, outcome=result.outcome.value),
        )
        await workflow.wait_condition(
            lambda: not s.open_tasks and not (s.late_acks and (s.acks or s.recording_ack))
        )
        return result

    async def _signal_episode(self, name: str, settled: ClaimSettled) -> None:
        parent = workflow.info().parent
        if parent is not None and parent.workflow_id.startswith("claim:"):
            return  # a corrected claim: the claim it replaces speaks to the episode
        handle = workflow.get_external_workflow_handle(episode_workflow_id(self._s.episode_id))
        try:
            await handle.signal(name, settled)
        except FailureError as exc:  # the episode has closed: the claim still resolves
            workflow.logger.warning("episode signal %s not delivered: %s", name, exc)
