"""Tables of the billing process: coverage, authorizations, documented days, charges,
claims and their lines, X12 files exchanged, remittance postings, denials and appeals.

Alembic revision 0003 creates them. Money is integer cents. Rich domain objects are
kept as JSON next to the columns lists and dashboards query.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.db.base import Base, UTCDateTime, utcnow

_ID = BigInteger().with_variant(Integer, "sqlite")


class Coverage(Base):
    __tablename__ = "coverages"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)  # "{episode_id}:primary"
    episode_id: Mapped[str] = mapped_column(String(40), index=True)
    payer_id: Mapped[str] = mapped_column(String(40))
    member_id: Mapped[str] = mapped_column(String(64), default="")
    relationship: Mapped[str] = mapped_column(String(16), default="self")  # self | dependent
    subscriber: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # PHI when dependent
    status: Mapped[str] = mapped_column(
        String(16), default="unknown"
    )  # active|inactive|unknown|self_pay
    plan_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    plan_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    benefits: Mapped[list[Any]] = mapped_column(JSON, default=list)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuthorizationRow(Base):
    __tablename__ = "authorizations"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    episode_id: Mapped[str] = mapped_column(String(40), index=True)
    payer_id: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(40), default="")
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    units: Mapped[int] = mapped_column(Integer, default=0)
    units_used: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="approved")  # approved|partial|denied
    source: Mapped[str] = mapped_column(String(16), default="biller")  # biller | payer
    review_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    run_out: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentedDay(Base):
    __tablename__ = "documented_days"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)  # "{episode_id}:{date}"
    episode_id: Mapped[str] = mapped_column(String(40), index=True)
    day: Mapped[date] = mapped_column(Date)
    program: Mapped[str] = mapped_column(String(20))
    telehealth: Mapped[str] = mapped_column(String(10), default="none")
    services: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")  # clinical text: PHI, never in Temporal
    signed_by: Mapped[str] = mapped_column(String(64), default="")
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChargeRow(Base):
    __tablename__ = "charges"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # "{episode}:{date}:{n}"
    episode_id: Mapped[str] = mapped_column(String(40), index=True)
    payer_id: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(10))
    modifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    units: Mapped[int] = mapped_column(Integer, default=1)
    revenue_code: Mapped[str] = mapped_column(String(4), default="")
    pos: Mapped[str] = mapped_column(String(2), default="")
    charge_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="billable")  # billable|held|billed
    held_reason: Mapped[str] = mapped_column(Text, default="")
    authorization_number: Mapped[str] = mapped_column(String(40), default="")
    claim_id: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the domain charge


class ClaimRow(Base):
    __tablename__ = "claims"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # also the patient control no.
    episode_id: Mapped[str] = mapped_column(String(40), index=True)
    payer_id: Mapped[str] = mapped_column(String(40), index=True)
    form: Mapped[str] = mapped_column(String(4))  # 837P | 837I
    frequency: Mapped[str] = mapped_column(String(1), default="1")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    adjusted_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    patient_resp_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    open_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    payer_claim_number: Mapped[str] = mapped_column(String(50), default="")
    original_claim_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    filing_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    clean_first_pass: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    denied: Mapped[bool] = mapped_column(Boolean, default=False)
    last_message: Mapped[str] = mapped_column(Text, default="")  # latest payer/ack message
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)  # scrubber findings
    claim: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # domain Claim.to_dict()
    ledger: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # domain ledger state
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_claims_status_payer", "status", "payer_id"),)


class ClaimEvent(Base):
    """Timeline of a claim: submitted, acknowledged, rejected, paid, denied, appealed…"""

    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(80), index=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class X12File(Base):
    """Every X12 document sent or received, kept whole. Inbound files are processed once."""

    __tablename__ = "x12_files"

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # out | in
    kind: Mapped[str] = mapped_column(String(8))  # 837P 837I 270 271 276 277 277CA 999 835
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    control_number: Mapped[str] = mapped_column(String(12), default="")
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(16), default="processed"
    )  # processed|unmatched|error
    error: Mapped[str] = mapped_column(Text, default="")
    claim_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    episode_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    deliver_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # simulator
    delivered: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("direction", "sha256", name="uq_x12_files_once"),
        Index("ix_x12_files_pending", "delivered", "deliver_at"),
    )


class Posting(Base):
    """One remittance posted to one claim (a reversal is its own posting)."""

    __tablename__ = "postings"

    id: Mapped[str] = mapped_column(String(160), primary_key=True)  # trace:pcn:seq
    claim_id: Mapped[str] = mapped_column(String(80), index=True)
    payer_id: Mapped[str] = mapped_column(String(40))
    status_code: Mapped[str] = mapped_column(String(3))  # CLP02
    charge_cents: Mapped[int] = mapped_column(BigInteger)
    paid_cents: Mapped[int] = mapped_column(BigInteger)
    patient_resp_cents: Mapped[int] = mapped_column(BigInteger)
    adjustments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    payer_claim_number: Mapped[str] = mapped_column(String(50), default="")
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    x12_file_id: Mapped[int | None] = mapped_column(_ID, nullable=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Denial(Base):
    __tablename__ = "denials"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # posting:group:carc
    claim_id: Mapped[str] = mapped_column(String(80), index=True)
    payer_id: Mapped[str] = mapped_column(String(40), index=True)
    group_code: Mapped[str] = mapped_column(String(2))
    carc: Mapped[str] = mapped_column(String(5))
    rarcs: Mapped[list[str]] = mapped_column(JSON, default=list)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    queue: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | worked | closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Appeal(Base):
    __tablename__ = "appeals"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)  # claim:level
    claim_id: Mapped[str] = mapped_column(String(80), index=True)
    level: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    letter: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="drafted")  # drafted|sent|won|lost
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
