"""Build domain objects from plain JSON-shaped data, naming the bad field on error."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from models.domain.charges import DocumentedDay, Service
from models.domain.ruleset_schema import Program, ServiceKind, TelehealthMode
from models.domain.values import DomainError

E = TypeVar("E", bound=StrEnum)
DAY_KEYS = {"date", "program", "telehealth", "services"}
SERVICE_KEYS = {"kind", "minutes", "clinician_npi", "telehealth"}


def _enum(kind: type[E], value: object, field: str) -> E:
    allowed = [m.value for m in kind]
    if value not in allowed:
        raise DomainError(field, value, f"must be one of {', '.join(allowed)}")
    return kind(str(value))


def _unknown(data: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise DomainError(f"{prefix}{extra[0]}", data[extra[0]], "unknown field")


def day_from_dict(data: object) -> DocumentedDay:
    """A :class:`DocumentedDay` from DAY.json-shaped data.

    ``{"date": "YYYY-MM-DD", "program": "psychiatric"|"substance_use",
    "telehealth": "none"|"video"|"audio", "services": [{"kind": ..., "minutes": N}]}``;
    ``telehealth`` defaults to ``none``; a service may add ``clinician_npi``.
    """
    if not isinstance(data, Mapping):
        raise DomainError("day", type(data).__name__, "must be a JSON object")
    _unknown(data, DAY_KEYS, "")
    if "date" not in data:
        raise DomainError("date", None, "missing")
    try:
        day = date.fromisoformat(str(data["date"]))
    except ValueError as exc:
        raise DomainError("date", data["date"], "must be a date YYYY-MM-DD") from exc
    program = _enum(Program, data.get("program"), "program")
    telehealth = _enum(TelehealthMode, data.get("telehealth", "none"), "telehealth")
    raw = data.get("services")
    if not isinstance(raw, list):
        raise DomainError("services", raw, "must be a list of services")
    services = []
    for n, item in enumerate(raw):
        field = f"services[{n}]"
        if not isinstance(item, Mapping):
            raise DomainError(field, item, "must be an object with kind and minutes")
        _unknown(item, SERVICE_KEYS, f"{field}.")
        kind = _enum(ServiceKind, item.get("kind"), f"{field}.kind")
        minutes = item.get("minutes")
        mode = item.get("telehealth")
        try:
            services.append(
                Service(
                    kind=kind,
                    minutes=minutes,  # type: ignore[arg-type]  # validated by Service
                    clinician_npi=str(item.get("clinician_npi", "")),
                    telehealth=None
                    if mode is None
                    else _enum(TelehealthMode, mode, f"{field}.telehealth"),
                )
            )
        except DomainError as exc:
            raise DomainError(f"{field}.{exc.field}", exc.value, exc.reason) from exc
    return DocumentedDay(date=day, program=program, telehealth=telehealth, services=tuple(services))
