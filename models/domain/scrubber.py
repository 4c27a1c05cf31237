"""Claim scrubber: named edits run before submission.

Each edit has a stable id, a severity (``error`` blocks submission, ``warning`` does not)
and reports findings that name the field they point to. :data:`EDITS` is the registry;
:func:`scrub` runs every edit in order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from models.domain.authorizations import Authorization
from models.domain.claims import Claim, Frequency
from models.domain.findings import Finding, Severity
from models.domain.ruleset_schema import ClaimForm, RuleSet
from models.domain.values import ICD10, NPI, DomainError, TypeOfBill

TAXONOMY = re.compile(r"\d{3}[0-9A-Z]{6}X")
TIMELY_FILING_WARNING_DAYS = 14
MAX_MODIFIERS = 4
MAX_POINTERS = 4


@dataclass(frozen=True, kw_only=True)
class ScrubContext:
    rules: RuleSet
    authorizations: tuple[Authorization, ...] = ()


Check = Callable[[Claim, ScrubContext, date], Iterator[tuple[str, str]]]


@dataclass(frozen=True, kw_only=True)
class Edit:
    id: str
    severity: Severity
    description: str
    check: Check

    def run(self, claim: Claim, context: ScrubContext, as_of: date) -> list[Finding]:
        return [
            Finding(edit=self.id, severity=self.severity, field=field, message=message)
            for field, message in self.check(claim, context, as_of)
        ]


def _npi(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    values = [("billing_npi", claim.billing_npi)] + [
        (f"lines[{n}].rendering_npi", line.rendering_npi)
        for n, line in enumerate(claim.lines)
        if line.rendering_npi
    ]
    for field, value in values:
        try:
            NPI(value, field)
        except DomainError as exc:
            yield field, f"NPI {value!r}: {exc.reason}"


def _taxonomy(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    if not claim.billing_taxonomy:
        if ctx.rules.taxonomy_required:
            yield "billing_taxonomy", f"{ctx.rules.name} requires the billing provider taxonomy"
    elif not TAXONOMY.fullmatch(claim.billing_taxonomy):
        yield "billing_taxonomy", f"{claim.billing_taxonomy!r} is not a 10-character taxonomy code"


def _diagnosis_format(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    if not claim.diagnosis_codes:
        yield "diagnosis_codes", "the claim has no diagnosis"
    for n, dx in enumerate(claim.diagnosis_codes):
        try:
            ICD10(dx)
        except DomainError as exc:
            yield f"diagnosis_codes[{n}]", f"{dx!r}: {exc.reason}"


def _pointers(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    count = len(claim.diagnosis_codes)
    for n, line in enumerate(claim.lines):
        field = f"lines[{n}].diagnosis_pointers"
        if not line.diagnosis_pointers or len(line.diagnosis_pointers) > MAX_POINTERS:
            yield field, f"a line needs 1 to {MAX_POINTERS} diagnosis pointers"
        bad = [p for p in line.diagnosis_pointers if not 1 <= p <= count]
        if bad:
            yield field, f"pointer(s) {bad} point past the {count} diagnosis code(s)"


def _bh_diagnosis(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    valid = []
    for dx in claim.diagnosis_codes:
        try:
            valid.append(ICD10(dx))
        except DomainError:
            continue
    if not any(dx.is_behavioral_health for dx in valid):
        yield "diagnosis_codes", "no behavioral-health diagnosis (F01–F99) for an IOP claim"


def _auth_present(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    if ctx.rules.prior_auth_required and not claim.prior_auth_number:
        yield "prior_auth_number", f"{ctx.rules.name} requires an authorization number (REF*G1)"


def _auths(ctx: ScrubContext) -> dict[str, Authorization]:
    return {a.number: a for a in ctx.authorizations}


def _auth_units(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    auths = _auths(ctx)
    totals: Counter[str] = Counter()
    for n, line in enumerate(claim.lines):
        number = line.authorization_number or claim.prior_auth_number
        auth = auths.get(number)
        if auth is None or not auth.covers(line.code):
            continue
        totals[number] += line.units
        left = auth.units_authorized - auth.units_used
        if totals[number] > left:
            yield (
                f"lines[{n}].units",
                (f"{totals[number]} units on {number} exceed the {left} authorized units left"),
            )


def _auth_dates(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    auths = _auths(ctx)
    for n, line in enumerate(claim.lines):
        number = line.authorization_number or claim.prior_auth_number
        auth = auths.get(number)
        if auth is not None and line.date_of_service not in auth.span:
            yield (
                f"lines[{n}].date_of_service",
                (
                    f"{line.date_of_service} is outside authorization {number} "
                    f"({auth.start}–{auth.end})"
                ),
            )


def _timely_filing(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    days = ctx.rules.deadlines.timely_filing_days
    for n, line in enumerate(claim.lines):
        limit = line.date_of_service + timedelta(days=days)
        if as_of > limit:
            yield (
                f"lines[{n}].date_of_service",
                (f"timely filing ({days} days) expired on {limit} for {line.date_of_service}"),
            )


def _timely_filing_soon(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    days = ctx.rules.deadlines.timely_filing_days
    for n, line in enumerate(claim.lines):
        limit = line.date_of_service + timedelta(days=days)
        if as_of <= limit <= as_of + timedelta(days=TIMELY_FILING_WARNING_DAYS):
            yield f"lines[{n}].date_of_service", f"timely filing runs out on {limit}"


def _revenue_pairing(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    if claim.claim_form is not ClaimForm.INSTITUTIONAL:
        return
    pairs = ctx.rules.revenue_pairs()
    for n, line in enumerate(claim.lines):
        if not line.revenue_code:
            yield f"lines[{n}].revenue_code", "an institutional line needs a revenue code"
        elif (line.revenue_code, line.code) not in pairs:
            yield (
                f"lines[{n}].revenue_code",
                (
                    f"revenue code {line.revenue_code} does not pair with {line.code} "
                    f"for {ctx.rules.name}"
                ),
            )


def _pos_form_tob(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    rules = ctx.rules
    if claim.claim_form is not rules.claim_form:
        yield "claim_form", f"{rules.name} is billed on {rules.claim_form}, not {claim.claim_form}"
        return
    if claim.claim_form is ClaimForm.PROFESSIONAL:
        if claim.type_of_bill:
            yield "type_of_bill", "a professional (837P) claim has no type of bill"
        for n, line in enumerate(claim.lines):
            if not line.pos:
                yield f"lines[{n}].pos", "a professional line needs a place of service"
        return
    try:
        tob = TypeOfBill(claim.type_of_bill)
    except DomainError as exc:
        yield "type_of_bill", f"{claim.type_of_bill!r}: {exc.reason}"
        return
    expected = TypeOfBill(rules.type_of_bill).facility_classification
    if tob.facility_classification != expected:
        yield "type_of_bill", f"type of bill {tob} should start {expected} for {rules.name}"
    if tob[2] != claim.frequency_code.value:
        yield (
            "type_of_bill",
            (
                f"type of bill {tob} frequency digit differs from claim frequency "
                f"{claim.frequency_code.value}"
            ),
        )
    missing = [c for c in rules.condition_codes if c not in claim.condition_codes]
    if missing:
        yield "condition_codes", f"condition code(s) {', '.join(missing)} required"


def _modifiers(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    rules = ctx.rules
    allowed = set(rules.allowed_modifiers) | set(rules.component.group_modifiers)
    for prog in rules.programs:
        allowed |= set(prog.modifiers)
    for tele in rules.telehealth:
        allowed |= set(tele.modifiers)
    for n, line in enumerate(claim.lines):
        if len(line.modifiers) > MAX_MODIFIERS:
            yield f"lines[{n}].modifiers", f"at most {MAX_MODIFIERS} modifiers per line"
        for mod in line.modifiers:
            if mod not in allowed:
                yield f"lines[{n}].modifiers", f"modifier {mod} is not allowed by {rules.name}"


def _duplicates(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    seen: dict[tuple[object, ...], int] = {}
    for n, line in enumerate(claim.lines):
        key = (line.date_of_service, line.code, line.modifiers, line.revenue_code)
        if key in seen:
            yield (
                f"lines[{n}]",
                f"duplicates line {seen[key] + 1} ({line.code} on {line.date_of_service})",
            )
        else:
            seen[key] = n


def _date_order(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    if claim.statement_to < claim.statement_from:
        yield "statement_to", "statement period ends before it starts"
    if claim.admission_date is not None and claim.admission_date > claim.statement_from:
        yield "admission_date", "admission is after the first date of service"
    for n, line in enumerate(claim.lines):
        d = line.date_of_service
        if not claim.statement_from <= d <= claim.statement_to:
            yield f"lines[{n}].date_of_service", f"{d} is outside the statement period"
        if d > as_of:
            yield f"lines[{n}].date_of_service", f"{d} is in the future"


def _subscriber(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    for field in ("subscriber_id", "subscriber_first_name", "subscriber_last_name"):
        if not str(getattr(claim, field)).strip():
            yield field, f"{field.replace('_', ' ')} is missing"
    if claim.subscriber_birth_date is None:
        yield "subscriber_birth_date", "subscriber birth date is missing"


def _frequency_reference(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    adjusting = claim.frequency_code in (Frequency.REPLACEMENT, Frequency.VOID)
    if adjusting and not claim.original_claim_number:
        yield "original_claim_number", "a replacement or void must cite the payer claim number"
    if not adjusting and claim.original_claim_number:
        yield "original_claim_number", "only a replacement or void cites an original claim"


def _lines_present(claim: Claim, ctx: ScrubContext, as_of: date) -> Iterator[tuple[str, str]]:
    if not claim.lines:
        yield "lines", "the claim has no service lines"
    for n, line in enumerate(claim.lines):
        if line.units < 1:
            yield f"lines[{n}].units", "units must be at least 1"
        if line.charge_cents <= 0 and claim.frequency_code is not Frequency.VOID:
            yield f"lines[{n}].charge_cents", f"{line.code} has no charge amount"


E, W = Severity.ERROR, Severity.WARNING
EDITS: tuple[Edit, ...] = (
    Edit(id="npi_check_digit", severity=E, description="NPIs pass the Luhn check", check=_npi),
    Edit(id="taxonomy_present", severity=E, description="billing taxonomy", check=_taxonomy),
    Edit(
        id="diagnosis_format", severity=E, description="ICD-10-CM format", check=_diagnosis_format
    ),
    Edit(id="diagnosis_pointers", severity=E, description="pointers resolve", check=_pointers),
    Edit(
        id="behavioral_health_diagnosis",
        severity=E,
        description="an F01–F99 diagnosis",
        check=_bh_diagnosis,
    ),
    Edit(
        id="authorization_number_present",
        severity=E,
        description="REF*G1 when required",
        check=_auth_present,
    ),
    Edit(
        id="units_within_authorization",
        severity=E,
        description="units ≤ units left",
        check=_auth_units,
    ),
    Edit(
        id="dates_within_authorization",
        severity=E,
        description="dates in the auth span",
        check=_auth_dates,
    ),
    Edit(
        id="timely_filing", severity=E, description="inside the filing window", check=_timely_filing
    ),
    Edit(
        id="timely_filing_soon",
        severity=W,
        description="filing window closes soon",
        check=_timely_filing_soon,
    ),
    Edit(
        id="revenue_code_pairing",
        severity=E,
        description="revenue code ↔ HCPCS",
        check=_revenue_pairing,
    ),
    Edit(
        id="pos_form_tob", severity=E, description="POS ↔ form ↔ type of bill", check=_pos_form_tob
    ),
    Edit(
        id="modifiers_allowed",
        severity=E,
        description="payer allows each modifier",
        check=_modifiers,
    ),
    Edit(id="duplicate_lines", severity=E, description="no line billed twice", check=_duplicates),
    Edit(
        id="date_order",
        severity=E,
        description="dates in order, none in the future",
        check=_date_order,
    ),
    Edit(
        id="subscriber_complete",
        severity=E,
        description="subscriber id, name, birth date",
        check=_subscriber,
    ),
    Edit(
        id="frequency_reference",
        severity=E,
        description="7/8 cite the original claim",
        check=_frequency_reference,
    ),
    Edit(
        id="lines_present",
        severity=E,
        description="lines with units and charges",
        check=_lines_present,
    ),
)


def scrub(claim: Claim, context: ScrubContext, as_of: date) -> list[Finding]:
    """Run every edit; an ``error`` finding blocks submission."""
    findings: list[Finding] = []
    for edit in EDITS:
        findings.extend(edit.run(claim, context, as_of))
    return findings


def blocks_submission(findings: list[Finding]) -> bool:
    return any(f.blocks for f in findings)
