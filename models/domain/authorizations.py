"""Authorization ledger: authorizations control what gets billed.

Each charge consumes units of an authorization that covers its code and date. A charge
outside every span, or beyond the units left, is *held* with a reason — never billed
silently. The forecast tells when units run out at the current attendance rate and when
the concurrent review is due (lead days from the payer's rule set).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil
from typing import Any

from models.domain.charges import Charge
from models.domain.ruleset_schema import RuleSet
from models.domain.values import DateSpan, DomainError, ProcedureCode

RATE_WINDOW_DAYS = 28  # attendance rate is measured over the last four weeks


@dataclass(frozen=True, kw_only=True)
class Authorization:
    number: str
    codes: tuple[str, ...]
    start: date
    end: date
    units_authorized: int
    units_used: int = 0  # consumed before this ledger run (e.g. by earlier claims)

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise DomainError("authorization_number", self.number, "must not be empty")
        if not self.codes:
            raise DomainError("codes", self.codes, "an authorization covers at least one code")
        for code in self.codes:
            ProcedureCode(code, "codes")
        DateSpan(start=self.start, end=self.end)
        for name in ("units_authorized", "units_used"):
            if getattr(self, name) < 0:
                raise DomainError(name, getattr(self, name), "units must be >= 0")

    @property
    def span(self) -> DateSpan:
        return DateSpan(start=self.start, end=self.end)

    def covers(self, code: str) -> bool:
        return code in self.codes


@dataclass(frozen=True, kw_only=True)
class AuthorizedCharge:
    charge: Charge
    authorization_number: str = ""  # "" when the payer needs no authorization


@dataclass(frozen=True, kw_only=True)
class HeldCharge:
    charge: Charge
    reason: str
    authorization_number: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.charge.to_dict(),
            "held_reason": self.reason,
            "authorization_number": self.authorization_number,
        }


@dataclass(frozen=True, kw_only=True)
class AuthorizationUsage:
    number: str
    units_authorized: int
    units_used: int

    @property
    def units_remaining(self) -> int:
        return self.units_authorized - self.units_used


@dataclass(frozen=True, kw_only=True)
class AuthorizationResult:
    billable: tuple[AuthorizedCharge, ...]
    held: tuple[HeldCharge, ...]
    usage: tuple[AuthorizationUsage, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "billable": [
                {**a.charge.to_dict(), "authorization_number": a.authorization_number}
                for a in self.billable
            ],
            "held": [h.to_dict() for h in self.held],
            "usage": [
                {
                    "number": u.number,
                    "units_authorized": u.units_authorized,
                    "units_used": u.units_used,
                    "units_remaining": u.units_remaining,
                }
                for u in self.usage
            ],
        }


def apply_authorizations(
    charges: Iterable[Charge], authorizations: Sequence[Authorization], rules: RuleSet
) -> AuthorizationResult:
    """Consume authorization units charge by charge (in date order); hold what is not covered."""
    used = {auth.number: auth.units_used for auth in authorizations}
    billable: list[AuthorizedCharge] = []
    held: list[HeldCharge] = []
    for charge in sorted(charges, key=lambda c: (c.date_of_service, c.code)):
        matching = [a for a in authorizations if a.covers(charge.code)]
        if not matching:
            if rules.prior_auth_required:
                held.append(
                    HeldCharge(
                        charge=charge,
                        reason=f"{rules.name} requires prior authorization and none covers "
                        f"{charge.code}",
                    )
                )
            else:
                billable.append(AuthorizedCharge(charge=charge))
            continue
        in_span = [a for a in matching if charge.date_of_service in a.span]
        if not in_span:
            if not rules.prior_auth_required:
                billable.append(AuthorizedCharge(charge=charge))
                continue
            spans = "; ".join(f"{a.number} {a.start}–{a.end}" for a in matching)
            held.append(
                HeldCharge(
                    charge=charge,
                    reason=f"{charge.date_of_service} is outside the authorized dates ({spans})",
                    authorization_number=matching[0].number,
                )
            )
            continue
        chosen = next(
            (a for a in in_span if a.units_authorized - used[a.number] >= charge.units), None
        )
        if chosen is None:
            auth = in_span[0]
            left = auth.units_authorized - used[auth.number]
            held.append(
                HeldCharge(
                    charge=charge,
                    reason=f"beyond authorized units: {auth.number} has {left} of "
                    f"{auth.units_authorized} units left, {charge.code} needs {charge.units}",
                    authorization_number=auth.number,
                )
            )
            continue
        used[chosen.number] += charge.units
        billable.append(AuthorizedCharge(charge=charge, authorization_number=chosen.number))
    usage = tuple(
        AuthorizationUsage(
            number=a.number, units_authorized=a.units_authorized, units_used=used[a.number]
        )
        for a in authorizations
    )
    return AuthorizationResult(billable=tuple(billable), held=tuple(held), usage=usage)


@dataclass(frozen=True, kw_only=True)
class AuthorizationForecast:
    number: str
    units_remaining: int
    units_per_week: float
    run_out: date  # the date units or dates run out, whichever comes first
    review_due: date
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "units_remaining": self.units_remaining,
            "units_per_week": self.units_per_week,
            "run_out": self.run_out.isoformat(),
            "review_due": self.review_due.isoformat(),
            "reason": self.reason,
        }


def forecast(
    authorization: Authorization,
    consumed: Sequence[tuple[date, int]],
    rules: RuleSet,
    as_of: date,
) -> AuthorizationForecast:
    """When the authorization runs out at the current attendance rate, and when review is due.

    ``consumed`` holds (date of service, units) for charges billed against it so far.
    """
    auth = authorization
    remaining = auth.units_authorized - auth.units_used - sum(u for _, u in consumed)
    window_start = max(auth.start, as_of - timedelta(days=RATE_WINDOW_DAYS - 1))
    window_days = max((as_of - window_start).days + 1, 1)
    recent = sum(u for d, u in consumed if window_start <= d <= as_of)
    per_day = recent / window_days
    lead = rules.deadlines.concurrent_review_lead_days
    if remaining <= 0:
        run_out = as_of
        why = f"no units left on {auth.number}"
    elif per_day == 0:
        run_out = auth.end
        why = f"no attendance in the last {window_days} days; dates end {auth.end}"
    else:
        by_units = as_of + timedelta(days=ceil(remaining / per_day))
        if by_units < auth.end:
            run_out = by_units
            why = f"{remaining} units left at {per_day * 7:.1f} units/week run out {by_units}"
        else:
            run_out = auth.end
            why = f"authorized dates end {auth.end} before the {remaining} units left run out"
    run_out = min(run_out, auth.end)
    review_due = max(run_out - timedelta(days=lead), min(as_of, run_out))
    why += f"; concurrent review {lead} days ahead ({rules.id} rule set) → due {review_due}"
    return AuthorizationForecast(
        number=auth.number,
        units_remaining=max(remaining, 0),
        units_per_week=round(per_day * 7, 2),
        run_out=run_out,
        review_due=review_due,
        reason=why,
    )
