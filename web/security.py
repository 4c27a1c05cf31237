"""Sessions, CSRF tokens, login rate limiting and the audit log.

The cookie holds only a signed random session id; the ``web_sessions`` row says who it
is, so logout and deactivation end a session at once. A CSRF token is an HMAC of the
session id (or of a pre-login nonce on the login form), checked on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models.db.base import utcnow
from models.db.tables import AuditLog, User
from models.db.web_tables import LoginFailure, WebSession

SESSION_COOKIE = "iop_session"
PRELOGIN_COOKIE = "iop_pre"
SESSION_MAX_AGE = 12 * 3600
LOGIN_WINDOW = timedelta(minutes=5)
LOGIN_MAX_FAILURES = 5


@dataclass(frozen=True, kw_only=True)
class CurrentUser:
    username: str
    display_name: str
    roles: frozenset[str]
    team: str
    session_id: str


class Signer:
    def __init__(self, secret_key: str) -> None:
        self._secret = secret_key.encode()
        self._serializer = URLSafeTimedSerializer(secret_key, salt="iopbill-session")

    def sign(self, value: str) -> str:
        return self._serializer.dumps(value)

    def unsign(self, token: str, *, max_age: int = SESSION_MAX_AGE) -> str | None:
        try:
            value = self._serializer.loads(token, max_age=max_age)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def csrf_token(self, bound_to: str) -> str:
        return hmac.new(self._secret, b"csrf:" + bound_to.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, bound_to: str, token: str) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(bound_to), token)


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def start_session(session: Session, username: str) -> str:
    sid = secrets.token_urlsafe(32)
    session.add(WebSession(id=sid, username=username))
    session.flush()
    return sid


def end_session(session: Session, sid: str) -> None:
    row = session.get(WebSession, sid)
    if row is not None:
        row.revoked = True
        session.flush()


def load_user(session: Session, sid: str) -> CurrentUser | None:
    row = session.execute(
        select(User)
        .join(WebSession, WebSession.username == User.username)
        .where(WebSession.id == sid, WebSession.revoked.is_(False), User.active.is_(True))
    ).scalar_one_or_none()
    if row is None:
        return None
    return CurrentUser(
        username=row.username,
        display_name=row.display_name,
        roles=row.role_set,
        team=row.team,
        session_id=sid,
    )


def too_many_failures(session: Session, username: str, ip: str) -> bool:
    since = utcnow() - LOGIN_WINDOW
    n = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.ip == ip, LoginFailure.at >= since)
    )
    return (n or 0) >= LOGIN_MAX_FAILURES


def record_failure(session: Session, username: str, ip: str) -> None:
    session.add(LoginFailure(username=username[:64], ip=ip[:64]))
    session.flush()


def clear_failures(session: Session, username: str, ip: str) -> None:
    session.execute(
        delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.ip == ip)
    )


def audit(
    session: Session, username: str, action: str, *, patient_id: str | None, target: str
) -> None:
    """Who viewed or changed which patient's record (target names the task or page)."""
    session.add(AuditLog(username=username, action=action, patient_id=patient_id, target=target))
    session.flush()
