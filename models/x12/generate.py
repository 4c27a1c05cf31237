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
from .eligibility import (
    Benefit,
    EligibilityQuery,
    EligibilityRequest,
    EligibilityResponse,
    EligibilityResult,
    Member,
    Rejection,
)
from .envelope import Envelope
from .remit835 import Adjustment, ClaimPayment, ProviderAdjustment, RemitLine, Remittance
from .status276 import ClaimStatusRequest, StatusQuery
from .status277 import ClaimStatus, ClaimStatusReport, ProviderStatus, StatusInfo
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


def _adjudicate_line(rng: random.Random, line: ServiceLine, outcome: str) -> RemitLine:
    charge = line.charge_cents
    adjustments: list[Adjustment] = []
    if outcome == "denied":
        adjustments.append(
            Adjustment(
                group="CO", reason=rng.choice(("50", "197", "16", "29")), amount_cents=charge
            )
        )
    else:
        contractual = charge * rng.randrange(0, 40) // 100
        if contractual:
            adjustments.append(Adjustment(group="CO", reason="45", amount_cents=contractual))
        left = charge - contractual
        copay = min(left, rng.choice((0, 0, 1_000, 2_500)))
        if copay:
            adjustments.append(Adjustment(group="PR", reason="3", amount_cents=copay))
        coins = (left - copay) * rng.choice((0, 0, 10, 20)) // 100
        if coins:
            adjustments.append(Adjustment(group="PR", reason="2", amount_cents=coins))
    paid = charge - sum(a.amount_cents for a in adjustments)
    mods = line.modifiers
    return RemitLine(
        procedure_code=line.procedure_code,
        modifiers=mods,
        charge_cents=charge,
        paid_cents=paid,
        revenue_code=line.revenue_code,
        units=str(line.units),
        service_date=line.service_date,
        allowed_cents=paid + sum(a.amount_cents for a in adjustments if a.group == "PR"),
        adjustments=tuple(adjustments),
        remarks=("N130",) if outcome == "denied" and rng.random() < 0.5 else (),
    )


def _negate(adjustments: tuple[Adjustment, ...]) -> tuple[Adjustment, ...]:
    return tuple(
        Adjustment(
            group=a.group, reason=a.reason, amount_cents=-a.amount_cents, quantity=a.quantity
        )
        for a in adjustments
    )


def random_claim_payment(rng: random.Random, claim: Claim837) -> ClaimPayment:
    """Adjudicate one claim: paid, partly paid, denied, without lines, or reversed."""
    outcome = rng.choices(("paid", "denied", "claim_level", "reversal"), (70, 15, 8, 7))[0]
    lines = tuple(_adjudicate_line(rng, x, outcome) for x in claim.lines)
    charge = claim.total_charge_cents
    claim_adj: tuple[Adjustment, ...] = ()
    if outcome == "claim_level":  # no SVC loops: the adjustment sits on the claim
        cut = charge * rng.randrange(10, 50) // 100
        claim_adj = (Adjustment(group="CO", reason="45", amount_cents=cut),)
        lines = ()
    paid = (
        charge
        - sum(a.amount_cents for a in claim_adj)
        - sum(a.amount_cents for x in lines for a in x.adjustments)
    )
    pr = sum(a.amount_cents for x in lines for a in x.adjustments if a.group == "PR")
    status = "4" if outcome == "denied" else "1"
    if outcome == "reversal":
        status, charge, paid, pr = "22", -charge, -paid, -pr
        lines = tuple(
            RemitLine(
                procedure_code=x.procedure_code,
                modifiers=x.modifiers,
                charge_cents=-x.charge_cents,
                paid_cents=-x.paid_cents,
                revenue_code=x.revenue_code,
                units=x.units,
                service_date=x.service_date,
                adjustments=_negate(x.adjustments),
            )
            for x in lines
        )
    subscriber = claim.subscriber
    who = claim.patient or subscriber.person
    start, end = claim.service_period
    return ClaimPayment(
        patient_control_number=claim.patient_control_number,
        status=status,
        charge_cents=charge,
        paid_cents=paid,
        patient_responsibility_cents=pr,
        filing_indicator="MC" if subscriber.claim_filing_indicator == "MC" else "12",
        payer_claim_number=f"{rng.randrange(10**13):013d}",
        facility_type=claim.place_of_service
        if claim.form is ClaimForm.PROFESSIONAL
        else claim.facility_type,
        frequency_code="1",
        patient_last_name=who.last_name,
        patient_first_name=who.first_name,
        member_id=subscriber.member_id,
        statement_from=start,
        statement_to=end,
        adjustments=claim_adj,
        lines=lines,
    )


def random_remittance(
    rng: random.Random, claims: tuple[Claim837, ...] | list[Claim837], *, control_number: int = 1
) -> Remittance:
    """A balanced 835 transaction paying ``claims``, sometimes with provider adjustments."""
    payments = tuple(random_claim_payment(rng, c) for c in claims)
    total = sum(p.paid_cents for p in payments)
    plbs: list[ProviderAdjustment] = []
    payee_npi = random_npi(rng)
    if rng.random() < 0.3:
        plbs.append(
            ProviderAdjustment(
                provider_id=payee_npi,
                fiscal_period_end=dt.date(2025, 12, 31),
                reason="L6",
                amount_cents=-rng.randrange(1, 500),
            )
        )
    if total > 10_000 and rng.random() < 0.3:
        plbs.append(
            ProviderAdjustment(
                provider_id=payee_npi,
                fiscal_period_end=dt.date(2025, 12, 31),
                reason="WO",
                reference=f"PCN{rng.randrange(10**7):07d}",
                amount_cents=rng.randrange(1, 5_000),
            )
        )
    payer_name, payer_id = rng.choice(_PAYERS)
    return Remittance(
        control_number=f"{control_number:04d}",
        trace_number=f"{rng.randrange(10**10):010d}",
        payer_tin=f"{rng.randrange(10**8, 10**9)}",
        payer_name=payer_name,
        payer_id=payer_id,
        payer_address=random_address(rng),
        payer_contact_phone="8005550199",
        payee_name="SUNRISE BEHAVIORAL HEALTH",
        payee_id=payee_npi,
        payment_date=dt.date(2025, 12, 1) + dt.timedelta(days=rng.randrange(60)),
        production_date=dt.date(2025, 11, 28),
        payment_method="CHK" if total - sum(p.amount_cents for p in plbs) > 0 else "NON",
        handling="I" if total - sum(p.amount_cents for p in plbs) > 0 else "H",
        claims=payments,
        provider_adjustments=tuple(plbs),
    )


def random_ack_report(
    rng: random.Random, batch: Batch837, *, kind: str = "277CA", control_number: int = 1
) -> ClaimStatusReport:
    """What a payer answers to ``batch``: a 277CA (accept/reject) or a 277 (claim status)."""
    ca = kind == "277CA"
    when = batch.created.date() + dt.timedelta(days=1)
    claims = []
    for c in batch.claims:
        if ca:
            rejected = rng.random() < 0.2
            status = StatusInfo(
                category="A3" if rejected else "A2",
                code=rng.choice(("21", "562", "145")) if rejected else "20",
                entity="85" if rejected and rng.random() < 0.5 else "",
                effective_date=when,
                action="U" if rejected else "WQ",
                amount_cents=c.total_charge_cents,
            )
        else:
            paid = rng.random() < 0.6
            status = StatusInfo(
                category="F1" if paid else "P1",
                code="65" if paid else "20",
                effective_date=when,
                amount_cents=c.total_charge_cents,
                paid_cents=c.total_charge_cents * rng.randrange(50, 90) // 100 if paid else 0,
            )
        start, end = c.service_period
        who = c.patient or c.subscriber.person
        claims.append(
            ClaimStatus(
                trace_number=c.patient_control_number if ca else f"T{rng.randrange(10**9):09d}",
                patient_control_number=c.patient_control_number,
                statuses=(status,),
                last_name=who.last_name,
                first_name=who.first_name,
                member_id=c.subscriber.member_id,
                payer_claim_number=f"{rng.randrange(10**12):012d}"
                if status.category != "A3"
                else "",
                service_from=start,
                service_to=end,
            )
        )
    total = sum(c.total_charge_cents for c in batch.claims)
    payer = batch.claims[0].payer
    return ClaimStatusReport(
        kind=kind,
        control_number=f"{control_number:04d}",
        reference=f"R{rng.randrange(10**8):08d}",
        created=dt.datetime.combine(when, dt.time(6, 15)),
        payer_name=payer.name,
        payer_id=payer.payer_id,
        receiver_name=batch.submitter.name,
        receiver_id=batch.submitter.id,
        trace_number=f"T{rng.randrange(10**8):08d}" if ca else "",
        received_date=batch.created.date() if ca else None,
        process_date=when if ca else None,
        batch_reference=batch.reference if ca else "",
        batch_statuses=(
            StatusInfo(
                category="A1",
                code="19",
                entity="PR",
                effective_date=when,
                action="WQ",
                amount_cents=total,
            ),
        )
        if ca
        else (),
        providers=(
            ProviderStatus(
                name=batch.billing_provider.name,
                id=batch.billing_provider.npi,
                statuses=(
                    StatusInfo(
                        category="A1",
                        code="19",
                        action="WQ",
                        amount_cents=total,
                    ),
                )
                if ca
                else (),
                claims=tuple(claims),
            ),
        ),
    )


def _member(rng: random.Random, *, born_after: int) -> Member:
    known = rng.random() < 0.8
    return Member(
        last_name=rng.choice(_LAST),
        first_name=rng.choice(_FIRST),
        birth_date=dt.date(
            rng.randrange(born_after, 2010), rng.randrange(1, 13), rng.randrange(1, 29)
        )
        if known
        else None,
        gender=rng.choice("MF") if known else "",
    )


def random_eligibility_request(
    rng: random.Random, count: int, *, control_number: int = 1
) -> EligibilityRequest:
    """A 270 asking about ``count`` members (some of them dependents)."""
    day = dt.date(2025, 11, 1) + dt.timedelta(days=rng.randrange(60))
    queries = tuple(
        EligibilityQuery(
            trace_number=f"E{rng.randrange(10**9):09d}",
            member_id=f"M{rng.randrange(10**9):09d}",
            subscriber=_member(rng, born_after=1950),
            dependent=_member(rng, born_after=2008) if rng.random() < 0.3 else None,
            service_date=day,
            service_types=rng.choice((("30",), ("MH",), ("30", "MH", "A8"), ("AI", "A6"))),
        )
        for _ in range(count)
    )
    payer_name, payer_id = rng.choice(_PAYERS)
    return EligibilityRequest(
        control_number=f"{control_number:04d}",
        reference=f"Q{rng.randrange(10**8):08d}",
        created=dt.datetime.combine(day, dt.time(7, 45)),
        payer_name=payer_name,
        payer_id=payer_id,
        provider_name="SUNRISE BEHAVIORAL HEALTH",
        provider_npi=random_npi(rng),
        queries=queries,
    )


def random_eligibility_response(
    rng: random.Random, request: EligibilityRequest, *, control_number: int = 1
) -> EligibilityResponse:
    """What a payer answers to ``request``: active with MH benefits, inactive, or not found."""
    results = []
    for q in request.queries:
        outcome = rng.choices(("active", "inactive", "not_found"), (75, 15, 10))[0]
        benefits: tuple[Benefit, ...] = ()
        rejections: tuple[Rejection, ...] = ()
        begin = end = None
        if outcome == "active":
            begin = dt.date(q.service_date.year, 1, 1)
            end = dt.date(q.service_date.year, 12, 31)
            benefits = (
                Benefit(
                    code="1",
                    service_types=("30",),
                    coverage_level="IND",
                    insurance_type="HM",
                    plan_description="GOLD PLAN",
                ),
                Benefit(code="1", service_types=("MH", "A8", "AI")),
                Benefit(
                    code="B",
                    service_types=("A8",),
                    time_period="27",
                    amount_cents=rng.choice((0, 2_000, 3_500)),
                    in_network="Y",
                ),
                Benefit(
                    code="A",
                    service_types=("MH",),
                    percent=rng.choice(("0", "0.1", "0.2")),
                    in_network="Y",
                    authorization_required=rng.choice(("Y", "N")),
                ),
                Benefit(
                    code="F",
                    service_types=("A8",),
                    quantity_qualifier="VS",
                    quantity=str(rng.choice((20, 30, 60))),
                    time_period="23",
                    messages=("IOP REQUIRES PRIOR AUTHORIZATION",),
                ),
            )
        elif outcome == "inactive":
            benefits = (Benefit(code="6", service_types=("30",)),)
        else:
            rejections = (Rejection(reason="75", follow_up="C"),)
        results.append(
            EligibilityResult(
                trace_number=q.trace_number,
                member_id=q.member_id,
                subscriber=q.subscriber,
                dependent=q.dependent,
                group_number=f"G{rng.randrange(10**5):05d}" if outcome == "active" else "",
                plan_begin=begin,
                plan_end=end,
                benefits=benefits,
                rejections=rejections,
            )
        )
    return EligibilityResponse(
        control_number=f"{control_number:04d}",
        reference=request.reference,
        created=request.created + dt.timedelta(minutes=1),
        payer_name=request.payer_name,
        payer_id=request.payer_id,
        provider_name=request.provider_name,
        provider_npi=request.provider_npi,
        results=tuple(results),
    )


def random_status_request(
    rng: random.Random, batch: Batch837, *, control_number: int = 1
) -> ClaimStatusRequest:
    """A 276 asking about every claim of ``batch``."""
    queries = []
    for c in batch.claims:
        start, end = c.service_period
        subscriber = c.subscriber.person
        dep = c.patient
        queries.append(
            StatusQuery(
                trace_number=f"S{rng.randrange(10**9):09d}",
                patient_control_number=c.patient_control_number,
                member_id=c.subscriber.member_id,
                subscriber=Member(  # X212 sends the subscriber's DMG only for the patient
                    last_name=subscriber.last_name,
                    first_name=subscriber.first_name,
                    birth_date=None if dep else subscriber.birth_date,
                    gender="" if dep else subscriber.gender,
                ),
                dependent=Member(
                    last_name=dep.last_name,
                    first_name=dep.first_name,
                    birth_date=dep.birth_date,
                    gender=dep.gender,
                )
                if dep
                else None,
                charge_cents=c.total_charge_cents,
                service_from=start,
                service_to=end,
                bill_type="" if c.form is ClaimForm.PROFESSIONAL else c.type_of_bill,
            )
        )
    payer = batch.claims[0].payer
    return ClaimStatusRequest(
        control_number=f"{control_number:04d}",
        reference=f"S{rng.randrange(10**8):08d}",
        created=batch.created + dt.timedelta(days=30),
        payer_name=payer.name,
        payer_id=payer.payer_id,
        submitter_name=batch.submitter.name,
        submitter_id=batch.submitter.id,
        provider_name=batch.billing_provider.name,
        provider_npi=batch.billing_provider.npi,
        queries=tuple(queries),
    )
