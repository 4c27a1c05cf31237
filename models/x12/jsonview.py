"""Plain JSON-ready dicts of reader results (dates as ISO strings, money in cents)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import Enum
from typing import Any

__all__ = ["to_jsonable"]

# Computed properties worth showing next to the fields, by class name.
_PROPERTIES: dict[str, tuple[str, ...]] = {
    "Document": ("transactions",),
    "Remittance": ("paid_total_cents",),
    "ClaimPayment": ("is_reversal",),
    "ClaimStatus": ("accepted", "rejected"),
    "EligibilityResult": ("status",),
    "Benefit": ("is_mental_health",),
    "TransactionAck": ("accepted",),
    "Claim837": ("total_charge_cents",),
}
_SKIP: dict[str, tuple[str, ...]] = {"Document": ("interchanges",)}


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        out: dict[str, Any] = {}
        if name == "Document":
            out["envelopes"] = [to_jsonable(ic.envelope) for ic in value.interchanges]  # type: ignore[attr-defined]
        for f in dataclasses.fields(value):
            if f.name not in _SKIP.get(name, ()):
                out[f.name] = to_jsonable(getattr(value, f.name))
        for prop in _PROPERTIES.get(name, ()):
            out[prop] = to_jsonable(getattr(value, prop))
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [to_jsonable(v) for v in value]
    return value
