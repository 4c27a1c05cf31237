"""Our records → ``models.x12`` objects, and the names and numbers files carry.

* :func:`claim837` maps a domain ``Claim`` plus the patient and coverage rows to a
  ``Claim837``: the subscriber is the patient when the coverage relationship is
  ``self``; otherwise the subscriber comes from ``Coverage.subscriber`` and the patient
  becomes the dependent (loop 2000C). The claim's own subscriber id, names and birth
  date (set by the claim engine, edited by a biller's fix) win over the rows.
* :func:`to_pcn` / :func:`from_pcn`: claim and episode ids travel as the patient control
  number (CLM01) and the 270 trace (TRN02). X12 forbids ``:`` there (the component
  separator), so ``:`` is written as ``+`` and read back.
* :func:`file_name`: stable outbound names ``{kind}-{subject}-{control}-{key hash}.x12``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from models.db.billing_tables import Coverage
from models.db.tables import Patient
from models.domain.claims import Claim
from models.x12 import (
    Address,
    Batch837,
    Claim837,
    ClaimForm,
    Person,
    ServiceLine,
    Subscriber,
)

from .config import PartnerConfig, PayerIdentity

__all__ = [
    "ALIAS_PREFIX",
    "MappingError",
    "claim837",
    "file_name",
    "from_pcn",
    "is_alias",
    "key_hash",
    "name_prefix",
    "to_pcn",
]

_SAFE = re.compile(r"[A-Za-z0-9._+-]")
_RELATIONSHIP = {"spouse": "01", "child": "19", "other": "G8", "01": "01", "19": "19", "G8": "G8"}


class MappingError(ValueError):
    """Our data cannot become a valid file (the message names the field)."""


ALIAS_PREFIX = "="  # in the X12 basic character set, never in our ids


def to_pcn(business_id: str) -> str:
    """The id as it travels in CLM01 / TRN02 (at most 38 characters).

    ``:`` becomes ``+``; an id longer than 38 characters (a replacement of a replacement)
    travels as ``=`` + 20 hex digits of its SHA-256, matched back by :func:`is_alias_of`.
    """
    if is_alias(business_id) and len(business_id) == 21:
        return business_id  # already an alias (as read back from a file)
    if not business_id or "+" in business_id or "=" in business_id:
        raise MappingError(f"id {business_id!r} cannot travel in X12 (empty, or holds + or =)")
    if any(ch in business_id for ch in "*^~\r\n"):
        raise MappingError(f"id {business_id!r} cannot travel in X12 (holds * ^ or ~)")
    pcn = business_id.replace(":", "+")
    if len(pcn) <= 38:
        return pcn
    return ALIAS_PREFIX + hashlib.sha256(business_id.encode()).hexdigest()[:20].upper()


def is_alias(pcn: str) -> bool:
    return pcn.startswith(ALIAS_PREFIX)


def from_pcn(pcn: str) -> str:
    """Our id back from CLM01 / TRN02 (an alias stays an alias: see :func:`is_alias`)."""
    return pcn if is_alias(pcn) else pcn.replace("+", ":")


def key_hash(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:10]


def _safe(subject: str) -> str:
    return "".join(ch if _SAFE.match(ch) else "_" for ch in to_pcn(subject))


def name_prefix(kind: str, subject: str) -> str:
    return f"{kind}-{_safe(subject)}-"


def file_name(kind: str, subject: str, control: str, key: str) -> str:
    ext = "txt" if kind in ("APPEAL", "AUTHREQ") else "x12"
    return f"{name_prefix(kind, subject)}{control}-{key}.{ext}"


@dataclass(frozen=True, kw_only=True)
class Parties:
    """Who the claim is about: built from the patient and coverage rows."""

    subscriber: Person
    member_id: str
    group_number: str
    patient: Person | None  # a dependent, else None
    relationship: str


def _address(data: dict[str, Any] | None, fallback: Address) -> Address:
    data = data or {}
    line1 = str(data.get("line1") or data.get("street") or "")
    city = str(data.get("city") or "")
    state = str(data.get("state") or "")
    postal = str(data.get("postal_code") or data.get("zip") or "").replace("-", "")
    if not (line1 and city and state and postal):
        return fallback  # no usable address on file: the program's (documented)
    return Address(line1=line1, city=city, state=state, postal_code=postal)


def _birth(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value)
    return None


def parties(patient: Patient, coverage: Coverage | None, fallback: Address) -> Parties:
    me = Person(
        last_name=patient.last_name,
        first_name=patient.first_name,
        birth_date=patient.birth_date,
        gender=patient.gender if patient.gender in ("M", "F", "U") else "U",
        address=_address(patient.address, fallback),
    )
    member_id = (coverage.member_id if coverage is not None else "") or patient.member_id
    if coverage is None or coverage.relationship == "self" or not coverage.subscriber:
        group = str((coverage.subscriber or {}).get("group_number", "")) if coverage else ""
        return Parties(
            subscriber=me, member_id=member_id, group_number=group, patient=None, relationship="18"
        )
    sub = coverage.subscriber
    subscriber = Person(
        last_name=str(sub.get("last_name", "")),
        first_name=str(sub.get("first_name", "")),
        birth_date=_birth(sub.get("birth_date")),
        gender=str(sub.get("gender") or "U"),
        address=_address(sub.get("address") or patient.address, fallback),
    )
    relationship = _RELATIONSHIP.get(str(sub.get("relationship", "child")), "G8")
    return Parties(
        subscriber=subscriber,
        member_id=member_id or str(sub.get("member_id", "")),
        group_number=str(sub.get("group_number", "")),
        patient=me,
        relationship=relationship,
    )


def _as_billed(person: Person, claim: Claim) -> Person:
    """The subscriber as the claim has it: a biller's fix to a rejected claim edits the
    claim's subscriber fields, and those win over the coverage record."""
    return replace(
        person,
        last_name=claim.subscriber_last_name or person.last_name,
        first_name=claim.subscriber_first_name or person.first_name,
        birth_date=claim.subscriber_birth_date or person.birth_date,
    )


def claim837(
    claim: Claim,
    who: Parties,
    payer: PayerIdentity,
    partners: PartnerConfig,
    *,
    place_of_service: str = "",
) -> Claim837:
    """One domain claim as an 837 claim (professional or institutional by its form)."""
    form = ClaimForm(str(claim.claim_form))
    if not claim.lines:
        raise MappingError("claim.lines: a claim needs at least one line")
    if not claim.diagnosis_codes:
        raise MappingError("claim.diagnosis_codes: at least one diagnosis is required")
    lines = tuple(
        ServiceLine(
            procedure_code=line.code,
            charge_cents=line.charge_cents,
            service_date=line.date_of_service,
            units=line.units,
            modifiers=line.modifiers,
            diagnosis_pointers=line.diagnosis_pointers or (1,),
            revenue_code=line.revenue_code,
            place_of_service="",
        )
        for line in claim.lines
    )
    pos = place_of_service or next((x.pos for x in claim.lines if x.pos), "") or "11"
    prior_auth = claim.prior_auth_number or next(
        (x.authorization_number for x in claim.lines if x.authorization_number), ""
    )
    tob = claim.type_of_bill or "131"
    frequency = str(claim.frequency_code)
    if frequency not in ("1", "7", "8") and form is not ClaimForm.INSTITUTIONAL:
        # Interim digits 2/3/4 exist on institutional claims only (type of bill).
        frequency = "1"
    return Claim837(
        form=form,
        patient_control_number=to_pcn(claim.claim_id),
        subscriber=Subscriber(
            person=_as_billed(who.subscriber, claim),
            member_id=claim.subscriber_id or who.member_id,
            group_number=who.group_number,
            claim_filing_indicator=payer.filing_indicator,
        ),
        payer=payer.x12(),
        diagnosis_codes=tuple(code.replace(".", "").upper() for code in claim.diagnosis_codes),
        lines=lines,
        patient=who.patient,
        patient_relationship=who.relationship if who.patient is not None else "19",
        frequency_code=frequency,
        original_claim_number=claim.original_claim_number,
        prior_authorization=prior_auth,
        place_of_service=pos,
        facility_type=tob[:2],
        statement_from=claim.statement_from if form is ClaimForm.INSTITUTIONAL else None,
        statement_to=claim.statement_to if form is ClaimForm.INSTITUTIONAL else None,
        condition_codes=claim.condition_codes if form is ClaimForm.INSTITUTIONAL else (),
        attending_provider=partners.attending_provider if form is ClaimForm.INSTITUTIONAL else None,
    )


def batch837(
    claim: Claim, c837: Claim837, partners: PartnerConfig, *, control: str, created: datetime
) -> Batch837:
    bp = partners.billing_provider
    billing = replace(
        bp,
        npi=claim.billing_npi or bp.npi,
        tax_id=(claim.billing_tax_id or bp.tax_id).replace("-", ""),
        taxonomy=claim.billing_taxonomy or bp.taxonomy,
    )
    return Batch837(
        control_number=control,
        reference=control,
        created=created,
        submitter=partners.submitter,
        receiver=partners.receiver,
        billing_provider=billing,
        claims=(c837,),
    )
