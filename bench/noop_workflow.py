"""The baseline of the benchmarks: a workflow that only answers an Update."""

from __future__ import annotations

from temporalio import workflow


@workflow.defn(name="BenchNoop")
class NoopWorkflow:
    def __init__(self) -> None:
        self._done = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self._done)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return "done"

    @workflow.update(name="poke")
    async def poke(self, value: str) -> str:
        self._done = True
        return value
