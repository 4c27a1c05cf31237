"""Value conversions shared by readers and writers: money, dates, NPI, text."""

from __future__ import annotations

import datetime as dt

from .errors import X12Error

__all__ = [
    "format_cents",
    "format_date",
    "format_time",
    "npi_check_digit",
    "npi_is_valid",
    "parse_cents",
    "parse_date",
    "parse_optional_cents",
]

_DIGITS = frozenset("0123456789")


def parse_cents(text: str) -> int:
    """Parse an X12 decimal amount ("12", "12.5", "-1.27", ".50") to integer cents exactly.

    Raises ValueError (callers wrap it in X12Error with a location) when the text
    is not a plain decimal or has more than two significant decimals.
    """
    neg = text[:1] == "-"
    body = text[1:] if neg else text
    whole, dot, frac = body.partition(".")
    if not (whole or frac) or not _DIGITS.issuperset(whole) or not _DIGITS.issuperset(frac):
        raise ValueError(f"{text!r} is not a decimal amount")
    if dot and not frac:
        raise ValueError(f"{text!r} is not a decimal amount")
    if len(frac) > 2:
        if frac[2:].strip("0"):
            raise ValueError(f"{text!r} has fractions of a cent")
        frac = frac[:2]
    value = int(whole or "0") * 100 + (int(frac.ljust(2, "0")) if frac else 0)
    return -value if neg else value


def parse_optional_cents(text: str) -> int | None:
    return None if text == "" else parse_cents(text)


def format_cents(cents: int) -> str:
    """Format integer cents the way X12 wants it: no trailing zeros, no leading '+'."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    if frac == 0:
        return f"{sign}{whole}"
    if frac % 10 == 0:
        return f"{sign}{whole}.{frac // 10}"
    return f"{sign}{whole}.{frac:02d}"


def parse_date(text: str) -> dt.date:
    """CCYYMMDD to a date; ValueError when it is not a real calendar date."""
    if len(text) != 8 or not _DIGITS.issuperset(text):
        raise ValueError(f"{text!r} is not a CCYYMMDD date")
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ValueError(f"{text!r} is not a calendar date") from None


def format_date(value: dt.date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def format_time(value: dt.datetime | dt.time) -> str:
    return f"{value.hour:02d}{value.minute:02d}"


def npi_check_digit(first_nine: str) -> int:
    """Luhn check digit of an NPI computed over the '80840' prefix plus nine digits."""
    total = 0
    for i, ch in enumerate(reversed("80840" + first_nine)):
        d = int(ch)
        if i % 2 == 0:  # doubled: rightmost payload digit sits next to the check digit
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def npi_is_valid(npi: str) -> bool:
    return len(npi) == 10 and _DIGITS.issuperset(npi) and npi_check_digit(npi[:9]) == int(npi[9])


def require(condition: bool, message: str) -> None:
    """Writer-side input check: raise X12Error for objects that cannot be written."""
    if not condition:
        raise X12Error(message)
