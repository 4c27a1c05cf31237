"""What a simulated payer answers: pure decisions on ``models.x12`` objects.

The simulator (``simulator.py``) reads our files, calls these, writes the results and
stores them; everything here is deterministic for the given random generator.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import date, datetime

from models.domain.ruleset_schema import RuleSet
from models.x12 import (
    Adjustment,
    Batch837,
    Benefit,
    Claim837,
    ClaimPayment,
    ClaimStatus,
    ClaimStatusReport,
    EligibilityQuery,
    EligibilityResult,
    FunctionalAck,
    ProviderStatus,
    Rejection,
    RemitLine,
    StatusInfo,
    TransactionAck,
)

from .config import PayerIdentity, PayerPersonality

__all__ = [
    "Defect",
    "ack_report",
    "adjudicate",
    "eligibility_result",
    "front_end_defect",
    "functional_ack",
]

Defect = tuple[str, str, str]  # STC01: category, status code, entity


def functional_ack(group_control_number: int, batch: Batch837) -> FunctionalAck:
    """A 999 accepting the 837 transaction ``batch`` of group ``group_control_number``."""
    version = "005010X222A1" if batch.form.value == "837P" else "005010X223A2"
    return FunctionalAck(
        control_number="0001",
        functional_id="HC",
        group_control_number=group_control_number,
        status="A",
        included_count=1,
        received_count=1,
        accepted_count=1,
        version=version,
        transactions=(
            TransactionAck(
                set_id="837", control_number=batch.control_number, status="A", version=version
            ),
        ),
    )


def front_end_defect(claim: Claim837, who: PayerPersonality, attempt: int) -> Defect | None:
    """(category, status code, entity) of a front-end rejection, or None."""
    member = claim.subscriber.member_id
    if "REJ277" in member and attempt == 1:
        return ("A7", "164", "IL")  # entity's contract/member number: the subscriber id
    if not re.search(who.member_id_pattern, member):
        return ("A7", "164", "IL")
    if claim.subscriber.person.birth_date is None and claim.patient is None:
        return ("A7", "158", "IL")  # entity's date of birth
    return None


def ack_report(
    payer: PayerIdentity,
    batch: Batch837,
    rejection: Defect | None,
    payer_claim_number: str,
    now: datetime,
) -> ClaimStatusReport:
    claim = batch.claims[0]
    total = claim.total_charge_cents
    today = now.date()
    if rejection is None:
        status = StatusInfo(
            category="A2", code="20", effective_date=today, action="WQ", amount_cents=total
        )
    else:
        cat, code, entity = rejection
        status = StatusInfo(
            category=cat,
            code=code,
            entity=entity,
            effective_date=today,
            action="U",
            amount_cents=total,
        )
    start, end = claim.service_period
    who = claim.patient or claim.subscriber.person
    return ClaimStatusReport(
        kind="277CA",
        control_number="0001",
        reference=f"CA{batch.control_number}",
        created=now.replace(tzinfo=None, microsecond=0),
        payer_name=payer.name,
        payer_id=payer.payer_id,
        receiver_name=batch.submitter.name,
        receiver_id=batch.submitter.id,
        trace_number=f"T{batch.control_number}",
        received_date=today,
        process_date=today,
        batch_reference=batch.reference,
        batch_statuses=(
            StatusInfo(
                category="A1",
                code="19",
                entity="PR",
                effective_date=today,
                action="WQ",
                amount_cents=total,
            ),
        ),
        providers=(
            ProviderStatus(
                name=batch.billing_provider.name,
                id=batch.billing_provider.npi,
                statuses=(StatusInfo(category="A1", code="19", action="WQ", amount_cents=total),),
                claims=(
                    ClaimStatus(
                        trace_number=claim.patient_control_number,
                        patient_control_number=claim.patient_control_number,
                        statuses=(status,),
                        last_name=who.last_name,
                        first_name=who.first_name,
                        member_id=claim.subscriber.member_id,
                        payer_claim_number=payer_claim_number,
                        service_from=start,
                        service_to=end,
                    ),
                ),
            ),
        ),
    )


# DENY<code> for any other CARC (DENY170: credentialing, DENY109: not this payer's…); the
# three above have rules of their own (197 only without an authorization).
_DENY_ANY = re.compile(r"DENY(\d{1,3})(?!\d)")
_OWN_RULES = frozenset({"197", "50", "29"})


def _forced_carc(member: str) -> str:
    found = _DENY_ANY.search(member)
    return found.group(1) if found and found.group(1) not in _OWN_RULES else ""


def adjudicate(
    claim: Claim837,
    who: PayerPersonality,
    rules: RuleSet | None,
    rng: random.Random,
    payer_claim_number: str,
    *,
    overturn: bool = False,
    duplicate: bool = False,
) -> ClaimPayment:
    """The payer's verdict on one claim (see docs/workflows.md for the order of rules)."""
    member = claim.subscriber.member_id
    start, end = claim.service_period
    carc = ""
    if duplicate:
        carc = "18"  # an exact duplicate of a claim already adjudicated
    elif not overturn:
        if not claim.prior_authorization and (
            "DENY197" in member or (rules is not None and rules.prior_auth_required)
        ):
            carc = "197"
        elif "DENY50" in member:
            carc = "50"
        elif "DENY29" in member:
            carc = "29"
        elif forced := _forced_carc(member):
            carc = forced
        else:
            roll, acc = rng.random(), 0.0
            for code, rate in sorted(who.denial_mix.items()):
                acc += rate
                if roll < acc:
                    carc = code
                    break
    pr_kind = ""
    if "PRCOINS" in member:
        pr_kind = "2"
    elif not carc:
        roll, acc = rng.random(), 0.0
        for code, rate in sorted(who.patient_responsibility.items()):
            acc += rate
            if roll < acc:
                pr_kind = code
                break
    lines: list[RemitLine] = []
    deductible_left = who.deductible_cents
    copay_left = who.copay_cents
    for line in claim.lines:
        charge = line.charge_cents
        adjustments: list[Adjustment] = []
        remarks: tuple[str, ...] = ()
        allowed: int | None = None
        if carc:
            adjustments.append(Adjustment(group="CO", reason=carc, amount_cents=charge))
            remarks = {"16": ("MA130",), "197": ("N54",), "50": ("N115",)}.get(carc, ())
        else:
            fee = rules.contracted_cents(line.procedure_code) if rules else None
            allowed = min(charge, fee * line.units if fee is not None else charge * 60 // 100)
            if charge > allowed:
                adjustments.append(
                    Adjustment(group="CO", reason="45", amount_cents=charge - allowed)
                )
            pr = 0
            if pr_kind == "1" and deductible_left:
                pr = min(allowed, deductible_left)
                deductible_left -= pr
            elif pr_kind == "2":
                percent = who.coinsurance_percent or 20
                pr = allowed * percent // 100
            elif pr_kind == "3" and copay_left:
                pr = min(allowed, copay_left)
                copay_left -= pr
            if pr:
                adjustments.append(Adjustment(group="PR", reason=pr_kind, amount_cents=pr))
        paid = charge - sum(a.amount_cents for a in adjustments)
        lines.append(
            RemitLine(
                procedure_code=line.procedure_code,
                modifiers=line.modifiers,
                charge_cents=charge,
                paid_cents=paid,
                revenue_code=line.revenue_code,
                units=str(line.units),
                service_date=line.service_date,
                allowed_cents=allowed,
                adjustments=tuple(adjustments),
                remarks=remarks,
            )
        )
    paid = sum(x.paid_cents for x in lines)
    pr_total = sum(a.amount_cents for x in lines for a in x.adjustments if a.group == "PR")
    person = claim.patient or claim.subscriber.person
    return ClaimPayment(
        patient_control_number=claim.patient_control_number,
        status="4" if carc and not paid else "1",
        charge_cents=claim.total_charge_cents,
        paid_cents=paid,
        patient_responsibility_cents=pr_total,
        filing_indicator=claim.subscriber.claim_filing_indicator,
        payer_claim_number=payer_claim_number,
        facility_type=claim.facility_type if claim.form.value == "837I" else "",
        frequency_code=claim.frequency_code if claim.form.value == "837I" else "",
        patient_last_name=person.last_name,
        patient_first_name=person.first_name,
        member_id=claim.subscriber.member_id,
        statement_from=start,
        statement_to=end,
        lines=tuple(lines),
    )


def eligibility_result(
    q: EligibilityQuery, who: PayerPersonality, requires_auth: bool
) -> EligibilityResult:
    member = q.member_id
    base = EligibilityResult(
        trace_number=q.trace_number,
        member_id=member,
        subscriber=q.subscriber,
        dependent=q.dependent,
    )
    year = q.service_date.year
    if not re.search(who.member_id_pattern, member):
        return replace(base, rejections=(Rejection(reason="72", follow_up="C"),))
    if "AMBIG" in member:
        return replace(
            base,
            benefits=(
                Benefit(
                    code="V", service_types=("30",), messages=("MORE THAN ONE MEMBER MATCHES",)
                ),
            ),
        )
    if "INACT" in member or re.search(who.inactive_member_pattern, member):
        return replace(
            base,
            plan_begin=date(year - 1, 1, 1),
            plan_end=date(year - 1, 12, 31),
            benefits=(Benefit(code="6", coverage_level="IND", service_types=("30",)),),
        )
    benefits = [
        Benefit(code="1", coverage_level="IND", service_types=("30",)),
        Benefit(
            code="1",
            coverage_level="IND",
            service_types=("MH",),
            authorization_required="Y" if requires_auth else "N",
            in_network="Y",
        ),
    ]
    if who.coinsurance_percent:
        benefits.append(
            Benefit(code="A", service_types=("MH",), percent=f"{who.coinsurance_percent / 100:g}")
        )
    if who.deductible_cents:
        benefits.append(
            Benefit(
                code="C",
                coverage_level="IND",
                service_types=("30",),
                time_period="23",
                amount_cents=who.deductible_cents,
            )
        )
    if who.copay_cents:
        benefits.append(
            Benefit(code="B", service_types=("MH",), time_period="27", amount_cents=who.copay_cents)
        )
    return replace(
        base,
        plan_begin=date(year, 1, 1),
        plan_end=date(year, 12, 31),
        benefits=tuple(benefits),
    )
