"""Input objects of the 837P (005010X222A1) and 837I (005010X223A2) writers.

An integration mapper elsewhere builds these from the billing engine's claims.
Everything here is plain data: money in integer cents, dates as ``date``.
Claim totals, CLM02, HL and LX numbering are computed by the writer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Address",
    "Batch837",
    "BillingProvider",
    "Claim837",
    "ClaimForm",
    "Party",
    "Payer",
    "Person",
    "Provider",
    "ServiceLine",
    "Subscriber",
]


class ClaimForm(StrEnum):
    PROFESSIONAL = "837P"
    INSTITUTIONAL = "837I"


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    line1: str
    city: str
    state: str
    postal_code: str
    line2: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """Submitter (loop 1000A) or receiver (1000B): an organisation with an id."""

    name: str
    id: str
    contact_name: str = ""
    contact_phone: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class BillingProvider:
    name: str
    npi: str
    tax_id: str
    address: Address
    taxonomy: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    """A person provider: rendering (837P loop 2310B) or attending (837I loop 2310A)."""

    last_name: str
    first_name: str
    npi: str
    taxonomy: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    last_name: str
    first_name: str
    birth_date: dt.date | None  # required for the patient; others may omit it
    gender: str  # M, F or U ("" when unknown and not the patient)
    address: Address | None  # required for the patient
    middle_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Payer:
    name: str
    payer_id: str
    address: Address | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscriber:
    person: Person
    member_id: str
    group_number: str = ""
    payer_responsibility: str = "P"  # SBR01: P primary, S secondary, T tertiary
    claim_filing_indicator: str = "CI"  # SBR09: CI commercial, MB Medicare B, MC Medicaid, ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceLine:
    procedure_code: str
    charge_cents: int
    service_date: dt.date
    units: int = 1
    modifiers: tuple[str, ...] = ()
    diagnosis_pointers: tuple[int, ...] = (1,)  # 1-based into Claim837.diagnosis_codes (837P)
    revenue_code: str = ""  # required on 837I
    place_of_service: str = ""  # 837P: only when it differs from the claim's


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim837:
    form: ClaimForm
    patient_control_number: str
    subscriber: Subscriber
    payer: Payer
    diagnosis_codes: tuple[str, ...]  # ICD-10-CM without the dot; first is principal
    lines: tuple[ServiceLine, ...]
    patient: Person | None = None  # a dependent; None when the subscriber is the patient
    patient_relationship: str = "19"  # PAT01 when ``patient`` is set: 01 spouse, 19 child, G8 other
    frequency_code: str = "1"  # 1 original, 7 replacement, 8 void; 837I also 2/3/4 interim
    original_claim_number: str = ""  # REF*F8, required for 7 and 8
    prior_authorization: str = ""  # REF*G1
    place_of_service: str = "11"  # 837P CLM05-1
    facility_type: str = "13"  # 837I CLM05-1: first two digits of the type of bill
    statement_from: dt.date | None = None  # 837I DTP*434; defaults to the line date span
    statement_to: dt.date | None = None
    condition_codes: tuple[str, ...] = ()  # 837I HI*BG
    admission_type: str = "3"  # 837I CL101 (3 elective)
    admission_source: str = "1"  # 837I CL102
    patient_status: str = "01"  # 837I CL103 (01 discharged to home)
    rendering_provider: Provider | None = None  # 837P loop 2310B
    attending_provider: Provider | None = None  # 837I loop 2310A (required there)

    @property
    def total_charge_cents(self) -> int:
        return sum([line.charge_cents for line in self.lines])

    @property
    def type_of_bill(self) -> str:
        return self.facility_type + self.frequency_code

    @property
    def service_period(self) -> tuple[dt.date, dt.date]:
        dates = [line.service_date for line in self.lines]
        return (self.statement_from or min(dates), self.statement_to or max(dates))


@dataclass(frozen=True, slots=True, kw_only=True)
class Batch837:
    """One 837 transaction: one submitter, receiver and billing provider, many claims."""

    control_number: str  # ST02
    reference: str  # BHT03, the submitter's batch id
    created: dt.datetime
    submitter: Party
    receiver: Party
    billing_provider: BillingProvider
    claims: tuple[Claim837, ...]

    @property
    def form(self) -> ClaimForm:
        return self.claims[0].form if self.claims else ClaimForm.PROFESSIONAL
