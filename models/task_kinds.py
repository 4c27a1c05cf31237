"""The catalogue of human-task kinds: queue, form, SLA in days, default priority.

Pure data; parent workflows turn SLA days into seconds with the day-length setting.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class TaskKind:
    name: str
    queue: str
    form_schema: str
    label: str
    sla_days: float
    escalate_days: float
    priority: int = 3


KINDS: dict[str, TaskKind] = {
    k.name: k
    for k in (
        TaskKind(
            name="complete_intake",
            queue="intake",
            form_schema="intake",
            label="Complete intake",
            sla_days=1,
            escalate_days=1,
            priority=2,
        ),
    )
}


def register_kind(kind: TaskKind) -> TaskKind:
    if kind.name in KINDS and KINDS[kind.name] != kind:
        raise ValueError(f"task kind {kind.name!r} registered twice with different settings")
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> TaskKind:
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"no task kind named {name!r}") from None
