"""clearinghouse.deliver's core: each target in order with its 835s last, a closed or
missing target reported, any other failure raised (the activity is then retried)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from temporalio.service import RPCError, RPCStatusCode

from activities.clearinghouse.deliver import deliver, delivery_order
from workflows.claim_types import Delivery


def notice(target: str, signal: str, n: int) -> Delivery:
    return Delivery(workflow_id=target, signal=signal, payload_type="Notice", payload={"n": n})


class FakeClient:
    """Records each signal; some targets are gone, one fails the call."""

    def __init__(self, gone: set[str] = frozenset(), broken: str = "") -> None:  # type: ignore[assignment]
        self.sent: list[tuple[str, str, int]] = []
        self.gone, self.broken = gone, broken
        self.in_flight = self.most_in_flight = 0

    def get_workflow_handle(self, workflow_id: str) -> Any:
        client = self

        class Handle:
            async def signal(self, signal: str, payload: dict[str, Any]) -> None:
                client.in_flight += 1
                client.most_in_flight = max(client.most_in_flight, client.in_flight)
                await asyncio.sleep(0.001)
                client.in_flight -= 1
                if workflow_id in client.gone:
                    raise RPCError(
                        "workflow execution already completed", RPCStatusCode.NOT_FOUND, b""
                    )
                if workflow_id == client.broken:
                    raise RPCError("deadline exceeded", RPCStatusCode.DEADLINE_EXCEEDED, b"")
                client.sent.append((workflow_id, signal, int(payload["n"])))

        return Handle()


POLL = [
    notice("claim:A", "remitted", 0),
    notice("claim:A", "acknowledged", 1),
    notice("claim:B", "acknowledged", 2),
    notice("claim:A", "acknowledged", 3),
    notice("episode:E", "eligibility_answered", 4),
    notice("claim:B", "remitted", 5),
]


def test_each_target_gets_its_notices_in_order_with_its_835s_last() -> None:
    assert delivery_order(POLL) == [[1, 3, 0], [2, 5], [4]]


async def test_every_delivery_is_sent_once_and_targets_are_signalled_at_once() -> None:
    client = FakeClient()
    errors = await deliver(client, POLL)  # type: ignore[arg-type]
    assert errors == [None] * len(POLL)
    assert sorted(client.sent) == sorted((d.workflow_id, d.signal, i) for i, d in enumerate(POLL))
    to_a = [n for target, _, n in client.sent if target == "claim:A"]
    assert to_a == [1, 3, 0]
    assert client.most_in_flight == 3  # three targets, one signal each at a time


async def test_a_closed_target_is_reported_and_the_rest_delivered() -> None:
    client = FakeClient(gone={"claim:B"})
    errors = await deliver(client, POLL)  # type: ignore[arg-type]
    assert (
        errors[2]
        == errors[5]
        == ("Notice for claim:B not delivered: workflow execution already completed")
    )
    assert [e for i, e in enumerate(errors) if i not in (2, 5)] == [None] * 4
    assert {target for target, _, _ in client.sent} == {"claim:A", "episode:E"}


async def test_any_other_failure_fails_the_activity() -> None:
    with pytest.raises(RPCError, match="deadline exceeded"):
        await deliver(FakeClient(broken="episode:E"), POLL)  # type: ignore[arg-type]
