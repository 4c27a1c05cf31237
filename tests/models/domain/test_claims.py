import json
from datetime import date, timedelta

import pytest

from models.domain import (
    AuthorizedCharge,
    Cadence,
    Claim,
    DateSpan,
    DomainError,
    Frequency,
    InterimState,
    billing_period,
    build_claims,
    replacement_claim,
    void_claim,
)
from tests.factories import authorized, charge, claim_context, claim_line, ruleset

MON = date(2026, 3, 2)  # a Monday


def week(start: date, n: int = 3, code: str = "S9480") -> list[AuthorizedCharge]:
    return [authorized(charge(code=code, day=start + timedelta(days=d))) for d in range(n)]


@pytest.mark.parametrize(
    ("day", "cadence", "start", "end"),
    [
        (date(2026, 3, 4), Cadence.WEEKLY, date(2026, 3, 2), date(2026, 3, 8)),
        (date(2026, 3, 8), Cadence.WEEKLY, date(2026, 3, 2), date(2026, 3, 8)),
        (date(2026, 2, 14), Cadence.MONTHLY, date(2026, 2, 1), date(2026, 2, 28)),
    ],
)
def test_billing_period_by_cadence(day: date, cadence: Cadence, start: date, end: date) -> None:
    assert billing_period(day, cadence) == DateSpan(start=start, end=end)


def test_episode_cadence_needs_the_episode_dates() -> None:
    with pytest.raises(DomainError) as err:
        billing_period(MON, Cadence.EPISODE)
    assert err.value.field == "admission_date"


def test_weekly_payer_gets_one_claim_per_closed_week_and_open_week_waits() -> None:
    charges = week(MON) + week(MON + timedelta(days=7))
    build = build_claims(
        charges, ruleset("medicaid_state"), claim_context(), as_of=date(2026, 3, 10)
    )
    (claim,) = build.claims
    assert (claim.statement_from, claim.statement_to) == (MON, MON + timedelta(days=2))
    assert claim.frequency_code is Frequency.ADMIT_THROUGH_DISCHARGE
    assert claim.type_of_bill == ""
    assert claim.prior_auth_number == "AUTH-1"
    assert [line.line_number for line in claim.lines] == [1, 2, 3]
    assert claim.lines[0].diagnosis_pointers == (1, 2)
    assert claim.total_cents == 3 * 45000
    assert len(build.pending) == 3
    assert "still open" in build.reason
    assert not build.awaits_remittance  # an open week waits for the calendar, not an 835
    json.dumps(build.to_dict())


def test_a_day_documented_after_its_week_was_billed_goes_on_a_late_claim_of_its_own() -> None:
    rules, ctx = ruleset("medicaid_state"), claim_context()
    (first,) = build_claims(week(MON, n=2), rules, ctx, as_of=date(2026, 3, 10)).claims
    late_day = [authorized(charge(day=MON + timedelta(days=2)))]  # Wednesday, documented late
    build = build_claims(late_day, rules, ctx, as_of=date(2026, 3, 11), billed={first.claim_id})
    (late,) = build.claims
    assert late.claim_id == f"{first.claim_id}:late-{(MON + timedelta(days=2)).isoformat()}"
    assert late.frequency_code is Frequency.ADMIT_THROUGH_DISCHARGE
    assert [line.date_of_service for line in late.lines] == [MON + timedelta(days=2)]
    assert first.total_cents + late.total_cents == 3 * 45000  # every documented day billed once
    assert build.pending == ()


def test_a_week_under_two_authorization_numbers_is_billed_on_one_claim_per_number() -> None:
    # Monday under a retro-authorization, Tuesday and Wednesday under the original one.
    charges = [
        authorized(charge(day=MON), "RETRO-9"),
        *[authorized(charge(day=MON + timedelta(days=d))) for d in (1, 2)],
    ]
    build = build_claims(
        charges, ruleset("medicaid_state"), claim_context(), as_of=date(2026, 3, 10)
    )
    retro, original = build.claims
    assert retro.claim_id == f"ep-1:medicaid_state:{MON.isoformat()}"  # the period's id
    assert retro.prior_auth_number == "RETRO-9"
    assert [line.date_of_service for line in retro.lines] == [MON]
    assert original.claim_id == f"ep-1:medicaid_state:{(MON + timedelta(days=1)).isoformat()}"
    assert original.prior_auth_number == "AUTH-1"
    assert {line.authorization_number for line in original.lines} == {"AUTH-1"}
    assert retro.total_cents + original.total_cents == 3 * 45000  # every day billed once


def test_two_numbers_from_the_same_first_day_get_distinct_claim_ids() -> None:
    charges = [
        authorized(charge(day=MON, code="S9480"), "A-1"),
        authorized(charge(day=MON, code="H0015"), "B-2"),
    ]
    build = build_claims(
        charges, ruleset("medicaid_state"), claim_context(), as_of=date(2026, 3, 10)
    )
    period_id = f"ep-1:medicaid_state:{MON.isoformat()}"
    assert [(c.claim_id, c.prior_auth_number) for c in build.claims] == [
        (period_id, "B-2"),  # H0015 sorts first on the day
        (f"{period_id}:auth-A-1", "A-1"),
    ]


def test_a_late_day_of_a_billed_interim_month_waits_for_a_replacement() -> None:
    rules, ctx = ruleset("medicare"), claim_context("medicare")
    (first,) = build_claims(medicare_charges(3), rules, ctx, as_of=date(2026, 4, 5)).claims
    late = [
        AuthorizedCharge(
            charge=charge(code="G0410", day=date(2026, 3, 20), revenue_code="0915", pos="")
        )
    ]
    build = build_claims(
        late,
        rules,
        ctx,
        as_of=date(2026, 4, 6),
        interim=InterimState(claims_sent=1),
        billed={first.claim_id},
    )
    assert build.claims == ()
    assert [p.charge.date_of_service for p in build.pending] == [date(2026, 3, 20)]
    assert f"already billed on interim claim {first.claim_id}" in build.reason
    assert "replacement" in build.reason


def test_discharge_closes_the_current_period() -> None:
    ctx = claim_context(discharge_date=MON + timedelta(days=2))
    build = build_claims(week(MON), ruleset("medicaid_state"), ctx, as_of=MON + timedelta(days=2))
    assert len(build.claims) == 1
    assert build.pending == ()


def test_monthly_payer_gets_one_claim_per_month() -> None:
    charges = week(date(2026, 3, 30), 4)  # 30, 31 March; 1, 2 April
    build = build_claims(
        charges,
        ruleset("commercial_beta"),
        claim_context("commercial_beta"),
        as_of=date(2026, 5, 1),
    )
    assert [len(c.lines) for c in build.claims] == [2, 2]
    assert build.claims[0].type_of_bill == "131"
    assert build.claims[0].lines[0].revenue_code == ""  # charges carried none here
    assert build.claims[0].condition_codes == ()


def test_episode_payer_bills_once_after_discharge() -> None:
    charges = week(MON, 3) + week(MON + timedelta(days=14), 2)
    rules = ruleset("commercial_gamma")
    open_build = build_claims(
        charges, rules, claim_context("commercial_gamma"), as_of=date(2026, 3, 20)
    )
    assert open_build.claims == ()
    ctx = claim_context("commercial_gamma", discharge_date=date(2026, 3, 17))
    (claim,) = build_claims(charges, rules, ctx, as_of=date(2026, 3, 20)).claims
    assert len(claim.lines) == 5


def test_a_period_of_more_than_50_lines_is_split_into_837p_claims_of_whole_days() -> None:
    days = [MON + timedelta(days=d) for d in range(30)]
    charges = [authorized(charge(code=c, day=d)) for d in days for c in ("90853", "90837")]
    ctx = claim_context("commercial_gamma", discharge_date=days[-1])
    claims = build_claims(charges, ruleset("commercial_gamma"), ctx, as_of=days[-1]).claims
    assert [len(c.lines) for c in claims] == [50, 10]  # 25 days of two lines, then 5
    first, second = claims
    assert (first.statement_from, first.statement_to) == (days[0], days[24])
    assert second.statement_from == days[25] and second.claim_id.endswith(days[25].isoformat())
    assert first.claim_id.endswith(MON.isoformat())  # the period's id, as before the split
    assert {c.frequency_code for c in claims} == {Frequency.ADMIT_THROUGH_DISCHARGE}
    assert [line.line_number for line in second.lines] == list(range(1, 11))


def test_episode_payer_without_admission_date_is_refused() -> None:
    with pytest.raises(DomainError):
        build_claims(
            week(MON),
            ruleset("commercial_gamma"),
            claim_context("commercial_gamma", admission_date=None),
            as_of=date(2026, 5, 1),
        )


def test_context_for_another_payer_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        build_claims(week(MON), ruleset("medicare"), claim_context(), as_of=date(2026, 5, 1))
    assert err.value.field == "payer_id"


def medicare_charges(*months: int) -> list[AuthorizedCharge]:
    return [
        AuthorizedCharge(
            charge=charge(code="G0410", day=date(2026, m, 10), revenue_code="0915", pos="")
        )
        for m in months
    ]


def test_medicare_first_interim_claim_is_frequency_2_with_condition_code_92() -> None:
    build = build_claims(
        medicare_charges(3, 4),
        ruleset("medicare"),
        claim_context("medicare"),
        as_of=date(2026, 5, 5),
    )
    (claim,) = build.claims
    assert claim.frequency_code is Frequency.INTERIM_FIRST
    assert (claim.type_of_bill, claim.condition_codes, claim.interim_sequence) == (
        "132",
        ("92",),
        1,
    )
    assert len(build.pending) == 1
    assert "awaits its remittance" in build.reason
    assert build.awaits_remittance


def test_medicare_next_interim_claim_waits_for_the_previous_remittance() -> None:
    build = build_claims(
        medicare_charges(4),
        ruleset("medicare"),
        claim_context("medicare"),
        as_of=date(2026, 5, 5),
        interim=InterimState(claims_sent=1, last_remitted=False),
    )
    assert build.claims == ()
    assert "interim claim 1 awaits its remittance" in build.reason
    assert build.awaits_remittance


def test_medicare_continuing_and_last_interim_claims_get_3_and_4() -> None:
    rules, state = ruleset("medicare"), InterimState(claims_sent=1, last_remitted=True)
    built = build_claims(
        medicare_charges(4), rules, claim_context("medicare"), as_of=date(2026, 5, 5), interim=state
    )
    assert not built.awaits_remittance  # nothing is left behind the continuing claim
    (cont,) = built.claims
    assert (cont.frequency_code, cont.type_of_bill, cont.interim_sequence) == (
        Frequency.INTERIM_CONTINUING,
        "133",
        2,
    )
    ctx = claim_context("medicare", discharge_date=date(2026, 5, 20))
    (last,) = build_claims(
        medicare_charges(5),
        rules,
        ctx,
        as_of=date(2026, 5, 21),
        interim=InterimState(claims_sent=2),
    ).claims
    assert (last.frequency_code, last.type_of_bill) == (Frequency.INTERIM_LAST, "134")


def test_medicare_single_claim_admit_through_discharge_is_frequency_1() -> None:
    ctx = claim_context("medicare", discharge_date=date(2026, 3, 20))
    (claim,) = build_claims(
        medicare_charges(3), ruleset("medicare"), ctx, as_of=date(2026, 3, 21)
    ).claims
    assert (claim.frequency_code, claim.type_of_bill) == (Frequency.ADMIT_THROUGH_DISCHARGE, "131")


def original() -> Claim:
    build = build_claims(
        medicare_charges(3), ruleset("medicare"), claim_context("medicare"), as_of=date(2026, 4, 5)
    )
    return build.claims[0]


def test_replacement_claim_is_frequency_7_and_cites_the_payer_claim_number() -> None:
    first = original()
    new = replacement_claim(
        first,
        " PCN-9 ",
        diagnosis_codes=("F10.20",),
        lines=(claim_line(1),),
        prior_auth_number="A-2",
    )
    assert (new.frequency_code, new.type_of_bill, new.original_claim_number) == (
        Frequency.REPLACEMENT,
        "137",
        "PCN-9",
    )
    assert new.claim_id.endswith(":r1")
    assert (new.diagnosis_codes, new.prior_auth_number, len(new.lines)) == (("F10.20",), "A-2", 1)
    same = replacement_claim(first, "PCN-9")
    assert same.lines == first.lines


def test_void_claim_is_frequency_8_and_cannot_itself_be_adjusted() -> None:
    void = void_claim(original(), "PCN-9")
    assert (void.frequency_code, void.type_of_bill) == (Frequency.VOID, "138")
    with pytest.raises(DomainError):
        replacement_claim(void, "PCN-9")


def test_replacement_without_payer_claim_number_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        void_claim(original(), " ")
    assert err.value.field == "original_claim_number"


def test_professional_replacement_has_no_type_of_bill() -> None:
    (claim,) = build_claims(
        week(MON), ruleset("medicaid_state"), claim_context(), as_of=date(2026, 4, 1)
    ).claims
    assert replacement_claim(claim, "X1").type_of_bill == ""


def test_claim_context_validates_the_billing_npi() -> None:
    with pytest.raises(DomainError) as err:
        claim_context(billing_npi="1234567890")
    assert err.value.field == "billing_npi"
