from datetime import date

import pytest

from models.domain.values import (
    ICD10,
    NPI,
    DateSpan,
    DomainError,
    Modifier,
    Money,
    PlaceOfService,
    ProcedureCode,
    RevenueCode,
    TypeOfBill,
    format_minutes,
    npi_check_digit,
)


@pytest.mark.parametrize("value", ["1234567893", "9876543213", " 1111111112 "])
def test_npi_with_valid_luhn_check_digit_is_accepted(value: str) -> None:
    assert NPI(value) == value.strip()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1234567890", "check digit"),
        ("123456789", "10 digits"),
        ("12345678AB", "10 digits"),
        ("", "10 digits"),
    ],
)
def test_invalid_npi_raises_domain_error_naming_field_and_value(value: str, reason: str) -> None:
    with pytest.raises(DomainError) as err:
        NPI(value, "billing_npi")
    assert err.value.field == "billing_npi"
    assert err.value.value in (value, value.strip())
    assert reason in err.value.reason


def test_npi_check_digit_is_luhn_over_80840_prefix() -> None:
    assert npi_check_digit("123456789") == "3"


def test_non_string_code_is_rejected() -> None:
    with pytest.raises(DomainError, match="must be a string"):
        NPI(1234567893)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "bh", "sud"),
    [
        ("F33.1", True, False),
        ("f10.20", True, True),
        ("F19", True, True),
        ("Z63.0", False, False),
        ("F0A", False, False),
        ("F3312", True, False),
    ],
)
def test_icd10_format_and_behavioral_health_ranges(value: str, bh: bool, sud: bool) -> None:
    code = ICD10(value)
    assert code.is_behavioral_health is bh
    assert code.is_substance_use is sud


@pytest.mark.parametrize("value", ["33.1", "F3", "FF3.1", "F33.12345", "F33..1"])
def test_invalid_icd10_is_rejected(value: str) -> None:
    with pytest.raises(DomainError) as err:
        ICD10(value)
    assert err.value.field == "diagnosis"


@pytest.mark.parametrize("value", ["90837", "S9480", "h0015", "G0410", "0001F", "0591T"])
def test_cpt_and_hcpcs_codes_are_accepted(value: str) -> None:
    assert ProcedureCode(value) == value.upper()


@pytest.mark.parametrize("value", ["9083", "908377", "Z1234", "S948"])
def test_malformed_procedure_codes_are_rejected(value: str) -> None:
    with pytest.raises(DomainError):
        ProcedureCode(value)


@pytest.mark.parametrize(
    ("cls", "good", "bad"),
    [
        (Modifier, "hq", "HQQ"),
        (PlaceOfService, "2", "1A"),
        (RevenueCode, "905", "09051"),
        (TypeOfBill, "0131", "931"),
    ],
)
def test_short_codes_normalise_and_validate(cls: type, good: str, bad: str) -> None:
    assert len(cls(good)) >= 2
    with pytest.raises(DomainError):
        cls(bad)


def test_type_of_bill_frequency_digit_can_be_replaced() -> None:
    tob = TypeOfBill("13X")
    assert tob.facility_classification == "13"
    assert tob.with_frequency("2") == "132"


def test_money_is_integer_cents_and_formats_as_dollars() -> None:
    assert Money.from_dollars("1234.5") == 123450
    assert str(Money.from_dollars("-0.07")) == "-$0.07"
    assert str(Money(123456)) == "$1,234.56"
    assert Money.from_dollars("12") == 1200


@pytest.mark.parametrize("value", [1.5, True, "12"])
def test_money_refuses_non_integers(value: object) -> None:
    with pytest.raises(DomainError):
        Money(value)  # type: ignore[arg-type]


def test_money_from_bad_dollar_text_names_the_field() -> None:
    with pytest.raises(DomainError) as err:
        Money.from_dollars("12.345", field="paid")
    assert err.value.field == "paid"


def test_date_span_is_inclusive_and_ordered() -> None:
    span = DateSpan(start=date(2026, 3, 1), end=date(2026, 3, 3))
    assert date(2026, 3, 3) in span
    assert date(2026, 3, 4) not in span
    assert "2026-03-01" not in span
    assert span.days == 3
    assert span.dates()[-1] == date(2026, 3, 3)
    assert span.to_dict() == {"start": "2026-03-01", "end": "2026-03-03"}
    with pytest.raises(DomainError) as err:
        DateSpan(start=date(2026, 3, 3), end=date(2026, 3, 1))
    assert err.value.field == "end"


@pytest.mark.parametrize(("minutes", "text"), [(190, "3 h 10 min"), (120, "2 h"), (45, "45 min")])
def test_format_minutes_reads_like_a_biller_would_write_it(minutes: int, text: str) -> None:
    assert format_minutes(minutes) == text
