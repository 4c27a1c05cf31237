"""Persistent X12 control-number counters (ISA13 is 9 digits and wraps)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.db.base import upsert
from models.db.tables import ControlCounter

MAX_CONTROL = 999_999_999


def next_control_number(session: Session, name: str) -> int:
    """Reserve the next number under ``name``; the UPDATE serialises concurrent writers."""
    upsert(session, ControlCounter.__table__, {"name": name, "value": 0}, keys=["name"])  # type: ignore[arg-type]
    session.execute(
        update(ControlCounter)
        .where(ControlCounter.name == name)
        .values(value=ControlCounter.value % MAX_CONTROL + 1)
    )
    value = session.scalar(select(ControlCounter.value).where(ControlCounter.name == name))
    assert value is not None
    return value
