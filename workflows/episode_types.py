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
