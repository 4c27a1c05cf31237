"""Domain claim + patient/coverage rows → Claim837; ids that travel in X12."""

from __future__ import annotations

from datetime import date

import pytest

from activities.clearinghouse.config import load_partners
from activities.clearinghouse.mapping import (
    MappingError,
    claim837,
    file_name,
    from_pcn,
    name_prefix,
    parties,
    to_pcn,
)
from models.db.billing_tables import Coverage
from models.db.tables import Patient
from models.x12 import ClaimForm

from .builders import ADDRESS, domain_claim

PARTNERS = load_partners()
FROM_ROWS = {"subscriber_id": "", "subscriber_first_name": "", "subscriber_last_name": "",
             "subscriber_birth_date": None}  # fmt: skip


def patient(**kw: object) -> Patient:
    fields: dict[str, object] = {
        "id": "P1",
        "first_name": "ADA",
        "last_name": "QUILL",
        "birth_date": date(1990, 4, 2),
        "gender": "F",
        "member_id": "M1",
        "address": ADDRESS,
    }
    fields.update(kw)
    return Patient(**fields)


def test_claim_ids_travel_as_patient_control_numbers_and_come_back() -> None:
    assert to_pcn("E1:medicaid_state:2026-03-02") == "E1+medicaid_state+2026-03-02"
    assert from_pcn(to_pcn("E1:medicaid_state:2026-03-02")) == "E1:medicaid_state:2026-03-02"
    with pytest.raises(MappingError):
        to_pcn("E1+x")
    with pytest.raises(MappingError):
        to_pcn("E1=x")


def test_an_id_too_long_for_clm01_travels_as_a_stable_alias() -> None:
    long_id = "E0001:commercial_alpha:2026-03-02:c1:c2"
    alias = to_pcn(long_id)
    assert len(alias) == 21 and alias.startswith("=") and alias == to_pcn(long_id)
    assert from_pcn(alias) == alias and to_pcn(alias) == alias


def test_file_names_are_stable_and_start_with_kind_and_subject() -> None:
    name = file_name("837P", "E1:alpha:1", "000000012", "abc")
    assert name == "837P-E1+alpha+1-000000012-abc.x12"
    assert name.startswith(name_prefix("837P", "E1:alpha:1"))
    assert file_name("APPEAL", "E1:alpha:1", "000000013", "k").endswith(".txt")


def test_self_coverage_makes_the_patient_the_subscriber() -> None:
    cov = Coverage(id="E1:primary", episode_id="E1", payer_id="medicaid_state",
                   member_id="MBR9", relationship="self", subscriber={})  # fmt: skip
    who = parties(patient(), cov, PARTNERS.billing_provider.address)
    c = claim837(domain_claim("E1:m:1", "E1", "medicaid_state", **FROM_ROWS), who,
                 PARTNERS.payer("medicaid_state"), PARTNERS)  # fmt: skip
    assert c.patient is None
    assert c.subscriber.person.last_name == "QUILL"
    assert c.subscriber.member_id == "MBR9"
    assert c.subscriber.claim_filing_indicator == "MC"
    assert c.diagnosis_codes == ("F331", "F411")
    assert c.patient_control_number == "E1+m+1"


def test_dependent_coverage_makes_the_patient_a_dependent_of_the_subscriber() -> None:
    cov = Coverage(
        id="E1:primary",
        episode_id="E1",
        payer_id="commercial_alpha",
        member_id="FAM1",
        relationship="dependent",
        subscriber={"first_name": "JOHN", "last_name": "QUILL", "birth_date": "1962-07-09",
                    "gender": "M", "relationship": "spouse"},
    )  # fmt: skip
    who = parties(patient(), cov, PARTNERS.billing_provider.address)
    c = claim837(domain_claim("E1:a:1", "E1", "commercial_alpha", **FROM_ROWS), who,
                 PARTNERS.payer("commercial_alpha"), PARTNERS)  # fmt: skip
    assert c.patient is not None and c.patient.first_name == "ADA"
    assert c.subscriber.person.first_name == "JOHN"
    assert c.subscriber.person.birth_date == date(1962, 7, 9)
    assert c.patient_relationship == "01"
    # no address on the subscriber record: the patient's is used
    assert c.subscriber.person.address is not None
    assert c.subscriber.person.address.line1 == ADDRESS["line1"]


def test_institutional_claim_carries_type_of_bill_condition_codes_and_attending() -> None:
    who = parties(patient(), None, PARTNERS.billing_provider.address)
    c = claim837(domain_claim("E1:mc:1", "E1", "medicare"), who, PARTNERS.payer("medicare"),
                 PARTNERS)  # fmt: skip
    assert c.form is ClaimForm.INSTITUTIONAL
    assert c.facility_type == "13"
    assert c.condition_codes == ("92",)
    assert c.attending_provider == PARTNERS.attending_provider
    # an interim claim keeps its frequency digit (type of bill 132)
    assert c.frequency_code == "2"
    assert all(line.revenue_code for line in c.lines)


def test_patient_without_an_address_gets_the_programs_address() -> None:
    who = parties(patient(address={}), None, PARTNERS.billing_provider.address)
    assert who.subscriber.address == PARTNERS.billing_provider.address


def test_the_claims_subscriber_fields_win_so_a_billers_fix_reaches_the_payer() -> None:
    cov = Coverage(id="E1:primary", episode_id="E1", payer_id="medicaid_state",
                   member_id="OLD1", relationship="self", subscriber={})  # fmt: skip
    who = parties(patient(), cov, PARTNERS.billing_provider.address)
    fixed = domain_claim("E1:m:1", "E1", "medicaid_state", subscriber_id="NEW2",
                         subscriber_last_name="QUILL-ROSS")  # fmt: skip
    c = claim837(fixed, who, PARTNERS.payer("medicaid_state"), PARTNERS)
    assert c.subscriber.member_id == "NEW2"
    assert c.subscriber.person.last_name == "QUILL-ROSS"
    assert c.subscriber.person.address is not None  # the rest still comes from the rows
