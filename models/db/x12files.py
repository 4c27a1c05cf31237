"""Repository of ``x12_files``: every document sent or received, kept whole.

Outbound rows are found again by their stable name (kind, subject, control number and a
short hash of the sender's idempotency key); inbound rows are unique by the SHA-256 of
their content, so a file read twice is stored once. Functions flush, never commit.

Inbound life cycle: ``pending`` (stored, not read yet; simulator answers wait here with
``delivered=False`` until ``deliver_at``) → ``processed`` | ``unmatched`` | ``error``
with ``delivered=True`` and ``deliver_at`` set to the poll that read it (its stamp: a
retried poll with the same stamp gets the same files again, a later poll never does).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from models.db.base import upsert, utcnow
from models.db.billing_tables import X12File

OUT, IN = "out", "in"
PENDING, QUEUED, SENT = "pending", "queued", "sent"
PROCESSED, UNMATCHED, ERROR = "processed", "unmatched", "error"


def sha256(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8", "surrogateescape")).hexdigest()


def get(session: Session, file_id: int) -> X12File | None:
    return session.get(X12File, file_id)


# -- outbound --------------------------------------------------------------------------


def find_outbound(session: Session, prefix: str, suffix: str) -> X12File | None:
    """The outbound file whose name starts with ``prefix`` and ends with ``suffix``."""
    return session.scalars(
        select(X12File)
        .where(
            X12File.direction == OUT,
            X12File.name.startswith(prefix, autoescape=True),
            X12File.name.endswith(suffix, autoescape=True),
        )
        .order_by(X12File.id)
        .limit(1)
    ).first()


def outbound_named(session: Session, prefixes: Sequence[str]) -> list[X12File]:
    """Outbound files whose name starts with any of ``prefixes``, oldest first."""
    if not prefixes:
        return []
    return list(
        session.scalars(
            select(X12File)
            .where(
                X12File.direction == OUT,
                or_(*(X12File.name.startswith(p, autoescape=True) for p in prefixes)),
            )
            .order_by(X12File.id)
        )
    )


def add_outbound(
    session: Session,
    *,
    kind: str,
    name: str,
    content: str,
    control_number: str,
    claim_ids: Sequence[str] = (),
    episode_id: str | None = None,
    at: datetime | None = None,
) -> X12File:
    row = X12File(
        direction=OUT,
        kind=kind,
        name=name,
        sha256=sha256(content),
        control_number=control_number,
        content=content,
        status=QUEUED,
        claim_ids=list(claim_ids),
        episode_id=episode_id,
        delivered=True,
        created_at=at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def mark_sent(session: Session, file_id: int) -> None:
    session.execute(update(X12File).where(X12File.id == file_id).values(status=SENT))


def outbound_by_control(
    session: Session, control_number: str, kinds: Sequence[str]
) -> X12File | None:
    return session.scalars(
        select(X12File)
        .where(
            X12File.direction == OUT,
            X12File.control_number == control_number,
            X12File.kind.in_(list(kinds)),
        )
        .order_by(X12File.id)
        .limit(1)
    ).first()


# -- inbound ---------------------------------------------------------------------------


def store_inbound(
    session: Session,
    *,
    name: str,
    content: str,
    kind: str = "",
    control_number: str = "",
    deliver_at: datetime | None = None,
    delivered: bool = False,
    claim_ids: Sequence[str] = (),
    episode_id: str | None = None,
) -> tuple[X12File, bool]:
    """Store an inbound file once (by SHA-256); return the row and whether it is new."""
    digest = sha256(content)
    existing = inbound_by_sha(session, digest)
    if existing is not None:
        return existing, False
    upsert(
        session,
        X12File.__table__,  # type: ignore[arg-type]
        {
            "direction": IN,
            "kind": kind[:8],
            "name": name[:200],
            "sha256": digest,
            "control_number": control_number[:12],
            "content": content,
            "status": PENDING,
            "error": "",
            "claim_ids": list(claim_ids),
            "episode_id": episode_id,
            "deliver_at": deliver_at,
            "delivered": delivered,
            "created_at": utcnow(),
        },
        keys=["direction", "sha256"],
    )
    row = inbound_by_sha(session, digest)
    assert row is not None
    return row, True


def inbound_by_sha(session: Session, digest: str) -> X12File | None:
    return session.scalars(
        select(X12File).where(X12File.direction == IN, X12File.sha256 == digest)
    ).first()


def inbound_named(session: Session, prefix: str) -> list[X12File]:
    return list(
        session.scalars(
            select(X12File)
            .where(X12File.direction == IN, X12File.name.startswith(prefix, autoescape=True))
            .order_by(X12File.id)
        )
    )


def count_inbound_named(session: Session, prefix: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(X12File)
            .where(X12File.direction == IN, X12File.name.startswith(prefix, autoescape=True))
        )
        or 0
    )


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Stored inbound files (simulator answers) whose time has come and no poll has read."""
    return (
        X12File.direction == IN,
        X12File.delivered.is_(False),
        X12File.deliver_at.is_not(None),
        X12File.deliver_at <= now,
    )


def due_inbound(session: Session, now: datetime, *, limit: int = 500) -> list[X12File]:
    """Inbound files waiting for delivery whose time has come (simulator answers)."""
    return list(
        session.scalars(
            select(X12File).where(*_due(now)).order_by(X12File.deliver_at, X12File.id).limit(limit)
        )
    )


def due_unread(session: Session, now: datetime) -> tuple[int, datetime | None]:
    """How many inbound files are due and not read by a poll yet (the simulator's stored
    answers), and when the longest-waiting one became due."""
    count, oldest = session.execute(
        select(func.count(), func.min(X12File.deliver_at)).where(*_due(now))
    ).one()
    return int(count), oldest


def last_read(session: Session) -> datetime | None:
    """The stamp of the newest poll that read a file (a read file keeps its poll's stamp)."""
    return session.scalar(
        select(func.max(X12File.deliver_at)).where(
            X12File.direction == IN, X12File.delivered.is_(True)
        )
    )


def read_in_poll(session: Session, stamp: datetime) -> list[X12File]:
    """Inbound files a poll stamped ``stamp`` has already read (for its retries)."""
    return list(
        session.scalars(
            select(X12File)
            .where(
                X12File.direction == IN,
                X12File.delivered.is_(True),
                X12File.deliver_at == stamp,
                X12File.status != PENDING,
            )
            .order_by(X12File.id)
        )
    )


def mark_read(
    session: Session,
    row: X12File,
    *,
    stamp: datetime,
    status: str,
    kind: str = "",
    error: str = "",
    claim_ids: Sequence[str] = (),
    episode_id: str | None = None,
    control_number: str = "",
) -> None:
    row.delivered = True
    row.deliver_at = stamp
    row.status = status
    row.error = error
    if kind:
        row.kind = kind[:8]
    if control_number:
        row.control_number = control_number[:12]
    row.claim_ids = list(claim_ids)
    row.episode_id = episode_id
    session.flush()
