"""Bearer tokens for the EHR JSON API: created and revoked by an admin, stored hashed.

A token is 32 random bytes (URL-safe text with an ``iop_`` prefix), so a plain SHA-256
is enough to store it: there is nothing to guess that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db.base import utcnow
from models.db.web_tables import ApiToken

PREFIX = "iop_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, *, name: str, created_by: str) -> tuple[ApiToken, str]:
    """The new row and the token in clear (shown once, never stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name[:80], token_hash=_digest(token), prefix=token[:10], created_by=created_by
    )
    session.add(row)
    session.flush()
    return row, token


def revoke(session: Session, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.flush()
    return True


def verify(session: Session, token: str) -> ApiToken | None:
    """The live token row for ``token``, its last use stamped; None when unknown or revoked."""
    if not token.startswith(PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = utcnow()
    session.flush()
    return row


def list_tokens(session: Session) -> Sequence[ApiToken]:
    return session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id)).all()
