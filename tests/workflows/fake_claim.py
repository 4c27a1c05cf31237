"""Stand-in ClaimWorkflows for episode tests: one reports remitted, then resolved, at
once; the other when the test says so."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.claim_types import StartClaimInput
    from workflows.episode_types import SIGNAL_CLAIM_REMITTED, SIGNAL_CLAIM_RESOLVED, ClaimSettled
    from workflows.ids import episode_workflow_id


async def report_paid(inp: StartClaimInput) -> str:
    """Tell the episode the claim was remitted, then resolved as paid."""
    parent = workflow.get_external_workflow_handle(episode_workflow_id(inp.episode_id))
    await parent.signal(SIGNAL_CLAIM_REMITTED, ClaimSettled(claim_id=inp.claim_id, resolved=False))
    await parent.signal(
        SIGNAL_CLAIM_RESOLVED,
        ClaimSettled(claim_id=inp.claim_id, resolved=True, outcome="paid"),
    )
    return inp.claim_id


@workflow.defn(name="Claim")
class FakeClaimWorkflow:
    @workflow.run
    async def run(self, inp: StartClaimInput) -> str:
        return await report_paid(inp)


@workflow.defn(name="Claim")
class PacedClaimWorkflow:
    """A stand-in claim whose 835 the test sends: it reports remitted and resolved only
    when signalled ``remit``, so a test can hold a claim unpaid."""

    def __init__(self) -> None:
        self._remit = False

    @workflow.run
    async def run(self, inp: StartClaimInput) -> str:
        await workflow.wait_condition(lambda: self._remit)
        return await report_paid(inp)

    @workflow.signal(name="remit")
    def remit(self) -> None:
        self._remit = True
