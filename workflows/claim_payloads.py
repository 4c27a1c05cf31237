"""Payloads between the ClaimWorkflow and its ``claims.*`` activities.

Frozen kw_only dataclasses; new fields always get defaults (running histories replay).
Dates travel as ISO strings. ``at`` is the workflow time (``workflow.now()``) the claim
scheduled the activity at: every row the activity writes is stamped with it, so a retry
writes the same time and a time-skipped test sees business time. An ``at`` added later
defaults to ``""`` (scheduled by a run from before it): the activity stamps its clock.
No PHI: claim ids, codes, amounts and dates only; the claim itself (names, member id)
stays in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflows.claim_types import AckNotice, RemitNotice, StatusNotice


class ClaimStage:
    """Where the claim workflow stands (the ``status`` query)."""

    SCRUBBING = "scrubbing"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REMITTED = "remitted"
    WORKING_DENIAL = "working_denial"
    RESOLVED = "resolved"


@dataclass(frozen=True, kw_only=True)
class LoadClaimInput:
    claim_id: str
    today: str


@dataclass(frozen=True, kw_only=True)
class ClaimFacts:
    claim_id: str
    episode_id: str
    payer_id: str
    total_cents: int
    filing_deadline: str  # ISO date: the stored deadline, else timely filing from the first DOS
    filing_rule: str = ""
    status: str = "draft"
    original_claim_id: str = ""


@dataclass(frozen=True, kw_only=True)
class ScrubClaimInput:
    claim_id: str
    today: str
    attempt: int
    at: str = ""


@dataclass(frozen=True, kw_only=True)
class ScrubResult:
    clean: bool
    findings: list[dict[str, str]] = field(default_factory=list)  # edit, severity, field, message
    field_notes: dict[str, str] = field(default_factory=dict)  # form field → messages
    # authorizations on file covering the claim's dates: number → "start to end"
    authorizations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ApplyFixInput:
    claim_id: str
    task_id: str
    data: dict[str, Any]
    at: str = ""


@dataclass(frozen=True, kw_only=True)
class MarkClaimInput:
    """One timeline row (``key`` makes it once) and optionally a new claim status."""

    claim_id: str
    key: str
    kind: str
    at: str  # ISO datetime (workflow time)
    status: str = ""
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    submitted: bool = False  # sets first_submitted_at when empty
    accepted: bool = False  # sets accepted_at


@dataclass(frozen=True, kw_only=True)
class DeadlineInput:
    claim_id: str
    clock: str  # models.domain.Clock value
    start: str  # ISO date the clock counts from
    level: int = 1
    repeat: int = 0


@dataclass(frozen=True, kw_only=True)
class DeadlineResult:
    due: str  # ISO date
    rule: str


@dataclass(frozen=True, kw_only=True)
class RecordAckInput:
    claim_id: str
    notice: AckNotice
    seq: int
    at: str
    # The claim was accepted already (an 835 came first): the row is recorded and an
    # empty payer claim number filled, but the claim's status and accepted_at stay.
    late: bool = False


@dataclass(frozen=True, kw_only=True)
class AckOutcome:
    accepted: bool
    final: bool  # a 277CA acceptance (the payer has the claim) or any rejection
    form_field: str = ""
    message: str = ""
    # A rejection: number → "start to end" of each granted authorization on file that
    # covers the claim (``claim_rules.covering_authorizations``); the fix form offers these
    # and refuses other numbers. Empty for an acceptance, and in histories recorded before
    # the field existed.
    authorizations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RecordStatusInput:
    claim_id: str
    notice: StatusNotice
    seq: int
    at: str


@dataclass(frozen=True, kw_only=True)
class StatusAnswer:
    summary: str  # e.g. "P1 (pending): in process"
    category: str = ""
    status: str = ""
    # The 277 says the payer finalized the claim as denied (category F2): the claim status
    # task leads with ``headline`` so the biller records the denial and its CARC.
    finalized_denied: bool = False
    headline: str = ""


@dataclass(frozen=True, kw_only=True)
class PostRemittanceInput:
    claim_id: str
    notice: RemitNotice
    at: str


@dataclass(frozen=True, kw_only=True)
class PostingOutcome:
    posting_id: str
    accepted: bool
    reason: str
    reversal: bool = False
    status_code: str = ""
    payer_claim_number: str = ""
    paid_on: str = ""  # ISO date of the payment / decision notice
    billed_cents: int = 0
    paid_cents: int = 0
    adjusted_cents: int = 0
    patient_resp_cents: int = 0
    open_cents: int = 0
    underpaid_cents: int = 0
    underpayments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class FinalizedDenial:
    """A biller's answer to a claim status task: the payer finalized the claim as denied
    (its 277 or portal), with the CARC read there. No money moved: nothing is posted."""

    task_id: str
    carc: str
    group: str = "CO"
    rarcs: list[str] = field(default_factory=list)
    decision_date: str = ""  # ISO date of the denial notice ("" → the business date)
    payer_claim_number: str = ""
    user: str = ""


@dataclass(frozen=True, kw_only=True)
class RouteDenialsInput:
    claim_id: str
    posting_id: str
    today: str
    notice_date: str
    at: str = ""
    # Route this denial, reported by status rather than by an 835 (``posting_id`` is then
    # ``{claim_id}:finalized:{task_id}``, no posting row): the claim's open balance is denied.
    finalized: FinalizedDenial | None = None


@dataclass(frozen=True, kw_only=True)
class DenialWork:
    """One piece of work a denial (or patient share) needs: a claim task kind and why."""

    denial_id: str
    kind: str  # a claim task kind: corrected_claim, write_appeal, write_off_approval, …
    group: str
    carc: str
    amount_cents: int
    action: str
    reason: str
    deadline: str
    rule: str
    rarcs: list[str] = field(default_factory=list)
    authorizations: dict[str, str] = field(default_factory=dict)  # as ScrubResult's
    field: str = ""  # (named after the claim field; dataclasses.field is shadowed below)
    form_field: str = ""
    appeal_level: int = 0


@dataclass(frozen=True, kw_only=True)
class DenialPlan:
    work: list[DenialWork] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ReplacementInput:
    claim_id: str
    task_id: str
    data: dict[str, Any]
    revision: int = 1
    at: str = ""


@dataclass(frozen=True, kw_only=True)
class ReplacementResult:
    claim_id: str
    original_claim_number: str
    frequency: str


@dataclass(frozen=True, kw_only=True)
class DraftAppealInput:
    claim_id: str
    denial_id: str
    level: int
    notice_date: str
    today: str
    at: str = ""


@dataclass(frozen=True, kw_only=True)
class AppealDraft:
    appeal_id: str
    level: int
    deadline: str
    rule: str
    levels: int  # how many appeal levels the payer has


@dataclass(frozen=True, kw_only=True)
class RecordAppealInput:
    claim_id: str
    level: int
    status: str  # ready | sent | won | lost | abandoned | missed
    at: str
    letter: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordTaskOutcomeInput:
    claim_id: str
    task_id: str
    kind: str
    at: str
    data: dict[str, Any] = field(default_factory=dict)
    denial_id: str = ""


@dataclass(frozen=True, kw_only=True)
class WriteOffInput:
    claim_id: str
    reason: str
    approved_by: str
    at: str
    carc: str = ""


@dataclass(frozen=True, kw_only=True)
class ResolveClaimInput:
    claim_id: str
    at: str
    replacement_claim_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ClaimTotals:
    outcome: str  # a ClaimOutcome value
    billed_cents: int = 0
    paid_cents: int = 0
    adjusted_cents: int = 0
    patient_resp_cents: int = 0
    open_cents: int = 0
    written_off_cents: int = 0
    balanced: bool = True


@dataclass(frozen=True, kw_only=True)
class ClaimStatusView:
    claim_id: str
    stage: str
    open_task_ids: list[str] = field(default_factory=list)
    replacement_claim_ids: list[str] = field(default_factory=list)
