"""835 health care claim payment/advice (005010X221A1): objects, writer and balancing reader.

Balancing is checked on read and on write, at three levels:

* line: SVC02 (charge) - sum of the line's CAS amounts = SVC03 (paid)
* claim: CLP03 (charge) - sum of claim and line CAS = CLP04 (paid); reversals
  (CLP02 = 22) carry negative amounts and balance the same way
* transaction: BPR02 = sum of CLP04 - sum of PLB amounts
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .claim837 import Address
from .envelope import Envelope, write_interchange
from .errors import X12Error
from .segments import build, clean
from .values import format_cents, format_date

__all__ = [
    "VERSION_835",
    "Adjustment",
    "ClaimPayment",
    "ProviderAdjustment",
    "RemitLine",
    "Remittance",
    "write_835",
]

VERSION_835 = "005010X221A1"
CAS_GROUPS = frozenset(("CO", "PR", "OA", "PI", "CR"))
CLAIM_STATUSES = frozenset(("1", "2", "3", "4", "19", "20", "21", "22", "23", "25"))
PROCEDURE_QUALIFIERS = frozenset(("HC", "AD", "ER", "HP", "IV", "N4", "N6", "NU", "UI", "WK"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Adjustment:
    group: str  # CO, PR, OA, PI, CR
    reason: str  # CARC
    amount_cents: int
    quantity: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RemitLine:
    procedure_code: str
    charge_cents: int
    paid_cents: int
    qualifier: str = "HC"
    modifiers: tuple[str, ...] = ()
    revenue_code: str = ""  # SVC04
    units: str = "1"  # SVC05 as sent
    service_date: dt.date | None = None  # DTM*472
    service_start: dt.date | None = None  # DTM*150
    service_end: dt.date | None = None  # DTM*151
    control_number: str = ""  # REF*6R: our line item control number
    allowed_cents: int | None = None  # AMT*B6
    adjustments: tuple[Adjustment, ...] = ()
    remarks: tuple[str, ...] = ()  # LQ*HE remark codes

    @property
    def adjustment_total_cents(self) -> int:
        return sum(a.amount_cents for a in self.adjustments)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimPayment:
    patient_control_number: str
    status: str  # CLP02: 1 primary, 2 secondary, 3 tertiary, 4 denied, 22 reversal, ...
    charge_cents: int
    paid_cents: int
    patient_responsibility_cents: int = 0
    filing_indicator: str = "CI"  # CLP06
    payer_claim_number: str = ""  # CLP07
    facility_type: str = ""  # CLP08
    frequency_code: str = ""  # CLP09
    patient_last_name: str = ""
    patient_first_name: str = ""
    member_id: str = ""
    statement_from: dt.date | None = None  # DTM*232
    statement_to: dt.date | None = None  # DTM*233
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    lines: tuple[RemitLine, ...] = ()

    @property
    def is_reversal(self) -> bool:
        return self.status == "22"

    @property
    def adjustment_total_cents(self) -> int:
        return sum(a.amount_cents for a in self.adjustments) + sum(
            line.adjustment_total_cents for line in self.lines
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderAdjustment:
    provider_id: str  # PLB01
    fiscal_period_end: dt.date  # PLB02
    reason: str  # PLB03-1, e.g. WO overpayment recovery, L6 interest, CS
    amount_cents: int  # positive reduces the payment
    reference: str = ""  # PLB03-2


@dataclass(frozen=True, slots=True, kw_only=True)
class Remittance:
    control_number: str  # ST02
    trace_number: str  # TRN02: check or EFT trace number
    payer_tin: str  # TRN03 without the leading '1'
    payer_name: str
    payee_name: str
    payee_id: str  # N104: NPI when payee_id_qualifier is XX
    payment_date: dt.date | None = None  # BPR16
    handling: str = "I"  # BPR01: I remittance with payment, H notification only
    payment_method: str = "CHK"  # BPR04: CHK, ACH, NON, ...
    payer_id: str = ""  # REF*2U
    payer_address: Address | None = None
    payer_contact_phone: str = ""  # PER*BL
    payee_id_qualifier: str = "XX"
    production_date: dt.date | None = None  # DTM*405
    claims: tuple[ClaimPayment, ...] = ()
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()

    @property
    def paid_total_cents(self) -> int:
        """BPR02: what the payer pays: the claims' payments less provider adjustments."""
        return sum(c.paid_cents for c in self.claims) - sum(
            p.amount_cents for p in self.provider_adjustments
        )


# --------------------------------------------------------------------------- writing


def _check_balanced(r: Remittance) -> None:
    for c in r.claims:
        for line in c.lines:
            if line.charge_cents - line.adjustment_total_cents != line.paid_cents:
                raise X12Error(
                    f"claim {c.patient_control_number}: line {line.procedure_code} charge "
                    f"{format_cents(line.charge_cents)} - adjustments "
                    f"{format_cents(line.adjustment_total_cents)} "
                    f"!= paid {format_cents(line.paid_cents)}"
                )
        if c.charge_cents - c.adjustment_total_cents != c.paid_cents:
            raise X12Error(
                f"claim {c.patient_control_number}: charge {format_cents(c.charge_cents)} "
                "- adjustments "
                f"{format_cents(c.adjustment_total_cents)} != paid {format_cents(c.paid_cents)}"
            )


def _cas(segs: list[str], adjustments: Sequence[Adjustment]) -> None:
    by_group: dict[str, list[Adjustment]] = {}
    for a in adjustments:
        if a.group not in CAS_GROUPS:
            raise X12Error(f"adjustment group {a.group!r} is not CO, PR, OA, PI or CR")
        by_group.setdefault(a.group, []).append(a)
    for group, items in by_group.items():
        for k in range(0, len(items), 6):
            elements = [group]
            for a in items[k : k + 6]:
                elements += [clean(a.reason, "reason"), format_cents(a.amount_cents), a.quantity]
            segs.append(build("CAS", *elements))


def _transaction(r: Remittance) -> list[str]:
    _check_balanced(r)
    date = format_date(r.payment_date) if r.payment_date else ""
    segs = [
        f"ST*835*{r.control_number}",
        build(
            "BPR",
            r.handling,
            format_cents(r.paid_total_cents),
            "C",
            r.payment_method,
            *([""] * 11),
            date,
        ),
        f"TRN*1*{clean(r.trace_number, 'trace number')}*1{clean(r.payer_tin, 'payer tin')}",
    ]
    if r.production_date:
        segs.append(f"DTM*405*{format_date(r.production_date)}")
    segs.append(f"N1*PR*{clean(r.payer_name, 'payer name')}")
    if r.payer_address is not None:
        a = r.payer_address
        segs.append(build("N3", clean(a.line1, "address"), clean(a.line2, "address")))
        segs.append(build("N4", clean(a.city, "city"), a.state, a.postal_code))
    if r.payer_id:
        segs.append(f"REF*2U*{clean(r.payer_id, 'payer id')}")
    if r.payer_contact_phone:
        segs.append(f"PER*BL**TE*{clean(r.payer_contact_phone, 'phone')}")
    segs.append(
        f"N1*PE*{clean(r.payee_name, 'payee name')}*{r.payee_id_qualifier}*"
        + clean(r.payee_id, "payee id")
    )
    if r.claims:
        segs.append("LX*1")
    for c in r.claims:
        if c.status not in CLAIM_STATUSES:
            raise X12Error(
                f"claim {c.patient_control_number}: status {c.status!r} is not a CLP02 code"
            )
        segs.append(
            build(
                "CLP",
                clean(c.patient_control_number, "patient control number"),
                c.status,
                format_cents(c.charge_cents),
                format_cents(c.paid_cents),
                format_cents(c.patient_responsibility_cents)
                if c.patient_responsibility_cents
                else "",
                c.filing_indicator,
                clean(c.payer_claim_number, "payer claim number"),
                c.facility_type,
                c.frequency_code,
            )
        )
        _cas(segs, c.adjustments)
        segs.append(
            build(
                "NM1",
                "QC",
                "1",
                clean(c.patient_last_name, "name"),
                clean(c.patient_first_name, "name"),
                "",
                "",
                "",
                "MI" if c.member_id else "",
                clean(c.member_id, "member id"),
            )
        )
        if c.statement_from:
            segs.append(f"DTM*232*{format_date(c.statement_from)}")
        if c.statement_to:
            segs.append(f"DTM*233*{format_date(c.statement_to)}")
        for line in c.lines:
            proc = ":".join(
                (line.qualifier, clean(line.procedure_code, "procedure"), *line.modifiers)
            )
            segs.append(
                build(
                    "SVC",
                    proc,
                    format_cents(line.charge_cents),
                    format_cents(line.paid_cents),
                    line.revenue_code,
                    line.units,
                )
            )
            if line.service_date:
                segs.append(f"DTM*472*{format_date(line.service_date)}")
            if line.service_start:
                segs.append(f"DTM*150*{format_date(line.service_start)}")
            if line.service_end:
                segs.append(f"DTM*151*{format_date(line.service_end)}")
            _cas(segs, line.adjustments)
            if line.control_number:
                segs.append(f"REF*6R*{clean(line.control_number, 'line control number')}")
            if line.allowed_cents is not None:
                segs.append(f"AMT*B6*{format_cents(line.allowed_cents)}")
            for remark in line.remarks:
                segs.append(f"LQ*HE*{clean(remark, 'remark')}")
    _plb(segs, r.provider_adjustments)
    segs.append(f"SE*{len(segs) + 1}*{r.control_number}")
    return segs


def _plb(segs: list[str], adjustments: Sequence[ProviderAdjustment]) -> None:
    """Consecutive adjustments of one provider and period share a PLB (up to 6 pairs)."""
    run: list[ProviderAdjustment] = []

    def flush() -> None:
        if run:
            p = run[0]
            pairs = []
            for a in run:
                ref = clean(a.reason, "reason")
                if a.reference:
                    ref += ":" + clean(a.reference, "reference")
                pairs.append(f"{ref}*{format_cents(a.amount_cents)}")
            segs.append(
                f"PLB*{clean(p.provider_id, 'provider id')}*{format_date(p.fiscal_period_end)}*"
                + "*".join(pairs)
            )
            run.clear()

    for a in adjustments:
        if run and (
            len(run) == 6
            or a.provider_id != run[0].provider_id
            or a.fiscal_period_end != run[0].fiscal_period_end
        ):
            flush()
        run.append(a)
    flush()


def write_835(
    envelope: Envelope, remittances: Sequence[Remittance], *, newlines: bool = True
) -> str:
    """One interchange with one 835 per remittance; refuses anything unbalanced."""
    if not remittances:
        raise X12Error("an 835 interchange needs at least one remittance")
    bodies = [_transaction(r) for r in remittances]
    return write_interchange(envelope, "HP", VERSION_835, bodies, newlines=newlines)
