"""Inputs of the baseline workflows in ``bench/shape_workflow.py``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ShapeInput:
    activities: int
    updates: int
    timers: int
    local_activities: int = 0
    signals: int = 0
    # The episode's business time, from its clock's start to its floor: the last of the
    # timers waits out whatever of it is left, so the workflow cannot finish sooner.
    calendar_ms: int = 0


@dataclass(frozen=True, kw_only=True)
class ParentInput:
    activities: int  # in the whole tree: the parent's share plus its children's
    children: int
