"""Tables owned by the web app: server-side sessions, login failures, saved inbox views,
API tokens.

Alembic revision 0002 (migrations/versions/0002_web.py) creates them; 0004 adds api_tokens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.db.base import Base, UTCDateTime, utcnow
from models.db.tables import Task


class WebSession(Base):
    """One login. The cookie carries the signed id; logout or deactivation ends it here."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginFailure(Base):
    """A failed login, counted per username and address for rate limiting."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_login_failures_who", "username", "ip", "at"),)


class SavedView(Base):
    """Inbox filters, columns and sort saved by a user; ``team`` set means shared with it."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    team: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    sort: Mapped[str] = mapped_column(String(40), default="due_at")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("owner", "name", name="uq_saved_views_owner_name"),)


class TaskQueueCount(Base):
    """Open tasks per queue, kept exact by database triggers on ``tasks`` (revision 0002).

    The inbox shows these counts on every page and live refresh; reading eight rows
    stays fast however many tasks exist, where a GROUP BY grows with the open work.
    """

    __tablename__ = "task_queue_counts"

    queue: Mapped[str] = mapped_column(String(40), primary_key=True)
    open_count: Mapped[int] = mapped_column(BigInteger, default=0)


# Indexes the inbox needs on the engine's task table (created by revision 0002):
# open work walked in due order without touching the million closed rows (queue, payer
# and assignee ride along so filters are checked in the index before a row is read),
# and the newest change, which the live "inbox changed" poll reads.
_OPEN = Task.status.in_(("open", "claimed"))
Index(
    "ix_tasks_open_due",
    Task.due_at,
    Task.id,
    Task.queue,
    Task.payer_id,
    Task.assignee,
    sqlite_where=_OPEN,
    postgresql_where=_OPEN,
)
Index("ix_tasks_updated_at", Task.updated_at)


class ApiToken(Base):
    """A bearer token for the EHR JSON API. Only the SHA-256 of the token is stored; the
    token itself is shown once, when an admin creates it (revision 0004)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # first characters, to tell tokens apart
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
