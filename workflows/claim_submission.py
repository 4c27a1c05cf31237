"""The ClaimWorkflow until the payer accepts the claim: scrub (``fix_claim`` task until
clean), submit the 837, wait for the 999/277CA (a rejection → ``fix_rejected_claim`` and
round again; nothing within the ack-watch days → ``missing_ack``), and, once accepted,
record the acknowledgements that still arrive (patch ``claim-records-late-acks``).

``ClaimSubmission`` is not a workflow: ``workflows.claim`` holds one and calls
``get_accepted`` from its main line. It runs inside the workflow, so it is imported into
the sandbox.
"""

from __future__ import annotations

import asyncio
from datetime import date

from temporalio import workflow

from workflows.claim_steps import CLEARINGHOUSE_RETRY, CLEARINGHOUSE_TIMEOUT, ClaimSteps

with workflow.unsafe.imports_passed_through():
    from workflows.claim_payloads import (
        AckOutcome,
        ApplyFixInput,
        ClaimStage,
        RecordAckInput,
        ScrubClaimInput,
        ScrubResult,
    )
    from workflows.claim_types import SentFileResult, SubmitClaimInput

# Patch: once accepted, the claim records acknowledgements that arrive afterwards (an 835
# signalled before the 999/277CA of the same poll, or a 999 after the 277CA) instead of
# leaving them unread.
LATE_ACKS_PATCH = "claim-records-late-acks"


class ClaimSubmission:
    def __init__(self, steps: ClaimSteps) -> None:
        self._steps = steps

    async def get_accepted(self) -> bool:
        """Scrub, submit and wait for the acknowledgements until the payer accepts the
        claim (True); False once the filing deadline passed or a fix task closed unanswered."""
        st = self._steps
        s = st.s
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
                s.rejections += 1
                notes = {ack.form_field: ack.message} if ack.form_field else {}
                fix = await st.run_task(
                    "fix_rejected_claim",
                    f"Fix rejected claim {s.claim_id}",
                    f"The payer rejected the claim: {ack.message}",
                    # The covering authorizations are listed only when there are any, so
                    # a history recorded before AckOutcome carried them replays the same.
                    context={
                        "message": ack.message,
                        "form_field": ack.form_field,
                        "field_notes": notes,
                    }
                    | ({"authorizations": ack.authorizations} if ack.authorizations else {}),
                    abort=st.filing_abort,
                )
                if fix is None:
                    return False
                await st.do(
                    "claims.apply_fix",
                    ApplyFixInput(
                        claim_id=s.claim_id,
                        task_id=fix.task_id,
                        data=fix.data,
                        at=workflow.now().isoformat(),
                    ),
                )

    async def _scrub_until_clean(self) -> bool:
        st = self._steps
        s = st.s
        while not st.filing_abort():
            s.scrubs += 1
            s.stage = ClaimStage.SCRUBBING
            result = await st.act(
                "claims.scrub",
                ScrubClaimInput(
                    claim_id=s.claim_id,
                    today=st.iso_today(),
                    attempt=s.scrubs,
                    at=workflow.now().isoformat(),
                ),
                ScrubResult,
            )
            if result.clean:
                return True
            listed = "; ".join(f"{f['field']}: {f['message']}" for f in result.findings)
            fix = await st.run_task(
                "fix_claim",
                f"Fix claim {s.claim_id}",
                f"The scrubber found {len(result.findings)} error(s): {listed}",
                context={
                    "findings": result.findings,
                    "field_notes": result.field_notes,
                    "authorizations": result.authorizations,
                },
                abort=st.filing_abort,
            )
            if fix is None:
                return False
            await st.do(
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
        st = self._steps
        s = st.s
        s.submissions += 1
        sent: SentFileResult = await workflow.execute_activity(
            "clearinghouse.submit_claim",
            SubmitClaimInput(claim_id=s.claim_id, now=workflow.now().isoformat()),
            result_type=SentFileResult,
            start_to_close_timeout=CLEARINGHOUSE_TIMEOUT,
            retry_policy=CLEARINGHOUSE_RETRY,
        )
        s.submitted_on, s.stage = st.iso_today(), ClaimStage.SUBMITTED
        await st.mark(
            "submitted",
            status="submitted",
            detail=f"837 sent as {sent.name}",
            data={"x12_file_id": sent.x12_file_id, "submission": s.submissions},
            submitted=True,
        )

    async def _await_ack(self) -> tuple[str, AckOutcome | None]:
        st = self._steps
        s = st.s
        watch = await st.deadline("ack_watch", date.fromisoformat(s.submitted_on))
        while True:
            got = await st.sleep_until(
                date.fromisoformat(watch.due),
                lambda: bool(s.acks or s.remits) or bool(st.filing_abort()),
            )
            if st.filing_abort():
                return "missed", None
            if got and s.acks:
                s.ack_seq += 1
                ack = await st.act(
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
            answer = await st.run_task(
                "missing_ack",
                f"Missing acknowledgement for claim {s.claim_id}",
                f"No 999/277CA acceptance since the submission on {s.submitted_on} ({watch.rule})."
                " A missing acknowledgement is not a rejection: check the clearinghouse.",
                context={"submitted_on": s.submitted_on, "rule": watch.rule},
                abort=lambda: (
                    "an acknowledgement arrived" if (s.acks or s.remits) else st.filing_abort()
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
            watch = await st.deadline("ack_watch", st.today())

    async def _accepted(self, detail: str) -> None:
        st = self._steps
        s = st.s
        s.accepted, s.stage = True, ClaimStage.ACCEPTED
        clean = s.scrubs == 1 and s.rejections == 0 and s.submissions == 1
        await st.mark(
            "accepted",
            status="accepted",
            detail=detail,
            data={"clean_first_pass": clean},
            accepted=True,
        )
        if workflow.patched(LATE_ACKS_PATCH):
            s.late_acks = True
            st.background.append(asyncio.create_task(self._record_late_acks()))

    async def _record_late_acks(self) -> None:
        """Record every acknowledgement that arrives once the claim is accepted: its
        timeline row and a payer claim number the claim lacks; nothing else changes."""
        st = self._steps
        s = st.s
        while True:
            await workflow.wait_condition(lambda: bool(s.acks))
            s.ack_seq += 1
            s.recording_ack = True
            await st.act(
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
