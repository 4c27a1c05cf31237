"""Readers for 270 inquiries and 271 responses (005010X279A1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .document import Document, read_with
from .eligibility import (
    Benefit,
    EligibilityQuery,
    EligibilityRequest,
    EligibilityResponse,
    EligibilityResult,
    Member,
    Rejection,
)
from .envelope import RawTransaction
from .errors import X12Error
from .values import parse_cents, parse_date

__all__ = ["read_270", "read_271"]

_KNOWN = frozenset(
    ("BHT", "HL", "AAA", "NM1", "REF", "N3", "N4", "PER", "PRV", "DMG", "INS", "HI", "DTP",
     "MPI", "EB", "HSD", "MSG", "III", "LS", "LE", "TRN", "EQ", "AMT")
)  # fmt: skip


def read_271(text: str, file: str | None = None) -> Document[EligibilityResponse]:
    return read_with(text, file, "271", lambda raw: raw.set_id == "271", parse_271)


def read_270(text: str, file: str | None = None) -> Document[EligibilityRequest]:
    return read_with(text, file, "270", lambda raw: raw.set_id == "270", parse_270)


def _el(seg: list[str], pos: int) -> str:
    return seg[pos] if pos < len(seg) else ""


class _Walker:
    """Shared state of one 270/271 transaction: HL levels and where we are."""

    def __init__(self, raw: RawTransaction) -> None:
        self.raw = raw
        self.idx = 0

    def fail(self, message: str, element: int | None = None) -> X12Error:
        return self.raw.error(message, self.idx, element)

    def date(self, text: str, pos: int) -> dt.date:
        try:
            return parse_date(text)
        except ValueError as exc:
            raise self.fail(str(exc), pos) from None

    def period(self, seg: list[str]) -> tuple[dt.date, dt.date]:
        fmt, value = _el(seg, 2), _el(seg, 3)
        if fmt == "RD8":
            a, _, b = value.partition("-")
            return self.date(a, 3), self.date(b, 3)
        if fmt == "D8":
            d = self.date(value, 3)
            return d, d
        raise self.fail(f"DTP02 format {fmt!r} must be D8 or RD8", 2)

    def member(self, nm1: list[str] | None, dmg: list[str] | None) -> Member:
        n = nm1 or []
        birth = self.date(_el(dmg, 2), 2) if dmg and _el(dmg, 2) else None
        return Member(
            last_name=_el(n, 3),
            first_name=_el(n, 4),
            birth_date=birth,
            gender=_el(dmg, 3) if dmg else "",
        )


def _header(
    w: _Walker, bht: list[str] | None, payer: list[str] | None, prov: list[str] | None
) -> dict[str, Any]:
    if bht is None or payer is None or prov is None:
        raise w.raw.error("needs BHT, the payer (HL 20) and the provider (HL 21)", 1)
    w.idx = 1
    hhmm = _el(bht, 5)
    try:
        time = dt.time(int(hhmm[:2]), int(hhmm[2:4])) if len(hhmm) >= 4 else dt.time()
    except ValueError:
        raise w.fail("BHT05 is not a time", 5) from None
    return {
        "control_number": w.raw.control_number,
        "reference": _el(bht, 3),
        "created": dt.datetime.combine(w.date(_el(bht, 4), 4), time),
        "payer_name": _el(payer, 3),
        "payer_id": _el(payer, 9),
        "provider_name": _el(prov, 3),
        "provider_npi": _el(prov, 9),
    }


class _Subject:
    """One HL 22 or 23 level."""

    def __init__(self, level: str, parent: _Subject | None) -> None:
        self.level = level
        self.parent = parent
        self.nm1: list[str] | None = None
        self.dmg: list[str] | None = None
        self.trn = ""
        self.ref6p = ""
        self.begin: dt.date | None = None
        self.end: dt.date | None = None
        self.benefits: list[Benefit] = []
        self.aaa: list[Rejection] = []
        self.eq: list[str] = []
        self.dtp291: dt.date | None = None
        self.has_child = False


def _walk(w: _Walker, with_eb: bool) -> tuple[list[str] | None, list[str] | None, list[str] | None,
                                               list[_Subject], list[Rejection]]:  # fmt: skip
    raw = w.raw
    segs = raw.segments
    rep = raw.delimiters.repetition
    bht = payer = prov = None
    level = ""
    subjects: list[_Subject] = []
    by_id: dict[str, _Subject] = {}
    cur: _Subject | None = None
    top_aaa: list[Rejection] = []
    in_ls = False
    eb: dict[str, object] | None = None
    msgs: list[str] = []

    def close_eb() -> None:
        nonlocal eb
        if eb is not None and cur is not None:
            cur.benefits.append(Benefit(**eb, messages=tuple(msgs)))  # type: ignore[arg-type]
            msgs.clear()
        eb = None

    for w.idx in range(1, len(segs) - 1):
        seg = segs[w.idx]
        sid = seg[0]
        if sid == "LS":
            in_ls = True
            continue
        if sid == "LE":
            in_ls = False
            continue
        if in_ls:
            continue
        if sid == "HL":
            close_eb()
            level = _el(seg, 3)
            if level not in ("20", "21", "22", "23"):
                raise w.fail(f"HL03 level {level!r} is not 20, 21, 22 or 23", 3)
            if _el(seg, 1) in by_id or not _el(seg, 1):
                raise w.fail("HL01 is missing or repeated", 1)
            if level in ("22", "23"):
                parent = by_id.get(_el(seg, 2))
                if level == "23" and parent is None:
                    raise w.fail("a dependent HL needs its subscriber HL as parent", 2)
                cur = _Subject(level, parent)
                cur.has_child = _el(seg, 4) == "1"
                by_id[seg[1]] = cur
                subjects.append(cur)
            else:
                by_id[seg[1]] = _Subject(level, None)
                cur = None
        elif sid == "NM1":
            if level == "20":
                payer = seg
            elif level == "21":
                prov = seg
            elif cur is not None and eb is None:
                cur.nm1 = seg
        elif sid == "TRN":
            if cur is None:
                raise w.fail("TRN outside a subscriber or dependent")
            if not _el(seg, 2):
                raise w.fail("TRN02 trace number is missing", 2)
            cur.trn = seg[2]
        elif sid == "DMG":
            if cur is not None:
                cur.dmg = seg
        elif sid == "REF":
            if cur is not None and eb is None and _el(seg, 1) == "6P":
                cur.ref6p = _el(seg, 2)
        elif sid == "AAA":
            r = Rejection(valid=_el(seg, 1), reason=_el(seg, 3), follow_up=_el(seg, 4))
            if not r.reason:
                raise w.fail("AAA03 reject reason is missing", 3)
            if cur is None:
                top_aaa.append(r)
            elif eb is None:
                cur.aaa.append(r)
        elif sid == "DTP":
            if cur is not None and eb is None:
                q = _el(seg, 1)
                start, end = w.period(seg)
                if q in ("346", "356"):
                    cur.begin = start
                elif q in ("347", "357"):
                    cur.end = end
                elif q in ("291", "307"):
                    cur.dtp291 = start
                    if with_eb:
                        cur.begin = cur.begin or start
                        cur.end = cur.end or (end if end != start else None)
            elif eb is not None:
                w.period(seg)
        elif sid == "EQ":
            if cur is None or not _el(seg, 1):
                raise w.fail("EQ01 service type is missing or outside a subscriber", 1)
            cur.eq.extend(seg[1].split(rep))
        elif sid == "EB":
            if not with_eb or cur is None:
                raise w.fail("EB outside a subscriber or dependent")
            close_eb()
            if not _el(seg, 1):
                raise w.fail("EB01 benefit code is missing", 1)
            amount = _el(seg, 7)
            try:
                cents = parse_cents(amount) if amount else None
            except ValueError as exc:
                raise w.fail(str(exc), 7) from None
            eb = {
                "code": seg[1],
                "coverage_level": _el(seg, 2),
                "service_types": tuple(t for t in _el(seg, 3).split(rep) if t),
                "insurance_type": _el(seg, 4),
                "plan_description": _el(seg, 5),
                "time_period": _el(seg, 6),
                "amount_cents": cents,
                "percent": _el(seg, 8),
                "quantity_qualifier": _el(seg, 9),
                "quantity": _el(seg, 10),
                "authorization_required": _el(seg, 11),
                "in_network": _el(seg, 12),
            }
        elif sid == "MSG":
            if eb is not None:
                msgs.append(_el(seg, 1))
        elif sid == "BHT":
            if w.idx != 1:
                raise w.fail("BHT must follow ST")
            bht = seg
        elif sid not in _KNOWN:
            raise w.fail(f"segment {sid} does not belong in a {raw.set_id}")
    close_eb()
    return bht, payer, prov, subjects, top_aaa


def _pairs(w: _Walker, subjects: list[_Subject]) -> list[tuple[_Subject, _Subject | None]]:
    """(subscriber, dependent) for each answer/inquiry: a 22 without children, or each 23."""
    out: list[tuple[_Subject, _Subject | None]] = []
    parents = {id(s.parent) for s in subjects if s.level == "23"}
    for s in subjects:
        if s.level == "23":
            assert s.parent is not None
            out.append((s.parent, s))
        elif id(s) not in parents or s.trn or s.benefits or s.aaa:
            out.append((s, None))
    return out


def parse_271(raw: RawTransaction) -> EligibilityResponse:
    w = _Walker(raw)
    bht, payer, prov, subjects, top_aaa = _walk(w, True)
    head = _header(w, bht, payer, prov)
    results = []
    for sub, dep in _pairs(w, subjects):
        who = dep or sub
        results.append(
            EligibilityResult(
                trace_number=who.trn,
                member_id=_el(sub.nm1 or [], 9),
                subscriber=w.member(sub.nm1, sub.dmg),
                dependent=w.member(dep.nm1, dep.dmg) if dep else None,
                group_number=who.ref6p or sub.ref6p,
                plan_begin=who.begin or (sub.begin if dep else None),
                plan_end=who.end or (sub.end if dep else None),
                benefits=tuple(who.benefits),
                rejections=tuple(who.aaa),
            )
        )
    return EligibilityResponse(**head, results=tuple(results), rejections=tuple(top_aaa))


def parse_270(raw: RawTransaction) -> EligibilityRequest:
    w = _Walker(raw)
    bht, payer, prov, subjects, _aaa = _walk(w, False)
    head = _header(w, bht, payer, prov)
    queries = []
    originator = ""
    for sub, dep in _pairs(w, subjects):
        who = dep or sub
        if not who.trn or who.dtp291 is None:
            raise raw.error(f"inquiry for HL level {who.level} needs TRN and DTP*291", 1)
        originator = originator or _trn03(raw, who.trn)
        queries.append(
            EligibilityQuery(
                trace_number=who.trn,
                member_id=_el(sub.nm1 or [], 9),
                subscriber=w.member(sub.nm1, sub.dmg),
                dependent=w.member(dep.nm1, dep.dmg) if dep else None,
                service_date=who.dtp291,
                service_types=tuple(who.eq) or ("30",),
            )
        )
    return EligibilityRequest(
        **head, queries=tuple(queries), originator_id=originator or "9000000000"
    )


def _trn03(raw: RawTransaction, trace: str) -> str:
    for seg in raw.segments:
        if seg[0] == "TRN" and _el(seg, 2) == trace:
            return _el(seg, 3)
    return ""
