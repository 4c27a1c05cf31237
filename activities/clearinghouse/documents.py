"""Our two non-X12 documents: the "278-style" authorization request/response and the
appeal cover sheet. ``models.x12`` has no 278, so these are small, line-based formats of
our own (documented in docs/workflows.md):

    IOPBILL-AUTH-REQUEST/1          IOPBILL-AUTH-RESPONSE/1         IOPBILL-APPEAL/1
    control: 000000012              control: 000000013              control: 000000014
    episode: E0001                  episode: E0001                  claim: E0001+alpha+1
    payer: commercial_alpha         status: approved                level: 1
    member: M12345678               number: AUTH7F3A21              payer: commercial_alpha
    program: psychiatric            start: 2026-03-02               member: M12345678
    codes: S9480,H0015              end: 2026-03-31                 charge: 1350.00
    start: 2026-03-02               units: 20                       payer_claim_number: X1
    end: 2026-03-31                 codes: S9480,H0015              <blank line>
    units: 20                       message: approved as requested  the letter …

Keys are lower case, one per line, ``key: value``; readers raise :class:`DocumentError`
naming the line that is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "APPEAL",
    "AUTH_REQUEST",
    "AUTH_RESPONSE",
    "AppealSheet",
    "AuthRequest",
    "AuthResponse",
    "DocumentError",
    "read_appeal",
    "read_auth_request",
    "read_auth_response",
    "write_appeal",
    "write_auth_request",
    "write_auth_response",
]

AUTH_REQUEST = "IOPBILL-AUTH-REQUEST/1"
AUTH_RESPONSE = "IOPBILL-AUTH-RESPONSE/1"
APPEAL = "IOPBILL-APPEAL/1"
AUTH_STATUSES = ("approved", "partial", "denied", "pended")


class DocumentError(ValueError):
    """A malformed authorization or appeal document."""


@dataclass(frozen=True, kw_only=True)
class AuthRequest:
    control: str
    episode_id: str
    payer_id: str
    member_id: str
    program: str
    codes: tuple[str, ...]
    start: date
    end: date
    units: int


@dataclass(frozen=True, kw_only=True)
class AuthResponse:
    control: str
    episode_id: str
    status: str
    number: str = ""
    start: date | None = None
    end: date | None = None
    units: int = 0
    codes: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class AppealSheet:
    control: str
    claim_id: str
    level: int
    payer_id: str
    member_id: str
    charge_cents: int
    payer_claim_number: str = ""
    letter: str = ""


def _line(key: str, value: object) -> str:
    text = str(value)
    if "\n" in text or "\r" in text:
        raise DocumentError(f"{key} must be one line")
    return f"{key}: {text}"


def _fields(text: str, header: str) -> tuple[dict[str, str], str]:
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    lines = head.split("\n")
    if lines[0].strip() != header:
        raise DocumentError(f"line 1: expected {header!r}, found {lines[0][:40]!r}")
    fields: dict[str, str] = {}
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise DocumentError(f"line {n}: expected 'key: value', found {line[:40]!r}")
        fields[key.strip().lower()] = value.strip()
    return fields, body


def _need(fields: dict[str, str], key: str) -> str:
    value = fields.get(key, "")
    if not value:
        raise DocumentError(f"{key} is missing")
    return value


def _date(fields: dict[str, str], key: str, *, required: bool = True) -> date | None:
    value = fields.get(key, "")
    if not value:
        if required:
            raise DocumentError(f"{key} is missing")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DocumentError(f"{key} {value!r} is not a date YYYY-MM-DD") from None


def _int(fields: dict[str, str], key: str, default: int | None = None) -> int:
    value = fields.get(key, "")
    if not value and default is not None:
        return default
    if not value.isdigit():
        raise DocumentError(f"{key} {value!r} is not a whole number")
    return int(value)


def _codes(value: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in value.split(",") if c.strip())


def write_auth_request(r: AuthRequest) -> str:
    return (
        "\n".join(
            [
                AUTH_REQUEST,
                _line("control", r.control),
                _line("episode", r.episode_id),
                _line("payer", r.payer_id),
                _line("member", r.member_id),
                _line("program", r.program),
                _line("codes", ",".join(r.codes)),
                _line("start", r.start.isoformat()),
                _line("end", r.end.isoformat()),
                _line("units", r.units),
            ]
        )
        + "\n"
    )


def read_auth_request(text: str) -> AuthRequest:
    f, _ = _fields(text, AUTH_REQUEST)
    start, end = _date(f, "start"), _date(f, "end")
    assert start is not None and end is not None
    return AuthRequest(
        control=_need(f, "control"),
        episode_id=_need(f, "episode"),
        payer_id=_need(f, "payer"),
        member_id=f.get("member", ""),
        program=f.get("program", ""),
        codes=_codes(f.get("codes", "")),
        start=start,
        end=end,
        units=_int(f, "units"),
    )


def write_auth_response(r: AuthResponse) -> str:
    lines = [
        AUTH_RESPONSE,
        _line("control", r.control),
        _line("episode", r.episode_id),
        _line("status", r.status),
        _line("number", r.number),
        _line("start", r.start.isoformat() if r.start else ""),
        _line("end", r.end.isoformat() if r.end else ""),
        _line("units", r.units),
        _line("codes", ",".join(r.codes)),
        _line("message", r.message),
    ]
    return "\n".join(lines) + "\n"


def read_auth_response(text: str) -> AuthResponse:
    f, _ = _fields(text, AUTH_RESPONSE)
    status = _need(f, "status")
    if status not in AUTH_STATUSES:
        raise DocumentError(f"status {status!r} must be one of {', '.join(AUTH_STATUSES)}")
    return AuthResponse(
        control=_need(f, "control"),
        episode_id=_need(f, "episode"),
        status=status,
        number=f.get("number", ""),
        start=_date(f, "start", required=False),
        end=_date(f, "end", required=False),
        units=_int(f, "units", 0),
        codes=_codes(f.get("codes", "")),
        message=f.get("message", ""),
    )


def write_appeal(a: AppealSheet) -> str:
    head = [
        APPEAL,
        _line("control", a.control),
        _line("claim", a.claim_id),
        _line("level", a.level),
        _line("payer", a.payer_id),
        _line("member", a.member_id),
        _line("charge", f"{a.charge_cents // 100}.{a.charge_cents % 100:02d}"),
        _line("payer_claim_number", a.payer_claim_number),
    ]
    return "\n".join(head) + "\n\n" + a.letter.rstrip() + "\n"


def read_appeal(text: str) -> AppealSheet:
    f, body = _fields(text, APPEAL)
    charge = f.get("charge", "0")
    whole, _, frac = charge.partition(".")
    if not whole.isdigit() or not (frac + "00")[:2].isdigit():
        raise DocumentError(f"charge {charge!r} is not an amount")
    return AppealSheet(
        control=_need(f, "control"),
        claim_id=_need(f, "claim"),
        level=_int(f, "level"),
        payer_id=f.get("payer", ""),
        member_id=f.get("member", ""),
        charge_cents=int(whole) * 100 + int((frac + "00")[:2]),
        payer_claim_number=f.get("payer_claim_number", ""),
        letter=body.strip(),
    )
