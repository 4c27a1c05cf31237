"""User accounts. Password hashing is argon2 (argon2-cffi)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db.tables import User

ROLES = ("intake", "clinician", "biller", "supervisor", "admin")
_hasher = PasswordHasher()


class UserError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    roles: Iterable[str],
    display_name: str = "",
    team: str = "billing",
) -> User:
    role_list = sorted(set(roles))
    bad = [r for r in role_list if r not in ROLES]
    if bad:
        raise UserError(f"unknown role(s) {', '.join(bad)}; choose from {', '.join(ROLES)}")
    if not role_list:
        raise UserError("a user needs at least one role")
    if len(password) < 8:
        raise UserError("password: at least 8 characters")
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise UserError("username: letters, digits, '.', '_' or '-' only")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"username {username!r} is taken")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        roles=",".join(role_list),
        team=team,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        _hasher.hash(password)  # same work either way: no user-enumeration by timing
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.username)).all()
