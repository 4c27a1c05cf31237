"""Read-only finance figures for the supervisor console, and the lists behind them.

Every function only reads. Ages measured from timestamps (A/R aging) take ``now`` and
the business day length, so a compressed demo clock ages claims as fast as it bills
them; figures measured on dates of service (days in A/R, authorizations) take the
business date ``today``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session, aliased

from models.db.billing_tables import (
    AuthorizationRow,
    ChargeRow,
    ClaimRow,
    Coverage,
    Denial,
    X12File,
)
from models.db.tables import Episode

# (label, lower bound in days inclusive, upper bound in days exclusive or None)
AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 31),
    ("31-60", 31, 61),
    ("61-90", 61, 91),
    ("90+", 91, None),
)
DAYS_IN_AR_WINDOW = 90


def _open_ar() -> ColumnElement[bool]:
    """A claim is in A/R once submitted and while something is still owed on it."""
    return and_(ClaimRow.first_submitted_at.is_not(None), ClaimRow.open_cents > 0)


def _aging_case(now: datetime, day_seconds: float) -> Any:
    whens = [
        (ClaimRow.first_submitted_at > now - timedelta(seconds=high * day_seconds), label)
        for label, _, high in AGING_BUCKETS
        if high is not None
    ]
    return case(*whens, else_=AGING_BUCKETS[-1][0])


@dataclass(frozen=True, kw_only=True)
class AgingCell:
    payer_id: str
    bucket: str
    claims: int
    open_cents: int


def ar_aging(session: Session, *, now: datetime, day_seconds: float) -> list[AgingCell]:
    """Open balance by payer and age bucket (days since the claim was first submitted)."""
    bucket = _aging_case(now, day_seconds)
    rows = session.execute(
        select(
            ClaimRow.payer_id, bucket.label("bucket"), func.count(), func.sum(ClaimRow.open_cents)
        )
        .where(_open_ar())
        .group_by(ClaimRow.payer_id, bucket)
    ).all()
    cells = [
        AgingCell(payer_id=p, bucket=b, claims=int(n), open_cents=int(c or 0))
        for p, b, n, c in rows
    ]
    order = {label: i for i, (label, _, _) in enumerate(AGING_BUCKETS)}
    return sorted(cells, key=lambda c: (c.payer_id, order[c.bucket]))


def ar_claims(
    session: Session,
    *,
    now: datetime,
    day_seconds: float,
    payer_id: str = "",
    bucket: str = "",
    limit: int = 500,
) -> list[ClaimRow]:
    """The open claims behind an aging cell, oldest submission first."""
    stmt = select(ClaimRow).where(_open_ar())
    if payer_id:
        stmt = stmt.where(ClaimRow.payer_id == payer_id)
    for label, low, high in AGING_BUCKETS:
        if bucket == label:
            stmt = stmt.where(
                ClaimRow.first_submitted_at <= now - timedelta(seconds=low * day_seconds)
            )
            if high is not None:
                stmt = stmt.where(
                    ClaimRow.first_submitted_at > now - timedelta(seconds=high * day_seconds)
                )
    return list(
        session.scalars(stmt.order_by(ClaimRow.first_submitted_at, ClaimRow.id).limit(limit))
    )


@dataclass(frozen=True, kw_only=True)
class Rate:
    key: str  # payer id or CARC
    numerator: int
    denominator: int

    @property
    def percent(self) -> float:
        return 100.0 * self.numerator / self.denominator if self.denominator else 0.0


# The ``denials`` table holds every adjustment the payer left to work, patient cost-sharing
# too (PR 1/2/3: a deductible, coinsurance or copay routed to "patient responsibility").
# Cost-sharing is the plan paying as agreed, not a denial, so the denial figures leave it out.
COST_SHARING_ACTION = "patient_responsibility"  # models.domain.denials.Action's value
IS_DENIAL = Denial.action != COST_SHARING_ACTION


def denial_rate_by_payer(session: Session) -> list[Rate]:
    """Submitted claims with at least one denial (not patient cost-sharing) ÷ submitted
    claims, per payer."""
    submitted = dict(
        session.execute(
            select(ClaimRow.payer_id, func.count())
            .where(ClaimRow.first_submitted_at.is_not(None))
            .group_by(ClaimRow.payer_id)
        ).all()
    )
    denied = dict(
        session.execute(
            select(Denial.payer_id, func.count(distinct(Denial.claim_id)))
            .where(IS_DENIAL)
            .group_by(Denial.payer_id)
        ).all()
    )
    payers = sorted(set(submitted) | set(denied))
    return [
        Rate(key=p, numerator=int(denied.get(p, 0)), denominator=int(submitted.get(p, 0)))
        for p in payers
    ]


def denial_rate_by_carc(session: Session) -> list[Rate]:
    """Per CARC: claims denied with that code ÷ all submitted claims (most frequent first)."""
    total = session.scalar(
        select(func.count()).select_from(ClaimRow).where(ClaimRow.first_submitted_at.is_not(None))
    )
    rows = session.execute(
        select(Denial.carc, func.count(distinct(Denial.claim_id)))
        .where(IS_DENIAL)
        .group_by(Denial.carc)
    ).all()
    rates = [Rate(key=c, numerator=int(n), denominator=int(total or 0)) for c, n in rows]
    return sorted(rates, key=lambda r: (-r.numerator, r.key))


def denied_claims(
    session: Session, *, payer_id: str = "", carc: str = "", limit: int = 500
) -> list[tuple[ClaimRow, Denial]]:
    """The denials behind a denial-rate bar, with their claims (newest first)."""
    stmt = select(ClaimRow, Denial).join(Denial, Denial.claim_id == ClaimRow.id).where(IS_DENIAL)
    if payer_id:
        stmt = stmt.where(Denial.payer_id == payer_id)
    if carc:
        stmt = stmt.where(Denial.carc == carc)
    rows = session.execute(stmt.order_by(Denial.created_at.desc(), Denial.id).limit(limit)).all()
    return [(c, d) for c, d in rows]


def clean_claim_rate(session: Session) -> list[Rate]:
    """First-pass clean claims ÷ claims whose first pass is known, per payer, plus ``all``."""
    rows = session.execute(
        select(
            ClaimRow.payer_id,
            func.sum(case((ClaimRow.clean_first_pass.is_(True), 1), else_=0)),
            func.count(),
        )
        .where(ClaimRow.clean_first_pass.is_not(None))
        .group_by(ClaimRow.payer_id)
        .order_by(ClaimRow.payer_id)
    ).all()
    rates = [Rate(key=p, numerator=int(c or 0), denominator=int(n)) for p, c, n in rows]
    everyone = Rate(
        key="all",
        numerator=sum(r.numerator for r in rates),
        denominator=sum(r.denominator for r in rates),
    )
    return [everyone, *rates]


def first_pass_claims(
    session: Session, *, payer_id: str = "", clean: bool | None = None, limit: int = 500
) -> list[ClaimRow]:
    stmt = select(ClaimRow).where(ClaimRow.clean_first_pass.is_not(None))
    if payer_id:
        stmt = stmt.where(ClaimRow.payer_id == payer_id)
    if clean is not None:
        stmt = stmt.where(ClaimRow.clean_first_pass.is_(clean))
    return list(
        session.scalars(stmt.order_by(ClaimRow.created_at.desc(), ClaimRow.id).limit(limit))
    )


@dataclass(frozen=True, kw_only=True)
class DaysInAR:
    open_cents: int
    charges_cents: int  # charged over the window (not held)
    window_days: int

    @property
    def average_daily_cents(self) -> float:
        return self.charges_cents / self.window_days

    @property
    def days(self) -> float | None:
        """Open A/R ÷ average daily charges; None when nothing was charged in the window."""
        return self.open_cents / self.average_daily_cents if self.charges_cents else None


def days_in_ar(session: Session, *, today: date, window: int = DAYS_IN_AR_WINDOW) -> DaysInAR:
    """Open A/R (submitted claims' ``open_cents``) ÷ average daily charges, where the
    average is the charges (billable or billed, not held) with a date of service in the
    ``window`` days ending ``today``, divided by ``window``."""
    open_cents = session.scalar(select(func.sum(ClaimRow.open_cents)).where(_open_ar()))
    charged = session.scalar(
        select(func.sum(ChargeRow.charge_cents)).where(
            ChargeRow.status != "held",
            ChargeRow.day > today - timedelta(days=window),
            ChargeRow.day <= today,
        )
    )
    return DaysInAR(
        open_cents=int(open_cents or 0), charges_cents=int(charged or 0), window_days=window
    )


def authorizations_running_out(
    session: Session, *, today: date, days: int = 7
) -> Sequence[AuthorizationRow]:
    """Approved authorizations whose units run out, or whose concurrent review falls due,
    within ``days`` of ``today`` (already past included while the auth has not ended).
    An authorization followed by a later-ending one of the same episode (a continued stay
    under a new number) is not listed: the later one carries the episode on."""
    horizon = today + timedelta(days=days)
    granted = ("approved", "partial")
    later = aliased(AuthorizationRow)
    followed = (
        select(later.id)
        .where(
            later.episode_id == AuthorizationRow.episode_id,
            later.status.in_(granted),
            later.end > AuthorizationRow.end,
        )
        .exists()
    )
    return session.scalars(
        select(AuthorizationRow)
        .where(
            AuthorizationRow.status.in_(granted),
            AuthorizationRow.end >= today,
            or_(AuthorizationRow.run_out <= horizon, AuthorizationRow.review_due <= horizon),
            ~followed,
        )
        .order_by(func.coalesce(AuthorizationRow.run_out, AuthorizationRow.review_due))
        .limit(500)
    ).all()


# -- charges no claim will carry without someone ------------------------------------------


@dataclass(frozen=True, kw_only=True)
class UnbilledCharge:
    charge_id: str
    episode_id: str
    payer_id: str
    stage: str
    day: date
    code: str
    units: int
    charge_cents: int
    status: str  # billable | held
    why: str


def unbilled_charges(session: Session, *, limit: int = 500) -> list[UnbilledCharge]:
    """Captured charges on no claim that will not be billed unless someone acts: held
    outside the authorization (while the episode waits for the payer's authorization
    decision too, said so); documented after a claim billed their period, where no
    late claim will carry them (a Medicare interim claim must be adjusted instead, and
    iopbill does not build that adjustment) or the episode has closed; or left in an
    episode that closed. A charge whose period is still open, or that waits for the next
    billing check, is not listed; nor are self-pay episodes' charges, which no payer is sent."""
    covering = (
        select(func.min(ClaimRow.id))
        .where(
            ClaimRow.episode_id == ChargeRow.episode_id,
            ClaimRow.original_claim_id.is_(None),
            ClaimRow.period_start <= ChargeRow.day,
            ClaimRow.period_end >= ChargeRow.day,
        )
        .scalar_subquery()
    )
    self_pay = (
        select(Coverage.id)
        .where(Coverage.episode_id == ChargeRow.episode_id, Coverage.status == "self_pay")
        .exists()
    )
    # Only the rows that may be listed: a billable charge of an open episode whose period
    # no claim has billed yet is waiting for its bill, and is not read.
    rows = session.execute(
        select(ChargeRow, Episode.stage, covering)
        .join(Episode, Episode.id == ChargeRow.episode_id)
        .where(
            ChargeRow.status.in_(("billable", "held")),
            ChargeRow.claim_id.is_(None),
            ~self_pay,
            or_(ChargeRow.status == "held", Episode.stage == "closed", covering.is_not(None)),
        )
        .order_by(ChargeRow.day, ChargeRow.id)
    ).all()
    claim_ids = {c for _, _, c in rows if c}
    interim = {
        row.id
        for row in session.scalars(select(ClaimRow).where(ClaimRow.id.in_(claim_ids)))
        if int(row.claim.get("interim_sequence", 0) or 0) > 0
    }
    out: list[UnbilledCharge] = []
    for charge, stage, claim_id in rows:
        why = _unbilled_why(charge, stage, claim_id, claim_id in interim)
        if why:
            out.append(
                UnbilledCharge(
                    charge_id=charge.id,
                    episode_id=charge.episode_id,
                    payer_id=charge.payer_id,
                    stage=stage,
                    day=charge.day,
                    code=charge.code,
                    units=charge.units,
                    charge_cents=charge.charge_cents,
                    status=charge.status,
                    why=why,
                )
            )
            if len(out) >= limit:
                break
    return out


def _unbilled_why(charge: ChargeRow, stage: str, claim_id: str | None, interim: bool) -> str:
    """Why nobody will bill ``charge``, or "" when the next bill will."""
    closed = stage == "closed"
    if charge.status == "held":
        why = charge.held_reason or "outside the authorization"
        if stage == "authorization":  # the payer's decision may still release it
            return f"held until the payer decides the authorization request: {why}"
        return f"held: {why}" + ("; the episode has closed" if closed else "")
    if claim_id and interim:
        return (
            f"documented after interim claim {claim_id} billed its period: only an adjustment "
            "of that claim (type of bill frequency 7) can carry it, and iopbill does not build "
            "one; send it through the payer's portal"
        )
    if closed and claim_id:
        return f"documented after claim {claim_id} billed its period, and the episode has closed"
    if closed:
        return "the episode has closed and no claim carries it"
    return ""


# -- admin: payers seen and clearinghouse traffic ----------------------------------------


@dataclass(frozen=True, kw_only=True)
class PayerSeen:
    payer_id: str
    coverages: int
    claims: int


def payers_seen(session: Session) -> list[PayerSeen]:
    covers = dict(
        session.execute(select(Coverage.payer_id, func.count()).group_by(Coverage.payer_id)).all()
    )
    claims = dict(
        session.execute(select(ClaimRow.payer_id, func.count()).group_by(ClaimRow.payer_id)).all()
    )
    return [
        PayerSeen(payer_id=p, coverages=int(covers.get(p, 0)), claims=int(claims.get(p, 0)))
        for p in sorted(set(covers) | set(claims))
    ]


def x12_recent(session: Session, *, direction: str, limit: int = 20) -> Sequence[X12File]:
    """The newest files one way (without their content column loaded eagerly)."""
    return session.scalars(
        select(X12File)
        .where(X12File.direction == direction)
        .order_by(X12File.id.desc())
        .limit(limit)
    ).all()


def x12_status_counts(session: Session) -> dict[str, int]:
    return {
        str(status): int(n)
        for status, n in session.execute(
            select(X12File.status, func.count()).group_by(X12File.status)
        ).all()
    }
