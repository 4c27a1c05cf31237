"""Payloads between the inbox workflow and its activities ``clearinghouse.poll_and_deliver``
and ``clearinghouse.record_late_notices``.

Frozen kw_only dataclasses; new fields always get defaults (old histories replay).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from workflows.claim_types import Delivery, PollInboxResult

RECORD_LATE_ACTIVITY = "clearinghouse.record_late_notices"
POLL_AND_DELIVER_ACTIVITY = "clearinghouse.poll_and_deliver"


@dataclass(frozen=True, kw_only=True)
class PolledAndDelivered:
    """One poll (``clearinghouse.poll_inbox``'s answer) and, for each of its deliveries in
    the same order, why it could not be delivered (its workflow does not exist or has
    closed), or None."""

    poll: PollInboxResult
    errors: list[str | None] = field(default_factory=list)


class LateVerdict(StrEnum):
    """What became of a claim notice whose ClaimWorkflow could not be signalled."""

    RECORDED = "recorded"  # recorded against the resolved claim; nobody needs to look
    REJECTED = "rejected"  # a 999/277CA rejection, recorded; a person must see it
    UNDELIVERED = "undelivered"  # nothing recorded: the file's unmatched task says why


@dataclass(frozen=True, kw_only=True)
class RecordLateNoticesInput:
    at: str  # ISO workflow time of the poll that read the files
    deliveries: list[Delivery] = field(default_factory=list)  # claim signals that failed


@dataclass(frozen=True, kw_only=True)
class LateNotice:
    """The verdict on one delivery of the input, in the same order."""

    verdict: LateVerdict
    claim_id: str
    x12_file_id: int
    file_name: str = ""
    source: str = ""  # "999", "277CA", "277", "835"
    message: str = ""  # the payer's words (a rejection) or why it was not delivered
    claim_status: str = ""
    episode_id: str = ""
    payer_id: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordLateNoticesResult:
    notices: list[LateNotice] = field(default_factory=list)
