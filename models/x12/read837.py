"""837P/837I reader (for the clearinghouse simulator and round-trip tests).

Reads the subset the writers produce into ``Batch837``/``Claim837``; segments of
the 837 guides that the model does not carry (pay-to, other subscriber and other
payer loops, ambulance, drug and repricing data, line-level providers) are read
past, never mixed into the claim. CLM02 must equal the sum of the line charges.
NPIs are not checked here: that is the writers' job.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .claim837 import (
    Address,
    Batch837,
    BillingProvider,
    Claim837,
    ClaimForm,
    Party,
    Payer,
    Person,
    Provider,
    ServiceLine,
    Subscriber,
)
from .document import Document, read_with
from .envelope import RawTransaction
from .errors import X12Error
from .values import format_cents, parse_cents, parse_date

__all__ = ["parse_837", "read_837"]


def read_837(text: str, file: str | None = None) -> Document[Batch837]:
    return read_with(text, file, "837", lambda raw: raw.set_id == "837", parse_837)


def _el(seg: list[str] | None, pos: int) -> str:
    return seg[pos] if seg is not None and pos < len(seg) else ""


class _Entity:
    """An NM1 with the N3/N4/DMG/PRV/REF that followed it."""

    def __init__(self, nm1: list[str]) -> None:
        self.nm1 = nm1
        self.n3: list[str] | None = None
        self.n4: list[str] | None = None
        self.dmg: list[str] | None = None
        self.prv = ""
        self.ref: dict[str, str] = {}


def parse_837(raw: RawTransaction) -> Batch837:
    segs = raw.segments
    comp = raw.delimiters.component
    prof = "X222" in raw.version
    form = ClaimForm.PROFESSIONAL if prof else ClaimForm.INSTITUTIONAL
    idx = 0

    def fail(message: str, element: int | None = None) -> X12Error:
        return raw.error(message, idx, element)

    def day(text: str, pos: int) -> dt.date:
        try:
            return parse_date(text)
        except ValueError as exc:
            raise fail(str(exc), pos) from None

    def address(e: _Entity) -> Address | None:
        if e.n3 is None or e.n4 is None:
            return None
        return Address(
            line1=_el(e.n3, 1),
            line2=_el(e.n3, 2),
            city=_el(e.n4, 1),
            state=_el(e.n4, 2),
            postal_code=_el(e.n4, 3),
        )

    def person(e: _Entity) -> Person:
        d = e.dmg
        return Person(
            last_name=_el(e.nm1, 3),
            first_name=_el(e.nm1, 4),
            middle_name=_el(e.nm1, 5),
            birth_date=day(_el(d, 2), 2) if _el(d, 2) else None,
            gender=_el(d, 3),
            address=address(e),
        )

    def provider(e: _Entity | None) -> Provider | None:
        if e is None:
            return None
        return Provider(
            last_name=_el(e.nm1, 3), first_name=_el(e.nm1, 4), npi=_el(e.nm1, 9), taxonomy=e.prv
        )

    bht: list[str] | None = None
    per: list[str] | None = None
    parties: dict[str, _Entity] = {}
    billing: _Entity | None = None
    entity: _Entity | None = None
    sbr: list[str] | None = None
    sub: _Entity | None = None
    payer: _Entity | None = None
    pat: list[str] | None = None
    patient: _Entity | None = None
    claim: dict[str, Any] | None = None
    claims: list[Claim837] = []
    in_other = False  # inside 2320/2330 other-subscriber loops, or line-level loops
    level = ""

    def close_claim() -> None:
        nonlocal claim
        if claim is None:
            return
        c = claim
        claim = None
        if not c["lines"]:
            raise raw.error(f"claim {c['pcn']} has no service lines", c["idx"])
        if sub is None or payer is None or sbr is None:
            raise raw.error("claim without subscriber (SBR, NM1*IL) and payer (NM1*PR)", c["idx"])
        lines = []
        for ln in c["lines"]:
            when = ln.pop("date") or c["from"]
            if when is None:
                raise raw.error(f"claim {c['pcn']}: a line has no service date", c["idx"])
            lines.append(ServiceLine(service_date=when, **ln))
        result = Claim837(
            form=form,
            patient_control_number=c["pcn"],
            subscriber=Subscriber(
                person=person(sub),
                member_id=_el(sub.nm1, 9),
                group_number=_el(sbr, 3),
                payer_responsibility=_el(sbr, 1),
                claim_filing_indicator=_el(sbr, 9),
            ),
            payer=Payer(name=_el(payer.nm1, 3), payer_id=_el(payer.nm1, 9), address=address(payer)),
            patient=person(patient) if patient is not None else None,
            patient_relationship=_el(pat, 1) if pat else "19",
            diagnosis_codes=tuple(c["diag"]),
            lines=tuple(lines),
            frequency_code=c["freq"],
            original_claim_number=c["refs"].get("F8", ""),
            prior_authorization=c["refs"].get("G1", ""),
            place_of_service=c["place"] if prof else "11",
            facility_type="13" if prof else c["place"],
            statement_from=c["from"],
            statement_to=c["to"],
            condition_codes=tuple(c["cond"]),
            admission_type=c["cl1"][0] if c["cl1"] else "3",
            admission_source=c["cl1"][1] if c["cl1"] else "1",
            patient_status=c["cl1"][2] if c["cl1"] else "01",
            rendering_provider=provider(c["82"]) if prof else None,
            attending_provider=None if prof else provider(c["71"]),
        )
        if result.total_charge_cents != c["total"]:
            raise raw.error(
                f"claim {c['pcn']}: CLM02 {format_cents(c['total'])} is not the sum of its lines "
                f"{format_cents(result.total_charge_cents)}",
                c["idx"],
                2,
            )
        claims.append(result)

    for idx in range(1, len(segs) - 1):
        seg = segs[idx]
        sid = seg[0]
        if sid == "HL":
            close_claim()
            level = _el(seg, 3)
            in_other = False
            entity = None
            if level == "22":
                sbr = sub = payer = pat = patient = None
            elif level == "23":
                pat = patient = None
            elif level != "20":
                raise fail(f"HL03 level {level!r} is not 20, 22 or 23", 3)
        elif sid == "NM1":
            q = _el(seg, 1)
            e = _Entity(seg)
            entity = e
            if in_other:
                continue
            if claim is not None:
                if q in ("82", "71"):
                    claim[q] = e
            elif level == "":
                parties[q] = e
            elif level == "20" and q == "85":
                billing = e
            elif level == "22" and q == "IL":
                sub = e
            elif level == "22" and q == "PR":
                payer = e
            elif level == "23" and q == "QC":
                patient = e
        elif sid == "N3":
            if entity is not None:
                entity.n3 = seg
        elif sid == "N4":
            if entity is not None:
                entity.n4 = seg
        elif sid == "DMG":
            if entity is not None:
                entity.dmg = seg
        elif sid == "PRV":
            if level == "20" and entity is None and _el(seg, 1) == "BI":
                parties["PRV"] = _Entity(seg)
            elif entity is not None:
                entity.prv = _el(seg, 3)
        elif sid == "REF":
            if claim is not None and not in_other and not claim["lines"]:
                claim["refs"][_el(seg, 1)] = _el(seg, 2)
            elif entity is not None:
                entity.ref[_el(seg, 1)] = _el(seg, 2)
        elif sid == "PER":
            if level == "":
                per = seg
        elif sid == "SBR":
            if claim is not None:
                in_other = True  # 2320 other subscriber information
            else:
                sbr = seg
        elif sid == "PAT":
            pat = seg
        elif sid == "CLM":
            close_claim()
            if level not in ("22", "23") or sub is None:
                raise fail("CLM outside a subscriber or patient level")
            where = _el(seg, 5).split(comp)
            if len(where) < 3 or not where[0] or not where[2]:
                raise fail(
                    f"CLM05 {_el(seg, 5)!r} must be place-or-facility{comp}qualifier{comp}"
                    f"frequency (component separator {comp!r})",
                    5,
                )
            try:
                total = parse_cents(_el(seg, 2))
            except ValueError as exc:
                raise fail(str(exc), 2) from None
            if not _el(seg, 1):
                raise fail("CLM01 patient control number is missing", 1)
            claim = {
                "idx": idx, "pcn": seg[1], "total": total, "place": where[0], "freq": where[2],
                "refs": {}, "diag": [], "cond": [], "cl1": None, "from": None, "to": None,
                "lines": [], "82": None, "71": None,
            }  # fmt: skip
            entity = None
            in_other = False
        elif sid == "DTP":
            if claim is None:
                continue
            q, fmt, value = _el(seg, 1), _el(seg, 2), _el(seg, 3)
            if fmt not in ("D8", "RD8"):
                if fmt == "DT":  # date and time (e.g. admission hour): read past
                    continue
                raise fail(f"DTP02 format {fmt!r} must be D8, RD8 or DT", 2)
            a, _, b = value.partition("-")
            start = day(a, 3)
            end = day(b, 3) if fmt == "RD8" else start
            if claim["lines"] and q == "472":
                claim["lines"][-1]["date"] = start
            elif not claim["lines"] and q == "434":
                claim["from"], claim["to"] = start, end
        elif sid == "CL1":
            if claim is not None:
                claim["cl1"] = (_el(seg, 1), _el(seg, 2), _el(seg, 3))
        elif sid == "HI":
            if claim is None or claim["lines"]:
                continue
            for item in seg[1:]:
                parts = item.split(comp)
                q = parts[0]
                if q in ("ABK", "BK", "ABF", "BF"):
                    claim["diag"].append(_el(parts, 1))
                elif q == "BG":
                    claim["cond"].append(_el(parts, 1))
        elif sid == "LX":
            if claim is None:
                raise fail("LX outside a claim")
            in_other = True  # line-level NM1 loops must not touch claim data
            entity = None
        elif sid in ("SV1", "SV2"):
            if claim is None:
                raise fail(f"{sid} outside a claim")
            if (sid == "SV1") != prof:
                raise fail(f"{sid} does not belong in an {form.value}")
            proc_at, charge_at, units_at = (1, 2, 4) if prof else (2, 3, 5)
            proc = _el(seg, proc_at).split(comp)
            if len(proc) < 2 or not proc[1]:
                raise fail("procedure composite (qualifier:code) is missing", proc_at)
            try:
                charge = parse_cents(_el(seg, charge_at))
                units = _units(_el(seg, units_at))
            except ValueError as exc:
                raise fail(str(exc), charge_at) from None
            pointers: tuple[int, ...] = ()
            if prof:
                try:
                    pointers = tuple(int(p) for p in _el(seg, 7).split(comp) if p)
                except ValueError:
                    raise fail("SV107 diagnosis pointers must be numbers", 7) from None
            claim["lines"].append(
                {
                    "procedure_code": proc[1],
                    "modifiers": tuple(m for m in proc[2:6] if m),
                    "charge_cents": charge,
                    "units": units,
                    "diagnosis_pointers": pointers or (1,),
                    "revenue_code": "" if prof else _el(seg, 1),
                    "place_of_service": _el(seg, 5) if prof else "",
                    "date": None,
                }
            )
        elif sid == "BHT":
            bht = seg
    idx = len(segs) - 1
    close_claim()
    if bht is None or billing is None or "41" not in parties or "40" not in parties:
        raise raw.error("an 837 needs BHT, submitter, receiver and billing provider", 1)
    if not claims:
        raise raw.error("an 837 without claims", 1)
    idx = 1
    hhmm = _el(bht, 5)
    try:
        at = dt.time(int(hhmm[:2]), int(hhmm[2:4]), int(hhmm[4:6] or 0))
    except ValueError:
        raise fail("BHT05 is not a time", 5) from None
    sub41, rec40 = parties["41"], parties["40"]
    return Batch837(
        control_number=raw.control_number,
        reference=_el(bht, 3),
        created=dt.datetime.combine(day(_el(bht, 4), 4), at),
        submitter=Party(
            name=_el(sub41.nm1, 3),
            id=_el(sub41.nm1, 9),
            contact_name=_el(per, 2),
            contact_phone=_el(per, 4) if _el(per, 3) == "TE" else "",
        ),
        receiver=Party(name=_el(rec40.nm1, 3), id=_el(rec40.nm1, 9)),
        billing_provider=BillingProvider(
            name=_el(billing.nm1, 3),
            npi=_el(billing.nm1, 9),
            tax_id=billing.ref.get("EI", billing.ref.get("SY", "")),
            address=address(billing) or Address(line1="", city="", state="", postal_code=""),
            taxonomy=_el(parties["PRV"].nm1, 3) if "PRV" in parties else "",
        ),
        claims=tuple(claims),
    )


def _units(text: str) -> int:
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()) or frac.strip("0"):
        raise ValueError(f"units {text!r} must be a whole number")
    return int(whole)
