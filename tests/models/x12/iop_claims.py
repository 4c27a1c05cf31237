"""Hand-written IOP claims used as fixed conformance fixtures (golden files beside them)."""

from __future__ import annotations

import datetime as dt

from models.x12 import (
    Address,
    Batch837,
    BillingProvider,
    Claim837,
    ClaimForm,
    Envelope,
    Party,
    Payer,
    Person,
    Provider,
    ServiceLine,
    Subscriber,
)

ENVELOPE = Envelope(
    sender_id="IOPBILL",
    receiver_id="CLEARHOUSE",
    interchange_control_number=1001,
    group_control_number=1001,
    created=dt.datetime(2025, 11, 3, 17, 5),
    usage="T",
)
SUBMITTER = Party(
    name="SUNRISE IOP", id="SUB12345", contact_name="BILLING", contact_phone="5035550100"
)
RECEIVER = Party(name="CLEARHOUSE", id="CH001")
PROVIDER = BillingProvider(
    name="SUNRISE BEHAVIORAL HEALTH",
    npi="1234567893",
    tax_id="931234567",
    taxonomy="261QM0801X",
    address=Address(line1="100 RIVER ST", city="SALEM", state="OR", postal_code="973011234"),
)
CLINICIAN = Provider(last_name="OKAFOR", first_name="DANA", npi="1912301953", taxonomy="101YM0800X")
PAYER = Payer(name="RIVER HEALTH PLAN", payer_id="60054")
PARENT = Person(
    last_name="DOE",
    first_name="PAT",
    birth_date=None,
    gender="",
    address=Address(
        line1="12 ELM RD", line2="APT 3", city="SALEM", state="OR", postal_code="97302"
    ),
)
TEEN = Person(
    last_name="DOE",
    first_name="ALEX",
    birth_date=dt.date(2009, 4, 17),
    gender="U",
    address=PARENT.address,
)
ADULT = Person(
    last_name="ROE",
    first_name="SAM",
    middle_name="J",
    birth_date=dt.date(1984, 12, 2),
    gender="F",
    address=Address(line1="77 OAK AVE", city="SALEM", state="OR", postal_code="97301"),
)
WEEK = [dt.date(2025, 10, 27) + dt.timedelta(days=d) for d in (0, 1, 3)]

# A teen in a mental-health IOP, billed per diem on the professional form (POS 52),
# the parent is the subscriber; prior authorization on file.
PROFESSIONAL_DEPENDENT = Claim837(
    form=ClaimForm.PROFESSIONAL,
    patient_control_number="IOP-0001-W44",
    subscriber=Subscriber(person=PARENT, member_id="RHP000111", group_number="G7788"),
    patient=TEEN,
    patient_relationship="19",
    payer=PAYER,
    diagnosis_codes=("F332", "F411"),
    place_of_service="52",
    prior_authorization="AUTH-5531",
    rendering_provider=CLINICIAN,
    lines=tuple(
        ServiceLine(
            procedure_code="S9480",
            modifiers=("HQ",),
            charge_cents=45000,
            service_date=d,
            diagnosis_pointers=(1, 2),
        )
        for d in WEEK
    ),
)

# The same week corrected: a replacement (frequency 7) of the payer's claim number.
PROFESSIONAL_REPLACEMENT = Claim837(
    form=ClaimForm.PROFESSIONAL,
    patient_control_number="IOP-0001-W44R",
    subscriber=Subscriber(person=PARENT, member_id="RHP000111", group_number="G7788"),
    patient=TEEN,
    payer=PAYER,
    diagnosis_codes=("F332",),
    place_of_service="52",
    frequency_code="7",
    original_claim_number="PAYER77001",
    prior_authorization="AUTH-5531",
    lines=(
        ServiceLine(
            procedure_code="H0015", modifiers=("HF", "U1"), charge_cents=38050, service_date=WEEK[0]
        ),
    ),
)

# Substance-use IOP on the institutional form: hospital outpatient (TOB 131),
# condition code 92, revenue code + HCPCS per day, the adult is the subscriber.
INSTITUTIONAL_SUBSCRIBER = Claim837(
    form=ClaimForm.INSTITUTIONAL,
    patient_control_number="IOP-0002-W44",
    subscriber=Subscriber(person=ADULT, member_id="MCR12345A", claim_filing_indicator="MB"),
    payer=Payer(
        name="MEDICARE PART A",
        payer_id="00590",
        address=Address(line1="PO BOX 1", city="PORTLAND", state="OR", postal_code="97201"),
    ),
    diagnosis_codes=("F1020", "F329"),
    facility_type="13",
    condition_codes=("92",),
    statement_from=WEEK[0],
    statement_to=WEEK[-1],
    attending_provider=CLINICIAN,
    lines=tuple(
        ServiceLine(procedure_code="H0015", revenue_code="0906", charge_cents=52000, service_date=d)
        for d in WEEK
    ),
)


def batch(form: ClaimForm) -> Batch837:
    claims = (
        (PROFESSIONAL_DEPENDENT, PROFESSIONAL_REPLACEMENT)
        if form is ClaimForm.PROFESSIONAL
        else (INSTITUTIONAL_SUBSCRIBER,)
    )
    return Batch837(
        control_number="0001",
        reference="BATCH-W44",
        created=dt.datetime(2025, 11, 3, 17, 5),
        submitter=SUBMITTER,
        receiver=RECEIVER,
        billing_provider=PROVIDER,
        claims=claims,
    )
