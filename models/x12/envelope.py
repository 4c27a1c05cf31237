"""Interchange envelopes: the tokenizer that splits a file into transactions, and the writer.

Reading: delimiters come from the ISA (element separator ISA[3], repetition
separator ISA11, component separator ISA16, segment terminator right after ISA16);
line breaks after the terminator are allowed. Every ISA/GS/ST is checked against
its IEA/GE/SE (control numbers and counts) before any transaction is read.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import accel
from .errors import X12Error
from .values import format_date, format_time

__all__ = [
    "Delimiters",
    "Envelope",
    "RawTransaction",
    "tokenize",
    "write_interchange",
]

_ISA_WIDTHS = (3, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
_ISA_LENGTH = 106
_ENVELOPE_IDS = frozenset(("SE", "ST", "GE", "GS", "IEA", "ISA"))


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    repetition: str = "^"
    component: str = ":"
    segment: str = "~"


DEFAULT_DELIMITERS = Delimiters()


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """ISA + GS values of one interchange with one functional group.

    Control numbers are input (the caller keeps a persistent counter); segment
    counts are always computed by the writer.
    """

    sender_id: str
    receiver_id: str
    interchange_control_number: int
    group_control_number: int
    created: dt.datetime
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    application_sender: str = ""
    application_receiver: str = ""
    usage: str = "P"
    acknowledgment_requested: bool = False

    def __post_init__(self) -> None:
        if not self.application_sender:
            object.__setattr__(self, "application_sender", self.sender_id)
        if not self.application_receiver:
            object.__setattr__(self, "application_receiver", self.receiver_id)
        if self.created.microsecond:
            object.__setattr__(self, "created", self.created.replace(microsecond=0))


@dataclass(slots=True)
class RawTransaction:
    """One ST..SE transaction as lists of elements, with where it sits in the file."""

    set_id: str
    control_number: str
    version: str
    functional_id: str
    envelope: Envelope
    segments: list[list[str]]
    first_position: int  # 1-based position of ST in the file
    delimiters: Delimiters = field(default=DEFAULT_DELIMITERS)

    def error(self, message: str, index: int | None = None, element: int | None = None) -> X12Error:
        """An X12Error located at segment ``index`` (0 = ST) of this transaction."""
        seg_id = None
        position = None
        if index is not None and 0 <= index < len(self.segments):
            seg_id = self.segments[index][0]
            position = self.first_position + index
        return X12Error(
            message,
            interchange=f"{self.envelope.interchange_control_number:09d}",
            group=str(self.envelope.group_control_number),
            transaction=self.control_number,
            segment_position=position,
            segment_id=seg_id,
            element=element,
        )


def _split(text: str, file: str | None) -> tuple[Delimiters, list[list[str]], list[int]]:
    """Delimiters, segments as lists of elements, and the indices of the segments that
    are envelope segments or have a malformed id (where a transaction must end)."""
    text = text.lstrip("\ufeff \t\r\n")
    if not text.startswith("ISA"):
        raise X12Error("not an X12 interchange: the data does not start with ISA", file=file)
    if len(text) < _ISA_LENGTH:
        raise X12Error(
            "truncated ISA: it needs 106 characters",
            file=file,
            segment_position=1,
            segment_id="ISA",
        )
    ele = text[3]
    comp = text[104]
    term = text[105]
    isa = text[:105].split(ele)
    if len(isa) != 17 or any(len(v) != w for v, w in zip(isa, _ISA_WIDTHS, strict=True)):
        raise X12Error(
            "ISA is not fixed-width (16 elements of the standard widths)",
            file=file,
            segment_position=1,
            segment_id="ISA",
        )
    rep = isa[11]
    delims = Delimiters(ele, rep, comp, term)
    seen = {ele, comp, term}
    if len(seen) != 3 or rep in seen or any(c.isalnum() or c == " " for c in (ele, comp, term)):
        raise X12Error(
            f"ISA delimiters are not distinct punctuation: element {ele!r}, repetition {rep!r}, "
            f"component {comp!r}, segment {term!r}",
            file=file,
            segment_position=1,
            segment_id="ISA",
        )
    found = accel.split_segments(text, ele, term)
    segs, marks = found if found is not None else _split_py(text, ele, term, file)
    return delims, segs, marks


def _split_py(
    text: str, ele: str, term: str, file: str | None
) -> tuple[list[list[str]], list[int]]:
    """The Python twin of ``_speedups.split_segments``."""
    parts = text.split(term)
    if parts[-1].strip():
        raise X12Error(
            "data after the last segment terminator (truncated file?)",
            file=file,
            segment_position=len(parts),
        )
    parts.pop()
    breaks = [ch for ch in "\r\n" if ch != term and ch in text]
    if breaks:
        # Line breaks are not X12 data: dropping them all equals stripping them
        # around the terminators, and is one C-level pass instead of one per segment.
        for ch in breaks:
            text = text.replace(ch, "")
        parts = text.split(term)
        parts.pop()
    segs = [p.split(ele) for p in parts]
    ok: set[str] = set()  # ids already seen to be ordinary segment ids
    marks = []
    for k, seg in enumerate(segs):
        sid = seg[0]
        if sid not in ok:
            if sid in _ENVELOPE_IDS or not _is_segment_id(sid):
                marks.append(k)
            else:
                ok.add(sid)
    return segs, marks


def _envelope(isa: list[str], gs: list[str], pos: int, file: str | None) -> Envelope:
    try:
        date = dt.date(int(gs[4][:4]), int(gs[4][4:6]), int(gs[4][6:8]))
        hhmm = gs[5]
        time = dt.time(int(hhmm[:2]), int(hhmm[2:4]), int(hhmm[4:6] or "0"))
        if len(gs[4]) != 8 or len(hhmm) not in (4, 6, 7, 8):
            raise ValueError
        icn = int(isa[13])
        gcn = int(gs[6])
    except (ValueError, IndexError):
        raise X12Error(
            "GS date/time or control numbers are not valid",
            file=file,
            interchange=isa[13],
            segment_position=pos,
            segment_id="GS",
        ) from None
    return Envelope(
        sender_qualifier=isa[5],
        sender_id=isa[6].rstrip(),
        receiver_qualifier=isa[7],
        receiver_id=isa[8].rstrip(),
        interchange_control_number=icn,
        group_control_number=gcn,
        created=dt.datetime.combine(date, time),
        application_sender=gs[2],
        application_receiver=gs[3],
        usage=isa[15],
        acknowledgment_requested=isa[14] == "1",
    )


def _is_segment_id(sid: str) -> bool:
    return 2 <= len(sid) <= 3 and sid.isascii() and sid.isalnum() and sid.isupper()


def tokenize(text: str, file: str | None = None) -> list[RawTransaction]:
    """Split a whole file into checked transactions; raise X12Error on any envelope fault."""
    delims, segs, marks = _split(text, file)
    out: list[RawTransaction] = []
    isa: list[str] | None = None
    gs: list[str] | None = None
    env: Envelope | None = None
    groups = 0
    sets = 0
    i = 0
    n = len(segs)
    while i < n:
        seg = segs[i]
        sid = seg[0]
        pos = i + 1
        icn = isa[13] if isa else None
        gcn = gs[6] if gs and len(gs) > 6 else None

        def fail(
            msg: str,
            element: int | None = None,
            *,
            _p: int = pos,
            _s: str = sid,
            _i: str | None = icn,
            _g: str | None = gcn,
        ) -> X12Error:
            return X12Error(
                msg,
                file=file,
                interchange=_i,
                group=_g,
                segment_position=_p,
                segment_id=_s[:3] or None,
                element=element,
            )

        if sid == "ISA":
            if isa is not None:
                raise fail("ISA inside an open interchange (missing IEA)")
            if len(seg) != 17 or any(len(v) != w for v, w in zip(seg, _ISA_WIDTHS, strict=True)):
                raise fail("ISA is not fixed-width (16 elements of the standard widths)")
            if seg[11] != delims.repetition or seg[16] != delims.component:
                raise fail("this ISA uses other delimiters than the first one in the file")
            if seg[12] != "00501":
                raise fail(f"interchange version {seg[12]!r} is not 00501 (5010)", 12)
            if not seg[13].isdigit():
                raise fail("ISA13 control number is not numeric", 13)
            isa, groups = seg, 0
        elif sid == "IEA":
            if isa is None or gs is not None:
                raise fail("IEA without an open interchange or with an open group (missing GE)")
            if len(seg) != 3 or seg[2] != isa[13]:
                raise fail(f"IEA02 does not match ISA13 {isa[13]}", 2)
            if seg[1] != str(groups):
                raise fail(f"IEA01 says {seg[1]} groups, the interchange has {groups}", 1)
            isa = None
        elif sid == "GS":
            if isa is None or gs is not None:
                raise fail("GS outside an interchange or inside an open group")
            if len(seg) != 9:
                raise fail("GS needs 8 elements")
            gs = seg
            env = _envelope(isa, gs, pos, file)
            groups += 1
            sets = 0
        elif sid == "GE":
            if gs is None:
                raise fail("GE without an open group")
            if len(seg) != 3 or seg[2] != gs[6]:
                raise fail(f"GE02 does not match GS06 {gs[6]}", 2)
            if seg[1] != str(sets):
                raise fail(f"GE01 says {seg[1]} transactions, the group has {sets}", 1)
            gs = None
        elif sid == "ST":
            if gs is None or env is None or isa is None:
                raise fail("ST outside a functional group")
            if len(seg) < 3 or not seg[2]:
                raise fail("ST needs a transaction set id and control number")
            k = bisect_right(marks, i)  # the first envelope segment or bad id after ST
            j = marks[k] if k < len(marks) else n
            if j < n and segs[j][0] not in _ENVELOPE_IDS:
                raise fail(f"{segs[j][0][:10]!r} is not a segment id", _p=j + 1, _s="")
            if j >= n or segs[j][0] != "SE":
                raise fail(f"transaction {seg[2]} has no SE", _p=j + 1 if j < n else pos)
            se = segs[j]
            count = j - i + 1
            if len(se) != 3 or se[2] != seg[2]:
                raise fail(f"SE02 does not match ST02 {seg[2]}", 2, _p=j + 1, _s="SE")
            if se[1] != str(count):
                raise fail(
                    f"SE01 says {se[1]} segments, the transaction has {count}", 1, _p=j + 1, _s="SE"
                )
            body = segs[i : j + 1]
            version = seg[3] if len(seg) > 3 and seg[3] else gs[8]
            out.append(
                RawTransaction(
                    set_id=seg[1],
                    control_number=seg[2],
                    version=version,
                    functional_id=gs[1],
                    envelope=env,
                    segments=body,
                    first_position=pos,
                    delimiters=delims,
                )
            )
            sets += 1
            i = j
        elif sid == "" and len(seg) == 1:
            raise fail("empty segment")
        else:
            raise fail(f"segment {sid[:10]!r} outside a transaction")
        i += 1
    if isa is not None:
        what = "functional group has no GE" if gs is not None else "interchange has no IEA"
        raise X12Error(
            f"truncated: {what}",
            file=file,
            interchange=isa[13],
            group=gs[6] if gs is not None else None,
            segment_position=n,
        )
    return out


def write_interchange(
    envelope: Envelope,
    functional_id: str,
    version: str,
    transactions: Sequence[list[str]],
    *,
    newlines: bool = True,
) -> str:
    """Wrap transaction bodies (segments without terminators, ST..SE included) in ISA/GS/GE/IEA."""
    e = envelope
    c = e.created
    _check_id(e.sender_id, 15, "sender id")
    _check_id(e.receiver_id, 15, "receiver id")
    if not 0 < e.interchange_control_number < 10**9:
        raise X12Error("interchange control number must be 1..999999999")
    if not 0 < e.group_control_number < 10**9:
        raise X12Error("group control number must be 1..999999999")
    isa = (
        f"ISA*00*{'':10}*00*{'':10}*{e.sender_qualifier:2}*{e.sender_id:15}*"
        f"{e.receiver_qualifier:2}*{e.receiver_id:15}*{c:%y%m%d}*{format_time(c)}*^*00501*"
        f"{e.interchange_control_number:09d}*{'1' if e.acknowledgment_requested else '0'}*"
        f"{e.usage}*:"
    )
    gs_time = format_time(c) + (f"{c.second:02d}" if c.second else "")
    gs = (
        f"GS*{functional_id}*{e.application_sender}*{e.application_receiver}*"
        f"{format_date(c.date())}*{gs_time}*{e.group_control_number}*X*{version}"
    )
    sep = "~\n" if newlines else "~"
    parts = [isa, gs]
    for body in transactions:
        parts.extend(body)
    parts.append(f"GE*{len(transactions)}*{e.group_control_number}")
    parts.append(f"IEA*1*{e.interchange_control_number:09d}")
    return sep.join(parts) + sep


def _check_id(value: str, width: int, what: str) -> None:
    if not value or len(value) > width or any(ch in value for ch in "*^:~\n"):
        raise X12Error(f"{what} {value!r} must be 1..{width} characters without delimiters")
