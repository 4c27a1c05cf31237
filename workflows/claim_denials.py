"""The ClaimWorkflow after a remittance is posted: an underpayment review, then every
denial route of the posting — a corrected claim (a child ``claim:{new_id}``), appeals
with a deadline timer per level, write-off approval, and the task kinds that only record
an answer (patient responsibility, COB, credentialing, records, general review).

``ClaimDenials`` is not a workflow: ``workflows.claim`` holds one and calls ``work`` for
each posting and ``write_off_approval`` when the filing deadline passes. It runs inside
the workflow, so it is imported into the sandbox.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

from workflows.claim_remittance import ClaimRemittance, finalized_posting_id
from workflows.claim_steps import CLEARINGHOUSE_RETRY, CLEARINGHOUSE_TIMEOUT, ONE_DAY, ClaimSteps

with workflow.unsafe.imports_passed_through():
    from workflows.claim_payloads import (
        AppealDraft,
        ClaimStage,
        DenialPlan,
        DenialWork,
        DraftAppealInput,
        PostingOutcome,
        ReplacementInput,
        ReplacementResult,
        RouteDenialsInput,
        WriteOffInput,
    )
    from workflows.claim_types import AppealInput, ClaimResult, SentFileResult, StartClaimInput
    from workflows.ids import claim_workflow_id


# Patch: a patient-responsibility task no longer holds its claim: the claim resolves (and
# the episode may close) while the task waits in the billing queue; its answer is recorded
# on the claim when it comes. Before, the claim resolved only after the answer.
PATIENT_SHARE_DETACHED_PATCH = "patient-share-detached"


def denial_context(item: DenialWork) -> dict[str, Any]:
    """A denial's task context: its codes, deadline and rule, and the form field it names."""
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
        "authorizations": item.authorizations,
    }


class ClaimDenials:
    def __init__(self, steps: ClaimSteps, remittance: ClaimRemittance) -> None:
        self._steps = steps
        self._remittance = remittance

    async def work(self, posting: PostingOutcome) -> PostingOutcome | None:
        """Work every route of the posting; a new posting (appeal won) is returned to re-route."""
        st = self._steps
        s = st.s
        s.stage = ClaimStage.WORKING_DENIAL
        finalized = s.finalized  # a denial finalized by status: its stand-in posting
        if finalized is not None and posting.posting_id != finalized_posting_id(
            s.claim_id, finalized
        ):
            finalized = None
        s.finalized = None
        plan = await st.act(
            "claims.route_denials",
            RouteDenialsInput(
                claim_id=s.claim_id,
                posting_id=posting.posting_id,
                today=st.iso_today(),
                notice_date=posting.paid_on or st.iso_today(),
                at=workflow.now().isoformat(),
                finalized=finalized,
            ),
            DenialPlan,
        )
        if posting.underpayments:
            await st.simple_task(
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
                await self.write_off_approval(item.reason, carc=item.carc)
            elif item.kind == "patient_responsibility" and workflow.patched(
                PATIENT_SHARE_DETACHED_PATCH
            ):
                # The payer is done with the claim: the patient's share is billing work
                # of its own (a statement, a secondary payer) and does not hold the claim
                # or the episode open. It comes last in the work order.
                st.detach_task(
                    item.kind,
                    item.reason,
                    context=denial_context(item),
                    denial_id=item.denial_id,
                    amount=item.amount_cents,
                )
            else:
                await st.simple_task(
                    item.kind,
                    item.reason,
                    context=denial_context(item),
                    denial_id=item.denial_id,
                    amount=item.amount_cents,
                )
        return None

    async def _corrected_claim(self, item: DenialWork) -> None:
        st = self._steps
        s = st.s
        fix = await st.run_task(
            "corrected_claim",
            f"Corrected claim for {s.claim_id}",
            item.reason,
            context=denial_context(item),
            amount=item.amount_cents,
        )
        if fix is None:
            return
        s.revisions += 1
        new = await st.act(
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
        await st.record_task(fix, "corrected_claim", item.denial_id)
        s.replacement_claim_ids.append(new.claim_id)
        child: ClaimResult = await workflow.execute_child_workflow(
            "Claim",  # workflows.claim.ClaimWorkflow, which imports this module
            StartClaimInput(
                claim_id=new.claim_id, episode_id=s.episode_id, payer_id=s.payer_id, clock=s.clock
            ),
            id=claim_workflow_id(new.claim_id),
            result_type=ClaimResult,
            parent_close_policy=ParentClosePolicy.ABANDON,
        )
        s.child_results.append(child)

    async def _appeal(self, item: DenialWork, posting: PostingOutcome) -> PostingOutcome | None:
        st = self._steps
        s = st.s
        level, notice = max(1, item.appeal_level), posting.paid_on or st.iso_today()
        while True:
            draft = await st.act(
                "claims.draft_appeal",
                DraftAppealInput(
                    claim_id=s.claim_id,
                    denial_id=item.denial_id,
                    level=level,
                    notice_date=notice,
                    today=st.iso_today(),
                    at=workflow.now().isoformat(),
                ),
                AppealDraft,
            )
            name = f"appeal:{level}"
            alarm = st.alarm(name, date.fromisoformat(draft.deadline) + ONE_DAY)
            written = await st.run_task(
                "write_appeal",
                f"Write level {level} appeal for claim {s.claim_id}",
                f"{item.reason}. A draft letter is ready; the appeal is due {draft.deadline} "
                f"({draft.rule}).",
                context=denial_context(item)
                | {
                    "appeal_id": draft.appeal_id,
                    "level": level,
                    "deadline": draft.deadline,
                    "rule": draft.rule,
                },
                abort=st.alarm_abort(name, "the appeal deadline passed"),
                amount=item.amount_cents,
            )
            alarm.cancel()
            if written is None or written.data.get("decision") != "send":
                status = "missed" if written is None else "abandoned"
                await st.record_appeal(
                    level, status, note=(written and written.data.get("note")) or ""
                )
                await self.write_off_approval(
                    f"Level {level} appeal {status} ({item.group}-{item.carc})", carc=item.carc
                )
                return None
            await st.record_appeal(level, "ready", letter=str(written.data.get("letter", "")))
            await workflow.execute_activity(
                "clearinghouse.send_appeal",
                AppealInput(claim_id=s.claim_id, level=level, now=workflow.now().isoformat()),
                result_type=SentFileResult,
                start_to_close_timeout=CLEARINGHOUSE_TIMEOUT,
                retry_policy=CLEARINGHOUSE_RETRY,
            )
            await st.record_appeal(level, "sent")
            sent_on = st.today()
            outcome = await st.run_task(
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
                following = await self._remittance.await_remittance(sent_on)
                won = following.paid_cents > posting.paid_cents
                await st.record_appeal(level, "won" if won else "lost")
                return following
            await st.record_appeal(level, "lost", note=(outcome and outcome.data.get("note")) or "")
            if outcome is None:
                return None
            if level >= draft.levels:
                await self.write_off_approval(
                    f"Every appeal level was denied ({item.group}-{item.carc})", carc=item.carc
                )
                return None
            level += 1
            notice = str(outcome.data.get("decision_date") or st.iso_today())

    async def write_off_approval(self, reason: str, *, carc: str) -> None:
        st = self._steps
        s = st.s
        answer = await st.run_task(
            "write_off_approval",
            f"Approve write-off for claim {s.claim_id}",
            reason,
            context={"carc": carc, "filing_deadline": s.filing_due},
            amount=s.total_cents,
        )
        if answer is None:
            return
        if answer.data.get("decision") == "approve":
            await st.do(
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
        await st.record_task(answer, "write_off_approval")
        await st.simple_task("general_review", f"Write-off denied: {reason}")
