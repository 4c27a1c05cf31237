"""User administration for the admin page: roles and deactivation (creation: users repo)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session

from models.db import users as user_repo
from models.db.tables import User
from models.db.web_tables import WebSession


def set_roles(session: Session, username: str, roles: Iterable[str]) -> None:
    chosen = sorted({r for r in roles if r in user_repo.ROLES})
    if not chosen:
        raise user_repo.UserError("a user needs at least one role")
    user = user_repo.get_by_username(session, username)
    if user is None:
        raise user_repo.UserError(f"no user {username!r}")
    user.roles = ",".join(chosen)
    session.flush()


def set_active(session: Session, username: str, active: bool) -> None:
    """Deactivating also ends every session of the user at once."""
    session.execute(update(User).where(User.username == username).values(active=active))
    if not active:
        session.execute(
            update(WebSession).where(WebSession.username == username).values(revoked=True)
        )
    session.flush()
