"""Payloads of the EpisodeWorkflow (no PHI: ids, payer, program, stage only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    INTAKE = "intake"
    ELIGIBILITY = "eligibility"
    CLOSED = "closed"


@dataclass(frozen=True, kw_only=True)
class StartEpisodeInput:
    episode_id: str
    payer_id: str
    program: str = "psychiatric"
    day_seconds: float = 86400.0


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


@dataclass(frozen=True, kw_only=True)
class EpisodeStatus:
    episode_id: str
    stage: Stage
    open_task_ids: list[str] = field(default_factory=list)


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
