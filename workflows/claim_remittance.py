"""The ClaimWorkflow waiting for the 835: no 835 by the payment follow-up day → a 276 and
a ``claim_status`` task with the payer's 277 answer, again every follow-up interval; a
remittance that cannot be posted → ``posting_review``; a reversal waits for the next one.

``ClaimRemittance`` is not a workflow: ``workflows.claim`` holds one and calls
``await_remittance`` after the acceptance, and the denial helper calls it after an
appeal. It runs inside the workflow, so it is imported into the sandbox.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from temporalio import workflow

from workflows.claim_steps import CLEARINGHOUSE_RETRY, CLEARINGHOUSE_TIMEOUT, ClaimSteps

with workflow.unsafe.imports_passed_through():
    from models.claim_tasks import FINALIZED_DENIED
    from models.task_catalog import get_kind
    from workflows.claim_payloads import (
        ClaimStage,
        DeadlineResult,
        FinalizedDenial,
        PostingOutcome,
        PostRemittanceInput,
        RecordStatusInput,
        StatusAnswer,
    )
    from workflows.claim_types import SentFileResult, StatusInquiryInput


# Patch: a claim status task can record that the payer finalized the claim as denied
# (routed by its CARC), and a 277 F2 answer leads the task (replay-safe switch).
CLAIM_STATUS_FINALIZED_DENIAL = "claim-status-finalized-denial"
DENIED_STATUS = "4"  # CLP02 4: denied — what the episode hears in claim_remitted


class ClaimRemittance:
    def __init__(self, steps: ClaimSteps) -> None:
        self._steps = steps

    async def await_remittance(self, since: date) -> PostingOutcome:
        st = self._steps
        s = st.s
        repeat = 0
        follow = await st.deadline("payment_followup", since, repeat=repeat)
        while True:
            if not await st.sleep_until(
                date.fromisoformat(follow.due),
                lambda: bool(s.remits) or s.finalized is not None,
            ):
                await self._status_followup(follow)
                repeat += 1
                follow = await st.deadline("payment_followup", since, repeat=repeat)
                continue
            if not s.remits and s.finalized is not None:
                return self._finalized(s.finalized)
            s.finalized = None  # an 835 arrived: it, not the status, decides the claim
            notice = s.remits.pop(0)
            posting = await st.act(
                "claims.post_remittance",
                PostRemittanceInput(
                    claim_id=s.claim_id, notice=notice, at=workflow.now().isoformat()
                ),
                PostingOutcome,
            )
            if not posting.accepted:
                await st.simple_task(
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

    def _finalized(self, fin: FinalizedDenial) -> PostingOutcome:
        """The payer finalized the claim as denied without an 835: nothing is posted; the
        denial is routed by ``ClaimDenials.work`` as the posting of an 835 would be."""
        st = self._steps
        st.s.stage = ClaimStage.REMITTED
        return PostingOutcome(
            posting_id=finalized_posting_id(st.s.claim_id, fin),
            accepted=True,
            reason=f"the payer finalized the claim as denied ({fin.group}-{fin.carc})",
            status_code=DENIED_STATUS,
            paid_on=fin.decision_date or st.iso_today(),
        )

    async def _status_followup(self, follow: DeadlineResult) -> None:
        st = self._steps
        s = st.s
        sent: SentFileResult = await workflow.execute_activity(
            "clearinghouse.send_status_inquiry",
            StatusInquiryInput(claim_id=s.claim_id, now=workflow.now().isoformat()),
            result_type=SentFileResult,
            start_to_close_timeout=CLEARINGHOUSE_TIMEOUT,
            retry_policy=CLEARINGHOUSE_RETRY,
        )
        s.status_round += 1
        await st.mark(
            "status_inquiry",
            detail=f"276 sent as {sent.name} ({follow.rule})",
            data={"x12_file_id": sent.x12_file_id, "round": s.status_round},
        )
        answer_due = await st.deadline("ack_watch", st.today())
        task = asyncio.create_task(
            self._status_task(s.status_round, s.postings, follow, answer_due)
        )
        st.background.append(task)

    async def _status_task(
        self, round_: int, postings: int, follow: DeadlineResult, answer_due: DeadlineResult
    ) -> None:
        st = self._steps
        s = st.s

        finalized = s.finalized_count

        def moot() -> str:
            if s.finalized_count > finalized:
                return "the payer's finalized denial was recorded"
            if s.postings > postings:
                return "the 835 arrived"
            if s.status_round > round_:
                return "a newer claim status inquiry replaced it"
            return ""

        await st.sleep_until(
            date.fromisoformat(answer_due.due), lambda: bool(s.statuses) or bool(moot())
        )
        if moot():
            return
        context: dict[str, Any] = {"round": round_, "followup_rule": follow.rule}
        title = f"{get_kind('claim_status').label} for claim {s.claim_id}"
        headline = ""
        if s.statuses:
            s.status_seq += 1
            answer = await st.act(
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
            if answer.finalized_denied and workflow.patched(CLAIM_STATUS_FINALIZED_DENIAL):
                headline = f"{answer.headline}. "
                title = f"Claim status: the payer finalized claim {s.claim_id} as denied"
                context["finalized_denied"] = True
        else:
            summary = f"no 277 answer by {answer_due.due}"
        context["answer"] = summary
        done = await st.run_task(
            "claim_status",
            title,
            f"{headline}No 835 by {follow.due} ({follow.rule}); 276 sent. "
            f"Payer's 277 answer: {summary}",
            context=context,
            abort=moot,
        )
        if done is None:
            return
        await st.record_task(done, "claim_status")
        d = done.data
        if (
            d.get("next_step") == FINALIZED_DENIED
            and not moot()
            and workflow.patched(CLAIM_STATUS_FINALIZED_DENIAL)
        ):
            s.finalized_count += 1
            s.finalized = FinalizedDenial(
                task_id=done.task_id,
                carc=str(d["carc"]),
                group=str(d.get("group") or "CO"),
                rarcs=[r.strip().upper() for r in str(d.get("rarcs", "")).split(",") if r.strip()],
                decision_date=str(d.get("decision_date", "")),
                payer_claim_number=str(d.get("payer_claim_number", "")),
                user=done.completed_by or "",
            )


def finalized_posting_id(claim_id: str, fin: FinalizedDenial) -> str:
    """Stands for the posting a finalized denial has not got: ``{claim_id}:finalized:{n}``,
    ``n`` the claim status task's number."""
    return f"{claim_id}:finalized:{fin.task_id.rsplit(':', 1)[-1]}"
