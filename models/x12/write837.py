"""837P (005010X222A1) and 837I (005010X223A2) writers.

``write_837(envelope, batches)`` returns one interchange with one functional group
holding one 837 transaction per batch. The writer validates its input (NPI check
digits, codes, pointers, frequency/original claim number) and raises X12Error
instead of writing something a payer would reject. HL and LX numbers, CLM02,
segment counts and GE/IEA counts are computed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from .claim837 import Address, Batch837, Claim837, ClaimForm, Person, Provider
from .envelope import Envelope, write_interchange
from .errors import X12Error
from .segments import build, clean, has_delimiter
from .values import format_cents, format_date, format_time, npi_is_valid

__all__ = ["VERSION_837I", "VERSION_837P", "write_837"]

VERSION_837P = "005010X222A1"
VERSION_837I = "005010X223A2"

# Bound ``match`` methods: the writer calls them a few hundred thousand times per batch.
_ICD10 = re.compile(r"[A-TV-Z][0-9][0-9A-Z]{1,5}\Z").match
_PROC = re.compile(r"[A-Z0-9]{5}\Z").match
_MOD = re.compile(r"[A-Z0-9]{2}\Z").match
_REV = re.compile(r"[0-9]{4}\Z").match
_STATE = re.compile(r"[A-Z]{2}\Z").match
_ZIP = re.compile(r"[0-9]{5}([0-9]{4})?\Z").match
_CODE2 = re.compile(r"[A-Z0-9]{2}\Z").match
_FREQUENCIES = {True: ("1", "7", "8"), False: ("1", "2", "3", "4", "7", "8")}

# Codes a pattern has already accepted. Claims repeat the same few procedure codes,
# modifiers, diagnoses and states, and a set lookup costs a fraction of a match.
_PROCS: set[str] = set()
_MODS: set[str] = set()
_DIAGS: set[str] = set()
_STATES: set[str] = set()


def _accepted(seen: set[str], match: Callable[[str], object], values: Iterable[str]) -> bool:
    """Whether ``match`` accepts every value; remember them in ``seen`` if so."""
    values = tuple(values)
    if not all(map(match, values)):
        return False
    if len(seen) > 10_000:  # keep it small whatever the input
        seen.clear()
    seen.update(values)
    return True


def write_837(envelope: Envelope, batches: Sequence[Batch837], *, newlines: bool = True) -> str:
    """Write 837 batches (all professional or all institutional) as one interchange."""
    if not batches:
        raise X12Error("an 837 interchange needs at least one batch")
    form = batches[0].form
    bodies = []
    for batch in batches:
        if not batch.claims:
            raise X12Error(f"batch {batch.control_number} has no claims")
        if any(c.form is not form for c in batch.claims):
            raise X12Error("one interchange holds either professional or institutional claims")
        bodies.append(_transaction(batch, form))
    version = VERSION_837P if form is ClaimForm.PROFESSIONAL else VERSION_837I
    return write_interchange(envelope, "HC", version, bodies, newlines=newlines)


def _fail(claim: Claim837 | None, message: str) -> X12Error:
    where = f"claim {claim.patient_control_number}: " if claim is not None else ""
    return X12Error(where + message)


def _npi(npi: str, what: str, claim: Claim837 | None = None) -> str:
    if not npi_is_valid(npi):
        raise _fail(claim, f"{what} NPI {npi!r} fails the check digit")
    return npi


def _address(segs: list[str], addr: Address, what: str, *, zip9: bool = False) -> None:
    if addr.state not in _STATES and not _accepted(_STATES, _STATE, (addr.state,)):
        raise X12Error(f"{what} state {addr.state!r} is not a 2-letter code")
    if not _ZIP(addr.postal_code) or (zip9 and len(addr.postal_code) != 9):
        need = "9 digits" if zip9 else "5 or 9 digits"
        raise X12Error(f"{what} postal code {addr.postal_code!r} must be {need}")
    line1, line2, city = addr.line1, addr.line2, addr.city
    if has_delimiter(line1 + line2 + city):
        for value in (line1, line2, city):
            clean(value, what)
    segs.append(f"N3*{line1}*{line2}" if line2 else build("N3", line1))
    segs.append(f"N4*{city}*{addr.state}*{addr.postal_code}")


def _person_name(qual: str, p: Person | Provider, tail: tuple[str, ...] = ()) -> str:
    last, first = p.last_name, p.first_name
    middle = p.middle_name if isinstance(p, Person) else ""
    if has_delimiter(last + first + middle):
        clean(last, "last name")
        clean(first, "first name")
        clean(middle, "middle name")
    if tail and tail[-1]:
        return f"NM1*{qual}*1*{last}*{first}*{middle}***" + "*".join(tail)
    return build("NM1", qual, "1", last, first, middle, "", "", *tail)


def _demographics(segs: list[str], p: Person) -> None:
    if p.gender not in ("M", "F", "U"):
        raise X12Error(f"the patient's gender {p.gender!r} must be M, F or U")
    if p.birth_date is None:
        raise X12Error("the patient's birth date is required")
    segs.append(f"DMG*D8*{format_date(p.birth_date)}*{p.gender}")


def _transaction(batch: Batch837, form: ClaimForm) -> list[str]:
    prof = form is ClaimForm.PROFESSIONAL
    version = VERSION_837P if prof else VERSION_837I
    cn = batch.control_number
    if not (4 <= len(cn) <= 9 and cn.isdigit()):
        raise X12Error(f"ST02 control number {cn!r} must be 4..9 digits")
    sub, rec, bp = batch.submitter, batch.receiver, batch.billing_provider
    segs = [
        f"ST*837*{cn}*{version}",
        f"BHT*0019*00*{clean(batch.reference, 'reference')}*{format_date(batch.created.date())}"
        f"*{format_time(batch.created)}*CH",
        build(
            "NM1",
            "41",
            "2",
            clean(sub.name, "submitter name"),
            "",
            "",
            "",
            "",
            "46",
            clean(sub.id, "id"),
        ),
        build(
            "PER",
            "IC",
            clean(sub.contact_name or sub.name, "contact"),
            "TE",
            clean(sub.contact_phone or "0000000000", "phone"),
        ),
        build(
            "NM1",
            "40",
            "2",
            clean(rec.name, "receiver name"),
            "",
            "",
            "",
            "",
            "46",
            clean(rec.id, "id"),
        ),
        "HL*1**20*1",
    ]
    if bp.taxonomy:
        segs.append(f"PRV*BI*PXC*{clean(bp.taxonomy, 'taxonomy')}")
    segs.append(
        build(
            "NM1",
            "85",
            "2",
            clean(bp.name, "billing provider"),
            "",
            "",
            "",
            "",
            "XX",
            _npi(bp.npi, "billing provider"),
        )
    )
    _address(segs, bp.address, "billing provider", zip9=True)
    if not (len(bp.tax_id) == 9 and bp.tax_id.isdigit()):
        raise X12Error(f"billing provider tax id {bp.tax_id!r} must be 9 digits")
    segs.append(f"REF*EI*{bp.tax_id}")
    hl = 1
    for claim in batch.claims:
        hl = _claim(segs, claim, hl, prof)
    segs.append(f"SE*{len(segs) + 1}*{cn}")
    return segs


def _claim(segs: list[str], c: Claim837, hl: int, prof: bool) -> int:
    s = c.subscriber
    if not c.lines:
        raise _fail(c, "a claim needs at least one service line")
    if len(c.lines) > (50 if prof else 999):
        raise _fail(c, "too many service lines")
    if not 1 <= len(c.patient_control_number) <= 38:
        raise _fail(c, "patient control number must be 1..38 characters")
    allowed = _FREQUENCIES[prof]
    if c.frequency_code not in allowed:
        raise _fail(c, f"frequency code {c.frequency_code!r} must be one of {', '.join(allowed)}")
    if c.frequency_code in ("7", "8") and not c.original_claim_number:
        raise _fail(c, "a replacement or void needs the original payer claim number (REF*F8)")
    if not 1 <= len(c.diagnosis_codes) <= 12:
        raise _fail(c, "a claim needs 1..12 diagnosis codes")
    codes = c.diagnosis_codes
    if not _DIAGS.issuperset(codes) and not _accepted(_DIAGS, _ICD10, codes):
        code = next(x for x in c.diagnosis_codes if not _ICD10(x))
        raise _fail(c, f"diagnosis {code!r} is not an ICD-10-CM code without the dot")
    sub_hl = hl + 1
    dependent = c.patient is not None
    segs.append(f"HL*{sub_hl}*1*22*{'1' if dependent else '0'}")
    if s.payer_responsibility not in ("P", "S", "T"):
        raise _fail(c, "payer responsibility must be P, S or T")
    group, filing, member = s.group_number, s.claim_filing_indicator, s.member_id
    if has_delimiter(group + filing + member):
        clean(group, "group number")
        clean(filing, "claim filing indicator")
        clean(member, "member id")
    relation = "" if dependent else "18"
    segs.append(
        f"SBR*{s.payer_responsibility}*{relation}*{group}******{filing}"
        if filing
        else build("SBR", s.payer_responsibility, relation, group)
    )
    segs.append(_person_name("IL", s.person, ("MI", member)))
    if s.person.address is not None:
        _address(segs, s.person.address, "subscriber")
    elif not dependent:
        raise X12Error("the subscriber's address is required")
    if not dependent:
        _demographics(segs, s.person)
    p = c.payer
    name = clean(p.name, "payer name")
    payer_id = clean(p.payer_id, "payer id")
    if payer_id:
        segs.append(f"NM1*PR*2*{name}*****PI*{payer_id}")
    else:
        segs.append(build("NM1", "PR", "2", name, "", "", "", "", "PI", payer_id))
    if p.address is not None:
        _address(segs, p.address, "payer")
    hl = sub_hl
    if c.patient is not None:
        hl += 1
        if not _CODE2(c.patient_relationship):
            raise _fail(c, "patient relationship must be a 2-character code")
        segs.append(f"HL*{hl}*{sub_hl}*23*0")
        segs.append(f"PAT*{c.patient_relationship}")
        segs.append(_person_name("QC", c.patient))
        if c.patient.address is None:
            raise X12Error("the patient's address is required")
        _address(segs, c.patient.address, "patient")
        _demographics(segs, c.patient)
    total = format_cents(c.total_charge_cents)
    pcn = clean(c.patient_control_number, "patient control number")
    if prof:
        if not _CODE2(c.place_of_service):
            raise _fail(c, "place of service must be 2 characters")
        segs.append(f"CLM*{pcn}*{total}***{c.place_of_service}:B:{c.frequency_code}*Y*A*Y*Y")
    else:
        if not _CODE2(c.facility_type):
            raise _fail(c, "facility type (type of bill) must be 2 characters")
        segs.append(f"CLM*{pcn}*{total}***{c.facility_type}:A:{c.frequency_code}**A*Y*Y")
        start, end = c.service_period
        if end < start:
            raise _fail(c, "statement period ends before it starts")
        segs.append(f"DTP*434*RD8*{format_date(start)}-{format_date(end)}")
        segs.append(build("CL1", c.admission_type, c.admission_source, c.patient_status))
    if c.prior_authorization:
        segs.append(f"REF*G1*{clean(c.prior_authorization, 'prior authorization')}")
    if c.frequency_code in ("7", "8"):
        segs.append(f"REF*F8*{clean(c.original_claim_number, 'original claim number')}")
    if prof:  # one HI: principal then up to 11 others
        segs.append("*ABF:".join((f"HI*ABK:{codes[0]}", *codes[1:])))
    else:  # 837I: principal and other diagnoses are separate HI segments
        segs.append(f"HI*ABK:{codes[0]}")
        if len(codes) > 1:
            segs.append("HI*" + "*".join(f"ABF:{x}" for x in codes[1:]))
    if c.condition_codes:
        if prof:
            raise _fail(c, "condition codes belong on institutional claims")
        for code in c.condition_codes:
            if not _CODE2(code):
                raise _fail(c, f"condition code {code!r} must be 2 characters")
        segs.append("HI*" + "*".join(f"BG:{x}" for x in c.condition_codes[:12]))
    if prof:
        if c.rendering_provider is not None:
            _provider(segs, "82", "PE", c.rendering_provider, c)
    else:
        if c.attending_provider is None:
            raise _fail(c, "an institutional claim needs the attending provider")
        _provider(segs, "71", "AT", c.attending_provider, c)
    _lines(segs, c, prof)
    return hl


def _provider(segs: list[str], qual: str, prv: str, p: Provider, c: Claim837) -> None:
    segs.append(_person_name(qual, p, ("XX", _npi(p.npi, "provider", c))))
    if p.taxonomy:
        segs.append(f"PRV*{prv}*PXC*{clean(p.taxonomy, 'taxonomy')}")


def _lines(segs: list[str], c: Claim837, prof: bool) -> None:
    """LX, SV1/SV2 and DTP*472 for every line of the claim."""
    ndiag = len(c.diagnosis_codes)
    for n, line in enumerate(c.lines, 1):
        code, mods = line.procedure_code, line.modifiers
        if code not in _PROCS and not _accepted(_PROCS, _PROC, (code,)):
            raise _fail(c, f"procedure code {code!r} must be 5 characters")
        if mods and (len(mods) > 4 or not (_MODS.issuperset(mods) or _accepted(_MODS, _MOD, mods))):
            raise _fail(c, "up to 4 two-character modifiers per line")
        if line.charge_cents < 0:
            raise _fail(c, "line charge must not be negative")
        units = line.units
        if not 0 < units < 10_000:
            raise _fail(c, "units must be 1..9999")
        proc = ":".join(("HC", code, *mods)) if mods else "HC:" + code
        charge = format_cents(line.charge_cents)
        if prof:
            ptrs = line.diagnosis_pointers
            if not 1 <= len(ptrs) <= 4 or not 1 <= min(ptrs) <= max(ptrs) <= ndiag:
                raise _fail(c, "each line needs 1..4 diagnosis pointers into the claim's codes")
            pos = line.place_of_service
            if pos and not _CODE2(pos):
                raise _fail(c, "line place of service must be 2 characters")
            pointer = ":".join(map(str, ptrs))
            service = f"SV1*{proc}*{charge}*UN*{units}*{pos}**{pointer}"
        else:
            rev = line.revenue_code
            if not _REV(rev):
                raise _fail(c, f"revenue code {rev!r} must be 4 digits")
            service = f"SV2*{rev}*{proc}*{charge}*UN*{units}"
        segs += (f"LX*{n}", service, f"DTP*472*D8*{format_date(line.service_date)}")
