"""Value conversions shared by readers and writers: money, dates, NPI, text."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

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


_AMOUNT = re.compile(r"(-?)([0-9]*)(?:\.([0-9]*))?\Z", re.ASCII)


def parse_cents(text: str) -> int:
    """Parse an X12 decimal amount ("12", "12.5", "-1.27", ".50") to integer cents exactly.

    Raises ValueError (callers wrap it in X12Error with a location) when the text
    is not a plain decimal or has fractions of a cent.
    """
    # Fast paths for the shapes payers send; str.isdigit on ASCII text is [0-9]+.
    if text.isascii():
        if text.isdigit():
            return int(text) * 100
        whole, dot, frac = text.partition(".")
        if dot and frac.isdigit() and (whole.isdigit() or not whole):
            if len(frac) == 2:
                return int(whole or "0") * 100 + int(frac)
            if len(frac) == 1:
                return int(whole or "0") * 100 + int(frac) * 10
    return _parse_cents_strict(text)


def _parse_cents_strict(text: str) -> int:
    m = _AMOUNT.match(text)
    if m is None:
        raise ValueError(f"{text!r} is not a decimal amount")
    sign, whole, frac = m.groups()
    if frac is None:
        if not whole:
            raise ValueError(f"{text!r} is not a decimal amount")
        value = int(whole) * 100
    else:
        if not frac or not (whole or frac):
            raise ValueError(f"{text!r} is not a decimal amount")
        if len(frac) == 2:
            value = int(whole or "0") * 100 + int(frac)
        elif len(frac) == 1:
            value = int(whole or "0") * 100 + int(frac) * 10
        elif frac[2:].strip("0"):
            raise ValueError(f"{text!r} has fractions of a cent")
        else:
            value = int(whole or "0") * 100 + int(frac[:2])
    return -value if sign else value


def parse_optional_cents(text: str) -> int | None:
    return None if text == "" else parse_cents(text)


def format_cents(cents: int) -> str:
    """Format integer cents the way X12 wants it: no trailing zeros, no leading '+'."""
    if cents >= 0:
        whole, frac, sign = cents // 100, cents % 100, ""
    else:
        whole, frac, sign = -cents // 100, -cents % 100, "-"
    if frac == 0:
        return f"{sign}{whole}"
    if frac % 10 == 0:
        return f"{sign}{whole}.{frac // 10}"
    return f"{sign}{whole}.{frac:02d}"


_DATES: dict[str, dt.date] = {}


def parse_date(text: str) -> dt.date:
    """CCYYMMDD to a date; ValueError when it is not a real calendar date."""
    hit = _DATES.get(text)
    if hit is not None:
        return hit
    if len(text) != 8 or not _DIGITS.issuperset(text):
        raise ValueError(f"{text!r} is not a CCYYMMDD date")
    try:
        value = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ValueError(f"{text!r} is not a calendar date") from None
    if len(_DATES) > 50_000:  # a file rarely spans many dates; keep the cache small
        _DATES.clear()
    _DATES[text] = value
    return value


@lru_cache(maxsize=8192)
def format_date(value: dt.date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def format_time(value: dt.datetime | dt.time) -> str:
    return f"{value.hour:02d}{value.minute:02d}"


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # d * 2 with its digits added


def npi_check_digit(first_nine: str) -> int:
    """Luhn check digit of an NPI computed over the '80840' prefix plus nine digits."""
    digits = "80840" + first_nine
    # doubled: the rightmost payload digit (it sits next to the check digit), then every other
    doubled = sum(map(_DOUBLED.__getitem__, map(int, digits[::-2])))
    return (10 - (doubled + sum(map(int, digits[-2::-2]))) % 10) % 10


@lru_cache(maxsize=8192)
def npi_is_valid(npi: str) -> bool:
    return len(npi) == 10 and _DIGITS.issuperset(npi) and npi_check_digit(npi[:9]) == int(npi[9])


def require(condition: bool, message: str) -> None:
    """Writer-side input check: raise X12Error for objects that cannot be written."""
    if not condition:
        raise X12Error(message)
