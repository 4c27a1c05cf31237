"""The unit-of-work helper every database activity uses: one transaction per call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from models.db.base import utcnow


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session, session.begin():
        yield session


def workflow_time(iso: str) -> datetime:
    """The workflow time an activity was scheduled at (its input's ``at``); an input from
    a run scheduled before the field existed (``""``) is stamped with the clock."""
    return datetime.fromisoformat(iso) if iso else utcnow()
