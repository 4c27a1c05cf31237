"""270 eligibility inquiry and 271 response (005010X279A1): objects and writers.

The reader of both lives in ``read_eligibility``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .envelope import Envelope, write_interchange
from .errors import X12Error
from .segments import build, clean
from .values import format_cents, format_date, format_time, npi_is_valid

__all__ = [
    "MENTAL_HEALTH_SERVICE_TYPES",
    "VERSION_270",
    "Benefit",
    "EligibilityQuery",
    "EligibilityRequest",
    "EligibilityResponse",
    "EligibilityResult",
    "Member",
    "Rejection",
    "write_270",
    "write_271",
]

VERSION_270 = "005010X279A1"
# Service type codes (EB03/EQ01) that matter for behavioral health.
MENTAL_HEALTH_SERVICE_TYPES = frozenset(
    ("MH", "A4", "A5", "A6", "A7", "A8", "AI", "AJ", "AK", "CE", "CF", "CG", "CH")
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    last_name: str
    first_name: str
    birth_date: dt.date | None = None
    gender: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EligibilityQuery:
    trace_number: str  # TRN02; comes back in the 271
    member_id: str
    subscriber: Member
    service_date: dt.date
    service_types: tuple[str, ...] = ("30",)
    dependent: Member | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EligibilityRequest:
    control_number: str
    reference: str  # BHT03
    created: dt.datetime
    payer_name: str
    payer_id: str
    provider_name: str
    provider_npi: str
    queries: tuple[EligibilityQuery, ...]
    originator_id: str = "9000000000"  # TRN03: "9" + our tax id or DUNS


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejection:
    """AAA: the request could not be answered (e.g. 72 invalid member id, 75 not found)."""

    reason: str  # AAA03
    follow_up: str = ""  # AAA04
    valid: str = "N"  # AAA01


@dataclass(frozen=True, slots=True, kw_only=True)
class Benefit:
    code: str  # EB01: 1 active, 6 inactive, A co-insurance, B co-payment, C deductible, ...
    service_types: tuple[str, ...] = ()  # EB03, repeated
    coverage_level: str = ""  # EB02: IND, FAM, ...
    insurance_type: str = ""  # EB04
    plan_description: str = ""  # EB05
    time_period: str = ""  # EB06
    amount_cents: int | None = None  # EB07
    percent: str = ""  # EB08, as sent (e.g. 0.2)
    quantity_qualifier: str = ""  # EB09, e.g. VS visits
    quantity: str = ""  # EB10
    authorization_required: str = ""  # EB11: Y, N, U
    in_network: str = ""  # EB12: Y, N, W
    messages: tuple[str, ...] = ()  # MSG01

    @property
    def is_mental_health(self) -> bool:
        return not MENTAL_HEALTH_SERVICE_TYPES.isdisjoint(self.service_types)


@dataclass(frozen=True, slots=True, kw_only=True)
class EligibilityResult:
    trace_number: str
    member_id: str
    subscriber: Member
    dependent: Member | None = None
    group_number: str = ""  # REF*6P
    plan_begin: dt.date | None = None  # DTP*346 (or 291/356 start)
    plan_end: dt.date | None = None  # DTP*347 (or 291/357 end)
    benefits: tuple[Benefit, ...] = ()
    rejections: tuple[Rejection, ...] = ()

    @property
    def status(self) -> str:
        """active, inactive, or unknown (no EB01 1-5 or 6-8 came back)."""
        codes = {b.code for b in self.benefits}
        if codes & {"1", "2", "3", "4", "5"}:
            return "active"
        if codes & {"6", "7", "8"}:
            return "inactive"
        return "unknown"

    @property
    def mental_health_benefits(self) -> tuple[Benefit, ...]:
        return tuple(b for b in self.benefits if b.is_mental_health)


@dataclass(frozen=True, slots=True, kw_only=True)
class EligibilityResponse:
    control_number: str
    reference: str
    created: dt.datetime
    payer_name: str
    payer_id: str
    provider_name: str
    provider_npi: str
    results: tuple[EligibilityResult, ...] = ()
    rejections: tuple[Rejection, ...] = ()  # at payer or provider level


def _member(segs: list[str], qual: str, m: Member, member_id: str = "") -> None:
    segs.append(
        build(
            "NM1",
            qual,
            "1",
            clean(m.last_name, "last name"),
            clean(m.first_name, "first name"),
            "",
            "",
            "",
            "MI" if member_id else "",
            clean(member_id, "member id"),
        )
    )


def _dmg(segs: list[str], m: Member) -> None:
    if m.birth_date is not None:
        if m.gender not in ("", "M", "F", "U"):
            raise X12Error(f"gender {m.gender!r} must be M, F or U")
        segs.append(build("DMG", "D8", format_date(m.birth_date), m.gender))


def _head(
    st: str,
    cn: str,
    bht: str,
    ref: str,
    created: dt.datetime,
    payer: tuple[str, str],
    provider: tuple[str, str],
) -> list[str]:
    if not npi_is_valid(provider[1]):
        raise X12Error(f"provider NPI {provider[1]!r} fails the check digit")
    return [
        f"ST*{st}*{cn}*{VERSION_270}",
        f"BHT*0022*{bht}*{clean(ref, 'reference')}*{format_date(created.date())}"
        f"*{format_time(created)}",
        "HL*1**20*1",
        build(
            "NM1",
            "PR",
            "2",
            clean(payer[0], "payer"),
            "",
            "",
            "",
            "",
            "PI",
            clean(payer[1], "payer id"),
        ),
        "HL*2*1*21*1",
        build("NM1", "1P", "2", clean(provider[0], "provider"), "", "", "", "", "XX", provider[1]),
    ]


def _request(r: EligibilityRequest) -> list[str]:
    segs = _head(
        "270",
        r.control_number,
        "13",
        r.reference,
        r.created,
        (r.payer_name, r.payer_id),
        (r.provider_name, r.provider_npi),
    )
    hl = 2
    for q in r.queries:
        if not q.service_types:
            raise X12Error(f"inquiry {q.trace_number}: at least one service type (EQ)")
        hl += 1
        sub_hl = hl
        segs.append(f"HL*{hl}*2*22*{'1' if q.dependent else '0'}")
        trn = f"TRN*1*{clean(q.trace_number, 'trace')}*{clean(r.originator_id, 'originator')}"
        if q.dependent is None:
            segs.append(trn)
        _member(segs, "IL", q.subscriber, q.member_id)
        _dmg(segs, q.subscriber)
        if q.dependent is None:
            segs.append(f"DTP*291*D8*{format_date(q.service_date)}")
            segs.extend(f"EQ*{clean(t, 'service type')}" for t in q.service_types)
        else:
            hl += 1
            segs.append(f"HL*{hl}*{sub_hl}*23*0")
            segs.append(trn)
            _member(segs, "03", q.dependent)
            _dmg(segs, q.dependent)
            segs.append(f"DTP*291*D8*{format_date(q.service_date)}")
            segs.extend(f"EQ*{clean(t, 'service type')}" for t in q.service_types)
    segs.append(f"SE*{len(segs) + 1}*{r.control_number}")
    return segs


def _aaa(segs: list[str], rejections: Sequence[Rejection]) -> None:
    segs.extend(build("AAA", x.valid, "", x.reason, x.follow_up) for x in rejections)


def _response(r: EligibilityResponse) -> list[str]:
    segs = _head(
        "271",
        r.control_number,
        "11",
        r.reference,
        r.created,
        (r.payer_name, r.payer_id),
        (r.provider_name, r.provider_npi),
    )
    _aaa(segs, r.rejections)
    hl = 2
    for res in r.results:
        hl += 1
        sub_hl = hl
        segs.append(f"HL*{hl}*2*22*{'1' if res.dependent else '0'}")
        trn = f"TRN*2*{clean(res.trace_number, 'trace')}*9IOPBILL00"
        who = res.subscriber
        if res.dependent is None:
            segs.append(trn)
        _member(segs, "IL", who, res.member_id)
        if res.dependent is not None:
            _dmg(segs, who)
            hl += 1
            segs.append(f"HL*{hl}*{sub_hl}*23*0")
            segs.append(trn)
            _member(segs, "03", res.dependent)
            who = res.dependent
        _dmg(segs, who)
        _result_body(segs, res)
    segs.append(f"SE*{len(segs) + 1}*{r.control_number}")
    return segs


def _result_body(segs: list[str], res: EligibilityResult) -> None:
    if res.group_number:
        segs.append(f"REF*6P*{clean(res.group_number, 'group number')}")
    _aaa(segs, res.rejections)
    if res.plan_begin:
        segs.append(f"DTP*346*D8*{format_date(res.plan_begin)}")
    if res.plan_end:
        segs.append(f"DTP*347*D8*{format_date(res.plan_end)}")
    for b in res.benefits:
        segs.append(
            build(
                "EB",
                b.code,
                b.coverage_level,
                "^".join(clean(t, "service type") for t in b.service_types),
                b.insurance_type,
                clean(b.plan_description, "plan description"),
                b.time_period,
                "" if b.amount_cents is None else format_cents(b.amount_cents),
                b.percent,
                b.quantity_qualifier,
                b.quantity,
                b.authorization_required,
                b.in_network,
            )
        )
        segs.extend(f"MSG*{clean(m, 'message')}" for m in b.messages)


def write_270(
    envelope: Envelope, requests: Sequence[EligibilityRequest], *, newlines: bool = True
) -> str:
    if not requests or any(not r.queries for r in requests):
        raise X12Error("a 270 needs at least one request with at least one inquiry")
    return write_interchange(
        envelope, "HS", VERSION_270, [_request(r) for r in requests], newlines=newlines
    )


def write_271(
    envelope: Envelope, responses: Sequence[EligibilityResponse], *, newlines: bool = True
) -> str:
    if not responses:
        raise X12Error("a 271 needs at least one response")
    return write_interchange(
        envelope, "HB", VERSION_270, [_response(r) for r in responses], newlines=newlines
    )
