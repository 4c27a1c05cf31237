"""277CA claim acknowledgment (005010X214) and 277 claim status response (005010X212).

Both share one object model: a report from a payer (or clearinghouse) with
providers, each with claims, each with STC statuses. In a 277CA the claim's
TRN02 is our patient control number; in a 277 it is the trace number of our 276
and the patient control number comes back in REF*EJ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .envelope import Envelope, write_interchange
from .errors import X12Error
from .segments import build, clean
from .values import format_cents, format_date, format_time

__all__ = [
    "VERSION_277",
    "VERSION_277CA",
    "ClaimStatus",
    "ClaimStatusReport",
    "LineStatus",
    "ProviderStatus",
    "StatusInfo",
    "write_277",
    "write_277ca",
]

VERSION_277CA = "005010X214"
VERSION_277 = "005010X212"
REJECTED_CATEGORIES = frozenset(("A3", "A6", "A7", "A8", "E1", "E2", "D0"))


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusInfo:
    category: str  # STC01-1: A1 received, A2 accepted, A3/A6/A7/A8 rejected, F1 paid, ...
    code: str  # STC01-2: claim status code
    entity: str = ""  # STC01-3: entity the status is about, e.g. 85 billing provider
    effective_date: dt.date | None = None  # STC02
    action: str = ""  # STC03: WQ accepted, U rejected (277CA)
    amount_cents: int | None = None  # STC04: total charge
    paid_cents: int | None = None  # STC05: payment (277)

    @property
    def rejected(self) -> bool:
        return self.category in REJECTED_CATEGORIES


@dataclass(frozen=True, slots=True, kw_only=True)
class LineStatus:
    procedure_code: str
    charge_cents: int
    paid_cents: int | None = None
    modifiers: tuple[str, ...] = ()
    statuses: tuple[StatusInfo, ...] = ()
    control_number: str = ""  # REF*FJ
    service_date: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimStatus:
    trace_number: str  # TRN02
    statuses: tuple[StatusInfo, ...]
    patient_control_number: str = ""
    last_name: str = ""
    first_name: str = ""
    member_id: str = ""
    payer_claim_number: str = ""  # REF*1K
    bill_type: str = ""  # REF*BLT
    service_from: dt.date | None = None
    service_to: dt.date | None = None
    lines: tuple[LineStatus, ...] = ()

    @property
    def rejected(self) -> bool:
        return any(s.rejected for s in self.statuses)

    @property
    def accepted(self) -> bool:
        return not self.rejected and any(s.category in ("A1", "A2") for s in self.statuses)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderStatus:
    name: str
    id: str  # NPI when id_qualifier is XX
    id_qualifier: str = "XX"
    statuses: tuple[StatusInfo, ...] = ()  # 277CA 2200C STC, required there
    claims: tuple[ClaimStatus, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimStatusReport:
    control_number: str
    reference: str  # BHT03
    created: dt.datetime  # BHT04 + BHT05
    payer_name: str
    payer_id: str
    receiver_name: str  # NM1*41: the submitter the report goes to
    receiver_id: str
    providers: tuple[ProviderStatus, ...]
    kind: str = "277CA"  # or "277"
    trace_number: str = ""  # 277CA 2200A TRN02
    received_date: dt.date | None = None  # 277CA DTP*050
    process_date: dt.date | None = None  # 277CA DTP*009
    batch_reference: str = ""  # 277CA 2200B TRN02: our BHT03
    batch_statuses: tuple[StatusInfo, ...] = ()  # 277CA 2200B STC

    @property
    def claims(self) -> tuple[ClaimStatus, ...]:
        return tuple(c for p in self.providers for c in p.claims)

    def by_patient_control_number(self) -> dict[str, ClaimStatus]:
        """Match acknowledgements to our claims (the last status for a number wins)."""
        return {c.patient_control_number: c for c in self.claims if c.patient_control_number}


# --------------------------------------------------------------------------- writing


def _stc(s: StatusInfo) -> str:
    comp = ":".join(x for x in (s.category, s.code, s.entity) if x)
    return build(
        "STC",
        comp,
        format_date(s.effective_date) if s.effective_date else "",
        s.action,
        "" if s.amount_cents is None else format_cents(s.amount_cents),
        "" if s.paid_cents is None else format_cents(s.paid_cents),
    )


def _dates(segs: list[str], start: dt.date | None, end: dt.date | None) -> None:
    if start and end and start != end:
        segs.append(f"DTP*472*RD8*{format_date(start)}-{format_date(end)}")
    elif start:
        segs.append(f"DTP*472*D8*{format_date(start)}")


def _transaction(r: ClaimStatusReport) -> list[str]:
    ca = r.kind == "277CA"
    if r.kind not in ("277CA", "277"):
        raise X12Error(f"report kind {r.kind!r} must be 277CA or 277")
    version = VERSION_277CA if ca else VERSION_277
    segs = [
        f"ST*277*{r.control_number}*{version}",
        f"BHT*{'0085' if ca else '0010'}*08*{clean(r.reference, 'reference')}*"
        f"{format_date(r.created.date())}*{format_time(r.created)}*{'TH' if ca else 'DG'}",
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
    ]
    if ca:
        segs.append(f"TRN*1*{clean(r.trace_number or r.reference, 'trace')}")
        if r.received_date:
            segs.append(f"DTP*050*D8*{format_date(r.received_date)}")
        if r.process_date:
            segs.append(f"DTP*009*D8*{format_date(r.process_date)}")
    segs.append("HL*2*1*21*1")
    segs.append(
        build(
            "NM1",
            "41",
            "2",
            clean(r.receiver_name, "receiver"),
            "",
            "",
            "",
            "",
            "46",
            clean(r.receiver_id, "id"),
        )
    )
    if ca:
        segs.append(f"TRN*2*{clean(r.batch_reference, 'batch reference')}")
        if not r.batch_statuses:
            raise X12Error("a 277CA needs the batch status (2200B STC)")
        segs.extend(_stc(s) for s in r.batch_statuses)
    hl = 2
    for p in r.providers:
        hl += 1
        provider_hl = hl
        segs.append(f"HL*{hl}*2*19*{'1' if p.claims else '0'}")
        segs.append(
            build(
                "NM1",
                "85" if ca else "1P",
                "2",
                clean(p.name, "provider"),
                "",
                "",
                "",
                "",
                p.id_qualifier,
                clean(p.id, "provider id"),
            )
        )
        if ca:
            segs.append("TRN*1*0")
            if not p.statuses or any(s.effective_date for s in p.statuses):
                raise X12Error(
                    f"provider {p.id}: a 277CA needs the provider status (2200C STC), "
                    "without an effective date (STC02 is not used there)"
                )
            segs.extend(_stc(s) for s in p.statuses)
        for c in p.claims:
            if not c.statuses:
                raise X12Error(f"claim {c.trace_number}: a status report needs STC")
            hl += 1
            segs.append(f"HL*{hl}*{provider_hl}*{'PT' if ca else '22*0'}")
            segs.append(
                build(
                    "NM1",
                    "QC" if ca else "IL",
                    "1",
                    clean(c.last_name, "name"),
                    clean(c.first_name, "name"),
                    "",
                    "",
                    "",
                    "MI" if c.member_id else "",
                    clean(c.member_id, "member id"),
                )
            )
            segs.append(f"TRN*2*{clean(c.trace_number, 'trace')}")
            segs.extend(_stc(s) for s in c.statuses)
            if c.payer_claim_number:
                segs.append(f"REF*1K*{clean(c.payer_claim_number, 'payer claim number')}")
            if c.bill_type:
                segs.append(f"REF*BLT*{clean(c.bill_type, 'bill type')}")
            if not ca and c.patient_control_number:
                segs.append(f"REF*EJ*{clean(c.patient_control_number, 'patient control number')}")
            if ca and c.patient_control_number != c.trace_number:
                raise X12Error("in a 277CA the claim's trace number is its patient control number")
            _dates(segs, c.service_from, c.service_to)
            for line in c.lines:
                proc = ":".join(("HC", clean(line.procedure_code, "procedure"), *line.modifiers))
                paid = "" if line.paid_cents is None else format_cents(line.paid_cents)
                segs.append(build("SVC", proc, format_cents(line.charge_cents), paid))
                segs.extend(_stc(s) for s in line.statuses)
                if line.control_number:
                    segs.append(f"REF*FJ*{clean(line.control_number, 'line control')}")
                _dates(segs, line.service_date, None)
    segs.append(f"SE*{len(segs) + 1}*{r.control_number}")
    return segs


def write_277ca(
    envelope: Envelope, reports: Sequence[ClaimStatusReport], *, newlines: bool = True
) -> str:
    if not reports or any(r.kind != "277CA" for r in reports):
        raise X12Error("write_277ca needs at least one report, all of kind 277CA")
    bodies = [_transaction(r) for r in reports]
    return write_interchange(envelope, "HN", VERSION_277CA, bodies, newlines=newlines)


def write_277(
    envelope: Envelope, reports: Sequence[ClaimStatusReport], *, newlines: bool = True
) -> str:
    if not reports or any(r.kind != "277" for r in reports):
        raise X12Error("write_277 needs at least one report, all of kind 277")
    bodies = [_transaction(r) for r in reports]
    return write_interchange(envelope, "HN", VERSION_277, bodies, newlines=newlines)
