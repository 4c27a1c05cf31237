"""Payloads of the human-task engine, shared by parent workflows and the web gateway.

Frozen kw_only dataclasses; new fields always get defaults (old histories replay).
``context`` and ``title`` travel through Temporal: never put PHI in them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TaskStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


SUPERVISOR_QUEUE = "supervisor"


@dataclass(frozen=True, kw_only=True)
class OpenTaskInput:
    task_id: str
    kind: str
    queue: str
    title: str
    form_schema: str
    due_seconds: float
    escalate_seconds: float
    priority: int = 3
    episode_id: str | None = None
    claim_id: str | None = None
    payer_id: str | None = None
    amount_at_risk_cents: int = 0
    filing_deadline: str | None = None  # ISO date
    reason: str = ""
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ClaimTaskInput:
    user: str


@dataclass(frozen=True, kw_only=True)
class ReleaseTaskInput:
    user: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ReassignTaskInput:
    user: str
    roles: tuple[str, ...]
    to_user: str | None = None
    to_queue: str | None = None
    priority: int | None = None


@dataclass(frozen=True, kw_only=True)
class CompleteTaskInput:
    user: str
    data: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class WithdrawTaskInput:
    reason: str


@dataclass(frozen=True, kw_only=True)
class TaskResult:
    task_id: str
    status: TaskStatus
    assignee: str | None = None
    queue: str = ""
    priority: int = 3
    escalation_level: int = 0
    completed_by: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    withdrawn_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class OpenTaskRecord:
    """The row the ``tasks.open`` activity writes; ``opened_at`` is the workflow's clock (ISO)."""

    task: OpenTaskInput
    opened_at: str


@dataclass(frozen=True, kw_only=True)
class RecordTaskInput:
    """What the task activity writes: the state the workflow reached and one history key."""

    task_id: str
    key: str
    event: str
    actor: str
    status: TaskStatus
    assignee: str | None
    queue: str
    priority: int
    escalation_level: int
    overdue: bool = False
    result: dict[str, Any] | None = None
    withdrawn_reason: str | None = None
    notify: tuple[str, ...] = ()
    notify_message: str = ""
