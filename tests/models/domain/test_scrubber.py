from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pytest

from models.domain import (
    EDITS,
    Claim,
    ClaimForm,
    Frequency,
    ScrubContext,
    Severity,
    blocks_submission,
    scrub,
)
from tests.factories import (
    authorization,
    claim,
    claim_line,
    institutional_claim,
    ruleset,
)

AS_OF = date(2026, 4, 1)


@dataclass(frozen=True)
class Case:
    edit: str
    fires: bool
    field: str
    make: Callable[[], Claim]
    payer: str = "medicaid_state"
    as_of: date = AS_OF
    units: int = 12


def lines(*changes: dict) -> Callable[[], Claim]:
    return lambda: claim(lines=tuple(claim_line(n, **c) for n, c in enumerate(changes, start=1)))


CASES = [
    # npi_check_digit
    Case("npi_check_digit", True, "billing_npi", lambda: claim(billing_npi="1234567890")),
    Case("npi_check_digit", True, "lines[0].rendering_npi", lines({"rendering_npi": "99"})),
    Case("npi_check_digit", False, "", lines({"rendering_npi": ""})),
    # taxonomy_present
    Case("taxonomy_present", True, "billing_taxonomy", lambda: claim(billing_taxonomy="")),
    Case("taxonomy_present", True, "billing_taxonomy", lambda: claim(billing_taxonomy="261Q")),
    Case("taxonomy_present", False, "", lambda: claim(billing_taxonomy=""), "commercial_alpha"),
    # diagnosis_format
    Case(
        "diagnosis_format",
        True,
        "diagnosis_codes[1]",
        lambda: claim(diagnosis_codes=("F33.1", "33.1")),
    ),
    Case("diagnosis_format", True, "diagnosis_codes", lambda: claim(diagnosis_codes=())),
    Case("diagnosis_format", False, "", lambda: claim(diagnosis_codes=("F10.20",))),
    # diagnosis_pointers
    Case(
        "diagnosis_pointers",
        True,
        "lines[0].diagnosis_pointers",
        lines({"diagnosis_pointers": (1, 3)}),
    ),
    Case(
        "diagnosis_pointers", True, "lines[0].diagnosis_pointers", lines({"diagnosis_pointers": ()})
    ),
    Case("diagnosis_pointers", False, "", lines({"diagnosis_pointers": (2,)})),
    # behavioral_health_diagnosis
    Case(
        "behavioral_health_diagnosis",
        True,
        "diagnosis_codes",
        lambda: claim(diagnosis_codes=("Z63.0", "BAD")),
    ),
    Case(
        "behavioral_health_diagnosis", False, "", lambda: claim(diagnosis_codes=("Z63.0", "F41.1"))
    ),
    # authorization_number_present
    Case(
        "authorization_number_present",
        True,
        "prior_auth_number",
        lambda: claim(prior_auth_number=""),
    ),
    Case(
        "authorization_number_present",
        False,
        "",
        lambda: claim(prior_auth_number=""),
        "commercial_gamma",
    ),
    # units_within_authorization
    Case("units_within_authorization", True, "lines[1].units", lambda: claim(), units=1),
    Case("units_within_authorization", False, "", lambda: claim(), units=2),
    Case(
        "units_within_authorization",
        False,
        "",
        lines({"code": "90853", "modifiers": ("HQ",)}),
        units=0,
    ),
    # dates_within_authorization
    Case(
        "dates_within_authorization",
        True,
        "lines[0].date_of_service",
        lambda: claim(
            lines=(claim_line(1, date_of_service=date(2026, 2, 27)),),
            statement_from=date(2026, 2, 27),
            statement_to=date(2026, 2, 27),
            admission_date=None,
        ),
    ),
    Case(
        "dates_within_authorization",
        False,
        "",
        lines({"authorization_number": "OTHER"}),
        "medicaid_state",
    ),
    # timely_filing (Medicaid: 95 days)
    Case(
        "timely_filing", True, "lines[0].date_of_service", lambda: claim(), as_of=date(2026, 6, 7)
    ),
    Case("timely_filing", False, "", lambda: claim(), as_of=date(2026, 6, 5)),
    # timely_filing_soon (within 14 days of the limit)
    Case(
        "timely_filing_soon",
        True,
        "lines[0].date_of_service",
        lambda: claim(),
        as_of=date(2026, 5, 25),
    ),
    Case("timely_filing_soon", False, "", lambda: claim(), as_of=date(2026, 5, 1)),
    # revenue_code_pairing
    Case(
        "revenue_code_pairing",
        True,
        "lines[0].revenue_code",
        lambda: institutional_claim(
            lines=(claim_line(1, code="90837", revenue_code="0915", modifiers=(), pos=""),)
        ),
        "medicare",
    ),
    Case(
        "revenue_code_pairing",
        True,
        "lines[0].revenue_code",
        lambda: institutional_claim(lines=(claim_line(1, code="90837", modifiers=(), pos=""),)),
        "medicare",
    ),
    Case("revenue_code_pairing", False, "", institutional_claim, "medicare"),
    # pos_form_tob
    Case("pos_form_tob", True, "lines[0].pos", lines({"pos": ""})),
    Case("pos_form_tob", True, "type_of_bill", lambda: claim(type_of_bill="131")),
    Case(
        "pos_form_tob",
        True,
        "claim_form",
        lambda: claim(claim_form=ClaimForm.INSTITUTIONAL, type_of_bill="131"),
    ),
    Case(
        "pos_form_tob",
        True,
        "type_of_bill",
        lambda: institutional_claim(type_of_bill="13"),
        "medicare",
    ),
    Case(
        "pos_form_tob",
        True,
        "type_of_bill",
        lambda: institutional_claim(type_of_bill="762"),
        "medicare",
    ),
    Case(
        "pos_form_tob",
        True,
        "type_of_bill",
        lambda: institutional_claim(type_of_bill="133"),
        "medicare",
    ),
    Case(
        "pos_form_tob",
        True,
        "condition_codes",
        lambda: institutional_claim(condition_codes=()),
        "medicare",
    ),
    Case("pos_form_tob", False, "", institutional_claim, "medicare"),
    # modifiers_allowed
    Case("modifiers_allowed", True, "lines[0].modifiers", lines({"modifiers": ("GT", "KX")})),
    Case(
        "modifiers_allowed",
        True,
        "lines[0].modifiers",
        lines({"modifiers": ("HE", "U6", "GT", "59", "XU")}),
    ),
    Case("modifiers_allowed", False, "", lines({"modifiers": ("HE", "U6", "GT")})),
    # duplicate_lines
    Case(
        "duplicate_lines",
        True,
        "lines[1]",
        lambda: claim(lines=(claim_line(1), claim_line(2, date_of_service=date(2026, 3, 2)))),
    ),
    Case("duplicate_lines", False, "", lambda: claim()),
    # date_order
    Case(
        "date_order",
        True,
        "statement_to",
        lambda: claim(statement_to=date(2026, 3, 1), statement_from=date(2026, 3, 2)),
    ),
    Case("date_order", True, "admission_date", lambda: claim(admission_date=date(2026, 3, 5))),
    Case(
        "date_order", True, "lines[1].date_of_service", lambda: claim(statement_to=date(2026, 3, 2))
    ),
    Case("date_order", True, "lines[1].date_of_service", lambda: claim(), as_of=date(2026, 3, 2)),
    Case("date_order", False, "", lambda: claim(admission_date=None)),
    # subscriber_complete
    Case("subscriber_complete", True, "subscriber_id", lambda: claim(subscriber_id=" ")),
    Case(
        "subscriber_complete",
        True,
        "subscriber_birth_date",
        lambda: claim(subscriber_birth_date=None),
    ),
    Case("subscriber_complete", False, "", lambda: claim()),
    # frequency_reference
    Case(
        "frequency_reference",
        True,
        "original_claim_number",
        lambda: claim(frequency_code=Frequency.REPLACEMENT),
    ),
    Case(
        "frequency_reference",
        True,
        "original_claim_number",
        lambda: claim(original_claim_number="PCN-1"),
    ),
    Case(
        "frequency_reference",
        False,
        "",
        lambda: claim(frequency_code=Frequency.VOID, original_claim_number="PCN-1"),
    ),
    # lines_present
    Case("lines_present", True, "lines", lambda: claim(lines=())),
    Case("lines_present", True, "lines[0].units", lines({"units": 0})),
    Case("lines_present", True, "lines[0].charge_cents", lines({"charge_cents": 0})),
    Case(
        "lines_present",
        False,
        "",
        lambda: claim(
            frequency_code=Frequency.VOID,
            original_claim_number="P",
            lines=(claim_line(1, charge_cents=0),),
        ),
    ),
]


def test_every_edit_has_a_firing_and_a_non_firing_case() -> None:
    ids = {edit.id for edit in EDITS}
    assert {c.edit for c in CASES if c.fires} == ids
    assert {c.edit for c in CASES if not c.fires} == ids


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.edit}-{'fires' if c.fires else 'quiet'}")
def test_edit_fires_exactly_when_its_condition_holds(case: Case) -> None:
    context = ScrubContext(
        rules=ruleset(case.payer),
        authorizations=(authorization(units_authorized=case.units),),
    )
    findings = [f for f in scrub(case.make(), context, case.as_of) if f.edit == case.edit]
    if case.fires:
        assert case.field in [f.field for f in findings]
        assert all(f.message for f in findings)
    else:
        assert findings == []


@pytest.mark.parametrize("payer", ["medicaid_state", "medicare"])
def test_clean_claims_pass_every_edit(payer: str) -> None:
    made = claim() if payer == "medicaid_state" else institutional_claim()
    context = ScrubContext(rules=ruleset(payer), authorizations=(authorization(),))
    assert scrub(made, context, AS_OF) == []


def test_errors_block_submission_and_warnings_do_not() -> None:
    context = ScrubContext(rules=ruleset(), authorizations=(authorization(),))
    warnings = scrub(claim(), context, date(2026, 5, 25))
    assert {f.severity for f in warnings} == {Severity.WARNING}
    assert not blocks_submission(warnings)
    errors = scrub(replace(claim(), subscriber_id=""), context, AS_OF)
    assert blocks_submission(errors)
    assert errors[0].to_dict() == {
        "edit": "subscriber_complete",
        "severity": "error",
        "field": "subscriber_id",
        "message": "subscriber id is missing",
    }
