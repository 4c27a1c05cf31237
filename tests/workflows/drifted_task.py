"""A deliberately changed HumanTask workflow: replaying old histories with it must fail."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.task_types import OpenTaskInput


@workflow.defn(name="HumanTask")
class DriftedHumanTaskWorkflow:
    @workflow.run
    async def run(self, inp: OpenTaskInput) -> None:
        await workflow.sleep(timedelta(seconds=1))  # where the real one writes its row first
