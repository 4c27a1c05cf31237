"""Domain results cross process boundaries: JSON via to_dict, and Temporal payloads."""

import json
from datetime import date
from typing import Any

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter

from models.domain import (
    Clock,
    DomainError,
    Ledger,
    Program,
    TelehealthMode,
    add_claim,
    apply_authorizations,
    build_claims,
    capture_day,
    compute_deadline,
    forecast,
    post_adjudication,
    route_denial,
)
from models.domain.serialization import day_from_dict
from tests.factories import (
    adjudication,
    authorization,
    authorized,
    charge,
    claim,
    claim_context,
    documented_day,
    institutional_claim,
    ruleset,
)

D = date(2026, 4, 1)


def results() -> list[Any]:
    rules = ruleset()
    return [
        claim(),
        institutional_claim(),
        capture_day(documented_day(), rules),
        apply_authorizations([charge()], [authorization()], rules),
        forecast(authorization(), [(date(2026, 3, 2), 1)], rules, D),
        build_claims([authorized(charge())], rules, claim_context(), D),
        compute_deadline(Clock.APPEAL, ruleset("medicare"), D),
        route_denial("CO", 16, ["M76"], rules, D, D),
        post_adjudication(add_claim(Ledger(), claim()), adjudication()),
        post_adjudication(add_claim(Ledger(), claim()), adjudication()).ledger,
        rules,
    ]


@pytest.mark.parametrize("value", results(), ids=lambda v: type(v).__name__)
def test_result_to_dict_is_json_safe(value: Any) -> None:
    if hasattr(value, "to_dict"):
        assert json.loads(json.dumps(value.to_dict())) == value.to_dict()


@pytest.mark.parametrize("value", results(), ids=lambda v: type(v).__name__)
def test_result_round_trips_through_the_pydantic_temporal_converter(value: Any) -> None:
    converter = pydantic_data_converter.payload_converter
    payloads = converter.to_payloads([value])
    assert converter.from_payloads(payloads, [type(value)])[0] == value


def test_day_from_dict_builds_a_documented_day_with_defaults() -> None:
    day = day_from_dict(
        {
            "date": "2026-03-02",
            "program": "substance_use",
            "services": [{"kind": "group", "minutes": 90, "telehealth": "video"}],
        }
    )
    assert day.date == date(2026, 3, 2)
    assert day.program is Program.SUBSTANCE_USE
    assert day.telehealth is TelehealthMode.NONE
    assert day.services[0].telehealth is TelehealthMode.VIDEO


def test_day_from_dict_names_the_nested_field_on_error() -> None:
    with pytest.raises(DomainError) as err:
        day_from_dict(
            {
                "date": "2026-03-02",
                "program": "psychiatric",
                "services": [{"kind": "group", "minutes": "ninety"}],
            }
        )
    assert err.value.field == "services[0].minutes"
