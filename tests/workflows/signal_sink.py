"""A tiny target for signal-delivery tests: records every signal it is sent, by name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue


@workflow.defn(name="SignalSink")
class SignalSinkWorkflow:
    def __init__(self) -> None:
        self._received: list[dict[str, Any]] = []

    @workflow.run
    async def run(self, expected: int) -> list[dict[str, Any]]:
        await workflow.wait_condition(lambda: len(self._received) >= expected)
        return list(self._received)

    @workflow.signal(dynamic=True)
    def record(self, name: str, args: Sequence[RawValue]) -> None:
        payload = workflow.payload_converter().from_payload(args[0].payload, dict)
        self._received.append({"signal": name, "payload": payload})

    @workflow.query(name="received")
    def received(self) -> list[dict[str, Any]]:
        return list(self._received)
