"""Cross-field rules of task forms: an answer the activity behind the task would refuse
is refused at the form, with every field named, instead of failing the workflow."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import models.episode_tasks  # noqa: F401  (registers the episode task forms)
from models.forms import INTAKE, FormInvalid, get_schema, rule_errors, validate_form

AS_OF = date(2031, 3, 3)


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(FormInvalid) as refused:
        validate_form(get_schema("authorization"), data, as_of=AS_OF)
    return refused.value.errors


def test_an_approved_authorization_without_number_dates_or_units_names_each_field() -> None:
    errors = errors_of({"status": "approved"})
    assert set(errors) == {"number", "start", "end", "units"}
    assert errors["number"] == "is required when status is approved"


@pytest.mark.parametrize("status", ["approved", "partial"])
def test_a_grant_of_zero_units_is_refused(status: str) -> None:
    data = {"status": status, "number": "PA-1", "start": "2031-03-03", "end": "2031-04-01"}
    assert errors_of({**data, "units": "0"}) == {
        "units": f"must be more than 0 when status is {status}"
    }


def test_a_last_day_before_the_first_is_refused_on_the_last_day() -> None:
    data = {"status": "approved", "number": "PA-1", "units": "20"}
    errors = errors_of({**data, "start": "2031-03-10", "end": "2031-03-01"})
    assert errors == {"end": "cannot be before start (2031-03-10)"}


def test_a_complete_grant_and_a_bare_denial_are_accepted() -> None:
    schema = get_schema("authorization")
    granted = {
        "status": "partial",
        "number": "PA-1",
        "start": "2031-03-03",
        "end": "2031-03-03",
        "units": "5",
    }
    assert validate_form(schema, granted, as_of=AS_OF)["units"] == 5
    assert validate_form(schema, {"status": "denied"}, as_of=AS_OF) == {"status": "denied"}


def test_a_bad_date_is_reported_once_as_a_date_error() -> None:
    data = {"status": "approved", "number": "PA-1", "units": "3", "end": "2031-04-01"}
    assert errors_of({**data, "start": "03/03/2031"}) == {"start": "must be a date YYYY-MM-DD"}


def test_the_rules_judge_a_record_of_typed_values_as_they_judge_the_form() -> None:
    schema = get_schema("authorization")
    grant = {"status": "approved", "number": "", "start": "2031-03-10", "end": "2031-03-01"}
    assert rule_errors(schema, {**grant, "units": 0}) == {
        "number": "is required when status is approved",
        "units": "must be more than 0 when status is approved",
        "end": "cannot be before start (2031-03-10)",
    }
    assert rule_errors(schema, {"status": "denied", "units": 0}) == {}


def test_only_a_form_with_a_not_future_field_needs_the_day() -> None:
    denied = validate_form(get_schema("authorization"), {"status": "denied"})
    assert denied == {"status": "denied"}
    with pytest.raises(TypeError, match="as_of"):
        validate_form(INTAKE, {"birth_date": "1985-05-05"})


HELD = {"days": ["2027-02-28", "2027-03-01"]}
RETRO = {
    "decision": "retro_authorization",
    "number": "RETRO-7",
    "start": "2027-02-28",
    "end": "2027-03-01",
    "units": "2",
}


def test_a_retro_authorization_must_take_in_every_held_day_the_task_lists() -> None:
    import models.claim_tasks  # noqa: F401  (registers held_days)

    schema = get_schema("held_days")
    assert validate_form(schema, RETRO, context=HELD)["end"] == "2027-03-01"
    late_start = {**RETRO, "start": "2027-03-01", "end": "2027-05-31"}
    with pytest.raises(FormInvalid) as bad:
        validate_form(schema, late_start, context=HELD)
    assert bad.value.errors == {"start": "must be on or before 2027-02-28, the first day listed"}
    early_end = {**RETRO, "start": "2026-11-27", "end": "2027-02-25"}
    with pytest.raises(FormInvalid) as bad:
        validate_form(schema, early_end, context=HELD)
    assert bad.value.errors == {"end": "must be on or after 2027-03-01, the last day listed"}


def test_the_held_days_rule_binds_only_a_retro_authorization_and_only_with_a_context() -> None:
    import models.claim_tasks  # noqa: F401

    schema = get_schema("held_days")
    write_off = {"decision": "write_off", "reason": "payer refused a retro-authorization"}
    assert validate_form(schema, write_off, context=HELD)["decision"] == "write_off"
    early_end = {**RETRO, "end": "2027-02-25", "start": "2026-11-27"}
    assert validate_form(schema, early_end)["end"] == "2027-02-25"  # no context: no rule
    assert validate_form(schema, early_end, context={})["end"] == "2027-02-25"  # none listed


ON_FILE = {"authorizations": {"PA-1": "2026-11-28 to 2026-12-11"}}


@pytest.mark.parametrize("schema_name", ["fix_claim", "fix_rejected_claim", "corrected_claim"])
def test_a_correction_names_an_authorization_the_task_lists_as_covering_the_claim(
    schema_name: str,
) -> None:
    """A number that does not cover the claim's dates would fail the scrubber again: the
    bench's biller once looped through 500 fix-claim tasks on one claim that way."""
    import models.claim_tasks  # noqa: F401

    schema = get_schema(schema_name)
    assert validate_form(schema, {"prior_auth_number": "pa-1"}, context=ON_FILE, as_of=AS_OF)
    with pytest.raises(FormInvalid) as bad:
        validate_form(schema, {"prior_auth_number": "BENCH-1"}, context=ON_FILE, as_of=AS_OF)
    assert bad.value.errors == {
        "prior_auth_number": "must be an authorization on file that covers this claim's "
        "dates (record a new one on the episode page first): PA-1 (2026-11-28 to 2026-12-11)"
    }
    # Left blank, or with nothing on file that covers the claim, any number may be given.
    assert (
        validate_form(schema, {"note": "resent"}, context=ON_FILE, as_of=AS_OF)["note"] == "resent"
    )
    none_on_file = {"authorizations": {}}
    assert validate_form(
        schema, {"prior_auth_number": "BENCH-1"}, context=none_on_file, as_of=AS_OF
    )
