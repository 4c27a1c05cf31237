"""Reader for 277CA (005010X214) and 277 (005010X212): walks the HL tree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .document import Document, read_with
from .envelope import RawTransaction
from .status277 import (
    VERSION_277,
    VERSION_277CA,
    ClaimStatus,
    ClaimStatusReport,
    LineStatus,
    ProviderStatus,
    StatusInfo,
)
from .values import parse_cents, parse_date

__all__ = ["parse_277", "read_277", "read_277ca"]

_KNOWN = frozenset(
    ("BHT", "HL", "NM1", "TRN", "STC", "REF", "DTP", "QTY", "AMT", "SVC", "PER", "DMG")
)


def read_277ca(text: str, file: str | None = None) -> Document[ClaimStatusReport]:
    """Read 277CA acknowledgments (005010X214); anything else raises X12Error."""
    return read_with(text, file, "277CA", _accepts(VERSION_277CA), parse_277)


def read_277(text: str, file: str | None = None) -> Document[ClaimStatusReport]:
    """Read 277 claim status responses (005010X212); anything else raises X12Error."""
    return read_with(text, file, "277", _accepts(VERSION_277), parse_277)


def _accepts(version: str) -> Callable[[RawTransaction], bool]:
    return lambda raw: raw.set_id == "277" and raw.version == version


def _el(seg: list[str], pos: int) -> str:
    return seg[pos] if pos < len(seg) else ""


class _Line:
    def __init__(self, code: str, mods: list[str], charge: int, paid: int | None) -> None:
        self.code = code
        self.mods = mods
        self.charge = charge
        self.paid = paid
        self.statuses: list[StatusInfo] = []
        self.ctl = ""
        self.date: dt.date | None = None


class _Claim:
    def __init__(self, trace: str, name: list[str] | None, pcn: str) -> None:
        self.trace = trace
        self.name = name
        self.pcn = pcn
        self.statuses: list[StatusInfo] = []
        self.refs: dict[str, str] = {}
        self.start: dt.date | None = None
        self.end: dt.date | None = None
        self.lines: list[LineStatus] = []
        self.line: _Line | None = None


def parse_277(raw: RawTransaction) -> ClaimStatusReport:
    segs = raw.segments
    comp = raw.delimiters.component
    ca = raw.version == VERSION_277CA
    idx = 0

    def fail(message: str, element: int | None = None) -> Exception:
        return raw.error(message, idx, element)

    def money(seg: list[str], pos: int) -> int | None:
        v = _el(seg, pos)
        if v == "":
            return None
        try:
            return parse_cents(v)
        except ValueError as exc:
            raise fail(str(exc), pos) from None

    def day(text: str, pos: int) -> dt.date:
        try:
            return parse_date(text)
        except ValueError as exc:
            raise fail(str(exc), pos) from None

    def stc(seg: list[str]) -> StatusInfo:
        parts = _el(seg, 1).split(comp)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise fail("STC01 needs a category and a status code", 1)
        when = _el(seg, 2)
        return StatusInfo(
            category=parts[0],
            code=parts[1],
            entity=parts[2] if len(parts) > 2 else "",
            effective_date=day(when, 2) if when else None,
            action=_el(seg, 3),
            amount_cents=money(seg, 4),
            paid_cents=money(seg, 5),
        )

    bht: list[str] | None = None
    level = ""
    payer: list[str] | None = None
    receiver: list[str] | None = None
    trace = batch_ref = ""
    received = processed = None
    batch_statuses: list[StatusInfo] = []
    providers: list[ProviderStatus] = []
    prov: list[str] | None = None
    prov_claims: list[ClaimStatus] = []
    prov_statuses: list[StatusInfo] = []
    name: list[str] | None = None
    claim: _Claim | None = None
    seen_hl: set[str] = set()

    def close_line() -> None:
        if claim is not None and claim.line is not None:
            ln = claim.line
            claim.lines.append(
                LineStatus(
                    procedure_code=ln.code,
                    modifiers=tuple(ln.mods),
                    charge_cents=ln.charge,
                    paid_cents=ln.paid,
                    statuses=tuple(ln.statuses),
                    control_number=ln.ctl,
                    service_date=ln.date,
                )
            )
            claim.line = None

    def close_claim() -> None:
        nonlocal claim
        if claim is None:
            return
        close_line()
        if not claim.statuses:
            raise raw.error(f"claim {claim.trace} has no STC status", idx)
        n = claim.name or []
        pcn = claim.trace if ca else claim.refs.get("EJ", "")
        prov_claims.append(
            ClaimStatus(
                trace_number=claim.trace,
                patient_control_number=pcn,
                statuses=tuple(claim.statuses),
                last_name=_el(n, 3),
                first_name=_el(n, 4),
                member_id=_el(n, 9),
                payer_claim_number=claim.refs.get("1K", ""),
                bill_type=claim.refs.get("BLT", ""),
                service_from=claim.start,
                service_to=claim.end,
                lines=tuple(claim.lines),
            )
        )
        claim = None

    def close_provider() -> None:
        nonlocal prov
        close_claim()
        if prov is None and prov_claims:
            raise raw.error("claims outside a provider level (HL 19)", idx)
        if prov is not None:
            providers.append(
                ProviderStatus(
                    name=_el(prov, 3),
                    id_qualifier=_el(prov, 8),
                    id=_el(prov, 9),
                    statuses=tuple(prov_statuses),
                    claims=tuple(prov_claims),
                )
            )
            prov_claims.clear()
            prov_statuses.clear()
            prov = None

    for idx in range(1, len(segs) - 1):
        seg = segs[idx]
        sid = seg[0]
        if sid == "HL":
            close_claim()
            hl_id = _el(seg, 1)
            if not hl_id or hl_id in seen_hl:
                raise fail("HL01 is missing or repeated", 1)
            seen_hl.add(hl_id)
            level = _el(seg, 3)
            if level not in ("20", "21", "19", "22", "23", "PT"):
                raise fail(f"HL03 level {level!r} is not 20, 21, 19, 22, 23 or PT", 3)
            if level == "19":
                close_provider()
            name = None
        elif sid == "NM1":
            if level == "20":
                payer = seg
            elif level == "21":
                receiver = seg
            elif level == "19":
                prov = seg
            elif level in ("22", "23", "PT"):
                name = seg
        elif sid == "TRN":
            if level in ("22", "23", "PT"):
                close_claim()
                if not _el(seg, 2):
                    raise fail("claim TRN02 trace number is missing", 2)
                claim = _Claim(seg[2], name, "")
            elif level == "20":
                trace = _el(seg, 2)
            elif level == "21":
                batch_ref = _el(seg, 2)
        elif sid == "STC":
            status = stc(seg)
            if claim is not None:
                if claim.line is not None:
                    claim.line.statuses.append(status)
                else:
                    claim.statuses.append(status)
            elif level == "21":
                batch_statuses.append(status)
            elif level == "19":
                prov_statuses.append(status)
        elif sid == "REF":
            if claim is not None:
                if claim.line is not None and _el(seg, 1) == "FJ":
                    claim.line.ctl = _el(seg, 2)
                else:
                    claim.refs[_el(seg, 1)] = _el(seg, 2)
        elif sid == "DTP":
            q, fmt, value = _el(seg, 1), _el(seg, 2), _el(seg, 3)
            if fmt == "RD8":
                a, _, b = value.partition("-")
                start, end = day(a, 3), day(b, 3)
            elif fmt == "D8":
                start = end = day(value, 3)
            else:
                raise fail(f"DTP02 format {fmt!r} must be D8 or RD8", 2)
            if claim is not None and q == "472":
                if claim.line is not None:
                    claim.line.date = start
                else:
                    claim.start, claim.end = start, end
            elif level == "20" and q == "050":
                received = start
            elif level == "20" and q == "009":
                processed = start
        elif sid == "SVC":
            if claim is None:
                raise fail("SVC outside a claim")
            close_line()
            proc = _el(seg, 1).split(comp)
            if len(proc) < 2 or not proc[1]:
                raise fail("SVC01 is not a procedure composite", 1)
            charge = money(seg, 2)
            if charge is None:
                raise fail("SVC02 charge is missing", 2)
            claim.line = _Line(proc[1], [m for m in proc[2:6] if m], charge, money(seg, 3))
        elif sid == "BHT":
            if idx != 1:
                raise fail("BHT must follow ST")
            bht = seg
        elif sid not in _KNOWN:
            raise fail(f"segment {sid} does not belong in a 277")
    idx = len(segs) - 1
    close_provider()
    if bht is None or payer is None or receiver is None:
        raise raw.error("a 277 needs BHT, the payer (HL 20) and the receiver (HL 21)", 1)
    idx = 1
    created = dt.datetime.combine(day(_el(bht, 4), 4), _time(_el(bht, 5)) or dt.time())
    return ClaimStatusReport(
        kind="277CA" if ca else "277",
        control_number=raw.control_number,
        reference=_el(bht, 3),
        created=created,
        payer_name=_el(payer, 3),
        payer_id=_el(payer, 9),
        receiver_name=_el(receiver, 3),
        receiver_id=_el(receiver, 9),
        providers=tuple(providers),
        trace_number=trace,
        received_date=received,
        process_date=processed,
        batch_reference=batch_ref,
        batch_statuses=tuple(batch_statuses),
    )


def _time(text: str) -> dt.time | None:
    if len(text) >= 4 and text[:4].isdigit():
        try:
            return dt.time(int(text[:2]), int(text[2:4]))
        except ValueError:
            return None
    return None
