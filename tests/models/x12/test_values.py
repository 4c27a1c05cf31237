from __future__ import annotations

import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.x12 import X12Error
from models.x12.values import format_cents, npi_check_digit, npi_is_valid, parse_cents, parse_date


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_amounts_parse_exactly_to_cents(value):
    text = format(value, "f")
    assert parse_cents(text) == int(value * 100)
    assert parse_cents(format_cents(parse_cents(text))) == parse_cents(text)


@given(st.integers(-(10**12), 10**12))
def test_format_cents_round_trips(cents):
    text = format_cents(cents)
    assert parse_cents(text) == cents
    assert Decimal(text) * 100 == cents


@pytest.mark.parametrize(
    "text", ["", ".", "-", "1.", "1.005", "+1", " 1", "1_0", "١", "1e3", "--1", "1.2.3", "0x10"]
)
def test_non_amounts_are_refused(text):
    with pytest.raises(ValueError):
        parse_cents(text)


def test_trailing_zero_decimals_are_exact():
    assert parse_cents("10.500") == 1050
    assert parse_cents("-.5") == -50


@pytest.mark.parametrize(("npi", "ok"), [("1234567893", True), ("1912301953", True),
                                         ("1234567890", False), ("123456789", False),
                                         ("12345678a3", False)])  # fmt: skip
def test_npi_luhn_with_80840_prefix(npi, ok):
    assert npi_is_valid(npi) is ok


def test_npi_check_digit_completes_nine_digits():
    assert npi_check_digit("123456789") == 3


@pytest.mark.parametrize("text", ["20250230", "2025011", "2025-01-01", "00000000"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError, match="date"):
        parse_date(text)


def test_error_shows_every_location_field_and_survives_pickling():
    err = X12Error(
        "CLP02 is wrong",
        file="era.835",
        interchange="000000001",
        group="7",
        transaction="0001",
        segment_position=12,
        segment_id="CLP",
        element=2,
    )
    text = str(err)
    for part in ("era.835", "interchange 000000001", "group 7", "transaction 0001",
                 "segment 12 (CLP)", "element 2", "CLP02 is wrong"):  # fmt: skip
        assert part in text
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == text and again.segment_position == 12
