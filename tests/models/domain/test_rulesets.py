import copy
import tomllib
from dataclasses import replace
from datetime import date
from importlib import resources
from typing import Any

import pytest

from models.domain import (
    Cadence,
    ClaimForm,
    DomainError,
    Program,
    RuleSetError,
    TelehealthMode,
    list_rulesets,
    load_ruleset,
    load_ruleset_version,
    parse_ruleset,
    parse_ruleset_text,
)
from models.domain.rulesets import check_unique, payer_ids, select_ruleset


def shipped(name: str) -> dict[str, Any]:
    text = resources.files("models.domain.rulesets").joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_shipped_rule_sets_cover_medicare_medicaid_and_three_commercial_payers() -> None:
    assert payer_ids() == (
        "commercial_alpha",
        "commercial_beta",
        "commercial_gamma",
        "medicaid_state",
        "medicare",
    )
    forms = {rs.id: rs.claim_form for rs in list_rulesets()}
    assert forms["medicare"] is ClaimForm.INSTITUTIONAL
    assert forms["medicaid_state"] is ClaimForm.PROFESSIONAL
    assert forms["commercial_beta"] is ClaimForm.INSTITUTIONAL


def test_commercial_payers_differ_in_form_cadence_and_telehealth() -> None:
    commercial = [load_ruleset(p, date(2026, 6, 1)) for p in payer_ids() if "commercial" in p]
    assert len({rs.claim_form for rs in commercial}) == 2
    assert {rs.cadence for rs in commercial} == set(Cadence)
    video = {tuple(rs.telehealth_rule(TelehealthMode.VIDEO).modifiers) for rs in commercial}
    assert video == {("95",), ("GT",)}
    assert {rs.telehealth_rule(TelehealthMode.AUDIO).covered for rs in commercial} == {True, False}


def test_medicare_rule_set_is_institutional_iop_with_condition_code_92_and_interim_billing() -> (
    None
):
    rs = load_ruleset("medicare", date(2026, 2, 1))
    assert rs.type_of_bill == "13X"
    assert rs.condition_codes == ("92",)
    assert rs.interim_billing
    assert rs.deadlines.appeal_receipt_days == 5
    assert [lvl.days for lvl in rs.deadlines.appeal_levels] == [120, 180, 60, 60, 60]


def test_medicaid_uses_h0015_and_s9480_with_u_modifiers() -> None:
    rs = load_ruleset("medicaid_state", date(2026, 2, 1))
    assert rs.program(Program.PSYCHIATRIC).per_diem_code == "S9480"
    assert rs.program(Program.SUBSTANCE_USE).per_diem_code == "H0015"
    assert any(m.startswith("U") for m in rs.program(Program.SUBSTANCE_USE).modifiers)


@pytest.mark.parametrize(
    ("as_of", "version"),
    [(date(2025, 1, 1), "2025.1"), (date(2025, 12, 31), "2025.1"), (date(2026, 1, 1), "2026.1")],
)
def test_load_ruleset_picks_the_version_in_effect_on_the_date(as_of: date, version: str) -> None:
    assert load_ruleset("medicare", as_of).version == version


def test_running_episode_keeps_its_version_by_loading_it_exactly() -> None:
    old = load_ruleset_version("medicare", "2025.1")
    assert old.effective == date(2025, 1, 1)
    assert old.contracted_cents("G0410") != load_ruleset(
        "medicare", date(2026, 5, 1)
    ).contracted_cents("G0410")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: load_ruleset("nobody", date(2026, 1, 1)), "payer_id"),
        (lambda: load_ruleset("medicare", date(2020, 1, 1)), "as_of"),
        (lambda: load_ruleset_version("medicare", "1999.1"), "version"),
    ],
)
def test_unknown_payer_date_or_version_raises_domain_error(call: Any, field: str) -> None:
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.field == field


def test_select_ruleset_works_on_any_collection() -> None:
    rs = load_ruleset("medicare", date(2026, 1, 1))
    later = replace(rs, version="2027.1", effective=date(2027, 1, 1))
    assert select_ruleset((rs, later), "medicare", date(2027, 3, 1)).version == "2027.1"


@pytest.mark.parametrize("change", ["version", "effective"])
def test_two_files_with_the_same_version_or_date_are_refused(change: str) -> None:
    rs = load_ruleset("medicare", date(2026, 1, 1))
    other = replace(
        rs,
        source="copy.toml",
        version=rs.version if change == "version" else "other",
        effective=rs.effective if change == "effective" else date(2030, 1, 1),
    )
    with pytest.raises(RuleSetError) as err:
        check_unique((rs, other))
    assert err.value.file == "copy.toml"
    assert err.value.key == change


def test_ruleset_to_dict_lists_what_the_payers_command_prints() -> None:
    assert load_ruleset("commercial_beta", date(2026, 3, 1)).to_dict() == {
        "id": "commercial_beta",
        "name": "Beta Behavioral Health Network (commercial HMO, facility contract)",
        "claim_form": "837I",
        "version": "2026.1",
        "effective": "2026-01-01",
        "cadence": "monthly",
    }


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        data = data[key]
    if value is DELETE:
        del data[keys[-1]]
    else:
        data[keys[-1]] = value


DELETE = object()
MEDICAID = "medicaid_state.toml"
MEDICARE = "medicare_2026.toml"


@pytest.mark.parametrize(
    ("base", "path", "value", "key", "reason"),
    [
        (MEDICAID, "name", DELETE, "name", "missing required key"),
        (MEDICAID, "prior_auth_required", "yes", "prior_auth_required", "expected bool"),
        (MEDICAID, "per_diem.threshold_minutes", True, "per_diem.threshold_minutes", "got bool"),
        (MEDICAID, "per_diem.threshold_minutes", -1, "per_diem.threshold_minutes", ">= 0"),
        (MEDICAID, "colour", "red", "colour", "unknown key"),
        (MEDICAID, "cadence", "daily", "cadence", "must be one of"),
        (MEDICAID, "pos", "5A", "pos", "2 digits"),
        (MEDICAID, "pos", "", "pos", "required for an 837P"),
        (MEDICAID, "type_of_bill", "13X", "type_of_bill", "no type of bill"),
        (MEDICARE, "type_of_bill", "", "type_of_bill", "required for an 837I"),
        (
            MEDICAID,
            "programs.psychiatric.per_diem_code",
            "",
            "programs.psychiatric.per_diem_code",
            "required when per_diem.enabled",
        ),
        (
            MEDICARE,
            "programs.psychiatric.revenue_code",
            DELETE,
            "programs.psychiatric.revenue_code",
            "required for an 837I",
        ),
        (
            MEDICARE,
            "component.revenue_codes.em",
            DELETE,
            "component.revenue_codes.em",
            "required for an 837I",
        ),
        (MEDICAID, "component.group", "GROUP", "component.group", "not a CPT or HCPCS"),
        (
            MEDICAID,
            "component.individual",
            ["90832"],
            "component.individual[0]",
            "expected a table",
        ),
        (
            MEDICAID,
            "component.individual",
            [{"code": "90832", "min": 40, "max": 20}],
            "component.individual[0].max",
            "must be >= min",
        ),
        (MEDICAID, "allowed_modifiers", ["HQ", 5], "allowed_modifiers[1]", "expected str"),
        (MEDICAID, "allowed_modifiers", ["HQQ"], "allowed_modifiers[0]", "2 letters"),
        (
            MEDICAID,
            "deadlines.appeal_levels",
            [1],
            "deadlines.appeal_levels[0]",
            "expected a table",
        ),
        (
            MEDICAID,
            "deadlines.appeal_levels",
            [{"level": 2, "name": "x", "days": 1}],
            "deadlines.appeal_levels",
            "numbered 1, 2, 3",
        ),
        (MEDICAID, "fee_schedule.XYZ", 100, "fee_schedule.XYZ", "not a CPT or HCPCS"),
        (MEDICAID, "charge_master.S9480", -5, "charge_master.S9480", ">= 0"),
        (MEDICAID, "interim_billing", True, "interim_billing", "needs an 837I"),
        (MEDICAID, "id", "", "id", "must not be empty"),
        (MEDICARE, "condition_codes", ["9"], "condition_codes[0]", "2 letters"),
        (MEDICAID, "version", "", "version", "must not be empty"),
        (MEDICAID, "telehealth.video.covered", DELETE, "telehealth.video.covered", "missing"),
    ],
)
def test_bad_rule_set_fails_at_load_with_file_key_and_reason(
    base: str, path: str, value: Any, key: str, reason: str
) -> None:
    data = copy.deepcopy(shipped(base))
    _set(data, path, value)
    with pytest.raises(RuleSetError) as err:
        parse_ruleset(data, "broken.toml")
    assert err.value.file == "broken.toml"
    assert err.value.key == key
    assert reason in err.value.reason
    assert str(err.value).startswith(f"broken.toml: {key}: ")


def test_toml_syntax_error_names_the_file() -> None:
    with pytest.raises(RuleSetError) as err:
        parse_ruleset_text("id = ", "bad.toml")
    assert err.value.file == "bad.toml"
    assert err.value.key == "(syntax)"


def test_medicare_revenue_pairs_pair_each_component_code_with_its_revenue_code() -> None:
    pairs = load_ruleset("medicare", date(2026, 1, 1)).revenue_pairs()
    assert ("0915", "G0410") in pairs
    assert ("0914", "90837") in pairs
    assert ("0905", "S9480") not in pairs


def test_fee_schedule_and_charge_master_lookups() -> None:
    rs = load_ruleset("medicaid_state", date(2026, 1, 1))
    assert rs.contracted_cents("S9480") == 18000
    assert rs.contracted_cents("99999") is None
    assert rs.charge_cents("H0015") == 40000
    assert rs.charge_cents("99999") == 0
