"""Deliver one poll's notices to their workflows with the worker's client (the second half
of the activity ``clearinghouse.poll_and_deliver``).

The inbox workflow used to send each delivery itself, as a signal to an external
workflow. Every such signal is two more events in the inbox's own history and a
server-side task that must update the inbox's state when it is done, so all of them
queue behind one another on that one workflow. In a 200-episode benchmark the inbox's
poll-to-poll cycle grew from 2.5 s to 30–53 s while claims were billed, and more than
a third of the claims' 999s arrived after their acknowledgement watch had opened a
"missing acknowledgement" task. A signal sent by a client touches only its target.

Order: each target gets its deliveries one after another, in the order the poll read
them, with the 835s last (a claim never reads a poll's 835 before that poll's
acknowledgements); different targets are signalled at once, up to ``concurrency``.

A target that does not exist or has closed is reported, not raised: the inbox hands
such notices on (``clearinghouse.record_late_notices``, or an unmatched-file task).
Any other failure fails the activity, which is retried: a delivery already made is
then sent again, and the claim and episode workflows ignore a notice of a file they
have already taken.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from workflows.claim_types import SIGNAL_REMITTED, Delivery


def delivery_order(deliveries: Sequence[Delivery]) -> list[list[int]]:
    """Indexes of ``deliveries`` grouped by target, each group in the order to send."""
    by_target: dict[str, list[int]] = {}
    for i, d in enumerate(deliveries):
        by_target.setdefault(d.workflow_id, []).append(i)
    return [
        [i for i in group if deliveries[i].signal != SIGNAL_REMITTED]
        + [i for i in group if deliveries[i].signal == SIGNAL_REMITTED]
        for group in by_target.values()
    ]


async def deliver(
    client: Client, deliveries: Sequence[Delivery], *, concurrency: int = 32
) -> list[str | None]:
    """Signal every delivery; for each, why it could not be delivered, or None."""
    errors: list[str | None] = [None] * len(deliveries)
    gate = asyncio.Semaphore(concurrency)

    async def send(group: list[int]) -> None:
        async with gate:
            for i in group:
                d = deliveries[i]
                try:
                    await client.get_workflow_handle(d.workflow_id).signal(d.signal, d.payload)
                except RPCError as err:
                    if err.status != RPCStatusCode.NOT_FOUND:
                        raise
                    errors[i] = d.undelivered(err.message)

    outcomes = await asyncio.gather(
        *(send(group) for group in delivery_order(deliveries)), return_exceptions=True
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return errors
