"""One payload converter for the whole worker process (``iopbill.codec.SharedPayloadConverter``).

The SDK builds a payload converter from its class for every workflow instance and twice
for every activation; each build used to start with an empty cache of pydantic type
adapters, so each new workflow rebuilt the adapters of its own input and activity results.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from temporalio.client import Client
from temporalio.converter import (
    ActivitySerializationContext,
    EncodingPayloadConverter,
    WithSerializationContext,
    WorkflowSerializationContext,
)
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from iopbill.codec import SharedPayloadConverter, data_converter
from iopbill.sandbox import workflow_runner
from tests.conftest import TEST_PHI_KEY
from tests.sandbox.probe_types import Billed, Visit
from tests.sandbox.probe_workflows import ProbeTyped, bill


def test_every_build_of_the_class_is_the_same_converter() -> None:
    dc = data_converter(TEST_PHI_KEY)
    contexts = [
        WorkflowSerializationContext(namespace="default", workflow_id="episode:E1"),
        ActivitySerializationContext(
            namespace="default",
            workflow_id="claim:C1",
            workflow_type="Claim",
            activity_type="claims.scrub",
            activity_id="1",
            activity_task_queue="q",
            is_local=False,
        ),
    ]
    inner = {id(SharedPayloadConverter())}
    for context in contexts:
        converter = dc.with_context(context).payload_converter
        inner.add(id(converter._inner_payload_converter))  # type: ignore[attr-defined]
    assert len(inner) == 1
    # It still converts: a dataclass with a date survives the round trip by type.
    visit = Visit(patient="P1", on=date(2026, 11, 27), minutes=190)
    payloads = dc.payload_converter.to_payloads([visit])
    assert dc.payload_converter.from_payloads(payloads, [Visit]) == [visit]


def test_a_context_taking_part_refuses_to_be_shared() -> None:
    class Contextual(EncodingPayloadConverter, WithSerializationContext):
        encoding = "x/probe"

        def to_payload(self, value: object) -> None:
            return None

        def from_payload(self, payload: object, type_hint: object = None) -> object:
            raise NotImplementedError

        def with_context(self, context: object) -> Contextual:
            return Contextual()

    shared = SharedPayloadConverter()
    saved = shared.converters
    try:
        shared._set_converters(*saved.values(), Contextual())
        shared.__dict__.pop("_any_converter_takes_context", None)  # a cached property
        with pytest.raises(TypeError, match="cannot be shared"):
            shared.with_context(WorkflowSerializationContext(namespace="default", workflow_id="w"))
    finally:
        shared._set_converters(*saved.values())
        shared.__dict__.pop("_any_converter_takes_context", None)


async def test_a_second_workflow_reuses_the_first_ones_type_adapters(
    ts_env: WorkflowEnvironment,
) -> None:
    client = Client(
        ts_env.client.service_client,
        namespace=ts_env.client.namespace,
        data_converter=data_converter(TEST_PHI_KEY),
    )
    shared = SharedPayloadConverter()
    queue = f"shared-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[ProbeTyped],
        activities=[bill],
        activity_executor=ThreadPoolExecutor(2),
        workflow_runner=workflow_runner(),
    ):

        async def run(patient: str) -> Billed:
            visit = Visit(patient=patient, on=date(2026, 11, 27), minutes=190)
            return await client.execute_workflow(
                ProbeTyped.run, visit, id=f"typed-{uuid.uuid4().hex[:8]}", task_queue=queue
            )

        first = await run("P1")
        assert first == Billed(
            visit=Visit(patient="P1", on=date(2026, 11, 27), minutes=190), units=3
        )
        built, hits = shared.adapters_built_and_reused()
        second = await run("P2")
        assert second.visit.patient == "P2" and second.units == 3
    # The second workflow, in its own sandbox, found every adapter it needed.
    built_after, hits_after = shared.adapters_built_and_reused()
    assert built_after == built
    assert hits_after > hits
