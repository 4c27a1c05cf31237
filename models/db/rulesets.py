"""Rule-set versions added by an admin from the web (revision 0005).

The shipped versions are TOML files in ``models/domain/rulesets/``; an admin adds a
payer's next version with an effective date, stored here as its TOML text. Rows are
never edited or deleted: a running episode may have pinned the version. Flushes,
never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db.base import Base, UTCDateTime, utcnow


class RuleSetVersionRow(Base):
    __tablename__ = "ruleset_versions"
    __table_args__ = (
        UniqueConstraint("payer_id", "version", name="uq_ruleset_versions_payer_version"),
        UniqueConstraint("payer_id", "effective", name="uq_ruleset_versions_payer_effective"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payer_id: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[str] = mapped_column(String(40))
    effective: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)  # the whole TOML document, as validated
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DuplicateVersion(Exception):
    """The payer already has this version, or a version effective on this date."""


def add_version(
    session: Session,
    *,
    payer_id: str,
    version: str,
    effective: date,
    text: str,
    created_by: str,
) -> RuleSetVersionRow:
    """Store a validated version; a duplicate (version or effective date) is refused."""
    for row in versions(session, payer_id):
        if row.version == version:
            raise DuplicateVersion(f"{payer_id} already has a version {version}")
        if row.effective == effective:
            raise DuplicateVersion(f"{payer_id} already has a version effective {effective}")
    row = RuleSetVersionRow(
        payer_id=payer_id, version=version, effective=effective, text=text, created_by=created_by
    )
    try:
        with session.begin_nested():  # two admins at once: the constraint decides
            session.add(row)
            session.flush()
    except IntegrityError:
        raise DuplicateVersion(f"{payer_id} {version} was added by someone else just now") from None
    return row


def versions(session: Session, payer_id: str | None = None) -> Sequence[RuleSetVersionRow]:
    """Added versions (of one payer, or all), by payer then effective date."""
    stmt = select(RuleSetVersionRow).order_by(
        RuleSetVersionRow.payer_id, RuleSetVersionRow.effective
    )
    if payer_id is not None:
        stmt = stmt.where(RuleSetVersionRow.payer_id == payer_id)
    return session.scalars(stmt).all()


def get_version(session: Session, payer_id: str, version: str) -> RuleSetVersionRow | None:
    return session.scalar(
        select(RuleSetVersionRow).where(
            RuleSetVersionRow.payer_id == payer_id, RuleSetVersionRow.version == version
        )
    )
