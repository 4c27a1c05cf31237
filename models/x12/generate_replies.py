"""Deterministic random payer-side documents: remittances, 277CA/277, 270/271 and 276.

Re-exported by ``models.x12.generate``; everything comes from the caller's
``random.Random``.
"""

from __future__ import annotations

import datetime as dt
import random

from .claim837 import Batch837, Claim837, ClaimForm, ServiceLine
from .eligibility import (
    Benefit,
    EligibilityQuery,
    EligibilityRequest,
    EligibilityResponse,
    EligibilityResult,
    Member,
    Rejection,
)
from .generate import _FIRST, _LAST, _PAYERS, random_address, random_npi
from .remit835 import Adjustment, ClaimPayment, ProviderAdjustment, RemitLine, Remittance
from .status276 import ClaimStatusRequest, StatusQuery
from .status277 import ClaimStatus, ClaimStatusReport, ProviderStatus, StatusInfo

__all__ = [
    "random_ack_report",
    "random_claim_payment",
    "random_eligibility_request",
    "random_eligibility_response",
    "random_remittance",
    "random_status_request",
]


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
