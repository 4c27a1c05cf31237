from datetime import date

import pytest

from models.domain import Action, DomainError, GroupCode, Queue, route_denial
from tests.factories import ruleset

NOTICE = date(2026, 4, 10)
AS_OF = date(2026, 4, 12)
DOS = date(2026, 3, 2)

# Every CARC of the denial-routing table in BILLING_RULES.md, with its route.
TABLE = [
    ((16,), Queue.BILLING, Action.CORRECTED_CLAIM),
    ((4, 11, 146, 181, 182), Queue.CODING, Action.CORRECTED_CLAIM),
    ((5, 58, 282, 199), Queue.CODING, Action.CORRECTED_CLAIM),
    ((18,), Queue.BILLING, Action.CHECK_STATUS),
    ((22, 23), Queue.COB, Action.COB),
    ((26, 27, 31, 177, 239), Queue.ELIGIBILITY, Action.RERUN_ELIGIBILITY),
    ((29,), Queue.BILLING, Action.APPEAL_OR_WRITE_OFF),
    ((50, 150, 151, 152), Queue.CLINICAL_APPEALS, Action.APPEAL),
    ((96, 204, 167, 119, 35), Queue.BENEFITS, Action.APPEAL),
    ((97, 231, 234, 236), Queue.CODING, Action.CORRECTED_CLAIM),
    ((109, 300, 301), Queue.BILLING, Action.NEW_CLAIM_OTHER_PAYER),
    ((197, 39, 210), Queue.AUTHORIZATION, Action.CORRECTED_CLAIM),
    ((198, 222, 273), Queue.AUTHORIZATION, Action.CONCURRENT_REVIEW),
    ((170, 171, 185, 242, 299), Queue.CREDENTIALING, Action.CREDENTIALING),
    ((206, 207, 208), Queue.PROVIDER_DATA, Action.CORRECTED_CLAIM),
    ((252, 226, 163), Queue.RECORDS, Action.RECORDS_REQUEST),
    ((45,), Queue.POSTING, Action.ADJUST),
]
ROWS = [(carc, queue, action) for carcs, queue, action in TABLE for carc in carcs]


@pytest.mark.parametrize(("carc", "queue", "action"), ROWS)
def test_every_carc_in_the_table_routes_to_its_queue_and_action(
    carc: int, queue: Queue, action: Action
) -> None:
    route = route_denial("CO", carc, [], ruleset("medicaid_state"), AS_OF, NOTICE, DOS)
    assert (route.queue, route.action) == (queue, action)
    assert route.deadline.due >= AS_OF or route.action is Action.ADJUST
    assert route.reason.startswith(f"CO-{carc}: ")


@pytest.mark.parametrize("carc", [1, 2, 3])
def test_patient_deductible_coinsurance_copay_go_to_patient_billing(carc: int) -> None:
    route = route_denial("pr", str(carc), (), ruleset("medicaid_state"), AS_OF, NOTICE)
    assert (route.group, route.queue, route.action) == (
        GroupCode.PR,
        Queue.PATIENT_BILLING,
        Action.PATIENT_RESPONSIBILITY,
    )
    assert route.deadline.due == date(2026, 4, 26)


def test_not_covered_assigned_to_patient_is_patient_responsibility() -> None:
    route = route_denial("PR", 204, [], ruleset("commercial_alpha"), AS_OF, NOTICE)
    assert route.action is Action.PATIENT_RESPONSIBILITY


def test_missing_information_names_the_field_from_the_rarc_and_is_due_by_timely_filing() -> None:
    route = route_denial("CO", 16, ["m76", "N999"], ruleset("medicaid_state"), AS_OF, NOTICE, DOS)
    assert route.field == "diagnosis_codes"
    assert route.rarcs == ("M76", "N999")
    assert route.deadline.due == date(2026, 6, 5)  # 95 days from the date of service
    assert "field to fix: diagnosis_codes" in route.reason
    assert route.to_dict()["deadline"]["clock"] == "timely_filing"


def test_corrected_claim_without_date_of_service_is_due_by_the_first_appeal_deadline() -> None:
    route = route_denial("CO", 4, [], ruleset("medicaid_state"), AS_OF, NOTICE)
    assert route.deadline.due == date(2026, 6, 9)


def test_medicare_medical_necessity_appeal_counts_from_receipt_of_the_notice() -> None:
    route = route_denial("CO", 50, [], ruleset("medicare"), AS_OF, NOTICE)
    assert route.deadline.due == date(2026, 8, 13)  # notice + 5 + 120


def test_timely_filing_denial_needs_supervisor_approval_to_write_off() -> None:
    route = route_denial("CO", 29, [], ruleset("medicare"), AS_OF, NOTICE)
    assert route.needs_supervisor_approval
    assert route.to_dict()["needs_supervisor_approval"] is True


def test_contractual_adjustment_is_due_immediately() -> None:
    route = route_denial("CO", 45, [], ruleset("medicare"), AS_OF, NOTICE)
    assert route.deadline.due == AS_OF
    assert route.deadline.rule == "posted automatically"


def test_unknown_code_goes_to_general_review_never_dropped() -> None:
    route = route_denial("OA", 999, [], ruleset("medicare"), AS_OF, NOTICE)
    assert (route.queue, route.action, route.category) == (
        Queue.GENERAL_REVIEW,
        Action.REVIEW,
        "unknown",
    )
    assert route.deadline.due > AS_OF


@pytest.mark.parametrize(("group", "carc", "field"), [("XX", 16, "group"), ("CO", "A1", "carc")])
def test_bad_group_or_carc_raises_domain_error(group: str, carc: str, field: str) -> None:
    with pytest.raises(DomainError) as err:
        route_denial(group, carc, [], ruleset("medicare"), AS_OF, NOTICE)
    assert err.value.field == field


@pytest.mark.parametrize(("carc", "level"), [(50, 1), (29, 1), (198, 1), (16, 0), (999, 0)])
def test_appeal_routes_name_the_first_appeal_level(carc: int, level: int) -> None:
    route = route_denial("CO", carc, [], ruleset("medicare"), AS_OF, NOTICE)
    assert route.appeal_level == level
