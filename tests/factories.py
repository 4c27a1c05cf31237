"""Builders for domain objects used across tests.

Each builder returns a valid object with sensible defaults; override any field by
keyword. Keep builders grouped by the module they build for.
"""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from typing import Any

from models.domain import (
    Adjudication,
    Adjustment,
    Authorization,
    AuthorizedCharge,
    Charge,
    Claim,
    ClaimContext,
    ClaimForm,
    ClaimLine,
    DocumentedDay,
    Frequency,
    GroupCode,
    LinePosting,
    Program,
    RuleSet,
    Service,
    ServiceKind,
    TelehealthMode,
    list_rulesets,
    load_ruleset,
)

# --- identifiers (valid Luhn check digits over 80840 + first nine) -----------------------
BILLING_NPI = "1234567893"
CLINICIAN_NPI = "9876543213"
TAXONOMY = "261QM0801X"
RULES_AS_OF = date(2026, 3, 1)


# --- models.domain.rulesets -----------------------------------------------------------------
def ruleset(payer_id: str = "medicaid_state", as_of: date = RULES_AS_OF) -> RuleSet:
    return load_ruleset(payer_id, as_of)


# --- models.domain.charges ------------------------------------------------------------------
def ruleset_text(
    payer_id: str = "commercial_alpha",
    *,
    base: str = "2026.1",
    version: str = "2027.1",
    effective: str = "2027-01-04",
    changes: dict[str, str] | None = None,
) -> str:
    """The TOML of a shipped version with a new ``version``/``effective`` and ``changes``
    (exact text → replacement): what an admin pastes as a payer's next version."""
    (source,) = [rs.source for rs in list_rulesets() if rs.id == payer_id and rs.version == base]
    text = (resources.files("models.domain.rulesets") / source).read_text(encoding="utf-8")
    text = re.sub(r"(?m)^version = .*$", f'version = "{version}"', text, count=1)
    text = re.sub(r"(?m)^effective = .*$", f"effective = {effective}", text, count=1)
    for old, new in (changes or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def service(kind: ServiceKind = ServiceKind.GROUP, minutes: int = 60, **kw: Any) -> Service:
    return Service(kind=kind, minutes=minutes, **kw)


def documented_day(
    *services: Service,
    day: date = date(2026, 3, 2),
    program: Program = Program.PSYCHIATRIC,
    telehealth: TelehealthMode = TelehealthMode.NONE,
) -> DocumentedDay:
    if not services:
        services = (
            service(ServiceKind.GROUP, 120, clinician_npi=CLINICIAN_NPI),
            service(ServiceKind.INDIVIDUAL, 60, clinician_npi=CLINICIAN_NPI),
        )
    return DocumentedDay(date=day, program=program, telehealth=telehealth, services=services)


def charge(code: str = "S9480", day: date = date(2026, 3, 2), units: int = 1, **kw: Any) -> Charge:
    fields: dict[str, Any] = {
        "date_of_service": day,
        "code": code,
        "units": units,
        "charge_cents": 45000 * units,
        "reason": "test charge",
        "pos": "52",
    }
    fields.update(kw)
    return Charge(**fields)


# --- models.domain.authorizations -----------------------------------------------------------
def authorization(**kw: Any) -> Authorization:
    fields: dict[str, Any] = {
        "number": "AUTH-1",
        "codes": ("S9480", "H0015"),
        "start": date(2026, 3, 1),
        "end": date(2026, 3, 31),
        "units_authorized": 12,
    }
    fields.update(kw)
    return Authorization(**fields)


def authorized(item: Charge, number: str = "AUTH-1") -> AuthorizedCharge:
    return AuthorizedCharge(charge=item, authorization_number=number)


# --- models.domain.claims -------------------------------------------------------------------
def claim_context(payer_id: str = "medicaid_state", **kw: Any) -> ClaimContext:
    fields: dict[str, Any] = {
        "episode_id": "ep-1",
        "payer_id": payer_id,
        "billing_npi": BILLING_NPI,
        "billing_taxonomy": TAXONOMY,
        "subscriber_id": "MEM123",
        "subscriber_first_name": "Pat",
        "subscriber_last_name": "Doe",
        "subscriber_birth_date": date(1990, 5, 17),
        "patient_account": "ACCT-1",
        "diagnosis_codes": ("F33.1", "F41.1"),
        "admission_date": date(2026, 3, 2),
    }
    fields.update(kw)
    return ClaimContext(**fields)


def claim_line(n: int = 1, **kw: Any) -> ClaimLine:
    fields: dict[str, Any] = {
        "line_number": n,
        "date_of_service": date(2026, 3, 1 + n),
        "code": "S9480",
        "units": 1,
        "charge_cents": 45000,
        "modifiers": ("HE", "U6"),
        "pos": "52",
        "diagnosis_pointers": (1, 2),
        "rendering_npi": CLINICIAN_NPI,
        "authorization_number": "AUTH-1",
    }
    fields.update(kw)
    return ClaimLine(**fields)


def claim(n_lines: int = 2, **kw: Any) -> Claim:
    """A clean 837P claim for ``medicaid_state`` (override for other forms)."""
    built = tuple(claim_line(n) for n in range(1, n_lines + 1))
    fields: dict[str, Any] = {
        "claim_id": "ep-1:medicaid_state:2026-03-02",
        "episode_id": "ep-1",
        "payer_id": "medicaid_state",
        "ruleset_version": "2026.1",
        "claim_form": ClaimForm.PROFESSIONAL,
        "frequency_code": Frequency.ADMIT_THROUGH_DISCHARGE,
        "statement_from": date(2026, 3, 2),
        "statement_to": date(2026, 3, 1 + max(n_lines, 1)),
        "billing_npi": BILLING_NPI,
        "billing_taxonomy": TAXONOMY,
        "lines": built,
        "subscriber_id": "MEM123",
        "subscriber_first_name": "Pat",
        "subscriber_last_name": "Doe",
        "subscriber_birth_date": date(1990, 5, 17),
        "diagnosis_codes": ("F33.1", "F41.1"),
        "prior_auth_number": "AUTH-1",
        "admission_date": date(2026, 3, 2),
    }
    fields.update(kw)
    return Claim(**fields)


def institutional_claim(**kw: Any) -> Claim:
    """A clean 837I Medicare interim-first claim."""
    lines = (
        claim_line(
            1, code="90837", revenue_code="0914", modifiers=(), pos="", authorization_number=""
        ),
        claim_line(
            2, code="G0410", revenue_code="0915", modifiers=(), pos="", authorization_number=""
        ),
    )
    fields: dict[str, Any] = {
        "claim_id": "ep-1:medicare:2026-03-01",
        "payer_id": "medicare",
        "claim_form": ClaimForm.INSTITUTIONAL,
        "frequency_code": Frequency.INTERIM_FIRST,
        "type_of_bill": "132",
        "condition_codes": ("92",),
        "prior_auth_number": "",
        "lines": lines,
    }
    fields.update(kw)
    return claim(**fields)


# --- models.domain.ledger -------------------------------------------------------------------
def line_posting(
    n: int = 1,
    paid: int = 18000,
    contractual: int = 25000,
    patient: int = 2000,
    charge_cents: int = 45000,
) -> LinePosting:
    adjustments = []
    if contractual:
        adjustments.append(Adjustment(group=GroupCode.CO, carc="45", amount_cents=contractual))
    if patient:
        adjustments.append(Adjustment(group=GroupCode.PR, carc="2", amount_cents=patient))
    return LinePosting(
        line_number=n, charge_cents=charge_cents, paid_cents=paid, adjustments=tuple(adjustments)
    )


def adjudication(*lines: LinePosting, posting_id: str = "P1", **kw: Any) -> Adjudication:
    if not lines:
        lines = (line_posting(1), line_posting(2))
    fields: dict[str, Any] = {
        "posting_id": posting_id,
        "claim_id": "ep-1:medicaid_state:2026-03-02",
        "paid_cents": sum(lp.paid_cents for lp in lines),
        "lines": lines,
        "payer_claim_number": "PCN-1",
    }
    fields.update(kw)
    return Adjudication(**fields)
