"""Workflows for the withdraw tests: one withdraws a task workflow by id, one stands in
for an open task and keeps the reason it was sent."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.human_task import withdraw_task
    from workflows.task_types import WithdrawTaskInput


@workflow.defn(name="WithdrawProbe")
class WithdrawProbe:
    @workflow.run
    async def run(self, task_workflow_id: str) -> bool:
        handle = workflow.get_external_workflow_handle(task_workflow_id)
        return await withdraw_task(handle, "the payer's 999 arrived")


@workflow.defn(name="OpenTaskStandIn")
class OpenTaskStandIn:
    def __init__(self) -> None:
        self._reason: str | None = None

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self._reason is not None)
        return self._reason or ""

    @workflow.signal(name="withdraw")
    def withdraw(self, inp: WithdrawTaskInput) -> None:
        self._reason = inp.reason
