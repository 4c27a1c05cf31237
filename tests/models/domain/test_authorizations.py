from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.domain import (
    DomainError,
    Program,
    ServiceKind,
    TelehealthMode,
    apply_authorizations,
    capture_day,
    forecast,
)
from tests.factories import authorization, charge, documented_day, ruleset, service

MAR = date(2026, 3, 1)


def test_each_charge_consumes_units_of_the_covering_authorization() -> None:
    charges = [charge(day=MAR + timedelta(days=n)) for n in range(3)]
    result = apply_authorizations(
        charges, [authorization(units_authorized=5)], ruleset("medicaid_state")
    )
    assert [a.authorization_number for a in result.billable] == ["AUTH-1"] * 3
    assert result.held == ()
    (usage,) = result.usage
    assert (usage.units_used, usage.units_remaining) == (3, 2)


def test_charge_beyond_the_authorized_units_is_held_with_a_reason() -> None:
    charges = [charge(day=MAR + timedelta(days=n)) for n in range(3)]
    result = apply_authorizations(
        charges, [authorization(units_authorized=2)], ruleset("medicaid_state")
    )
    assert len(result.billable) == 2
    (held,) = result.held
    assert held.charge.date_of_service == MAR + timedelta(days=2)
    assert held.reason == "beyond authorized units: AUTH-1 has 0 of 2 units left, S9480 needs 1"
    assert held.to_dict()["held_reason"] == held.reason


def test_units_used_before_count_against_the_authorization() -> None:
    result = apply_authorizations(
        [charge()], [authorization(units_authorized=2, units_used=2)], ruleset("medicaid_state")
    )
    assert result.billable == ()


def test_charge_outside_the_authorized_dates_is_held() -> None:
    result = apply_authorizations(
        [charge(day=date(2026, 4, 2))], [authorization()], ruleset("medicaid_state")
    )
    assert result.billable == ()
    assert "outside the authorized dates (AUTH-1 2026-03-01–2026-03-31)" in result.held[0].reason
    assert result.held[0].authorization_number == "AUTH-1"


def test_charge_with_no_covering_authorization_is_held_when_the_payer_requires_one() -> None:
    result = apply_authorizations(
        [charge(code="90853")], [authorization()], ruleset("medicaid_state")
    )
    assert "requires prior authorization and none covers 90853" in result.held[0].reason


@pytest.mark.parametrize("day", [date(2026, 3, 5), date(2026, 5, 5)])
def test_payer_without_prior_auth_bills_uncovered_charges(day: date) -> None:
    result = apply_authorizations(
        [charge(code="90837", day=day), charge(code="S9480", day=day)],
        [authorization()],
        ruleset("commercial_gamma"),
    )
    assert len(result.billable) == 2
    assert result.held == ()


def test_second_authorization_is_used_when_the_first_is_exhausted() -> None:
    auths = [authorization(units_authorized=1), authorization(number="AUTH-2", units_authorized=1)]
    charges = [charge(day=MAR), charge(day=MAR + timedelta(days=1))]
    result = apply_authorizations(charges, auths, ruleset("medicaid_state"))
    assert [a.authorization_number for a in result.billable] == ["AUTH-1", "AUTH-2"]
    assert result.to_dict()["usage"][1]["units_remaining"] == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"number": " "}, "authorization_number"),
        ({"codes": ()}, "codes"),
        ({"codes": ("BAD",)}, "codes"),
        ({"end": date(2026, 2, 1)}, "end"),
        ({"units_authorized": -1}, "units_authorized"),
        ({"units_used": -2}, "units_used"),
    ],
)
def test_invalid_authorization_raises_domain_error(kwargs: dict, field: str) -> None:
    with pytest.raises(DomainError) as err:
        authorization(**kwargs)
    assert err.value.field == field


def test_forecast_run_out_date_follows_the_attendance_rate() -> None:
    auth = authorization(units_authorized=20, start=MAR, end=date(2026, 6, 30))
    consumed = [(MAR + timedelta(days=n), 1) for n in range(0, 14, 2)]  # 7 units in 14 days
    result = forecast(auth, consumed, ruleset("medicaid_state"), as_of=date(2026, 3, 14))
    assert result.units_remaining == 13
    assert result.units_per_week == 3.5
    assert result.run_out == date(2026, 4, 9)  # 13 units at 0.5/day → 26 days
    assert result.review_due == date(2026, 4, 4)  # 5 lead days in the Medicaid rule set
    assert "concurrent review 5 days ahead" in result.reason


def test_forecast_caps_run_out_at_the_end_of_the_authorized_dates() -> None:
    auth = authorization(units_authorized=100)
    consumed = [(MAR, 1), (MAR + timedelta(days=1), 1)]
    result = forecast(auth, consumed, ruleset("medicaid_state"), as_of=date(2026, 3, 3))
    assert result.run_out == date(2026, 3, 31)
    assert "authorized dates end" in result.reason


def test_forecast_with_no_attendance_uses_the_end_date() -> None:
    result = forecast(authorization(), [], ruleset("medicaid_state"), as_of=date(2026, 3, 10))
    assert result.run_out == date(2026, 3, 31)
    assert result.review_due == date(2026, 3, 26)
    assert "no attendance" in result.reason


def test_forecast_with_no_units_left_is_due_now() -> None:
    auth = authorization(units_authorized=2)
    result = forecast(
        auth, [(MAR, 1), (MAR, 1)], ruleset("medicaid_state"), as_of=date(2026, 3, 10)
    )
    assert (result.run_out, result.review_due, result.units_remaining) == (
        date(2026, 3, 10),
        date(2026, 3, 10),
        0,
    )
    assert result.to_dict()["run_out"] == "2026-03-10"


KINDS = st.sampled_from(list(ServiceKind))
SERVICES = st.lists(
    st.builds(lambda k, m: service(k, m), KINDS, st.integers(0, 300)), min_size=0, max_size=6
)


@settings(max_examples=150, deadline=None)
@given(
    payer=st.sampled_from(["medicaid_state", "commercial_alpha", "commercial_beta", "medicare"]),
    days=st.lists(
        st.tuples(
            st.integers(0, 45),
            SERVICES,
            st.sampled_from(list(Program)),
            st.sampled_from(list(TelehealthMode)),
        ),
        max_size=12,
    ),
    units=st.integers(0, 10),
    used=st.integers(0, 3),
)
def test_any_valid_days_never_bill_more_units_than_authorized(
    payer: str, days: list, units: int, used: int
) -> None:
    rules = ruleset(payer)
    auth = authorization(
        codes=("S9480", "H0015", "90837", "90834", "90832", "G0410", "90853"),
        units_authorized=units,
        units_used=min(used, units),
    )
    charges = []
    for offset, services, program, mode in days:
        day = (
            documented_day(
                *services, day=MAR + timedelta(days=offset), program=program, telehealth=mode
            )
            if services
            else None
        )
        if day is not None:
            charges.extend(capture_day(day, rules).charges)
    result = apply_authorizations(charges, [auth], rules)
    consumed = sum(a.charge.units for a in result.billable if a.authorization_number)
    assert consumed + auth.units_used <= auth.units_authorized
    assert len(result.billable) + len(result.held) == len(charges)
    for a in result.billable:
        if a.authorization_number:
            assert a.charge.date_of_service in auth.span
