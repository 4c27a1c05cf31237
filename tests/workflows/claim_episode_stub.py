"""A stand-in for the episode a ClaimWorkflow reports to: records ClaimSettled signals."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.episode_types import SIGNAL_CLAIM_REMITTED, SIGNAL_CLAIM_RESOLVED, ClaimSettled


@workflow.defn(name="ClaimTestEpisode")
class ClaimTestEpisodeWorkflow:
    def __init__(self) -> None:
        self._remitted: list[ClaimSettled] = []
        self._resolved: list[ClaimSettled] = []

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.signal(name=SIGNAL_CLAIM_REMITTED)
    def claim_remitted(self, settled: ClaimSettled) -> None:
        self._remitted.append(settled)

    @workflow.signal(name=SIGNAL_CLAIM_RESOLVED)
    def claim_resolved(self, settled: ClaimSettled) -> None:
        self._resolved.append(settled)

    @workflow.query(name="remitted")
    def remitted(self) -> list[ClaimSettled]:
        return list(self._remitted)

    @workflow.query(name="resolved")
    def resolved(self) -> list[ClaimSettled]:
        return list(self._resolved)
