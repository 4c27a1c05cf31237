"""Validated value types: codes, identifiers, money and date spans.

Each code type is a ``str`` subclass (an ``int`` subclass for money) so it drops into
frozen dataclasses and JSON without conversion; constructing one validates it. Every
invalid value raises :class:`DomainError`, which names the field and the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar, Self


class DomainError(ValueError):
    """The one error raised by ``models.domain`` for a bad value or an impossible request."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"{field}: {reason} (got {value!r})")
        self.field = field
        self.value = value
        self.reason = reason


class _Code(str):
    """A string validated against a pattern at construction."""

    FIELD: ClassVar[str] = "code"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r".+")
    REASON: ClassVar[str] = "invalid format"

    def __new__(cls, value: str, field: str | None = None) -> Self:
        name = field or cls.FIELD
        if not isinstance(value, str):
            raise DomainError(name, value, "must be a string")
        text = cls._normalise(value)
        if not cls.PATTERN.fullmatch(text):
            raise DomainError(name, value, cls.REASON)
        cls._check(text, name)
        return super().__new__(cls, text)

    @classmethod
    def _normalise(cls, value: str) -> str:
        return value.strip().upper()

    @classmethod
    def _check(cls, text: str, field: str) -> None:
        """Extra validation beyond the pattern; default none."""


def luhn_valid(digits: str) -> bool:
    """True when the Luhn checksum of ``digits`` (last digit is the check digit) is 0 mod 10."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def npi_check_digit(first_nine: str) -> str:
    """The NPI check digit for nine digits: Luhn over the prefix "80840" + the nine digits."""
    for candidate in "0123456789":
        if luhn_valid("80840" + first_nine + candidate):
            return candidate
    raise AssertionError("unreachable: one Luhn digit always fits")  # pragma: no cover


class NPI(_Code):
    """National Provider Identifier: 10 digits, Luhn check over "80840" + first 9."""

    FIELD = "npi"
    PATTERN = re.compile(r"\d{10}")
    REASON = "must be 10 digits"

    @classmethod
    def _check(cls, text: str, field: str) -> None:
        if not luhn_valid("80840" + text):
            raise DomainError(field, text, "check digit does not match (Luhn over 80840 + NPI)")


class ICD10(_Code):
    """ICD-10-CM code format: letter, digit, alphanumeric, optional dot, up to 4 more."""

    FIELD = "diagnosis"
    PATTERN = re.compile(r"[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?")
    REASON = "not an ICD-10-CM code (letter, digit, alphanumeric, optional dot + up to 4)"

    @property
    def is_behavioral_health(self) -> bool:
        """F01–F99: mental, behavioural and neurodevelopmental disorders."""
        return self[0] == "F" and self[1:3].isdigit() and 1 <= int(self[1:3]) <= 99

    @property
    def is_substance_use(self) -> bool:
        """F10–F19: substance use disorders."""
        return self[0] == "F" and self[1:3].isdigit() and 10 <= int(self[1:3]) <= 19


class ProcedureCode(_Code):
    """CPT (5 digits, or 4 digits + F/T) or HCPCS Level II (letter + 4 digits)."""

    FIELD = "code"
    PATTERN = re.compile(r"\d{5}|\d{4}[FT]|[A-V]\d{4}")
    REASON = "not a CPT or HCPCS code"


class Modifier(_Code):
    """A two-character procedure modifier (e.g. HQ, 95, GT, U1, XU)."""

    FIELD = "modifier"
    PATTERN = re.compile(r"[0-9A-Z]{2}")
    REASON = "must be 2 letters/digits"


class PlaceOfService(_Code):
    """CMS place-of-service code: two digits."""

    FIELD = "pos"
    PATTERN = re.compile(r"\d{2}")
    REASON = "must be 2 digits"

    @classmethod
    def _normalise(cls, value: str) -> str:
        text = value.strip()
        return text.zfill(2) if text.isdigit() and len(text) == 1 else text


class TypeOfBill(_Code):
    """UB-04 type of bill: facility type, classification, frequency (``X`` = template)."""

    FIELD = "type_of_bill"
    PATTERN = re.compile(r"0?[1-8][1-9][0-9A-Z]")
    REASON = "must be facility digit, classification digit, frequency (e.g. 131, 13X)"

    @classmethod
    def _normalise(cls, value: str) -> str:
        text = value.strip().upper()
        return text[1:] if len(text) == 4 and text.startswith("0") else text

    @property
    def facility_classification(self) -> str:
        """The first two digits (e.g. "13" hospital outpatient)."""
        return self[:2]

    def with_frequency(self, frequency: str) -> TypeOfBill:
        """The same facility/classification with a concrete frequency digit."""
        return TypeOfBill(self[:2] + frequency)


class RevenueCode(_Code):
    """UB-04 revenue code: four digits (leading zero kept)."""

    FIELD = "revenue_code"
    PATTERN = re.compile(r"\d{4}")
    REASON = "must be 4 digits"

    @classmethod
    def _normalise(cls, value: str) -> str:
        text = value.strip()
        return text.zfill(4) if text.isdigit() and len(text) == 3 else text


class ConditionCode(_Code):
    """UB-04 condition code: two letters/digits (e.g. 92 = intensive outpatient)."""

    FIELD = "condition_code"
    PATTERN = re.compile(r"[0-9A-Z]{2}")
    REASON = "must be 2 letters/digits"


class Money(int):
    """An amount in integer cents. Never a float."""

    def __new__(cls, cents: int, field: str = "amount") -> Self:
        if isinstance(cents, bool) or not isinstance(cents, int):
            raise DomainError(field, cents, "money must be integer cents")
        return super().__new__(cls, cents)

    @classmethod
    def from_dollars(cls, text: str, field: str = "amount") -> Money:
        """Parse "123.45" / "-1.5" / "12" into cents without floats."""
        match = re.fullmatch(r"(-?)(\d+)(?:\.(\d{1,2}))?", text.strip())
        if not match:
            raise DomainError(field, text, "not a dollar amount")
        sign, whole, frac = match.groups()
        cents = int(whole) * 100 + int((frac or "0").ljust(2, "0"))
        return cls(-cents if sign else cents, field)

    def __str__(self) -> str:
        sign = "-" if self < 0 else ""
        return f"{sign}${abs(self) // 100:,}.{abs(self) % 100:02d}"


@dataclass(frozen=True, kw_only=True)
class DateSpan:
    """An inclusive span of dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise DomainError("end", self.end.isoformat(), "span ends before it starts")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        """Number of calendar days in the span, both ends included."""
        return (self.end - self.start).days + 1

    def dates(self) -> tuple[date, ...]:
        """Every date in the span, in order."""
        return tuple(self.start + timedelta(days=n) for n in range(self.days))

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def format_minutes(minutes: int) -> str:
    """Human text for a duration: 190 → "3 h 10 min", 45 → "45 min", 120 → "2 h"."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"
