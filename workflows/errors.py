"""Business failure types. Callers match on ``ErrorType`` values, never on class names."""

from __future__ import annotations

from enum import StrEnum


class ErrorType(StrEnum):
    TASK_NOT_OPEN = "TaskNotOpen"
    TASK_NOT_HELD = "TaskNotHeld"
    TASK_WITHDRAWN = "TaskWithdrawn"
    TASK_COMPLETED = "TaskCompleted"
    FORM_INVALID = "FormInvalid"
    NOT_ALLOWED = "NotAllowed"
    NOT_FOUND = "NotFound"
    DAY_INVALID = "DayInvalid"
    AUTH_INCOMPLETE = "AuthIncomplete"
