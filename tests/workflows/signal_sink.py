"""A tiny target for signal-delivery tests: records every signal it is sent, by name."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue


@dataclass(frozen=True, kw_only=True)
class SinkInput:
    expected: int  # return once this many signals arrived…
    linger_seconds: float = 0.0  # …or after this long (0: wait for them however long)


@workflow.defn(name="SignalSink")
class SignalSinkWorkflow:
    def __init__(self) -> None:
        self._received: list[dict[str, Any]] = []

    @workflow.run
    async def run(self, inp: SinkInput) -> list[dict[str, Any]]:
        timeout = timedelta(seconds=inp.linger_seconds) if inp.linger_seconds else None
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: len(self._received) >= inp.expected, timeout=timeout
            )
        return list(self._received)

    @workflow.signal(dynamic=True)
    def record(self, name: str, args: Sequence[RawValue]) -> None:
        payload = workflow.payload_converter().from_payload(args[0].payload, dict)
        self._received.append({"signal": name, "payload": payload})

    @workflow.query(name="received")
    def received(self) -> list[dict[str, Any]]:
        return list(self._received)
