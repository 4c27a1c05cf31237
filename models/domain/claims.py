"""Claim building: billable charges → one claim per payer per billing period.

The period comes from the payer's cadence (ISO week Monday–Sunday, calendar month, or
the whole episode). Only closed periods are billed (or every period once the episode is
discharged). Medicare-style interim billing is sequential: one claim at a time, the next
only after the previous one has a remittance, with frequency digit 2 (first), 3
(continuing), 4 (last) — or 1 when one claim covers admission through discharge.
Replacement (7) and void (8) claims reference the original payer claim number.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from models.domain.authorizations import AuthorizedCharge
from models.domain.ruleset_schema import Cadence, ClaimForm, RuleSet
from models.domain.values import ICD10, NPI, DateSpan, DomainError, TypeOfBill

MAX_LINES = {ClaimForm.PROFESSIONAL: 50, ClaimForm.INSTITUTIONAL: 999}  # lines a claim holds


class Frequency(StrEnum):
    ADMIT_THROUGH_DISCHARGE = "1"
    INTERIM_FIRST = "2"
    INTERIM_CONTINUING = "3"
    INTERIM_LAST = "4"
    REPLACEMENT = "7"
    VOID = "8"


@dataclass(frozen=True, kw_only=True)
class ClaimContext:
    """Who bills whom: the data a claim needs beyond its charges."""

    episode_id: str
    payer_id: str
    billing_npi: str
    billing_taxonomy: str
    billing_tax_id: str = ""
    subscriber_id: str = ""
    subscriber_first_name: str = ""
    subscriber_last_name: str = ""
    subscriber_birth_date: date | None = None
    patient_account: str = ""
    diagnosis_codes: tuple[str, ...] = ()
    admission_date: date | None = None
    discharge_date: date | None = None

    def __post_init__(self) -> None:
        NPI(self.billing_npi, "billing_npi")


@dataclass(frozen=True, kw_only=True)
class ClaimLine:
    line_number: int
    date_of_service: date
    code: str
    units: int
    charge_cents: int
    modifiers: tuple[str, ...] = ()
    revenue_code: str = ""
    pos: str = ""
    diagnosis_pointers: tuple[int, ...] = (1,)
    rendering_npi: str = ""
    authorization_number: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_number": self.line_number,
            "date_of_service": self.date_of_service.isoformat(),
            "code": self.code,
            "units": self.units,
            "charge_cents": self.charge_cents,
            "modifiers": list(self.modifiers),
            "revenue_code": self.revenue_code,
            "pos": self.pos,
            "diagnosis_pointers": list(self.diagnosis_pointers),
            "rendering_npi": self.rendering_npi,
            "authorization_number": self.authorization_number,
        }


@dataclass(frozen=True, kw_only=True)
class Claim:
    claim_id: str
    episode_id: str
    payer_id: str
    ruleset_version: str
    claim_form: ClaimForm
    frequency_code: Frequency
    statement_from: date
    statement_to: date
    billing_npi: str
    billing_taxonomy: str
    lines: tuple[ClaimLine, ...]
    billing_tax_id: str = ""
    subscriber_id: str = ""
    subscriber_first_name: str = ""
    subscriber_last_name: str = ""
    subscriber_birth_date: date | None = None
    patient_account: str = ""
    diagnosis_codes: tuple[str, ...] = ()
    type_of_bill: str = ""  # 837I only, with the frequency digit (e.g. "132")
    condition_codes: tuple[str, ...] = ()
    prior_auth_number: str = ""  # REF*G1
    original_claim_number: str = ""  # payer claim number for frequency 7 / 8
    interim_sequence: int = 0  # 1, 2, 3… for sequential interim claims
    admission_date: date | None = None

    @property
    def total_cents(self) -> int:
        return sum(line.charge_cents for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "claim_id": self.claim_id,
            "episode_id": self.episode_id,
            "payer_id": self.payer_id,
            "ruleset_version": self.ruleset_version,
            "claim_form": str(self.claim_form),
            "frequency_code": str(self.frequency_code),
            "statement_from": self.statement_from.isoformat(),
            "statement_to": self.statement_to.isoformat(),
            "billing_npi": self.billing_npi,
            "billing_taxonomy": self.billing_taxonomy,
            "billing_tax_id": self.billing_tax_id,
            "subscriber_id": self.subscriber_id,
            "subscriber_first_name": self.subscriber_first_name,
            "subscriber_last_name": self.subscriber_last_name,
            "subscriber_birth_date": iso(self.subscriber_birth_date),
            "patient_account": self.patient_account,
            "diagnosis_codes": list(self.diagnosis_codes),
            "type_of_bill": self.type_of_bill,
            "condition_codes": list(self.condition_codes),
            "prior_auth_number": self.prior_auth_number,
            "original_claim_number": self.original_claim_number,
            "interim_sequence": self.interim_sequence,
            "admission_date": iso(self.admission_date),
            "total_cents": self.total_cents,
            "lines": [line.to_dict() for line in self.lines],
        }


@dataclass(frozen=True, kw_only=True)
class InterimState:
    """Where a sequential interim series stands: claims sent so far, last one remitted?"""

    claims_sent: int = 0
    last_remitted: bool = True


@dataclass(frozen=True, kw_only=True)
class ClaimBuild:
    claims: tuple[Claim, ...]
    pending: tuple[AuthorizedCharge, ...]  # charges left for a later build
    reason: str = ""  # why anything is pending
    awaits_remittance: bool = False  # a closed period waits for the last interim claim's 835

    def to_dict(self) -> dict[str, Any]:
        return {
            "claims": [c.to_dict() for c in self.claims],
            "pending": [p.charge.to_dict() for p in self.pending],
            "reason": self.reason,
            "awaits_remittance": self.awaits_remittance,
        }


def billing_period(day: date, cadence: Cadence, episode: DateSpan | None = None) -> DateSpan:
    """The billing period that contains ``day`` under a cadence."""
    if cadence is Cadence.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return DateSpan(start=start, end=start + timedelta(days=6))
    if cadence is Cadence.MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        return DateSpan(start=day.replace(day=1), end=day.replace(day=last))
    if episode is None:
        raise DomainError("admission_date", None, "per-episode billing needs the episode dates")
    return episode


def build_claims(
    charges: Sequence[AuthorizedCharge],
    rules: RuleSet,
    context: ClaimContext,
    as_of: date,
    interim: InterimState | None = None,
    billed: Collection[str] = (),
) -> ClaimBuild:
    """Group billable charges into claims by cadence; bill only periods closed as of ``as_of``.

    A period is closed when it ended before ``as_of`` or the episode was discharged on or
    before ``as_of``. ``billed`` holds the ids of the episode's claims built before: a
    charge documented after its period was billed (a late day) goes on a claim of its own,
    ``{period claim id}:late-{its first date of service}``, frequency 1. Under interim
    billing such a charge waits instead (the reason says so): the sent interim claim
    would have to be replaced to carry it. A period whose charges fall under more than one
    authorization number is billed on one claim per number (the first keeps the period's
    id, the others are named after their first date of service).
    """
    if context.payer_id != rules.id:
        raise DomainError("payer_id", context.payer_id, f"rule set is for {rules.id}")
    discharged = context.discharge_date is not None and context.discharge_date <= as_of
    episode = None
    if context.admission_date is not None:
        end = context.discharge_date or max([as_of, *(c.charge.date_of_service for c in charges)])
        episode = DateSpan(start=context.admission_date, end=end)
    periods: dict[DateSpan, list[AuthorizedCharge]] = {}
    for item in sorted(charges, key=lambda c: (c.charge.date_of_service, c.charge.code)):
        period = billing_period(item.charge.date_of_service, rules.cadence, episode)
        periods.setdefault(period, []).append(item)

    claims: list[Claim] = []
    pending: list[AuthorizedCharge] = []
    reason = ""
    awaits = False
    state = interim or InterimState()
    for period, items in sorted(periods.items(), key=lambda kv: kv[0].start):
        closed = period.end < as_of or discharged
        if not closed:
            pending.extend(items)
            reason = reason or f"period {period.start}–{period.end} still open"
            continue
        period_id = claim_id_for(context, rules, period)
        if rules.interim_billing and period_id in billed:
            pending.extend(items)
            reason = reason or (
                f"late charges for {period.start}–{period.end}, already billed on interim "
                f"claim {period_id}: a replacement claim must carry them"
            )
            continue
        if rules.interim_billing:
            sent = state.claims_sent + len(claims)
            if claims or (sent and not state.last_remitted):
                pending.extend(items)
                awaits = True
                reason = reason or (
                    f"interim claim {sent} awaits its remittance; the next claim waits"
                )
                continue
            last_period = discharged and period == max(periods, key=lambda p: p.start)
            if sent == 0:
                freq = Frequency.ADMIT_THROUGH_DISCHARGE if last_period else Frequency.INTERIM_FIRST
            else:
                freq = Frequency.INTERIM_LAST if last_period else Frequency.INTERIM_CONTINUING
            claims.append(_claim(items, rules, context, period, freq, sent + 1))
        else:
            late = period_id in billed
            limit = MAX_LINES[rules.claim_form]
            parts = [p for group in _by_authorization(items) for p in _split_by_days(group, limit)]
            named: set[str] = set()
            for n, part in enumerate(parts):
                first = part[0].charge.date_of_service
                span = DateSpan(start=first, end=period.end) if n else period
                claim = _claim(part, rules, context, span, Frequency.ADMIT_THROUGH_DISCHARGE, 0)
                if late:
                    claim = replace(claim, claim_id=f"{period_id}:late-{first.isoformat()}")
                if claim.claim_id in named:  # a second authorization from the same first day
                    number = re.sub(r"[^A-Za-z0-9-]", "", part[0].authorization_number)[:20]
                    claim = replace(claim, claim_id=f"{claim.claim_id}:auth-{number or 'none'}")
                named.add(claim.claim_id)
                claims.append(claim)
    return ClaimBuild(
        claims=tuple(claims), pending=tuple(pending), reason=reason, awaits_remittance=awaits
    )


def claim_id_for(context: ClaimContext, rules: RuleSet, period: DateSpan) -> str:
    """The id of the claim that bills ``period`` (a split claim's further parts, and a late
    claim, are named after their first date of service)."""
    return f"{context.episode_id}:{rules.id}:{period.start.isoformat()}"


def _by_authorization(items: list[AuthorizedCharge]) -> list[list[AuthorizedCharge]]:
    """A period's charges grouped by authorization number, in the order each number first
    bills: a claim carries one prior-authorization number (REF*G1 in loop 2300, and the
    837I has no line-level one), so days billed under a retro-authorization or a new
    continued-stay number go on a claim of their own."""
    groups: dict[str, list[AuthorizedCharge]] = {}
    for item in items:
        groups.setdefault(item.authorization_number, []).append(item)
    return list(groups.values())


def _split_by_days(items: list[AuthorizedCharge], limit: int) -> list[list[AuthorizedCharge]]:
    """A period's charges in runs of whole days of at most ``limit`` lines (an 837P claim
    holds 50 service lines, an 837I 999): the first keeps the period's claim id, each
    further one is named after its first date of service."""
    parts: list[list[AuthorizedCharge]] = [[]]
    by_day: dict[date, list[AuthorizedCharge]] = {}
    for item in items:
        by_day.setdefault(item.charge.date_of_service, []).append(item)
    for day_items in by_day.values():
        if parts[-1] and len(parts[-1]) + len(day_items) > limit:
            parts.append([])
        parts[-1].extend(day_items)
    return parts


def _claim(
    items: list[AuthorizedCharge],
    rules: RuleSet,
    context: ClaimContext,
    period: DateSpan,
    freq: Frequency,
    sequence: int,
) -> Claim:
    pointers = tuple(range(1, min(len(context.diagnosis_codes), 4) + 1)) or (1,)
    lines = tuple(
        ClaimLine(
            line_number=n,
            date_of_service=item.charge.date_of_service,
            code=item.charge.code,
            units=item.charge.units,
            charge_cents=item.charge.charge_cents,
            modifiers=item.charge.modifiers,
            revenue_code=item.charge.revenue_code,
            pos=item.charge.pos,
            diagnosis_pointers=pointers,
            rendering_npi=item.charge.rendering_npi,
            authorization_number=item.authorization_number,
        )
        for n, item in enumerate(items, start=1)
    )
    dates = [line.date_of_service for line in lines]
    auth = next((i.authorization_number for i in items if i.authorization_number), "")
    tob = ""
    if rules.claim_form is ClaimForm.INSTITUTIONAL:
        tob = str(TypeOfBill(rules.type_of_bill).with_frequency(freq.value))
    return Claim(
        claim_id=claim_id_for(context, rules, period),
        episode_id=context.episode_id,
        payer_id=rules.id,
        ruleset_version=rules.version,
        claim_form=rules.claim_form,
        frequency_code=freq,
        statement_from=min(dates),
        statement_to=max(dates),
        billing_npi=context.billing_npi,
        billing_taxonomy=context.billing_taxonomy,
        billing_tax_id=context.billing_tax_id,
        lines=lines,
        subscriber_id=context.subscriber_id,
        subscriber_first_name=context.subscriber_first_name,
        subscriber_last_name=context.subscriber_last_name,
        subscriber_birth_date=context.subscriber_birth_date,
        patient_account=context.patient_account,
        diagnosis_codes=tuple(str(ICD10(dx)) for dx in context.diagnosis_codes),
        type_of_bill=tob,
        condition_codes=rules.condition_codes if tob else (),
        prior_auth_number=auth,
        interim_sequence=sequence,
        admission_date=context.admission_date,
    )


def _adjusted(original: Claim, freq: Frequency, payer_claim_number: str, suffix: str) -> Claim:
    if not payer_claim_number.strip():
        raise DomainError(
            "original_claim_number",
            payer_claim_number,
            "a replacement or void needs the payer claim number of the original",
        )
    if original.frequency_code is Frequency.VOID:
        raise DomainError("frequency_code", original.frequency_code, "a void cannot be adjusted")
    tob = original.type_of_bill
    if tob:
        tob = str(TypeOfBill(tob).with_frequency(freq.value))
    return replace(
        original,
        claim_id=f"{original.claim_id}:{suffix}",
        frequency_code=freq,
        type_of_bill=tob,
        original_claim_number=payer_claim_number.strip(),
    )


def replacement_claim(
    original: Claim,
    payer_claim_number: str,
    *,
    lines: tuple[ClaimLine, ...] | None = None,
    diagnosis_codes: tuple[str, ...] | None = None,
    prior_auth_number: str | None = None,
    revision: int = 1,
) -> Claim:
    """A corrected claim (frequency 7) replacing ``original`` at the payer."""
    claim = _adjusted(original, Frequency.REPLACEMENT, payer_claim_number, f"r{revision}")
    return replace(
        claim,
        lines=claim.lines if lines is None else lines,
        diagnosis_codes=claim.diagnosis_codes
        if diagnosis_codes is None
        else tuple(str(ICD10(dx)) for dx in diagnosis_codes),
        prior_auth_number=claim.prior_auth_number
        if prior_auth_number is None
        else prior_auth_number,
    )


def void_claim(original: Claim, payer_claim_number: str) -> Claim:
    """A void (frequency 8) cancelling ``original`` at the payer; same lines as the original."""
    return _adjusted(original, Frequency.VOID, payer_claim_number, "void")
