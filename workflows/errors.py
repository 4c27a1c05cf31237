"""Business failure types. Callers match on ``ErrorType`` values, never on class names.

The one enum of ``ApplicationError.type`` values for workflows and activities alike
(activities import it from here; the layer rules allow it). The values are recorded in
histories and in retry policies' ``non_retryable_error_types``: never change one.
"""

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
    OUTBOUND_INVALID = "OutboundInvalid"  # our data cannot become a valid X12 file
