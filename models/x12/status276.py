"""276 claim status inquiry (005010X212): objects, writer and reader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .document import Document, read_with
from .eligibility import Member
from .envelope import Envelope, RawTransaction, write_interchange
from .errors import X12Error
from .segments import build, clean
from .values import format_cents, format_date, format_time, npi_is_valid, parse_cents, parse_date

__all__ = ["VERSION_276", "ClaimStatusRequest", "StatusQuery", "read_276", "write_276"]

VERSION_276 = "005010X212"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusQuery:
    trace_number: str  # TRN02; comes back in the 277
    member_id: str
    subscriber: Member
    service_from: dt.date  # DTP*472 (of the claim, else of its first service line)
    service_to: dt.date
    patient_control_number: str = ""  # REF*EJ
    charge_cents: int | None = None  # AMT*T3
    payer_claim_number: str = ""  # REF*1K
    bill_type: str = ""  # REF*BLT, institutional claims
    dependent: Member | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimStatusRequest:
    control_number: str
    reference: str  # BHT03
    created: dt.datetime
    payer_name: str
    payer_id: str
    submitter_name: str
    submitter_id: str
    provider_name: str
    provider_npi: str
    queries: tuple[StatusQuery, ...]


def _name(qual: str, m: Member, member_id: str = "") -> str:
    return build(
        "NM1", qual, "1", clean(m.last_name, "last name"), clean(m.first_name, "first name"),
        "", "", "", "MI" if member_id else "", clean(member_id, "member id"),
    )  # fmt: skip


def _dmg(m: Member) -> list[str]:
    return [build("DMG", "D8", format_date(m.birth_date), m.gender)] if m.birth_date else []


def _transaction(r: ClaimStatusRequest) -> list[str]:
    if not npi_is_valid(r.provider_npi):
        raise X12Error(f"provider NPI {r.provider_npi!r} fails the check digit")
    segs = [
        f"ST*276*{r.control_number}*{VERSION_276}",
        f"BHT*0010*13*{clean(r.reference, 'reference')}*{format_date(r.created.date())}"
        f"*{format_time(r.created)}",
        "HL*1**20*1",
        build(
            "NM1",
            "PR",
            "2",
            clean(r.payer_name, "payer"),
            "",
            "",
            "",
            "",
            "PI",
            clean(r.payer_id, "id"),
        ),
        "HL*2*1*21*1",
        build(
            "NM1",
            "41",
            "2",
            clean(r.submitter_name, "submitter"),
            "",
            "",
            "",
            "",
            "46",
            clean(r.submitter_id, "id"),
        ),
        "HL*3*2*19*1",
        build(
            "NM1",
            "1P",
            "2",
            clean(r.provider_name, "provider"),
            "",
            "",
            "",
            "",
            "XX",
            r.provider_npi,
        ),
    ]
    hl = 3
    for q in r.queries:
        hl += 1
        sub_hl = hl
        dep = q.dependent
        segs.append(f"HL*{hl}*3*22*{'1' if dep else '0'}")
        if dep is None:
            segs.extend(_dmg(q.subscriber))
        segs.append(_name("IL", q.subscriber, q.member_id))
        if dep is not None:
            hl += 1
            segs.append(f"HL*{hl}*{sub_hl}*23")
            segs.extend(_dmg(dep))
            segs.append(_name("QC", dep))
        segs.append(f"TRN*1*{clean(q.trace_number, 'trace')}")
        if q.payer_claim_number:
            segs.append(f"REF*1K*{clean(q.payer_claim_number, 'payer claim number')}")
        if q.bill_type:
            segs.append(f"REF*BLT*{clean(q.bill_type, 'bill type')}")
        if q.patient_control_number:
            segs.append(f"REF*EJ*{clean(q.patient_control_number, 'patient control number')}")
        if q.charge_cents is not None:
            segs.append(f"AMT*T3*{format_cents(q.charge_cents)}")
        if q.service_from == q.service_to:
            segs.append(f"DTP*472*D8*{format_date(q.service_from)}")
        else:
            segs.append(f"DTP*472*RD8*{format_date(q.service_from)}-{format_date(q.service_to)}")
    segs.append(f"SE*{len(segs) + 1}*{r.control_number}")
    return segs


def write_276(
    envelope: Envelope, requests: Sequence[ClaimStatusRequest], *, newlines: bool = True
) -> str:
    if not requests or any(not r.queries for r in requests):
        raise X12Error("a 276 needs at least one request with at least one claim")
    return write_interchange(
        envelope, "HR", VERSION_276, [_transaction(r) for r in requests], newlines=newlines
    )


def read_276(text: str, file: str | None = None) -> Document[ClaimStatusRequest]:
    return read_with(text, file, "276", lambda raw: raw.set_id == "276", parse_276)


def _el(seg: list[str], pos: int) -> str:
    return seg[pos] if pos < len(seg) else ""


def parse_276(raw: RawTransaction) -> ClaimStatusRequest:
    segs = raw.segments
    idx = 0

    def fail(message: str, element: int | None = None) -> X12Error:
        return raw.error(message, idx, element)

    def day(text: str, pos: int) -> dt.date:
        try:
            return parse_date(text)
        except ValueError as exc:
            raise fail(str(exc), pos) from None

    bht = payer = submitter = provider = None
    level = ""
    sub_nm1: list[str] | None = None
    sub_dmg: list[str] | None = None
    nm1: list[str] | None = None
    dmg: list[str] | None = None
    q: dict[str, object] | None = None
    queries: list[StatusQuery] = []

    def member(n: list[str] | None, d: list[str] | None) -> Member:
        return Member(
            last_name=_el(n or [], 3),
            first_name=_el(n or [], 4),
            birth_date=day(_el(d, 2), 2) if d and _el(d, 2) else None,
            gender=_el(d, 3) if d else "",
        )

    def close() -> None:
        nonlocal q
        if q is None:
            return
        if "from" not in q:
            raise fail(f"claim inquiry {q['trace']} needs a service date (DTP*472)")
        dependent = level == "23"
        queries.append(
            StatusQuery(
                trace_number=str(q["trace"]),
                patient_control_number=str(q.get("pcn", "")),
                member_id=_el(sub_nm1 or [], 9),
                subscriber=member(sub_nm1, sub_dmg),
                dependent=member(nm1, dmg) if dependent else None,
                charge_cents=q.get("charge"),  # type: ignore[arg-type]
                service_from=q["from"],  # type: ignore[arg-type]
                service_to=q["to"],  # type: ignore[arg-type]
                payer_claim_number=str(q.get("1K", "")),
                bill_type=str(q.get("BLT", "")),
            )
        )
        q = None

    for idx in range(1, len(segs) - 1):
        seg = segs[idx]
        sid = seg[0]
        if sid == "HL":
            close()
            level = _el(seg, 3)
            if level not in ("20", "21", "19", "22", "23"):
                raise fail(f"HL03 level {level!r} is not 20, 21, 19, 22 or 23", 3)
            nm1 = dmg = None
            if level == "22":
                sub_nm1 = sub_dmg = None
        elif sid == "NM1":
            if level == "20":
                payer = seg
            elif level == "21":
                submitter = seg
            elif level == "19":
                provider = seg
            elif level == "22":
                sub_nm1 = seg
            else:
                nm1 = seg
        elif sid == "DMG":
            if level == "22":
                sub_dmg = seg
            else:
                dmg = seg
        elif sid == "TRN":
            close()
            if level not in ("22", "23") or not _el(seg, 2):
                raise fail("claim TRN needs a trace number inside a subscriber or dependent", 2)
            q = {"trace": seg[2]}
        elif sid == "REF" and q is not None:
            key = _el(seg, 1)
            q["pcn" if key == "EJ" else key] = _el(seg, 2)
        elif sid == "AMT" and q is not None and _el(seg, 1) == "T3":
            try:
                q["charge"] = parse_cents(_el(seg, 2))
            except ValueError as exc:
                raise fail(str(exc), 2) from None
        elif sid == "DTP" and q is not None and _el(seg, 1) == "472" and "from" not in q:
            fmt, value = _el(seg, 2), _el(seg, 3)
            a, _, b = value.partition("-")
            q["from"] = day(a, 3)
            q["to"] = day(b, 3) if fmt == "RD8" else q["from"]
        elif sid == "BHT":
            bht = seg
        elif sid not in ("SVC", "REF", "AMT", "DTP", "PER"):
            raise fail(f"segment {sid} does not belong in a 276")
    idx = len(segs) - 1
    close()
    if bht is None or payer is None or submitter is None or provider is None:
        raise raw.error("a 276 needs BHT, payer, submitter and provider levels", 1)
    idx = 1
    hhmm = _el(bht, 5)
    try:
        at = dt.time(int(hhmm[:2]), int(hhmm[2:4])) if len(hhmm) >= 4 else dt.time()
    except ValueError:
        raise fail("BHT05 is not a time", 5) from None
    created = dt.datetime.combine(day(_el(bht, 4), 4), at)
    return ClaimStatusRequest(
        control_number=raw.control_number,
        reference=_el(bht, 3),
        created=created,
        payer_name=_el(payer, 3),
        payer_id=_el(payer, 9),
        submitter_name=_el(submitter, 3),
        submitter_id=_el(submitter, 9),
        provider_name=_el(provider, 3),
        provider_npi=_el(provider, 9),
        queries=tuple(queries),
    )
