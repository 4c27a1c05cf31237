from datetime import date

import pytest

from models.domain import Clock, DomainError, compute_deadline
from tests.factories import ruleset

D = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("payer", "clock", "kwargs", "due", "words"),
    [
        ("medicare", Clock.TIMELY_FILING, {}, date(2027, 3, 2), "timely filing 365 days"),
        ("medicaid_state", Clock.TIMELY_FILING, {}, date(2026, 6, 5), "timely filing 95 days"),
        ("commercial_alpha", Clock.TIMELY_FILING, {}, date(2026, 5, 31), "90 days"),
        ("medicare", Clock.ACK_WATCH, {}, date(2026, 3, 5), "no 999/277CA within 3 days"),
        ("medicare", Clock.PAYMENT_FOLLOWUP, {}, date(2026, 4, 1), "no 835 by day 30"),
        (
            "medicare",
            Clock.PAYMENT_FOLLOWUP,
            {"repeat": 2},
            date(2026, 4, 29),
            "repeat 2 every 14 days",
        ),
        (
            "medicare",
            Clock.APPEAL,
            {},
            date(2026, 7, 5),
            "level 1 redetermination: 120 days from receipt of the decision (notice 2026-03-02 + 5",
        ),
        ("medicare", Clock.APPEAL, {"level": 2}, date(2026, 9, 3), "reconsideration: 180 days"),
        ("medicare", Clock.APPEAL, {"level": 3}, date(2026, 5, 6), "ALJ hearing: 60 days"),
        (
            "commercial_gamma",
            Clock.APPEAL,
            {},
            date(2026, 8, 29),
            "ERISA internal appeal: 180 days from the decision notice",
        ),
        ("medicaid_state", Clock.PRIOR_AUTH_STANDARD, {}, date(2026, 3, 9), "standard prior-auth"),
        ("medicaid_state", Clock.PRIOR_AUTH_EXPEDITED, {}, date(2026, 3, 5), "72 h"),
        ("medicaid_state", Clock.CONCURRENT_REVIEW, {}, date(2026, 2, 25), "5 days before"),
        ("medicare", Clock.RECORDS_REQUEST, {}, date(2026, 4, 16), "records due 45 days"),
        ("medicare", Clock.TASK_FOLLOWUP, {}, date(2026, 3, 16), "work item due in 14 days"),
    ],
)
def test_every_clock_returns_its_due_date_and_the_rule(
    payer: str, clock: Clock, kwargs: dict, due: date, words: str
) -> None:
    deadline = compute_deadline(clock, ruleset(payer), D, **kwargs)
    assert deadline.due == due
    assert words in deadline.rule
    assert deadline.rule.startswith(f"{payer} 2026.1: ")
    assert deadline.to_dict()["clock"] == clock.value


@pytest.mark.parametrize(("kwargs", "field"), [({"level": 6}, "level"), ({"repeat": -1}, "repeat")])
def test_impossible_deadline_requests_raise_domain_error(kwargs: dict, field: str) -> None:
    with pytest.raises(DomainError) as err:
        compute_deadline(Clock.APPEAL, ruleset("medicare"), D, **kwargs)
    assert err.value.field == field


def test_medicare_recertification_is_due_every_other_month() -> None:
    deadline = compute_deadline(Clock.RECERTIFICATION, ruleset("medicare"), D)
    assert deadline.due == date(2026, 5, 1)
    assert "plan of care every 60 days" in deadline.rule


def test_payer_without_recertification_has_no_such_clock() -> None:
    with pytest.raises(DomainError) as err:
        compute_deadline(Clock.RECERTIFICATION, ruleset("commercial_alpha"), D)
    assert err.value.field == "clock"
