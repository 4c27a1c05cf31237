"""Repository of the billing process: coverage, authorizations, days, charges, claims.

Flushes, never commits. Ids are deterministic so retried activities write once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db.base import utcnow
from models.db.billing_tables import AuthorizationRow, ChargeRow, ClaimRow, Coverage, DocumentedDay


def coverage_id(episode_id: str) -> str:
    return f"{episode_id}:primary"


def ensure_coverage(session: Session, episode_id: str, payer_id: str, member_id: str) -> Coverage:
    row = session.get(Coverage, coverage_id(episode_id))
    if row is None:
        row = Coverage(
            id=coverage_id(episode_id),
            episode_id=episode_id,
            payer_id=payer_id,
            member_id=member_id,
        )
        session.add(row)
        session.flush()
    return row


def coverage(session: Session, episode_id: str) -> Coverage | None:
    return session.get(Coverage, coverage_id(episode_id))


def record_eligibility(
    session: Session,
    episode_id: str,
    *,
    status: str,
    plan_start: date | None = None,
    plan_end: date | None = None,
    benefits: list[Any] | None = None,
) -> None:
    row = session.get(Coverage, coverage_id(episode_id))
    if row is None:
        raise LookupError(f"episode {episode_id} has no coverage")
    row.status = status
    row.plan_start = plan_start or row.plan_start
    row.plan_end = plan_end or row.plan_end
    if benefits is not None:
        row.benefits = benefits
    row.checked_at = row.updated_at = utcnow()
    session.flush()


def add_authorization(
    session: Session,
    *,
    episode_id: str,
    payer_id: str,
    number: str,
    codes: Sequence[str],
    start: date,
    end: date,
    units: int,
    status: str,
    source: str,
) -> AuthorizationRow:
    auth_id = f"{episode_id}:{number}"
    row = session.get(AuthorizationRow, auth_id)
    if row is None:
        row = AuthorizationRow(id=auth_id, episode_id=episode_id, payer_id=payer_id, number=number)
        session.add(row)
    row.codes, row.start, row.end, row.units = list(codes), start, end, units
    row.status, row.source = status, source
    session.flush()
    return row


def authorizations(session: Session, episode_id: str) -> Sequence[AuthorizationRow]:
    return session.scalars(
        select(AuthorizationRow)
        .where(AuthorizationRow.episode_id == episode_id, AuthorizationRow.status != "denied")
        .order_by(AuthorizationRow.start, AuthorizationRow.id)
    ).all()


def current_authorizations(rows: Sequence[AuthorizationRow]) -> list[AuthorizationRow]:
    """For each set of codes, the authorization that reaches furthest (the last of equals
    in ``rows``' order): the one the next concurrent review follows, and the one the
    episode page marks current. One followed by another for the same codes (a continued
    stay or a retro-authorization under a number of its own) is no longer current."""
    current: dict[tuple[str, ...], AuthorizationRow] = {}
    for row in rows:
        codes = tuple(sorted(row.codes))
        best = current.get(codes)
        if best is None or (row.end, row.start) >= (best.end, best.start):
            current[codes] = row
    return list(current.values())


def day_id(episode_id: str, day: date) -> str:
    return f"{episode_id}:{day.isoformat()}"


def get_day(session: Session, episode_id: str, day: date) -> DocumentedDay | None:
    return session.get(DocumentedDay, day_id(episode_id, day))


def store_day(
    session: Session,
    *,
    episode_id: str,
    day: date,
    program: str,
    telehealth: str,
    services: list[dict[str, Any]],
    note: str,
    signed_by: str,
    minutes: int,
) -> DocumentedDay:
    row = get_day(session, episode_id, day)
    if row is None:
        row = DocumentedDay(id=day_id(episode_id, day), episode_id=episode_id, day=day)
        session.add(row)
    row.program, row.telehealth, row.services = program, telehealth, services
    row.note, row.signed_by, row.minutes = note, signed_by, minutes
    session.flush()
    return row


def charges(session: Session, episode_id: str, *, status: str | None = None) -> Sequence[ChargeRow]:
    stmt = select(ChargeRow).where(ChargeRow.episode_id == episode_id)
    if status is not None:
        stmt = stmt.where(ChargeRow.status == status)
    return session.scalars(stmt.order_by(ChargeRow.day, ChargeRow.id)).all()


def claims(session: Session, episode_id: str) -> Sequence[ClaimRow]:
    return session.scalars(
        select(ClaimRow).where(ClaimRow.episode_id == episode_id).order_by(ClaimRow.created_at)
    ).all()
