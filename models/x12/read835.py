"""835 reader: one pass over the segments, balancing checked before anything is returned."""

from __future__ import annotations

import datetime as dt

from .claim837 import Address
from .document import Document, read_with
from .envelope import RawTransaction
from .remit835 import (
    CAS_GROUPS,
    CLAIM_STATUSES,
    PROCEDURE_QUALIFIERS,
    Adjustment,
    ClaimPayment,
    ProviderAdjustment,
    RemitLine,
    Remittance,
)
from .values import format_cents, parse_cents, parse_date

__all__ = ["parse_835", "read_835"]

_KNOWN = frozenset(
    (
        "BPR", "TRN", "CUR", "REF", "DTM", "N1", "N2", "N3", "N4", "PER", "RDM", "LX", "TS3",
        "TS2", "CLP", "CAS", "NM1", "MIA", "MOA", "AMT", "QTY", "SVC", "LQ", "PLB",
    )
)  # fmt: skip


def read_835(text: str, file: str | None = None) -> Document[Remittance]:
    """Read every 835 in ``text``; raise X12Error if anything is malformed or unbalanced."""
    return read_with(text, file, "835", lambda raw: raw.set_id == "835", parse_835)


class _Line:
    __slots__ = ("adj", "allowed", "ctl", "d150", "d151", "d472", "first", "idx", "remarks", "seg")

    def __init__(self, seg: list[str], idx: int) -> None:
        self.seg = seg
        self.idx = idx
        self.adj: list[Adjustment] = []
        self.remarks: list[str] = []
        self.d472: dt.date | None = None
        self.d150: dt.date | None = None
        self.d151: dt.date | None = None
        self.ctl = ""
        self.allowed: int | None = None


class _Claim:
    __slots__ = ("adj", "d232", "d233", "first", "idx", "last", "lines", "member", "seg")

    def __init__(self, seg: list[str], idx: int) -> None:
        self.seg = seg
        self.idx = idx
        self.adj: list[Adjustment] = []
        self.lines: list[RemitLine] = []
        self.last = ""
        self.first = ""
        self.member = ""
        self.d232: dt.date | None = None
        self.d233: dt.date | None = None


def parse_835(raw: RawTransaction) -> Remittance:
    segs = raw.segments
    comp = raw.delimiters.component
    err = raw.error
    idx = 0

    def money(seg: list[str], pos: int, *, required: bool = True) -> int:
        value = seg[pos] if pos < len(seg) else ""
        if value == "":
            if required:
                raise err(f"{seg[0]}{pos:02d} amount is missing", idx, pos)
            return 0
        try:
            return parse_cents(value)
        except ValueError as exc:
            raise err(str(exc), idx, pos) from None

    def date(seg: list[str], pos: int) -> dt.date:
        try:
            return parse_date(seg[pos] if pos < len(seg) else "")
        except ValueError as exc:
            raise err(str(exc), idx, pos) from None

    bpr: list[str] | None = None
    trn: list[str] | None = None
    payer_name = payee_name = payee_id = payee_q = payer_id = phone = ""
    payer_addr: Address | None = None
    production: dt.date | None = None
    area = "header"
    n3: list[str] | None = None
    claims: list[ClaimPayment] = []
    plbs: list[ProviderAdjustment] = []
    claim: _Claim | None = None
    line: _Line | None = None

    def close_line() -> None:
        nonlocal line
        if line is None or claim is None:
            return
        s = line.seg
        proc = s[1].split(comp)
        if len(proc) < 2 or proc[0] not in PROCEDURE_QUALIFIERS or not proc[1]:
            raise err(
                f"SVC01 {s[1]!r} is not a procedure composite (qualifier{comp}code) with "
                f"component separator {comp!r}",
                line.idx,
                1,
            )
        charge = money(s, 2)
        paid = money(s, 3)
        adj_total = sum(a.amount_cents for a in line.adj)
        if charge - adj_total != paid:
            raise err(
                f"line does not balance: charge {format_cents(charge)} - adjustments "
                f"{format_cents(adj_total)} != paid {format_cents(paid)}",
                line.idx,
                3,
            )
        claim.lines.append(
            RemitLine(
                qualifier=proc[0],
                procedure_code=proc[1],
                modifiers=tuple(m for m in proc[2:6] if m),
                charge_cents=charge,
                paid_cents=paid,
                revenue_code=s[4] if len(s) > 4 else "",
                units=s[5] if len(s) > 5 else "",
                service_date=line.d472,
                service_start=line.d150,
                service_end=line.d151,
                control_number=line.ctl,
                allowed_cents=line.allowed,
                adjustments=tuple(line.adj),
                remarks=tuple(line.remarks),
            )
        )
        line = None

    def close_claim() -> None:
        nonlocal claim
        close_line()
        if claim is None:
            return
        s = claim.seg
        if len(s) < 5 or not s[1]:
            raise err("CLP needs a patient control number, status, charge and payment", claim.idx)
        if s[2] not in CLAIM_STATUSES:
            raise err(f"CLP02 {s[2]!r} is not a claim status code", claim.idx, 2)
        charge = money(s, 3)
        paid = money(s, 4)
        total = sum(a.amount_cents for a in claim.adj) + sum(
            a.amount_cents for ln in claim.lines for a in ln.adjustments
        )
        if charge - total != paid:
            raise err(
                f"claim {s[1]} does not balance: charge {format_cents(charge)} - adjustments "
                f"{format_cents(total)} != paid {format_cents(paid)}",
                claim.idx,
                4,
            )
        n = len(s)
        claims.append(
            ClaimPayment(
                patient_control_number=s[1],
                status=s[2],
                charge_cents=charge,
                paid_cents=paid,
                patient_responsibility_cents=money(s, 5, required=False),
                filing_indicator=s[6] if n > 6 else "",
                payer_claim_number=s[7] if n > 7 else "",
                facility_type=s[8] if n > 8 else "",
                frequency_code=s[9] if n > 9 else "",
                patient_last_name=claim.last,
                patient_first_name=claim.first,
                member_id=claim.member,
                statement_from=claim.d232,
                statement_to=claim.d233,
                adjustments=tuple(claim.adj),
                lines=tuple(claim.lines),
            )
        )
        claim = None

    last = len(segs) - 1
    for idx in range(1, last):
        seg = segs[idx]
        sid = seg[0]
        if sid == "CAS":
            if line is None and claim is None:
                raise err("CAS outside a claim", idx)
            group = seg[1] if len(seg) > 1 else ""
            if group not in CAS_GROUPS:
                raise err(f"CAS01 {group!r} is not CO, PR, OA, PI or CR", idx, 1)
            target = line.adj if line is not None else claim.adj  # type: ignore[union-attr]
            n = len(seg)
            if n < 4 or n > 20:
                raise err("CAS needs 1..6 reason/amount pairs", idx)
            for k in range(2, n, 3):
                reason = seg[k]
                amount = seg[k + 1] if k + 1 < n else ""
                if not reason and not amount and (k + 2 >= n or not seg[k + 2]):
                    continue
                if not reason or not amount:
                    raise err(
                        "CAS reason code and amount come in pairs", idx, k if not reason else k + 1
                    )
                try:
                    cents = parse_cents(amount)
                except ValueError as exc:
                    raise err(str(exc), idx, k + 1) from None
                target.append(
                    Adjustment(
                        group=group,
                        reason=reason,
                        amount_cents=cents,
                        quantity=seg[k + 2] if k + 2 < n else "",
                    )
                )
        elif sid == "SVC":
            if claim is None:
                raise err("SVC outside a claim", idx)
            close_line()
            if len(seg) < 4:
                raise err("SVC needs a procedure, charge and payment", idx)
            line = _Line(seg, idx)
        elif sid == "DTM":
            q = seg[1] if len(seg) > 1 else ""
            if line is not None and q in ("472", "150", "151"):
                d = date(seg, 2)
                if q == "472":
                    line.d472 = d
                elif q == "150":
                    line.d150 = d
                else:
                    line.d151 = d
            elif claim is not None and line is None and q in ("232", "233"):
                if q == "232":
                    claim.d232 = date(seg, 2)
                else:
                    claim.d233 = date(seg, 2)
            elif area == "header" and q == "405":
                production = date(seg, 2)
        elif sid == "CLP":
            close_claim()
            if bpr is None or not payee_name:
                raise err("CLP before the BPR and payee (N1*PE)", idx)
            claim = _Claim(seg, idx)
            area = "claims"
        elif sid == "NM1":
            if claim is not None and line is None and len(seg) > 1 and seg[1] == "QC":
                n = len(seg)
                claim.last = seg[3] if n > 3 else ""
                claim.first = seg[4] if n > 4 else ""
                claim.member = seg[9] if n > 9 else ""
        elif sid == "REF":
            if line is not None and len(seg) > 2 and seg[1] == "6R":
                line.ctl = seg[2]
            elif area == "payer" and len(seg) > 2 and seg[1] == "2U":
                payer_id = seg[2]
        elif sid == "AMT":
            if line is not None and len(seg) > 2 and seg[1] == "B6":
                line.allowed = money(seg, 2)
        elif sid == "LQ":
            if line is not None and len(seg) > 2 and seg[1] == "HE":
                line.remarks.append(seg[2])
        elif sid == "PLB":
            close_claim()
            area = "trailer"
            n = len(seg)
            if n < 5 or n % 2 == 0:
                raise err("PLB needs a provider, date and adjustment pairs", idx)
            for k in range(3, n, 2):
                parts = seg[k].split(comp)
                if not parts[0]:
                    raise err("PLB adjustment reason is missing", idx, k)
                plbs.append(
                    ProviderAdjustment(
                        provider_id=seg[1],
                        fiscal_period_end=date(seg, 2),
                        reason=parts[0],
                        reference=parts[1] if len(parts) > 1 else "",
                        amount_cents=money(seg, k + 1),
                    )
                )
        elif sid == "N1":
            q = seg[1] if len(seg) > 1 else ""
            if area not in ("header", "payer", "payee"):
                raise err("N1 after the claims", idx)
            if q == "PR":
                area, payer_name = "payer", seg[2] if len(seg) > 2 else ""
            elif q == "PE":
                area = "payee"
                payee_name = seg[2] if len(seg) > 2 else ""
                payee_q = seg[3] if len(seg) > 3 else ""
                payee_id = seg[4] if len(seg) > 4 else ""
                if not payee_name:
                    raise err("payee name (N102) is missing", idx, 2)
        elif sid == "N3":
            n3 = seg
        elif sid == "N4":
            if area == "payer" and n3 is not None and len(seg) > 3:
                payer_addr = Address(
                    line1=n3[1] if len(n3) > 1 else "",
                    line2=n3[2] if len(n3) > 2 else "",
                    city=seg[1],
                    state=seg[2],
                    postal_code=seg[3],
                )
        elif sid == "PER":
            if area == "payer" and len(seg) > 4 and seg[1] == "BL" and seg[3] == "TE":
                phone = seg[4]
        elif sid == "BPR":
            if bpr is not None or idx != 1:
                raise err("BPR must be the first segment after ST, once", idx)
            if len(seg) < 5:
                raise err("BPR needs handling, amount, credit/debit flag and payment method", idx)
            bpr = seg
        elif sid == "TRN":
            if area == "header":
                trn = seg
        elif sid not in _KNOWN:
            raise err(f"segment {sid} does not belong in an 835", idx)
    idx = last
    close_claim()
    if bpr is None or trn is None or len(trn) < 4:
        raise err("an 835 needs BPR and TRN (with TRN03)", 1)
    if not payer_name or not payee_name:
        raise err("an 835 needs the payer (N1*PR) and payee (N1*PE)", 1)
    idx = 1
    bpr_total = money(bpr, 2)
    if bpr[3] not in ("C", "D"):
        raise err(f"BPR03 {bpr[3]!r} must be C or D", 1, 3)
    if bpr[3] == "D":
        bpr_total = -bpr_total
    payment_date = date(bpr, 16) if len(bpr) > 16 and bpr[16] else None
    tin = trn[3]
    result = Remittance(
        control_number=raw.control_number,
        trace_number=trn[2],
        payer_tin=tin[1:] if tin[:1] == "1" and len(tin) == 10 else tin,
        payer_name=payer_name,
        payee_name=payee_name,
        payee_id=payee_id,
        payee_id_qualifier=payee_q,
        payment_date=payment_date,
        handling=bpr[1],
        payment_method=bpr[4],
        payer_id=payer_id,
        payer_address=payer_addr,
        payer_contact_phone=phone,
        production_date=production,
        claims=tuple(claims),
        provider_adjustments=tuple(plbs),
    )
    if result.paid_total_cents != bpr_total:
        raise err(
            f"transaction does not balance: BPR02 {format_cents(bpr_total)} != sum of CLP04 "
            f"{format_cents(sum(c.paid_cents for c in claims))} - sum of PLB "
            f"{format_cents(sum(p.amount_cents for p in plbs))}",
            1,
            2,
        )
    return result
