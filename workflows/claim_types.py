"""Payloads between the ClaimWorkflow, its parent episode and the clearinghouse inbox.

The inbox workflow signals ``claim:{claim_id}`` with these notices when it has read a
file that concerns the claim; the notice carries the stored file's id, never PHI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from workflows.clock import BusinessClock


class ClaimOutcome(StrEnum):
    PAID = "paid"  # paid in full (contractual adjustments allowed)
    PATIENT_RESPONSIBILITY = "patient_responsibility"
    WRITTEN_OFF = "written_off"
    VOIDED = "voided"
    REPLACED = "replaced"  # superseded by a corrected claim with its own workflow


@dataclass(frozen=True, kw_only=True)
class StartClaimInput:
    claim_id: str
    episode_id: str
    payer_id: str
    clock: BusinessClock


# Signal names on ``claim:{id}`` (sent by the inbox workflow).
SIGNAL_ACKNOWLEDGED = "acknowledged"
SIGNAL_REMITTED = "remitted"
SIGNAL_STATUS_ANSWERED = "status_answered"


@dataclass(frozen=True, kw_only=True)
class AckNotice:
    """A 999 or 277CA verdict on this claim."""

    claim_id: str
    source: str  # "999" | "277CA"
    accepted: bool
    message: str = ""  # the payer's words, mapped to our field where possible
    field: str = ""  # e.g. "claim.prior_auth_number", "line[2].modifiers"
    payer_claim_number: str = ""
    x12_file_id: int = 0


@dataclass(frozen=True, kw_only=True)
class RemitNotice:
    """An 835 claim payment (CLP loop) for this claim, stored in x12_files."""

    claim_id: str
    x12_file_id: int
    claim_index: int  # position of the CLP loop in the stored file, 0-based
    status_code: str  # CLP02
    paid_cents: int = 0
    reversal: bool = False


@dataclass(frozen=True, kw_only=True)
class StatusNotice:
    """A 277 answer to our 276 claim status inquiry."""

    claim_id: str
    category: str  # STC01-1, e.g. A1, P1, F1, R3
    status: str  # STC01-2
    message: str = ""
    x12_file_id: int = 0


@dataclass(frozen=True, kw_only=True)
class ClaimResult:
    claim_id: str
    outcome: ClaimOutcome
    paid_cents: int = 0
    adjusted_cents: int = 0
    patient_resp_cents: int = 0
    written_off_cents: int = 0
    replacement_claim_ids: list[str] = field(default_factory=list)


# -- clearinghouse activity payloads (activities/clearinghouse implements them) -------
# Activity names: "clearinghouse.submit_claim", "clearinghouse.send_status_inquiry",
# "clearinghouse.send_appeal", "clearinghouse.send_eligibility",
# "clearinghouse.request_authorization", "clearinghouse.poll_inbox".


@dataclass(frozen=True, kw_only=True)
class SubmitClaimInput:
    claim_id: str
    now: str  # ISO datetime: workflow.now(), so simulated payers answer on workflow time


@dataclass(frozen=True, kw_only=True)
class SentFileResult:
    x12_file_id: int
    name: str
    control_number: str = ""


@dataclass(frozen=True, kw_only=True)
class StatusInquiryInput:
    claim_id: str
    now: str


@dataclass(frozen=True, kw_only=True)
class AppealInput:
    claim_id: str
    level: int
    now: str


@dataclass(frozen=True, kw_only=True)
class PollInboxInput:
    now: str


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One signal the inbox workflow must send: ``signal`` to workflow ``workflow_id``.

    ``payload`` is the JSON of the notice dataclass named by ``payload_type``
    (AckNotice, RemitNotice, StatusNotice, EligibilityNotice, AuthDecisionNotice).
    """

    workflow_id: str
    signal: str
    payload_type: str
    payload: dict[str, object]

    def undelivered(self, why: str) -> str:
        """What the inbox records when this delivery's target cannot be signalled."""
        return f"{self.payload_type} for {self.workflow_id} not delivered: {why}"


@dataclass(frozen=True, kw_only=True)
class UnmatchedFile:
    """An inbound file that could not be read or matched: becomes a task; the file is kept."""

    x12_file_id: int
    name: str
    error: str


@dataclass(frozen=True, kw_only=True)
class PollInboxResult:
    deliveries: list[Delivery] = field(default_factory=list)
    unmatched: list[UnmatchedFile] = field(default_factory=list)
