"""ClaimWorkflow (id ``claim:{claim_id}``): one claim from scrub to resolved.

scrub (``fix_claim`` task until clean) → submit (``clearinghouse.submit_claim``) → wait
for the 999/277CA (rejection → ``fix_rejected_claim`` → re-scrub and resubmit; nothing
within the ack-watch days → ``missing_ack``) → wait for the 835 (no 835 by the payment
follow-up day → a 276 and a ``claim_status`` task with the 277 answer, again every
follow-up interval) → post it (a refused posting → ``posting_review``) → signal the
episode ``claim_remitted`` → work the denial routes (corrected claim as a child
``claim:{new_id}``, appeals with deadline timers per level, write-off approval,
patient responsibility, COB, credentialing, records, general review, underpayment)
→ resolve, signal the episode ``claim_resolved`` and return the ClaimResult once the
tasks still open are answered (a patient-responsibility task does not hold the claim:
patch ``patient-share-detached``).
The filing deadline runs beside everything until the payer accepts the claim: when it
passes, the open task is withdrawn and a supervisor approves the write-off.

Every rule decision is a ``claims.*`` activity; the workflow sequences, waits, branches
on their answers and sets timers through the episode's BusinessClock. This module holds
the main line, signals, query and resolution; its helpers (not workflows, no base
classes): ``claim_steps`` (state, human tasks, timers, activity calls),
``claim_submission`` (scrub, submit, acknowledgements), ``claim_remittance`` (waiting for
the 835, status inquiries) and ``claim_denials`` (denial routes, appeals, write-off).
"""

from __future__ import annotations

from datetime import date

from temporalio import workflow
from temporalio.exceptions import FailureError

# Sandboxed with the workflow (their imports register there):
from workflows.claim_denials import ClaimDenials
from workflows.claim_remittance import ClaimRemittance
from workflows.claim_steps import ONE_DAY, ClaimState, ClaimSteps
from workflows.claim_submission import ClaimSubmission

with workflow.unsafe.imports_passed_through():
    from workflows.claim_payloads import (
        ClaimFacts,
        ClaimStage,
        ClaimStatusView,
        ClaimTotals,
        LoadClaimInput,
        ResolveClaimInput,
    )
    from workflows.claim_types import (
        SIGNAL_ACKNOWLEDGED,
        SIGNAL_REMITTED,
        SIGNAL_STATUS_ANSWERED,
        AckNotice,
        ClaimOutcome,
        ClaimResult,
        RemitNotice,
        StartClaimInput,
        StatusNotice,
    )
    from workflows.episode_types import SIGNAL_CLAIM_REMITTED, SIGNAL_CLAIM_RESOLVED, ClaimSettled
    from workflows.ids import episode_workflow_id


@workflow.defn(name="Claim")
class ClaimWorkflow:
    @workflow.init
    def __init__(self, inp: StartClaimInput) -> None:
        self._steps = ClaimSteps(
            ClaimState(
                claim_id=inp.claim_id,
                episode_id=inp.episode_id,
                payer_id=inp.payer_id,
                clock=inp.clock,
            )
        )
        self._submission = ClaimSubmission(self._steps)
        self._remittance = ClaimRemittance(self._steps)
        self._denials = ClaimDenials(self._steps, self._remittance)

    # -- signals and query -----------------------------------------------------------------
    @workflow.signal(name=SIGNAL_ACKNOWLEDGED)
    def acknowledged(self, notice: AckNotice) -> None:
        s = self._steps.s
        if s.notices.first_sight(f"ack:{notice.source}", notice.x12_file_id):
            s.acks.append(notice)

    @workflow.signal(name=SIGNAL_REMITTED)
    def remitted(self, notice: RemitNotice) -> None:
        s = self._steps.s
        if s.notices.first_sight(f"remit:{notice.claim_index}", notice.x12_file_id):
            s.remits.append(notice)

    @workflow.signal(name=SIGNAL_STATUS_ANSWERED)
    def status_answered(self, notice: StatusNotice) -> None:
        s = self._steps.s
        if s.notices.first_sight(f"status:{notice.category}:{notice.status}", notice.x12_file_id):
            s.statuses.append(notice)

    @workflow.query(name="status")
    def status(self) -> ClaimStatusView:
        return ClaimStatusView(
            claim_id=self._steps.s.claim_id,
            stage=self._steps.s.stage,
            open_task_ids=sorted(self._steps.s.open_tasks),
            replacement_claim_ids=list(self._steps.s.replacement_claim_ids),
        )

    # -- run (helpers in claim_submission, claim_remittance, claim_denials) ------------------
    @workflow.run
    async def run(self, inp: StartClaimInput) -> ClaimResult:
        steps = self._steps
        facts = await steps.act(
            "claims.load",
            LoadClaimInput(claim_id=inp.claim_id, today=steps.iso_today()),
            ClaimFacts,
        )
        s = steps.s
        s.total_cents, s.filing_due, s.filing_rule = (
            facts.total_cents,
            facts.filing_deadline,
            facts.filing_rule,
        )
        filing = steps.alarm("filing", date.fromisoformat(facts.filing_deadline) + ONE_DAY)
        accepted = await self._submission.get_accepted()
        filing.cancel()
        if not accepted:
            await self._denials.write_off_approval(
                f"The filing deadline {s.filing_due} passed before the payer accepted the claim "
                f"({s.filing_rule})",
                carc="29",
            )
            return await self._finish()
        posting = await self._remittance.await_remittance(date.fromisoformat(s.submitted_on))
        while True:
            await self._signal_episode(
                SIGNAL_CLAIM_REMITTED,
                ClaimSettled(claim_id=s.claim_id, resolved=False, outcome=posting.status_code),
            )
            following = await self._denials.work(posting)
            if following is None:
                break
            posting = following
        return await self._finish()

    # -- resolution ----------------------------------------------------------------------------
    async def _finish(self) -> ClaimResult:
        s = self._steps.s
        totals = await self._steps.act(
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
            lambda: (
                not s.open_tasks
                and not s.detached
                and not (s.late_acks and (s.acks or s.recording_ack))
            )
        )
        return result

    async def _signal_episode(self, name: str, settled: ClaimSettled) -> None:
        parent = workflow.info().parent
        if parent is not None and parent.workflow_id.startswith("claim:"):
            return  # a corrected claim: the claim it replaces speaks to the episode
        handle = workflow.get_external_workflow_handle(
            episode_workflow_id(self._steps.s.episode_id)
        )
        try:
            await handle.signal(name, settled)
        except FailureError as exc:  # the episode has closed: the claim still resolves
            workflow.logger.warning("episode signal %s not delivered: %s", name, exc)
