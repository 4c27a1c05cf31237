"""Claim repository: claims, their timeline, postings, denials and appeals. Flushes, never commits.

The ClaimWorkflow decides; the ``claims.*`` activities record through these functions,
idempotently: every timeline row has a unique key, postings/denials/appeals have
deterministic ids, so a retried activity or a replayed workflow writes each fact once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.db.base import upsert, utcnow
from models.db.billing_tables import (
    Appeal,
    AuthorizationRow,
    ChargeRow,
    ClaimEvent,
    ClaimRow,
    Denial,
    DocumentedDay,
    Posting,
    X12File,
)


def get(session: Session, claim_id: str) -> ClaimRow | None:
    return session.get(ClaimRow, claim_id)


def require(session: Session, claim_id: str) -> ClaimRow:
    row = session.get(ClaimRow, claim_id)
    if row is None:
        raise LookupError(f"claim {claim_id} not found")
    return row


def add_claim(session: Session, row: ClaimRow) -> ClaimRow:
    """Insert a claim once; a second call with the same id returns the stored row."""
    existing = session.get(ClaimRow, row.id)
    if existing is not None:
        return existing
    session.add(row)
    session.flush()
    return row


def add_event(
    session: Session,
    claim_id: str,
    *,
    key: str,
    kind: str,
    detail: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> bool:
    """Add one timeline row under ``key``; False when it was already there."""
    if session.scalar(select(ClaimEvent.id).where(ClaimEvent.key == key)) is not None:
        return False
    upsert(
        session,
        ClaimEvent.__table__,  # type: ignore[arg-type]
        {
            "claim_id": claim_id,
            "key": key,
            "kind": kind,
            "detail": detail,
            "data": data or {},
            "at": at or utcnow(),
        },
        keys=["key"],
    )
    return True


def timeline(session: Session, claim_id: str) -> list[ClaimEvent]:
    return list(
        session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.id)
        )
    )


def x12_file(session: Session, file_id: int) -> X12File | None:
    return session.get(X12File, file_id)


def posting(session: Session, posting_id: str) -> Posting | None:
    return session.get(Posting, posting_id)


def postings_for(session: Session, claim_id: str) -> list[Posting]:
    return list(
        session.scalars(
            select(Posting).where(Posting.claim_id == claim_id).order_by(Posting.posted_at)
        )
    )


def add_posting(session: Session, row: Posting) -> None:
    if session.get(Posting, row.id) is None:
        session.add(row)
        session.flush()


def upsert_denial(session: Session, row: Denial) -> Denial:
    existing = session.get(Denial, row.id)
    if existing is not None:
        return existing
    session.add(row)
    session.flush()
    return row


def denials_for(session: Session, claim_id: str, *, status: str | None = None) -> list[Denial]:
    stmt = select(Denial).where(Denial.claim_id == claim_id)
    if status is not None:
        stmt = stmt.where(Denial.status == status)
    return list(session.scalars(stmt.order_by(Denial.created_at, Denial.id)))


def appeal(session: Session, appeal_id: str) -> Appeal | None:
    return session.get(Appeal, appeal_id)


def save_appeal(session: Session, row: Appeal) -> Appeal:
    existing = session.get(Appeal, row.id)
    if existing is not None:
        return existing
    session.add(row)
    session.flush()
    return row


def authorizations_for(session: Session, episode_id: str) -> list[AuthorizationRow]:
    return list(
        session.scalars(
            select(AuthorizationRow)
            .where(AuthorizationRow.episode_id == episode_id)
            .order_by(AuthorizationRow.start)
        )
    )


def units_billed_elsewhere(session: Session, number: str, claim: ClaimRow) -> int:
    """Units of the episode's charges under authorization ``number`` already billed on
    other claims.

    Only the claim's own episode counts: an authorization number is the payer's, and two
    payers, or one payer for two patients, may issue the same one. A replacement claim
    (frequency 7) bills the charges of the claim it replaces, which stay on that claim's
    row, so the claims it replaces do not count either."""
    own = {claim.id}
    replaced = claim.original_claim_id
    while replaced is not None and replaced not in own:
        own.add(replaced)
        replaced = session.scalar(select(ClaimRow.original_claim_id).where(ClaimRow.id == replaced))
    total = session.scalar(
        select(func.coalesce(func.sum(ChargeRow.units), 0)).where(
            ChargeRow.episode_id == claim.episode_id,
            ChargeRow.authorization_number == number,
            ChargeRow.claim_id.is_not(None),
            ChargeRow.claim_id.not_in(own),
        )
    )
    return int(total or 0)


def documented_days(
    session: Session, episode_id: str, start: date, end: date
) -> Sequence[DocumentedDay]:
    return session.scalars(
        select(DocumentedDay)
        .where(
            DocumentedDay.episode_id == episode_id,
            DocumentedDay.day >= start,
            DocumentedDay.day <= end,
        )
        .order_by(DocumentedDay.day)
    ).all()
