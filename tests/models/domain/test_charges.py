from datetime import date

import pytest

from models.domain import (
    DocumentedDay,
    DomainError,
    Program,
    Service,
    ServiceKind,
    TelehealthMode,
    capture_day,
)
from tests.factories import CLINICIAN_NPI, documented_day, ruleset, service

K = ServiceKind


def codes(result: object) -> list[tuple[str, int]]:
    return [(c.code, c.units) for c in result.charges]  # type: ignore[attr-defined]


def test_day_at_threshold_is_billed_per_diem_with_reason() -> None:
    day = documented_day(service(K.GROUP, 120), service(K.INDIVIDUAL, 70))
    result = capture_day(day, ruleset("medicaid_state"))
    (charge,) = result.charges
    assert (charge.code, charge.units, charge.pos) == ("S9480", 1, "52")
    assert charge.modifiers == ("HE", "U6")
    assert charge.reason == "3 h 10 min documented ≥ 180 min threshold → S9480 × 1"
    assert charge.charge_cents == 45000
    assert charge.per_diem
    assert charge.rendering_npi == ""


@pytest.mark.parametrize(
    ("payer", "program", "code", "revenue", "pos", "modifiers"),
    [
        ("medicaid_state", Program.SUBSTANCE_USE, "H0015", "", "57", ("HF", "U7")),
        ("commercial_alpha", Program.PSYCHIATRIC, "S9480", "", "52", ()),
        ("commercial_beta", Program.PSYCHIATRIC, "S9480", "0905", "", ()),
        ("commercial_beta", Program.SUBSTANCE_USE, "H0015", "0906", "", ()),
    ],
)
def test_per_diem_code_revenue_code_and_pos_follow_program_and_form(
    payer: str, program: Program, code: str, revenue: str, pos: str, modifiers: tuple[str, ...]
) -> None:
    day = documented_day(service(K.GROUP, 180), program=program)
    (charge,) = capture_day(day, ruleset(payer)).charges
    assert (charge.code, charge.revenue_code, charge.pos, charge.modifiers) == (
        code,
        revenue,
        pos,
        modifiers,
    )


def test_commercial_gamma_threshold_is_150_minutes() -> None:
    day = documented_day(service(K.GROUP, 150))
    assert codes(capture_day(day, ruleset("commercial_gamma"))) == [("S9480", 1)]


@pytest.mark.parametrize(
    ("minutes", "code"),
    [(16, "90832"), (37, "90832"), (38, "90834"), (52, "90834"), (53, "90837"), (90, "90837")],
)
def test_short_day_is_billed_by_psychotherapy_time_band(minutes: int, code: str) -> None:
    day = documented_day(service(K.INDIVIDUAL, minutes))
    result = capture_day(day, ruleset("medicaid_state"))
    assert codes(result) == [(code, 1)]
    assert "< 180 min threshold, component billing" in result.charges[0].reason
    assert not result.charges[0].per_diem


def test_psychotherapy_under_16_minutes_is_not_billable() -> None:
    result = capture_day(documented_day(service(K.INDIVIDUAL, 15)), ruleset("medicaid_state"))
    assert result.charges == ()
    assert result.not_billed[0].kind is K.INDIVIDUAL
    assert "under 16 min: not billable" in result.not_billed[0].reason


def test_short_day_is_not_billed_at_all_where_the_payer_says_so() -> None:
    day = documented_day(service(K.GROUP, 90), service(K.INDIVIDUAL, 45))
    result = capture_day(day, ruleset("commercial_beta"))
    assert result.charges == ()
    assert len(result.not_billed) == 2
    assert "short days not billed" in result.not_billed[0].reason


def test_medicare_bills_every_service_with_revenue_codes_even_on_a_long_day() -> None:
    day = documented_day(service(K.GROUP, 120), service(K.INDIVIDUAL, 60), service(K.GROUP, 60))
    result = capture_day(day, ruleset("medicare"))
    assert [(c.code, c.units, c.revenue_code) for c in result.charges] == [
        ("90837", 1, "0914"),
        ("G0410", 2, "0915"),
    ]
    assert all(c.pos == "" for c in result.charges)
    assert result.charges[0].reason.startswith("billed per service: ")


def test_group_gets_hq_where_the_rule_set_says_so() -> None:
    day = documented_day(service(K.GROUP, 60, clinician_npi=CLINICIAN_NPI))
    (charge,) = capture_day(day, ruleset("medicaid_state")).charges
    assert (charge.code, charge.modifiers) == ("90853", ("HQ",))
    assert charge.rendering_npi == CLINICIAN_NPI


def test_group_with_zero_minutes_is_not_billed() -> None:
    result = capture_day(documented_day(service(K.GROUP, 0)), ruleset("medicaid_state"))
    assert result.charges == ()


@pytest.mark.parametrize(
    ("kind", "minutes", "expected"),
    [
        (K.FAMILY_WITH_PATIENT, 26, [("90847", 1)]),
        (K.FAMILY_WITHOUT_PATIENT, 50, [("90846", 1)]),
        (K.FAMILY_WITH_PATIENT, 25, []),
        (K.FAMILY_WITHOUT_PATIENT, 10, []),
    ],
)
def test_family_codes_need_26_minutes(kind: ServiceKind, minutes: int, expected: list) -> None:
    result = capture_day(documented_day(service(kind, minutes)), ruleset("medicaid_state"))
    assert codes(result) == expected
    if not expected:
        assert "under 26 min" in result.not_billed[0].reason


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (30, [("90839", 1)]),
        (74, [("90839", 1)]),
        (75, [("90839", 1), ("90840", 1)]),
        (104, [("90839", 1), ("90840", 1)]),
        (105, [("90839", 1), ("90840", 2)]),
        (29, [("90832", 1)]),
    ],
)
def test_crisis_is_90839_for_the_first_hour_plus_90840_per_further_30_min(
    minutes: int, expected: list
) -> None:
    result = capture_day(documented_day(service(K.CRISIS, minutes)), ruleset("medicaid_state"))
    assert codes(result) == expected


def test_psychotherapy_with_em_uses_add_on_codes_and_em_time_does_not_count() -> None:
    day = documented_day(service(K.EM, 25), service(K.INDIVIDUAL, 40))
    result = capture_day(day, ruleset("medicaid_state"))
    assert codes(result) == [("99214", 1), ("90836", 1)]
    assert "psychotherapy with E/M" in result.charges[1].reason


def test_em_with_no_minutes_is_not_billed() -> None:
    result = capture_day(documented_day(service(K.EM, 0)), ruleset("medicaid_state"))
    assert result.charges == ()
    assert result.not_billed[0].kind is K.EM


@pytest.mark.parametrize(
    ("services", "billed", "why"),
    [
        (
            (service(K.INDIVIDUAL, 45), service(K.INTERACTIVE_COMPLEXITY, 0)),
            True,
            "add-on to 90834",
        ),
        ((service(K.GROUP, 60), service(K.INTERACTIVE_COMPLEXITY, 0)), True, "add-on to 90853"),
        ((service(K.CRISIS, 60), service(K.INTERACTIVE_COMPLEXITY, 0)), False, "never billed with"),
        (
            (service(K.FAMILY_WITH_PATIENT, 50), service(K.INTERACTIVE_COMPLEXITY, 0)),
            False,
            "never billed with 90847",
        ),
        ((service(K.INTERACTIVE_COMPLEXITY, 0),), False, "no psychotherapy or group code"),
    ],
)
def test_interactive_complexity_only_beside_an_allowed_primary(
    services: tuple[Service, ...], billed: bool, why: str
) -> None:
    result = capture_day(documented_day(*services), ruleset("medicaid_state"))
    has = "90785" in {c.code for c in result.charges}
    assert has is billed
    reasons = [c.reason for c in result.charges] + [n.reason for n in result.not_billed]
    assert any(why in r for r in reasons)


@pytest.mark.parametrize(
    ("services", "conflict"),
    [
        ((service(K.INDIVIDUAL, 45), service(K.CRISIS, 60)), True),
        ((service(K.INDIVIDUAL, 45), service(K.FAMILY_WITHOUT_PATIENT, 30)), True),
        ((service(K.INDIVIDUAL, 45), service(K.GROUP, 60)), False),
    ],
)
def test_same_day_psychotherapy_with_crisis_or_family_is_flagged(
    services: tuple[Service, ...], conflict: bool
) -> None:
    result = capture_day(documented_day(*services), ruleset("medicaid_state"))
    flagged = [f for f in result.findings if f.edit == "same_day_conflict"]
    assert bool(flagged) is conflict
    if conflict:
        assert "59/XU" in flagged[0].message


@pytest.mark.parametrize(
    ("payer", "mode", "modifiers", "pos"),
    [
        ("commercial_alpha", TelehealthMode.VIDEO, ("95",), "10"),
        ("commercial_gamma", TelehealthMode.VIDEO, ("95",), "02"),
        ("commercial_gamma", TelehealthMode.AUDIO, ("93",), "02"),
        ("medicaid_state", TelehealthMode.VIDEO, ("HE", "U6", "GT"), "02"),
        ("medicare", TelehealthMode.AUDIO, ("93",), ""),
    ],
)
def test_telehealth_modifiers_and_pos_follow_the_payer(
    payer: str, mode: TelehealthMode, modifiers: tuple[str, ...], pos: str
) -> None:
    day = documented_day(
        service(K.GROUP, 180) if payer != "medicare" else service(K.INDIVIDUAL, 60), telehealth=mode
    )
    (charge,) = capture_day(day, ruleset(payer)).charges
    assert charge.modifiers == modifiers
    assert charge.pos == pos


@pytest.mark.parametrize("payer", ["commercial_alpha", "commercial_beta", "medicaid_state"])
def test_audio_only_telehealth_is_not_billed_where_not_covered(payer: str) -> None:
    day = documented_day(service(K.GROUP, 180), telehealth=TelehealthMode.AUDIO)
    result = capture_day(day, ruleset(payer))
    assert result.charges == ()
    assert result.findings[0].edit == "telehealth_not_covered"
    assert "audio telehealth not covered" in result.not_billed[0].reason


def test_capture_result_serializes_to_json_safe_dict() -> None:
    result = capture_day(documented_day(service(K.INDIVIDUAL, 10)), ruleset("medicaid_state"))
    assert result.to_dict() == {
        "charges": [],
        "not_billed": [
            {
                "kind": "individual",
                "minutes": 10,
                "reason": "10 min individual psychotherapy is under 16 min: not billable",
            }
        ],
        "findings": [],
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"minutes": -1}, "minutes"),
        ({"minutes": 1441}, "minutes"),
        ({"minutes": 1.5}, "minutes"),
        ({"minutes": 30, "clinician_npi": "1234567890"}, "clinician_npi"),
    ],
)
def test_invalid_service_raises_domain_error(kwargs: dict, field: str) -> None:
    with pytest.raises(DomainError) as err:
        Service(kind=K.GROUP, **kwargs)
    assert err.value.field == field


def test_total_minutes_leave_out_add_on_codes() -> None:
    day = DocumentedDay(
        date=date(2026, 3, 2),
        program=Program.PSYCHIATRIC,
        services=(service(K.GROUP, 60), service(K.INTERACTIVE_COMPLEXITY, 30)),
    )
    assert day.total_minutes == 60


def test_empty_day_bills_nothing() -> None:
    day = DocumentedDay(date=date(2026, 3, 2), program=Program.PSYCHIATRIC)
    assert capture_day(day, ruleset("medicaid_state")).charges == ()


def test_service_with_its_own_uncovered_telehealth_mode_is_left_out_of_the_day() -> None:
    day = documented_day(
        service(K.GROUP, 150),
        service(K.INDIVIDUAL, 45, telehealth=TelehealthMode.AUDIO),
    )
    result = capture_day(day, ruleset("commercial_alpha"))
    assert codes(result) == [("90853", 1)]  # 150 min covered < 180 → component billing
    assert result.not_billed[0].kind is K.INDIVIDUAL
    assert result.findings[0].edit == "telehealth_not_covered"


def test_component_line_takes_the_telehealth_mode_of_its_own_service() -> None:
    day = documented_day(
        service(K.GROUP, 60),
        service(K.INDIVIDUAL, 45, telehealth=TelehealthMode.VIDEO),
    )
    result = capture_day(day, ruleset("commercial_alpha"))
    by_code = {c.code: (c.modifiers, c.pos) for c in result.charges}
    assert by_code == {"90834": (("95",), "10"), "90853": (("HQ",), "52")}
