"""Withdrawing a task whose workflow has already closed.

A biller can complete a task in the same workflow task in which its claim or episode
decides to withdraw it. The benchmark caught one: a claim opened a "missing
acknowledgement" task, the 999 arrived while the biller submitted the form, the claim
signalled ``withdraw`` to a task workflow that had just completed, and the failed signal
failed the claim workflow, so its 835 never posted. ``withdraw_task`` treats a task that
is already closed as nothing to withdraw.
"""

from __future__ import annotations

import uuid

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from iopbill.sandbox import workflow_runner
from tests.workflows.withdraw_probe import OpenTaskStandIn, WithdrawProbe


async def test_withdrawing_a_closed_task_is_not_an_error(ts_env: WorkflowEnvironment) -> None:
    queue = f"withdraw-{uuid.uuid4().hex[:8]}"
    async with Worker(
        ts_env.client,
        task_queue=queue,
        workflows=[WithdrawProbe],
        workflow_runner=workflow_runner(),
    ):
        delivered = await ts_env.client.execute_workflow(
            WithdrawProbe.run,
            f"task:gone-{uuid.uuid4().hex[:8]}",
            id=f"probe-{uuid.uuid4().hex[:8]}",
            task_queue=queue,
        )
    assert delivered is False


async def test_an_open_task_is_withdrawn_with_the_reason(ts_env: WorkflowEnvironment) -> None:
    queue = f"withdraw-{uuid.uuid4().hex[:8]}"
    async with Worker(
        ts_env.client,
        task_queue=queue,
        workflows=[WithdrawProbe, OpenTaskStandIn],
        workflow_runner=workflow_runner(),
    ):
        task = await ts_env.client.start_workflow(
            OpenTaskStandIn.run, id=f"task:open-{uuid.uuid4().hex[:8]}", task_queue=queue
        )
        delivered = await ts_env.client.execute_workflow(
            WithdrawProbe.run, task.id, id=f"probe-{uuid.uuid4().hex[:8]}", task_queue=queue
        )
        assert delivered is True
        assert await task.result() == "the payer's 999 arrived"
