"""Findings: what an edit (scrubber or charge capture) reports about a claim or a day."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """``error`` blocks submission; ``warning`` is shown but does not block."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, kw_only=True)
class Finding:
    edit: str
    severity: Severity
    field: str
    message: str

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, str]:
        return {
            "edit": self.edit,
            "severity": str(self.severity),
            "field": self.field,
            "message": self.message,
        }
