"""Deterministic random claims and documents for tests, the ``sample`` command and the bench.

Everything comes from the ``random.Random`` the caller passes: the same seed gives the
same claims on every machine and Python version that keeps ``Random``'s algorithm.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from .claim837 import (
    Address,
    Batch837,
    BillingProvider,
    Claim837,
    ClaimForm,
    Party,
    Payer,
    Person,
    Provider,
    ServiceLine,
    Subscriber,
)
from .envelope import Envelope
from .values import npi_check_digit

__all__ = [
    "random_ack_report",
    "random_address",
    "random_batch837",
    "random_claim837",
    "random_claim_payment",
    "random_eligibility_request",
    "random_eligibility_response",
    "random_envelope",
    "random_npi",
    "random_remittance",
    "random_status_request",
]

_LAST = ("SMITH", "JOHNSON", "GARCIA", "NGUYEN", "OKAFOR", "KOWALSKI", "HAYES", "LEE", "PATEL")
_FIRST = ("ALEX", "MARIA", "JAMES", "PRIYA", "SAM", "DANA", "LUIS", "MEI", "JORDAN", "ROBIN")
_STREET = ("MAIN ST", "OAK AVE", "ELM RD", "PARK BLVD", "RIVER DR", "HILL WAY")
_CITY = (("SPRINGFIELD", "IL"), ("SALEM", "OR"), ("FRANKLIN", "TN"), ("MADISON", "WI"))
_DIAG = ("F329", "F331", "F332", "F411", "F419", "F4310", "F1020", "F1120", "F1220", "F603", "F840")
_PROF_CODES = ("S9480", "H0015", "90832", "90834", "90837", "90853", "90847")
_PROF_MODS = ("HQ", "HF", "HE", "95", "GT", "U1")
_INST = (
    ("0905", "S9480"),
    ("0906", "H0015"),
    ("0914", "90834"),
    ("0915", "90853"),
    ("0916", "90847"),
)
_PAYERS = (("ACME HEALTH PLAN", "60054"), ("STATE MEDICAID", "SKMD0"), ("BLUE SKY", "00590"))


def random_npi(rng: random.Random) -> str:
    first = str(rng.choice((1, 2))) + "".join(str(rng.randrange(10)) for _ in range(8))
    return first + str(npi_check_digit(first))


def random_address(rng: random.Random, *, zip9: bool = False) -> Address:
    city, state = rng.choice(_CITY)
    postal = f"{rng.randrange(10000, 99999)}" + (f"{rng.randrange(10000):04d}" if zip9 else "")
    return Address(
        line1=f"{rng.randrange(1, 9999)} {rng.choice(_STREET)}",
        city=city,
        state=state,
        postal_code=postal,
        line2=rng.choice(("", "", f"STE {rng.randrange(1, 400)}")),
    )


def _person(rng: random.Random, *, born_after: int) -> Person:
    return Person(
        last_name=rng.choice(_LAST),
        first_name=rng.choice(_FIRST),
        middle_name=rng.choice(("", "", "A", "J")),
        birth_date=dt.date(
            rng.randrange(born_after, 2010), rng.randrange(1, 13), rng.randrange(1, 29)
        ),
        gender=rng.choice("MFU"),
        address=random_address(rng),
    )


def random_claim837(
    rng: random.Random,
    form: ClaimForm,
    *,
    index: int = 1,
    dependent: bool | None = None,
    frequency: str | None = None,
    line_count: int | None = None,
) -> Claim837:
    """One valid claim; unset options are drawn from ``rng``."""
    prof = form is ClaimForm.PROFESSIONAL
    if dependent is None:
        dependent = rng.random() < 0.3
    if frequency is None:
        frequency = rng.choice("1117")
    n_lines = line_count if line_count is not None else rng.choice((1, 1, 2, 3, 5))
    start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(300))
    diags = tuple(rng.sample(_DIAG, rng.randrange(1, 4)))
    pos = rng.choice(("11", "52", "53", "57", "10"))
    lines = []
    for k in range(n_lines):
        day = start + dt.timedelta(days=k)
        if prof:
            code = rng.choice(_PROF_CODES)
            mods = tuple(rng.sample(_PROF_MODS, rng.randrange(0, 3)))
            lines.append(
                ServiceLine(
                    procedure_code=code,
                    modifiers=mods,
                    charge_cents=rng.randrange(5_000, 60_000),
                    service_date=day,
                    units=1,
                    diagnosis_pointers=tuple(range(1, min(len(diags), 4) + 1))[
                        : rng.randrange(1, 5)
                    ],
                )
            )
        else:
            rev, code = rng.choice(_INST)
            lines.append(
                ServiceLine(
                    procedure_code=code,
                    revenue_code=rev,
                    charge_cents=rng.randrange(10_000, 90_000),
                    service_date=day,
                    units=rng.choice((1, 1, 1, 2)),
                )
            )
    payer_name, payer_id = rng.choice(_PAYERS)
    subscriber_person = _person(rng, born_after=1950)
    if dependent:  # the 837 carries the subscriber's DMG only when they are the patient
        subscriber_person = dataclasses.replace(subscriber_person, birth_date=None, gender="")
    clinician = Provider(
        last_name=rng.choice(_LAST),
        first_name=rng.choice(_FIRST),
        npi=random_npi(rng),
        taxonomy=rng.choice(("", "101YM0800X", "103T00000X", "2084P0800X")),
    )
    return Claim837(
        form=form,
        patient_control_number=f"PCN{index:07d}{rng.randrange(1000):03d}",
        subscriber=Subscriber(
            person=subscriber_person,
            member_id=f"M{rng.randrange(10**9):09d}",
            group_number=rng.choice(("", f"G{rng.randrange(10**5):05d}")),
            claim_filing_indicator=rng.choice(("CI", "CI", "MC", "BL")),
        ),
        payer=Payer(
            name=payer_name,
            payer_id=payer_id,
            address=random_address(rng) if rng.random() < 0.5 else None,
        ),
        patient=_person(rng, born_after=2008) if dependent else None,
        patient_relationship="19",
        diagnosis_codes=diags,
        lines=tuple(lines),
        frequency_code=frequency,
        original_claim_number=f"{rng.randrange(10**11):011d}" if frequency != "1" else "",
        prior_authorization=rng.choice(("", f"AUTH{rng.randrange(10**6):06d}")),
        place_of_service=pos if prof else "11",
        facility_type="13" if prof else rng.choice(("13", "76", "85")),
        condition_codes=() if prof else rng.choice(((), ("92",), ("92", "41"))),
        statement_from=None if prof else start,
        statement_to=None if prof else start + dt.timedelta(days=n_lines - 1),
        rendering_provider=clinician if prof and rng.random() < 0.7 else None,
        attending_provider=None if prof else clinician,
    )


def random_envelope(rng: random.Random, *, control_number: int = 1) -> Envelope:
    return Envelope(
        sender_id="IOPBILL",
        receiver_id="CLEARHOUSE",
        interchange_control_number=control_number,
        group_control_number=control_number,
        created=dt.datetime(2025, 11, 1, 8, 30) + dt.timedelta(minutes=rng.randrange(100_000)),
        usage="T",
    )


def random_batch837(
    rng: random.Random, form: ClaimForm, count: int, *, control_number: int = 1
) -> Batch837:
    """A batch of ``count`` random valid claims from one billing provider."""
    return Batch837(
        control_number=f"{control_number:04d}",
        reference=f"B{rng.randrange(10**8):08d}",
        created=dt.datetime(2025, 11, 1, 9, 0) + dt.timedelta(minutes=rng.randrange(100_000)),
        submitter=Party(
            name="SUNRISE IOP", id="SUB12345", contact_name="BILLING", contact_phone="5555550100"
        ),
        receiver=Party(name="CLEARHOUSE", id="CH001"),
        billing_provider=BillingProvider(
            name="SUNRISE BEHAVIORAL HEALTH",
            npi=random_npi(rng),
            tax_id=f"{rng.randrange(10**8, 10**9)}",
            address=random_address(rng, zip9=True),
            taxonomy=rng.choice(("", "261QM0801X", "324500000X")),
        ),
        claims=tuple(random_claim837(rng, form, index=i + 1) for i in range(count)),
    )


# The payer side (remittances, acknowledgments, eligibility and status answers)
# lives in its own module; it is re-exported here so callers import one place.
from .generate_replies import (  # noqa: E402
    random_ack_report,
    random_claim_payment,
    random_eligibility_request,
    random_eligibility_response,
    random_remittance,
    random_status_request,
)
