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
    from workflows.claim_payloads import (
        ClaimStage,
        DeadlineResult,
        PostingOutcome,
        PostRemittanceInput,
        RecordStatusInput,
        StatusAnswer,
    )
    from workflows.claim_types import SentFileResult, StatusInquiryInput


class ClaimRemittance:
    def __init__(self, steps: ClaimSteps) -> None:
        self._steps = steps

    async def await_remittance(self, since: date) -> PostingOutcome:
        st = self._steps
        s = st.s
        repeat = 0
        follow = await st.deadline("payment_followup", since, repeat=repeat)
        while True:
            if not await st.sleep_until(date.fromisoformat(follow.due), lambda: bool(s.remits)):
                await self._status_followup(follow)
                repeat += 1
                follow = await st.deadline("payment_followup", since, repeat=repeat)
                continue
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

        def moot() -> str:
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
        else:
            summary = f"no 277 answer by {answer_due.due}"
        context["answer"] = summary
        await st.simple_task(
            "claim_status",
            f"No 835 by {follow.due} ({follow.rule}); 276 sent. Payer's 277 answer: {summary}",
            context=context,
            abort=moot,
        )
