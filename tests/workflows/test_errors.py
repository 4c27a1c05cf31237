"""The error type values are recorded in histories and retry policies: they never change."""

from __future__ import annotations

from workflows.errors import ErrorType


def test_error_type_values_are_the_recorded_strings() -> None:
    assert {e.name: e.value for e in ErrorType} == {
        "TASK_NOT_OPEN": "TaskNotOpen",
        "TASK_NOT_HELD": "TaskNotHeld",
        "TASK_WITHDRAWN": "TaskWithdrawn",
        "TASK_COMPLETED": "TaskCompleted",
        "FORM_INVALID": "FormInvalid",
        "NOT_ALLOWED": "NotAllowed",
        "NOT_FOUND": "NotFound",
        "DAY_INVALID": "DayInvalid",
        "AUTH_INCOMPLETE": "AuthIncomplete",
        "OUTBOUND_INVALID": "OutboundInvalid",
    }
