"""835 reader: one pass over the segments, balancing checked before anything is returned.

Written for speed (a 20,000-claim ERA is ordinary): all state lives in local
variables of one loop, CAS totals are kept as running sums, and objects are built
once per claim and line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

from . import accel
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
from .values import _DATES, format_cents, parse_cents, parse_date

__all__ = ["parse_835", "read_835"]

_KNOWN = frozenset(
    (
        "BPR", "TRN", "CUR", "REF", "DTM", "N1", "N2", "N3", "N4", "PER", "RDM", "LX", "TS3",
        "TS2", "CLP", "CAS", "NM1", "MIA", "MOA", "AMT", "QTY", "SVC", "LQ", "PLB",
    )
)  # fmt: skip


# What the C twin of _claims needs: the result classes with their fields in the
# order it fills them, the parsers and their cache, and the code sets.
_ADJUSTMENT_FIELDS = ("group", "reason", "amount_cents", "quantity")
_LINE_FIELDS = (
    "procedure_code", "charge_cents", "paid_cents", "qualifier", "modifiers", "revenue_code",
    "units", "service_date", "service_start", "service_end", "control_number",
    "allowed_cents", "adjustments", "remarks",
)  # fmt: skip
_CLAIM_FIELDS = (
    "patient_control_number", "status", "charge_cents", "paid_cents",
    "patient_responsibility_cents", "filing_indicator", "payer_claim_number", "facility_type",
    "frequency_code", "patient_last_name", "patient_first_name", "member_id",
    "statement_from", "statement_to", "adjustments", "lines",
)  # fmt: skip


def _descriptors(cls: type, names: tuple[str, ...]) -> tuple[object, ...]:
    assert set(names) == {f.name for f in fields(cls)}, f"{cls.__name__}: the C twin fills all"
    return tuple(cls.__dict__[name] for name in names)


_SPEC = (
    Adjustment,
    RemitLine,
    ClaimPayment,
    _descriptors(Adjustment, _ADJUSTMENT_FIELDS),
    _descriptors(RemitLine, _LINE_FIELDS),
    _descriptors(ClaimPayment, _CLAIM_FIELDS),
    _DATES,
    parse_date,
    parse_cents,
    _KNOWN,
    CAS_GROUPS,
    CLAIM_STATUSES,
    PROCEDURE_QUALIFIERS,
)


def read_835(text: str, file: str | None = None) -> Document[Remittance]:
    """Read every 835 in ``text``; raise X12Error if anything is malformed or unbalanced."""
    return read_with(text, file, "835", lambda raw: raw.set_id == "835", parse_835)


def _money(raw: RawTransaction, seg: list[str], idx: int, pos: int) -> int:
    """Slow path with a located error; the loop tries parse_cents inline first."""
    value = seg[pos] if pos < len(seg) else ""
    if value == "":
        raise raw.error(f"{seg[0]}{pos:02d} amount is missing", idx, pos)
    try:
        return parse_cents(value)
    except ValueError as exc:
        raise raw.error(str(exc), idx, pos) from None


def _date(raw: RawTransaction, seg: list[str], idx: int, pos: int) -> dt.date:
    try:
        return parse_date(seg[pos] if pos < len(seg) else "")
    except ValueError as exc:
        raise raw.error(str(exc), idx, pos) from None


def _line(
    raw: RawTransaction,
    comp: str,
    seg: list[str],
    idx: int,
    adjustments: list[Adjustment],
    adj_total: int,
    remarks: list[str],
    d472: dt.date | None,
    d150: dt.date | None,
    d151: dt.date | None,
    ctl: str,
    allowed: int | None,
) -> RemitLine:
    proc = seg[1].split(comp)
    if len(proc) < 2 or proc[0] not in PROCEDURE_QUALIFIERS or not proc[1]:
        raise raw.error(
            f"SVC01 {seg[1]!r} is not a procedure composite (qualifier{comp}code) with "
            f"component separator {comp!r}",
            idx,
            1,
        )
    try:
        charge = parse_cents(seg[2])
    except ValueError:
        charge = _money(raw, seg, idx, 2)
    try:
        paid = parse_cents(seg[3])
    except ValueError:
        paid = _money(raw, seg, idx, 3)
    if charge - adj_total != paid:
        raise raw.error(
            f"line does not balance: charge {format_cents(charge)} - adjustments "
            f"{format_cents(adj_total)} != paid {format_cents(paid)}",
            idx,
            3,
        )
    n = len(seg)
    return RemitLine(
        qualifier=proc[0],
        procedure_code=proc[1],
        modifiers=_modifiers(proc),
        charge_cents=charge,
        paid_cents=paid,
        revenue_code=seg[4] if n > 4 else "",
        units=seg[5] if n > 5 else "",
        service_date=d472,
        service_start=d150,
        service_end=d151,
        control_number=ctl,
        allowed_cents=allowed,
        adjustments=tuple(adjustments),
        remarks=tuple(remarks),
    )


def _modifiers(proc: list[str]) -> tuple[str, ...]:
    if len(proc) < 3:
        return ()
    mods = proc[2:6]
    return tuple(mods) if "" not in mods else tuple(m for m in mods if m)


def _claim(
    raw: RawTransaction,
    seg: list[str],
    idx: int,
    adj_total: int,
    adjustments: list[Adjustment],
    lines: list[RemitLine],
    name: list[str] | None,
    d232: dt.date | None,
    d233: dt.date | None,
) -> ClaimPayment:
    n = len(seg)
    if n < 5 or not seg[1]:
        raise raw.error("CLP needs a patient control number, status, charge and payment", idx)
    if seg[2] not in CLAIM_STATUSES:
        raise raw.error(f"CLP02 {seg[2]!r} is not a claim status code", idx, 2)
    try:
        charge = parse_cents(seg[3])
    except ValueError:
        charge = _money(raw, seg, idx, 3)
    try:
        paid = parse_cents(seg[4])
    except ValueError:
        paid = _money(raw, seg, idx, 4)
    if charge - adj_total != paid:
        raise raw.error(
            f"claim {seg[1]} does not balance: charge {format_cents(charge)} - adjustments "
            f"{format_cents(adj_total)} != paid {format_cents(paid)}",
            idx,
            4,
        )
    pr = 0
    if n > 5 and seg[5]:
        try:
            pr = parse_cents(seg[5])
        except ValueError:
            pr = _money(raw, seg, idx, 5)
    nm: list[str] = name or []
    k = len(nm)
    return ClaimPayment(
        patient_control_number=seg[1],
        status=seg[2],
        charge_cents=charge,
        paid_cents=paid,
        patient_responsibility_cents=pr,
        filing_indicator=seg[6] if n > 6 else "",
        payer_claim_number=seg[7] if n > 7 else "",
        facility_type=seg[8] if n > 8 else "",
        frequency_code=seg[9] if n > 9 else "",
        patient_last_name=nm[3] if k > 3 else "",
        patient_first_name=nm[4] if k > 4 else "",
        member_id=nm[9] if k > 9 else "",
        statement_from=d232,
        statement_to=d233,
        adjustments=tuple(adjustments),
        lines=tuple(lines),
    )


def _cas(raw: RawTransaction, seg: list[str], idx: int, target: list[Adjustment]) -> int:
    """Append a CAS's adjustments to ``target``; return their total."""
    group = seg[1] if len(seg) > 1 else ""
    if group not in CAS_GROUPS:
        raise raw.error(f"CAS01 {group!r} is not CO, PR, OA, PI or CR", idx, 1)
    n = len(seg)
    if n < 4 or n > 20:
        raise raw.error("CAS needs 1..6 reason/amount pairs", idx)
    total = 0
    for k in range(2, n, 3):
        reason = seg[k]
        amount = seg[k + 1] if k + 1 < n else ""
        quantity = seg[k + 2] if k + 2 < n else ""
        if not reason and not amount and not quantity:
            continue
        if not reason or not amount:
            raise raw.error(
                "CAS reason code and amount come in pairs", idx, k if not reason else k + 1
            )
        try:
            cents = parse_cents(amount)
        except ValueError as exc:
            raise raw.error(str(exc), idx, k + 1) from None
        total += cents
        target.append(Adjustment(group=group, reason=reason, amount_cents=cents, quantity=quantity))
    return total


def _plb(
    raw: RawTransaction, comp: str, seg: list[str], idx: int, plbs: list[ProviderAdjustment]
) -> None:
    n = len(seg)
    if n < 5 or n % 2 == 0:
        raise raw.error("PLB needs a provider, date and adjustment pairs", idx)
    when = _date(raw, seg, idx, 2)
    for k in range(3, n, 2):
        parts = seg[k].split(comp)
        if not parts[0]:
            raise raw.error("PLB adjustment reason is missing", idx, k)
        plbs.append(
            ProviderAdjustment(
                provider_id=seg[1],
                fiscal_period_end=when,
                reason=parts[0],
                reference=parts[1] if len(parts) > 1 else "",
                amount_cents=_money(raw, seg, idx, k + 1),
            )
        )


def _claims(raw: RawTransaction, start: int) -> tuple[list[ClaimPayment], int]:
    """Read the claims from the CLP at ``start``; return them and the index of the
    PLB or SE that ends them. The Python twin of ``_speedups.read_claims``."""
    segs = raw.segments
    comp = raw.delimiters.component
    cents = parse_cents
    Adj = Adjustment
    seen: dict[str, int] = {}
    claims: list[ClaimPayment] = []
    # the open claim
    clp: list[str] = segs[start]
    clp_idx = start
    c_adj: list[Adjustment] = []
    c_total = 0
    c_lines: list[RemitLine] = []
    c_name: list[str] | None = None
    d232: dt.date | None = None
    d233: dt.date | None = None
    # the open service line
    svc: list[str] | None = None
    svc_idx = 0
    l_adj: list[Adjustment] = []
    l_total = 0
    l_rem: list[str] = []
    d472: dt.date | None = None
    d150: dt.date | None = None
    d151: dt.date | None = None
    l_ctl = ""
    l_allowed: int | None = None

    last = len(segs) - 1
    for idx in range(start + 1, last + 1):
        seg = segs[idx]
        sid = seg[0] if idx < last else "SE"
        if sid == "CAS":
            if svc is not None:
                n = len(seg)
                if (n == 4 or n == 5) and seg[1] in CAS_GROUPS and seg[2]:  # the usual one pair
                    amount = seen.get(seg[3])  # amounts repeat in an ERA: parse each once
                    if amount is None:
                        try:
                            amount = cents(seg[3])
                        except ValueError:
                            amount = _money(raw, seg, idx, 3)
                        seen[seg[3]] = amount
                    l_adj.append(
                        Adj(group=seg[1], reason=seg[2], amount_cents=amount,
                            quantity=seg[4] if n == 5 else "")
                    )  # fmt: skip
                else:
                    amount = _cas(raw, seg, idx, l_adj)
                l_total += amount
                c_total += amount
            else:
                c_total += _cas(raw, seg, idx, c_adj)
            continue
        if sid == "DTM":
            q = seg[1] if len(seg) > 1 else ""
            if svc is not None:
                if q == "472":
                    d472 = _date(raw, seg, idx, 2)
                elif q == "150":
                    d150 = _date(raw, seg, idx, 2)
                elif q == "151":
                    d151 = _date(raw, seg, idx, 2)
            elif q == "232":
                d232 = _date(raw, seg, idx, 2)
            elif q == "233":
                d233 = _date(raw, seg, idx, 2)
            continue
        if sid in ("SVC", "CLP", "PLB", "SE"):
            if svc is not None:  # close the open line
                c_lines.append(
                    _line(raw, comp, svc, svc_idx, l_adj, l_total, l_rem, d472, d150, d151,
                          l_ctl, l_allowed)
                )  # fmt: skip
                svc = None
            if sid == "SVC":
                if len(seg) < 4:
                    raise raw.error("SVC needs a procedure, charge and payment", idx)
                svc, svc_idx = seg, idx
                l_adj, l_rem, l_total = [], [], 0
                d472 = d150 = d151 = l_allowed = None
                l_ctl = ""
                continue
            claims.append(_claim(raw, clp, clp_idx, c_total, c_adj, c_lines, c_name, d232, d233))
            if sid != "CLP":
                return claims, idx
            clp, clp_idx = seg, idx
            c_adj, c_lines, c_total, c_name = [], [], 0, None
            d232 = d233 = None
            continue
        if sid == "NM1":
            if svc is None and len(seg) > 1 and seg[1] == "QC":
                c_name = seg
        elif sid == "REF":
            if svc is not None and len(seg) > 2 and seg[1] == "6R":
                l_ctl = seg[2]
        elif sid == "AMT":
            if svc is not None and len(seg) > 2 and seg[1] == "B6":
                l_allowed = _money(raw, seg, idx, 2)
        elif sid == "LQ":
            if svc is not None and len(seg) > 2 and seg[1] == "HE":
                l_rem.append(seg[2])
        elif sid == "N1":
            raise raw.error("N1 after the claims", idx)
        elif sid == "BPR":
            raise raw.error("BPR must be the first segment after ST, once", idx)
        elif sid not in _KNOWN:
            raise raw.error(f"segment {sid} does not belong in an 835", idx)
    raise AssertionError("unreachable: the last segment always ends the claims")


def parse_835(raw: RawTransaction) -> Remittance:
    segs = raw.segments
    comp = raw.delimiters.component
    bpr: list[str] | None = None
    trn: list[str] | None = None
    payer_name = payee_name = payee_id = payee_q = payer_id = phone = ""
    payer_addr: Address | None = None
    production: dt.date | None = None
    area = "header"
    n3: list[str] | None = None
    claims: list[ClaimPayment] = []
    plbs: list[ProviderAdjustment] = []

    # Outside the claims: the header, then PLBs. The claims themselves are read by
    # _claims (or its C twin), which stops at the PLB or SE that ends them.
    last = len(segs) - 1
    idx = 1
    while idx <= last:
        seg = segs[idx]
        sid = seg[0] if idx < last else "SE"
        if sid == "CLP":
            if bpr is None or not payee_name:
                raise raw.error("CLP before the BPR and payee (N1*PE)", idx)
            if area == "trailer":
                raise raw.error("CLP after the provider adjustments (PLB)", idx)
            area = "claims"
            found = accel.read_claims(segs, idx, comp, _SPEC)
            more, idx = found if found is not None else _claims(raw, idx)
            claims += more
            continue  # segs[idx] is the PLB or SE that closed the claims
        if sid == "CAS":
            raise raw.error("CAS outside a claim", idx)
        if sid == "SVC":
            raise raw.error("SVC outside a claim", idx)
        if sid == "DTM":
            if area == "header" and len(seg) > 1 and seg[1] == "405":
                production = _date(raw, seg, idx, 2)
        elif sid == "PLB":
            area = "trailer"
            _plb(raw, comp, seg, idx, plbs)
        elif sid == "REF":
            if area == "payer" and len(seg) > 2 and seg[1] == "2U":
                payer_id = seg[2]
        elif sid == "N1":
            q = seg[1] if len(seg) > 1 else ""
            if area not in ("header", "payer", "payee"):
                raise raw.error("N1 after the claims", idx)
            if q == "PR":
                area, payer_name = "payer", seg[2] if len(seg) > 2 else ""
            elif q == "PE":
                area = "payee"
                payee_name = seg[2] if len(seg) > 2 else ""
                payee_q = seg[3] if len(seg) > 3 else ""
                payee_id = seg[4] if len(seg) > 4 else ""
                if not payee_name:
                    raise raw.error("payee name (N102) is missing", idx, 2)
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
                raise raw.error("BPR must be the first segment after ST, once", idx)
            if len(seg) < 5:
                raise raw.error(
                    "BPR needs handling, amount, credit/debit flag and payment method", idx
                )
            bpr = seg
        elif sid == "TRN":
            if area == "header":
                trn = seg
        elif sid != "SE" and sid not in _KNOWN:
            raise raw.error(f"segment {sid} does not belong in an 835", idx)
        idx += 1

    if bpr is None or trn is None or len(trn) < 4:
        raise raw.error("an 835 needs BPR and TRN (with TRN03)", 1)
    if not payer_name or not payee_name:
        raise raw.error("an 835 needs the payer (N1*PR) and payee (N1*PE)", 1)
    bpr_total = _money(raw, bpr, 1, 2)
    if bpr[3] not in ("C", "D"):
        raise raw.error(f"BPR03 {bpr[3]!r} must be C or D", 1, 3)
    if bpr[3] == "D":
        bpr_total = -bpr_total
    payment_date = _date(raw, bpr, 1, 16) if len(bpr) > 16 and bpr[16] else None
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
        raise raw.error(
            f"transaction does not balance: BPR02 {format_cents(bpr_total)} != sum of CLP04 "
            f"{format_cents(sum(c.paid_cents for c in claims))} - sum of PLB "
            f"{format_cents(sum(p.amount_cents for p in plbs))}",
            1,
            2,
        )
    return result
