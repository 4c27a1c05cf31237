"""999 implementation acknowledgment (005010X231A1): writer, reader, and mapping back.

``locate_errors(ack, sent)`` maps every IK3/IK4 of a 999 onto the file we sent:
the segment's position in that file, its text, the element value and the claim
(patient control number) it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .document import Document, read_with
from .envelope import Envelope, RawTransaction, tokenize, write_interchange
from .errors import X12Error
from .segments import build, clean

__all__ = [
    "VERSION_999",
    "ElementError",
    "FunctionalAck",
    "LocatedError",
    "SegmentError",
    "TransactionAck",
    "locate_errors",
    "read_999",
    "write_999",
]

VERSION_999 = "005010X231A1"
_TX_STATUS = frozenset("AEMRWX")
_GROUP_STATUS = frozenset("AEMPRWX")


@dataclass(frozen=True, slots=True, kw_only=True)
class ElementError:
    position: int  # IK401-1: element position in the segment
    error_code: str  # IK403, e.g. 1 required missing, 7 invalid code value, 8 invalid date
    component: int | None = None  # IK401-2
    repetition: int | None = None  # IK401-3
    data_element: str = ""  # IK402 reference number
    bad_value: str = ""  # IK404


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentError:
    segment_id: str  # IK301
    position: int  # IK302: position in the transaction set, ST = 1
    error_code: str = ""  # IK304, e.g. 8 segment has data element errors
    loop_id: str = ""  # IK303
    elements: tuple[ElementError, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionAck:
    set_id: str  # AK201, e.g. 837
    control_number: str  # AK202 = the ST02 we sent
    status: str  # IK501: A accepted, E accepted with errors, R rejected, ...
    version: str = ""  # AK203
    error_codes: tuple[str, ...] = ()  # IK502..IK506
    segments: tuple[SegmentError, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionalAck:
    control_number: str  # ST02 of the 999
    functional_id: str  # AK101, e.g. HC
    group_control_number: int  # AK102 = the GS06 we sent
    status: str  # AK901: A, E, P (partially accepted), R, ...
    included_count: int  # AK902
    received_count: int  # AK903
    accepted_count: int  # AK904
    version: str = ""  # AK103
    error_codes: tuple[str, ...] = ()  # AK905..AK909
    transactions: tuple[TransactionAck, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LocatedError:
    """One IK3 (and optionally one of its IK4s) found in the file we sent."""

    transaction_control_number: str
    segment_position: int  # in the sent file, ISA = 1
    segment_id: str
    segment_text: str
    segment_error_code: str
    element_position: int | None = None
    element_value: str = ""
    element_error_code: str = ""
    patient_control_number: str = ""  # CLM01 of the claim the segment sits in, if any


def _ik4_position(e: ElementError) -> str:
    parts = [str(e.position)]
    if e.component is not None or e.repetition is not None:
        parts.append("" if e.component is None else str(e.component))
    if e.repetition is not None:
        parts.append(str(e.repetition))
    return ":".join(parts)


def _transaction(ack: FunctionalAck) -> list[str]:
    if ack.status not in _GROUP_STATUS:
        raise X12Error(f"AK901 status {ack.status!r} is not one of A E M P R W X")
    segs = [
        f"ST*999*{ack.control_number}*{VERSION_999}",
        build("AK1", ack.functional_id, str(ack.group_control_number), ack.version),
    ]
    for t in ack.transactions:
        if t.status not in _TX_STATUS:
            raise X12Error(f"IK501 status {t.status!r} is not one of A E M R W X")
        segs.append(build("AK2", t.set_id, clean(t.control_number, "control number"), t.version))
        for s in t.segments:
            segs.append(build("IK3", s.segment_id, str(s.position), s.loop_id, s.error_code))
            for e in s.elements:
                segs.append(
                    build(
                        "IK4",
                        _ik4_position(e),
                        e.data_element,
                        e.error_code,
                        clean(e.bad_value, "bad value"),
                    )
                )
        segs.append(build("IK5", t.status, *t.error_codes))
    segs.append(
        build(
            "AK9",
            ack.status,
            str(ack.included_count),
            str(ack.received_count),
            str(ack.accepted_count),
            *ack.error_codes,
        )
    )
    segs.append(f"SE*{len(segs) + 1}*{ack.control_number}")
    return segs


def write_999(envelope: Envelope, acks: Sequence[FunctionalAck], *, newlines: bool = True) -> str:
    if not acks:
        raise X12Error("a 999 interchange needs at least one acknowledgment")
    return write_interchange(
        envelope, "FA", VERSION_999, [_transaction(a) for a in acks], newlines=newlines
    )


def _int(raw: RawTransaction, seg: list[str], idx: int, pos: int) -> int:
    value = seg[pos] if pos < len(seg) else ""
    if not value.isdigit():
        raise raw.error(f"{seg[0]}{pos:02d} {value!r} is not a number", idx, pos)
    return int(value)


def _el(seg: list[str], pos: int) -> str:
    return seg[pos] if pos < len(seg) else ""


def parse_999(raw: RawTransaction) -> FunctionalAck:
    segs = raw.segments
    comp = raw.delimiters.component
    ak1: list[str] | None = None
    ak9: list[str] | None = None
    txs: list[TransactionAck] = []
    cur: dict[str, object] | None = None
    seg_errors: list[SegmentError] = []
    ik3: list[str] | None = None
    ik3_idx = 0
    el_errors: list[ElementError] = []

    def close_ik3() -> None:
        nonlocal ik3
        if ik3 is not None:
            seg_errors.append(
                SegmentError(
                    segment_id=_el(ik3, 1),
                    position=_int(raw, ik3, ik3_idx, 2),
                    loop_id=_el(ik3, 3),
                    error_code=_el(ik3, 4),
                    elements=tuple(el_errors),
                )
            )
            el_errors.clear()
            ik3 = None

    for idx in range(1, len(segs) - 1):
        seg = segs[idx]
        sid = seg[0]
        if sid == "AK1":
            if ak1 is not None or idx != 1:
                raise raw.error("AK1 must follow ST, once", idx)
            ak1 = seg
        elif sid == "AK2":
            if ak1 is None or cur is not None:
                raise raw.error("AK2 out of place (missing AK1 or IK5)", idx)
            if len(seg) < 3 or not seg[2]:
                raise raw.error("AK2 needs the transaction set id and control number", idx)
            cur = {"set_id": seg[1], "control_number": seg[2], "version": _el(seg, 3)}
        elif sid == "IK3":
            if cur is None:
                raise raw.error("IK3 outside an AK2 loop", idx)
            close_ik3()
            if len(seg) < 3 or not seg[1]:
                raise raw.error("IK3 needs the segment id and position", idx)
            ik3, ik3_idx = seg, idx
            _int(raw, seg, idx, 2)
        elif sid == "IK4":
            if ik3 is None:
                raise raw.error("IK4 outside an IK3 loop", idx)
            where = _el(seg, 1).split(comp)
            if not where[0].isdigit() or not _el(seg, 3):
                raise raw.error("IK4 needs an element position and an error code", idx, 1)
            try:
                component = int(where[1]) if len(where) > 1 and where[1] else None
                repetition = int(where[2]) if len(where) > 2 and where[2] else None
            except ValueError:
                raise raw.error("IK401 positions must be numbers", idx, 1) from None
            el_errors.append(
                ElementError(
                    position=int(where[0]),
                    component=component,
                    repetition=repetition,
                    data_element=_el(seg, 2),
                    error_code=seg[3],
                    bad_value=_el(seg, 4),
                )
            )
        elif sid == "CTX":
            continue
        elif sid == "IK5":
            if cur is None:
                raise raw.error("IK5 outside an AK2 loop", idx)
            close_ik3()
            if _el(seg, 1) not in _TX_STATUS:
                raise raw.error(f"IK501 {_el(seg, 1)!r} is not one of A E M R W X", idx, 1)
            txs.append(
                TransactionAck(
                    set_id=str(cur["set_id"]),
                    control_number=str(cur["control_number"]),
                    version=str(cur["version"]),
                    status=seg[1],
                    error_codes=tuple(x for x in seg[2:] if x),
                    segments=tuple(seg_errors),
                )
            )
            seg_errors.clear()
            cur = None
        elif sid == "AK9":
            if ak1 is None or cur is not None or ak9 is not None:
                raise raw.error("AK9 out of place (missing AK1 or IK5)", idx)
            if _el(seg, 1) not in _GROUP_STATUS:
                raise raw.error(f"AK901 {_el(seg, 1)!r} is not one of A E M P R W X", idx, 1)
            ak9 = seg
            ak9_idx = idx
        else:
            raise raw.error(f"segment {sid} does not belong in a 999", idx)
    if ak1 is None or ak9 is None:
        raise raw.error("a 999 needs AK1 and AK9", 0)
    if not _el(ak1, 2).isdigit():
        raise raw.error("AK102 group control number is not numeric", 1, 2)
    return FunctionalAck(
        control_number=raw.control_number,
        functional_id=_el(ak1, 1),
        group_control_number=int(ak1[2]),
        version=_el(ak1, 3),
        status=ak9[1],
        included_count=_int(raw, ak9, ak9_idx, 2),
        received_count=_int(raw, ak9, ak9_idx, 3),
        accepted_count=_int(raw, ak9, ak9_idx, 4),
        error_codes=tuple(x for x in ak9[5:] if x),
        transactions=tuple(txs),
    )


def read_999(text: str, file: str | None = None) -> Document[FunctionalAck]:
    return read_with(text, file, "999", lambda raw: raw.set_id == "999", parse_999)


def _claim_of(segs: list[list[str]], index: int) -> str:
    """CLM01 of the claim a segment belongs to: the CLM before it in the same HL, else after."""
    for k in range(index, 0, -1):
        if segs[k][0] == "CLM":
            return _el(segs[k], 1)
        if segs[k][0] == "HL":
            break
    for k in range(index + 1, len(segs)):
        if segs[k][0] == "CLM":
            return _el(segs[k], 1)
        if segs[k][0] == "HL":
            break
    return ""


def locate_errors(
    ack: FunctionalAck, sent: str, file: str | None = None
) -> tuple[LocatedError, ...]:
    """Map the 999's IK3/IK4 onto the segments and elements of the file we sent."""
    try:
        raws = tokenize(sent, file)
    except X12Error as err:
        raise err.with_file(file) from None
    by_control = {
        r.control_number: r
        for r in raws
        if r.envelope.group_control_number == ack.group_control_number
    }
    found: list[LocatedError] = []
    for t in ack.transactions:
        raw = by_control.get(t.control_number)
        if raw is None and t.segments:
            raise X12Error(
                f"the 999 acknowledges transaction {t.control_number} of group "
                f"{ack.group_control_number}, which the sent file does not hold",
                file=file,
            )
        for s in t.segments:
            assert raw is not None
            index = s.position - 1
            if not 0 <= index < len(raw.segments) or raw.segments[index][0] != s.segment_id:
                raise raw.error(
                    f"the 999 points at {s.segment_id} in position {s.position}, which the sent "
                    "transaction does not have there",
                    index if 0 <= index < len(raw.segments) else None,
                ).with_file(file)
            seg = raw.segments[index]
            pcn = _claim_of(raw.segments, index)
            base = {
                "transaction_control_number": t.control_number,
                "segment_position": raw.first_position + index,
                "segment_id": s.segment_id,
                "segment_text": raw.delimiters.element.join(seg),
                "segment_error_code": s.error_code,
                "patient_control_number": pcn,
            }
            if not s.elements:
                found.append(LocatedError(**base))  # type: ignore[arg-type]
            for e in s.elements:
                value = _el(seg, e.position)
                if e.component is not None:
                    parts = value.split(raw.delimiters.component)
                    value = parts[e.component - 1] if 0 < e.component <= len(parts) else ""
                found.append(
                    LocatedError(
                        **base,  # type: ignore[arg-type]
                        element_position=e.position,
                        element_value=value,
                        element_error_code=e.error_code,
                    )
                )
    return tuple(found)
