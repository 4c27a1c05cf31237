"""iopbill's sandbox runner (iopbill/sandbox.py) against the SDK's own.

The runner answers the payload codec's serialization-context question without a trip
through the sandbox's importer, and compiles its code strings once. These tests run the
same workflow under both runners and compare every context the codec was handed; they
also check that the sandbox still refuses a non-deterministic call and that the private
SDK parts the runner leans on are still where it expects them.
"""

from __future__ import annotations

import inspect
import os
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import temporalio.workflow
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.failure.v1 import Failure
from temporalio.client import Client, WorkflowFailureError
from temporalio.converter import (
    ActivitySerializationContext,
    DataConverter,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker, WorkflowInstanceDetails, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox._runner import _fake_info, _Instance

from iopbill import sandbox
from iopbill.sandbox import workflow_runner
from tests.sandbox.probe_workflows import ProbeChild, ProbeClock, ProbeParent, echo
from workflows.claim import ClaimWorkflow
from workflows.episode import EpisodeWorkflow
from workflows.human_task import HumanTaskWorkflow


def describe(context: SerializationContext | None) -> str:
    if isinstance(context, ActivitySerializationContext):
        return f"activity {context.activity_type} of {context.workflow_id} local={context.is_local}"
    if isinstance(context, WorkflowSerializationContext):
        return f"workflow {context.workflow_id}"
    return repr(context)


class RecordingCodec(PayloadCodec, WithSerializationContext):
    """Passes payloads through and notes, for each call, the context it was given."""

    def __init__(self, seen: list[str], context: SerializationContext | None = None) -> None:
        self._seen, self._context = seen, context

    def with_context(self, context: SerializationContext) -> RecordingCodec:
        return RecordingCodec(self._seen, context)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self._seen.append(f"encode {len(payloads)} under {describe(self._context)}")
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self._seen.append(f"decode {len(payloads)} under {describe(self._context)}")
        return list(payloads)


async def run_probe(
    env: WorkflowEnvironment, runner: WorkflowRunner, workflow_id: str
) -> list[str]:
    """Run ProbeParent under ``runner``; return the contexts the worker's codec was handed."""
    worker_seen: list[str] = []
    client_seen: list[str] = []
    worker_client = Client(
        env.client.service_client,
        namespace=env.client.namespace,
        data_converter=DataConverter(payload_codec=RecordingCodec(worker_seen)),
    )
    client = Client(
        env.client.service_client,
        namespace=env.client.namespace,
        data_converter=DataConverter(payload_codec=RecordingCodec(client_seen)),
    )
    queue = f"sandbox-{uuid.uuid4().hex[:8]}"
    async with Worker(
        worker_client,
        task_queue=queue,
        workflows=[ProbeParent, ProbeChild],
        activities=[echo],
        activity_executor=ThreadPoolExecutor(2),
        workflow_runner=runner,
    ):
        handle = await client.start_workflow(
            ProbeParent.run, "abc", id=workflow_id, task_queue=queue
        )
        assert await handle.execute_update(ProbeParent.say, "hi") == 1
        assert await handle.result() == "ABC ABC! cba hi"
    return worker_seen


async def test_the_codec_is_handed_the_same_contexts_as_under_the_sdk_runner(
    ts_env: WorkflowEnvironment,
) -> None:
    workflow_id = f"probe-{uuid.uuid4().hex[:8]}"
    stock = await run_probe(ts_env, SandboxedWorkflowRunner(), workflow_id)
    ours = await run_probe(ts_env, workflow_runner(), workflow_id)
    # Activities run beside workflow tasks, so the order of the calls may differ.
    assert sorted(ours) == sorted(stock)
    # The comparison covers every kind of context, not only the workflow's own.
    kinds = {line.split(" under ")[1].split(" ")[0] for line in ours}
    assert kinds == {"activity", "workflow"}
    assert any("local=True" in line for line in ours)
    assert any(f"{workflow_id}-child" in line for line in ours)


async def test_the_sandbox_still_refuses_a_non_deterministic_call(
    ts_env: WorkflowEnvironment,
) -> None:
    queue = f"sandbox-{uuid.uuid4().hex[:8]}"
    async with Worker(
        ts_env.client,
        task_queue=queue,
        workflows=[ProbeClock],
        workflow_runner=workflow_runner(),
        workflow_failure_exception_types=[Exception],
    ):
        with pytest.raises(WorkflowFailureError) as failure:
            await ts_env.client.execute_workflow(
                ProbeClock.run, id=f"clock-{uuid.uuid4().hex[:8]}", task_queue=queue
            )
    assert "RestrictedWorkflowAccessError" in repr(failure.value.cause)
    assert "datetime" in str(failure.value.cause)


def test_the_private_sdk_parts_the_runner_relies_on_are_still_there() -> None:
    """A new SDK that renames these fails here, not as a puzzling worker error."""
    params = list(inspect.signature(_Instance.__init__).parameters)
    assert params == ["self", "instance_details", "runner_class", "restrictions"]
    assert "code" in inspect.signature(_Instance._run_code).parameters
    source = inspect.getsource(_Instance)
    assert "__temporal_in_sandbox = InSandbox(" in source
    assert "exec(code, self.globals_and_locals" in source


async def test_each_code_string_is_compiled_once(ts_env: WorkflowEnvironment) -> None:
    before = dict(sandbox._COMPILED)
    await run_probe(ts_env, workflow_runner(), f"probe-{uuid.uuid4().hex[:8]}")
    compiled: dict[str, Any] = dict(sandbox._COMPILED)
    assert compiled, "the runner compiled nothing"
    for code, obj in before.items():
        assert compiled[code] is obj  # reused, not compiled again
    await run_probe(ts_env, workflow_runner(), f"probe-{uuid.uuid4().hex[:8]}")
    assert compiled == sandbox._COMPILED


def instance_class(runner: SandboxedWorkflowRunner, cls: type) -> type:
    """The workflow class a new sandboxed instance of ``cls`` runs (details as the SDK's
    own ``prepare_workflow`` builds them)."""
    defn = temporalio.workflow._Definition.must_from_class(cls)
    details = WorkflowInstanceDetails(
        payload_converter_factory=DataConverter.default._new_payload_converter,
        failure_converter_class=DataConverter.default.failure_converter_class,
        interceptor_classes=[],
        defn=defn,
        info=_fake_info,
        randomness_seed=-1,
        extern_functions={},
        disable_eager_activity_execution=False,
        worker_level_failure_exception_types=[],
        patch_activation_callback=None,
        last_completion_result=Payloads(),
        last_failure=Failure(),
    )
    instance: Any = runner.create_instance(details)
    return instance.globals_and_locals["__temporal_workflow_class"]  # type: ignore[no-any-return]


async def test_the_trusted_runner_shares_workflows_and_the_strict_one_reimports_them() -> None:
    """Trusted (the worker's default): the instance runs the host's own class, so nothing
    of ``workflows`` is imported again. Strict (the suite's): a fresh copy per instance."""
    for cls in (ClaimWorkflow, EpisodeWorkflow, HumanTaskWorkflow):
        assert instance_class(workflow_runner(strict=False), cls) is cls
        again = instance_class(workflow_runner(strict=True), cls)
        assert again is not cls and again.__qualname__ == cls.__qualname__
    probe = instance_class(workflow_runner(strict=False), ProbeClock)
    assert probe is not ProbeClock  # a module outside ``workflows`` stays sandboxed


def test_the_strict_sandbox_is_the_suites_default() -> None:
    assert sandbox.strict_by_default()
    assert os.environ[sandbox.STRICT_ENV] == "1"
