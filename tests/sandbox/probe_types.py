"""Types the typed probe workflow is given, imported into the sandbox as passed through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, kw_only=True)
class Visit:
    patient: str
    on: date
    minutes: int


@dataclass(frozen=True, kw_only=True)
class Billed:
    visit: Visit
    units: int
