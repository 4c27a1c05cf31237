"""Payloads of the EpisodeWorkflow (no PHI: ids, payer, program, stage only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workflows.clock import BusinessClock


class Stage(StrEnum):
    INTAKE = "intake"
    ELIGIBILITY = "eligibility"
    AUTHORIZATION = "authorization"
    ACTIVE = "active"  # attending: documented days, billing cycles, concurrent reviews
    CLOSING = "closing"  # discharged: waiting until every claim is resolved
    CLOSED = "closed"


@dataclass(frozen=True, kw_only=True)
class StartEpisodeInput:
    episode_id: str
    payer_id: str
    program: str = "psychiatric"
    day_seconds: float = 86400.0
    history_limit: int = 8000  # continue as new past this many events, at a quiet point
    state: EpisodeState | None = None  # carried across continue-as-new


@dataclass(frozen=True, kw_only=True)
class IntakeStatus:
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class StoreIntakeInput:
    episode_id: str
    data: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class SetStageInput:
    episode_id: str
    stage: Stage
    key: str
    detail: str = ""
    # Workflow time (``workflow.now()``) the episode moved at: the stage row and the
    # episode's ``stage_changed_at`` carry it; "" (a run from before it) → the clock.
    at: str = ""


@dataclass(frozen=True, kw_only=True)
class EpisodeStatus:
    episode_id: str
    stage: Stage
    open_task_ids: list[str] = field(default_factory=list)
    claims: dict[str, str] = field(default_factory=dict)
    documented_days: int = 0
    runs: int = 1
    self_pay: bool = False
    today: str = ""  # the episode's business date (see workflows/clock.py)


# Signal names on ``episode:{id}``.
SIGNAL_ELIGIBILITY = "eligibility_answered"
SIGNAL_AUTH_DECISION = "authorization_decided"
SIGNAL_CLAIM_REMITTED = "claim_remitted"
SIGNAL_CLAIM_RESOLVED = "claim_resolved"


@dataclass(frozen=True, kw_only=True)
class EligibilityNotice:
    """A 271 answer (stored as x12_files row ``x12_file_id``)."""

    episode_id: str
    status: str  # active | inactive | ambiguous | rejected
    message: str = ""
    plan_start: str | None = None  # ISO dates
    plan_end: str | None = None
    x12_file_id: int = 0


@dataclass(frozen=True, kw_only=True)
class AuthDecisionNotice:
    """A payer's authorization decision (278-style response from the adapter)."""

    episode_id: str
    status: str  # approved | partial | denied | pended
    number: str = ""
    start: str | None = None
    end: str | None = None
    units: int = 0
    codes: list[str] = field(default_factory=list)
    message: str = ""
    x12_file_id: int = 0


@dataclass(frozen=True, kw_only=True)
class ClaimSettled:
    """A child claim tells its episode where it stands (by signal: survives continue-as-new)."""

    claim_id: str
    resolved: bool
    outcome: str = ""


@dataclass(frozen=True, kw_only=True)
class EligibilityInquiryInput:
    episode_id: str
    now: str  # ISO datetime of workflow.now()


@dataclass(frozen=True, kw_only=True)
class AuthRequestInput:
    episode_id: str
    now: str


# -- billing activities of the episode (activities/billing.py) ------------------------


@dataclass(frozen=True, kw_only=True)
class BeginEpisodeInput:
    episode_id: str
    as_of: str  # ISO date


@dataclass(frozen=True, kw_only=True)
class EpisodeFacts:
    """What the rule set in force at admission says about this episode's clocks."""

    payer_id: str
    program: str
    ruleset_version: str
    admit_date: str
    prior_auth_required: bool
    prior_auth_days: int
    concurrent_review_lead_days: int
    documentation_window_days: int
    eligibility_wait_days: int
    cadence: str


@dataclass(frozen=True, kw_only=True)
class ResolveEligibilityInput:
    episode_id: str
    data: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class EligibilityResolution:
    action: str  # confirmed_active | update_coverage | switch_payer | self_pay
    payer_id: str


@dataclass(frozen=True, kw_only=True)
class RecordAuthorizationInput:
    episode_id: str
    ruleset_version: str
    status: str  # approved | partial | denied
    number: str = ""
    start: str | None = None
    end: str | None = None
    units: int = 0
    source: str = "biller"  # biller | payer | staff
    extend: bool = False  # concurrent review: add units / move the end of the latest auth
    key: str = ""  # entered on the episode page: recorded once per key (a retry adds nothing)
    at: str = ""  # workflow time of the record, stamped on its timeline row ("" → the clock)


@dataclass(frozen=True, kw_only=True)
class EnterAuthorizationInput:
    """An authorization entered by program staff or a biller from the episode page.

    In the authorization stage it decides the pending request; in the active stage it
    extends the latest authorization (or records a first one) and settles the concurrent
    review. Dates are ISO; ``user`` is the username that entered it (no PHI).
    """

    status: str  # approved | partial | denied
    number: str = ""
    start: str = ""
    end: str = ""
    units: int = 0
    user: str = ""


@dataclass(frozen=True, kw_only=True)
class CoverageChangedInput:
    """The episode page changed the coverage rows (the web writes them, then says so).

    ``member_id_changed``: the primary coverage's member id is different, so an
    eligibility answer about the old one no longer holds. No PHI: flags and a username.
    """

    member_id_changed: bool = False
    user: str = ""


@dataclass(frozen=True, kw_only=True)
class AuthorizationStatus:
    approved: bool
    number: str = ""
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class DocumentDayInput:
    """One documented IOP day, from the web form or the EHR JSON API.

    ``day`` has the DAY.json shape of `iopbill rules preview`; ``note`` is clinical text
    (encrypted in Temporal by the codec, stored in the app database).
    """

    day: dict[str, Any]
    note: str = ""
    signed_by: str = ""


@dataclass(frozen=True, kw_only=True)
class CaptureDayInput:
    episode_id: str
    ruleset_version: str
    as_of: str
    document: DocumentDayInput


@dataclass(frozen=True, kw_only=True)
class DaySummary:
    date: str
    minutes: int
    charges: list[str] = field(default_factory=list)  # "S9480 × 1 (reason…)"
    held: list[str] = field(default_factory=list)
    not_billed: list[str] = field(default_factory=list)
    review_due: str | None = None  # earliest concurrent-review date of the episode's auths
    run_out: str | None = None
    units_remaining: int | None = None


@dataclass(frozen=True, kw_only=True)
class HeldWriteOff:
    """A supervisor's approved write-off of charges held outside the authorization."""

    charge_ids: list[str]
    reason: str
    approved_by: str
    key: str  # once per approval: a retried activity writes nothing twice
    at: str = ""  # workflow time of the approval ("" → the clock)


@dataclass(frozen=True, kw_only=True)
class BuildClaimsInput:
    episode_id: str
    ruleset_version: str
    as_of: str
    discharge_date: str | None = None
    # The last bill: while charges are still held, build nothing and list them (``held``)
    # so a biller settles them first (retro-authorization or write-off).
    settle_held: bool = False
    write_off_held: HeldWriteOff | None = None  # recorded before anything is built


@dataclass(frozen=True, kw_only=True)
class HeldDay:
    """One charge held outside the authorization (no PHI: ids, dates, codes, cents)."""

    charge_id: str
    date: str
    code: str
    units: int
    charge_cents: int
    reason: str
    authorization_number: str = ""


@dataclass(frozen=True, kw_only=True)
class BuildClaimsResult:
    claim_ids: list[str] = field(default_factory=list)
    next_check: str | None = None  # business date when the open period closes
    reason: str = ""
    held: list[HeldDay] = field(default_factory=list)  # settle_held: what blocks the bill
    awaits_remittance: bool = False  # a closed period waits for the last claim's 835

    @property
    def held_cents(self) -> int:
        return sum(h.charge_cents for h in self.held)

    @property
    def held_dates(self) -> list[str]:
        return sorted({h.date for h in self.held})


@dataclass(frozen=True, kw_only=True)
class RecordAttendanceInput:
    date: str
    user: str = ""


@dataclass(frozen=True, kw_only=True)
class DischargeInput:
    date: str
    user: str = ""


@dataclass(kw_only=True)
class EpisodeState:
    """Everything the episode knows; carried whole across continue-as-new."""

    stage: Stage = Stage.INTAKE
    payer_id: str = ""
    clock: BusinessClock | None = None
    facts: EpisodeFacts | None = None
    self_pay: bool = False
    documented: dict[str, DaySummary] = field(default_factory=dict)  # ISO date → summary
    documented_hash: dict[str, str] = field(default_factory=dict)
    expected: dict[str, str] = field(default_factory=dict)  # attended ISO date → due ISO date
    claims: dict[str, str] = field(default_factory=dict)  # claim id → open|remitted|resolved
    discharge_date: str | None = None
    next_billing_check: str | None = None
    rebuild: bool = False  # a remittance arrived: sequential interim claims may go on
    # The last build left a closed period for the previous claim's remittance (sequential
    # interim claims): only then does a claim's remittance or resolution call for a build.
    awaits_remittance: bool = False
    review_state: str = "none"  # none | open | denied (a denied extension is not re-asked)
    review_handled_for: str | None = None  # business date the last review was settled
    runs: int = 1
