import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.domain import (
    Adjudication,
    Adjustment,
    DomainError,
    GroupCode,
    Ledger,
    LinePosting,
    ProviderAdjustment,
    add_claim,
    post_adjudication,
    post_provider_adjustment,
)
from tests.factories import adjudication, claim, line_posting, ruleset

CLAIM_ID = "ep-1:medicaid_state:2026-03-02"


def opened() -> Ledger:
    return add_claim(Ledger(), claim())


def test_new_claim_is_all_open_balance() -> None:
    ledger = opened()
    balance = ledger.claim(CLAIM_ID)
    assert balance is not None
    assert balance.total("open_cents") == balance.total("billed_cents") == 90000
    assert ledger.balanced
    assert add_claim(ledger, claim()) is ledger  # adding twice changes nothing


def test_posting_splits_billed_into_paid_adjustment_and_patient_responsibility() -> None:
    result = post_adjudication(opened(), adjudication())
    assert result.accepted and result.reason == "posted"
    balance = result.ledger.claim(CLAIM_ID)
    assert balance is not None
    assert balance.to_dict()["paid_cents"] == 36000
    assert balance.to_dict()["adjustment_cents"] == 50000
    assert balance.to_dict()["patient_cents"] == 4000
    assert balance.to_dict()["open_cents"] == 0
    assert balance.payer_claim_number == "PCN-1"
    assert result.ledger.balanced


def test_partial_posting_leaves_unadjudicated_lines_open() -> None:
    result = post_adjudication(opened(), adjudication(line_posting(1)))
    balance = result.ledger.claim(CLAIM_ID)
    assert balance is not None
    assert [ln.open_cents for ln in balance.lines] == [0, 45000]


def test_same_posting_twice_changes_nothing() -> None:
    first = post_adjudication(opened(), adjudication())
    again = post_adjudication(first.ledger, adjudication())
    assert again.accepted and again.ledger is first.ledger
    assert again.reason == "already posted; no change"


@pytest.mark.parametrize(
    ("posting", "reason"),
    [
        (adjudication(claim_id="nope"), "not on the ledger"),
        (adjudication(paid_cents=1), "≠ sum of line paid"),
        (adjudication(line_posting(3)), "line 3 is not on claim"),
        (adjudication(line_posting(1), line_posting(1)), "appears twice"),
        (adjudication(line_posting(1, charge_cents=40000, contractual=20000)), "≠ billed"),
        (adjudication(line_posting(1, paid=1)), "does not balance"),
        (adjudication(reverses="P0"), "to reverse is not on this claim"),
    ],
)
def test_posting_that_would_break_the_ledger_is_refused_whole(
    posting: Adjudication, reason: str
) -> None:
    ledger = opened()
    result = post_adjudication(ledger, posting)
    assert not result.accepted
    assert reason in result.reason
    assert result.ledger is ledger


def test_second_posting_on_an_adjudicated_line_is_refused_until_reversed() -> None:
    first = post_adjudication(opened(), adjudication())
    second = post_adjudication(first.ledger, adjudication(posting_id="P2"))
    assert not second.accepted
    assert "reverse the earlier posting first" in second.reason


def test_reversal_restores_the_open_balance_and_a_correction_reposts() -> None:
    posted = post_adjudication(opened(), adjudication()).ledger
    reversal = post_adjudication(
        posted, Adjudication(posting_id="R1", claim_id=CLAIM_ID, paid_cents=0, reverses="P1")
    )
    assert reversal.accepted and reversal.reason == "reversed P1"
    balance = reversal.ledger.claim(CLAIM_ID)
    assert balance is not None and balance.total("open_cents") == 90000
    again = post_adjudication(
        reversal.ledger,
        Adjudication(posting_id="R2", claim_id=CLAIM_ID, paid_cents=0, reverses="P1"),
    )
    assert not again.accepted and "already reversed" in again.reason
    corrected = post_adjudication(
        reversal.ledger,
        adjudication(
            line_posting(1, paid=20000, contractual=23000), line_posting(2), posting_id="P2"
        ),
    )
    assert corrected.accepted and corrected.ledger.balanced


def test_reversal_with_explicit_amounts_must_mirror_the_original() -> None:
    posted = post_adjudication(opened(), adjudication(line_posting(1))).ledger
    mirrored = LinePosting(
        line_number=1,
        charge_cents=-45000,
        paid_cents=-18000,
        adjustments=(
            Adjustment(group=GroupCode.CO, carc="45", amount_cents=-25000),
            Adjustment(group=GroupCode.PR, carc="2", amount_cents=-2000),
        ),
    )
    ok = post_adjudication(
        posted,
        Adjudication(
            posting_id="R1",
            claim_id=CLAIM_ID,
            paid_cents=-18000,
            lines=(mirrored,),
            reverses="P1",
            payer_claim_number="PCN-1",
        ),
    )
    assert ok.accepted
    wrong = post_adjudication(
        posted,
        Adjudication(
            posting_id="R1", claim_id=CLAIM_ID, paid_cents=-1, lines=(mirrored,), reverses="P1"
        ),
    )
    assert not wrong.accepted and "differ from posting P1" in wrong.reason


def test_allowed_below_the_contracted_fee_is_flagged_as_underpayment() -> None:
    # Medicaid contracts S9480 at 18000; allowed = paid 15000 + patient 2000 = 17000.
    posting = adjudication(
        line_posting(1, paid=15000, contractual=28000),
        line_posting(2, paid=16000, contractual=27000),
    )
    result = post_adjudication(opened(), posting, ruleset("medicaid_state"))
    (under,) = result.underpayments
    assert (
        under.line_number,
        under.allowed_cents,
        under.contracted_cents,
        under.shortfall_cents,
    ) == (1, 17000, 18000, 1000)
    assert result.to_dict()["underpayments"][0]["shortfall_cents"] == 1000


def test_denied_or_uncontracted_lines_are_not_underpayments() -> None:
    ledger = add_claim(
        Ledger(),
        replace(claim(), lines=(replace(claim().lines[0], code="99999"), claim().lines[1])),
    )
    posting = adjudication(
        line_posting(1, paid=100, contractual=42900),
        line_posting(2, paid=0, contractual=45000, patient=0),
    )
    result = post_adjudication(ledger, posting, ruleset("medicaid_state"))
    assert result.accepted and result.underpayments == ()


def test_provider_level_adjustment_sits_beside_the_claims_and_is_idempotent() -> None:
    plb = ProviderAdjustment(
        posting_id="PLB1", reason_code="wo", amount_cents=-5000, reference="PCN-0"
    )
    first = post_provider_adjustment(opened(), plb)
    assert first.accepted
    assert first.ledger.provider_adjustment_cents == -5000
    assert first.ledger.provider_adjustments[0].reason_code == "WO"
    assert post_provider_adjustment(first.ledger, plb).ledger is first.ledger
    data = json.loads(json.dumps(first.ledger.to_dict()))
    assert data["provider_adjustments"][0]["amount_cents"] == -5000
    assert data["claims"][0]["open_cents"] == 90000
    with pytest.raises(DomainError):
        post_provider_adjustment(opened(), replace(plb, reason_code="W"))


GROUPS = st.sampled_from(list(GroupCode))


@st.composite
def postings(draw: st.DrawFn) -> Adjudication:
    """Mostly well-formed postings (so many are accepted), some broken, some reversals."""
    n = draw(st.integers(0, 15))
    if draw(st.integers(0, 3)) == 0:
        return Adjudication(
            posting_id=f"X{n}",
            claim_id=CLAIM_ID,
            paid_cents=0,
            reverses=f"X{draw(st.integers(0, 15))}",
        )
    lines = []
    for line in draw(st.lists(st.sampled_from([1, 1, 2, 2, 3]), max_size=3)):
        charge = draw(st.sampled_from([45000, 45000, 45000, 44000]))
        paid = draw(st.integers(-1000, 50000))
        adj = draw(st.integers(-1000, 50000))
        patient = draw(st.sampled_from([charge - paid - adj] * 3 + [draw(st.integers(-500, 500))]))
        lines.append(
            LinePosting(
                line_number=line,
                charge_cents=charge,
                paid_cents=paid,
                adjustments=(
                    Adjustment(group=draw(GROUPS), carc="45", amount_cents=adj),
                    Adjustment(group=GroupCode.PR, carc="1", amount_cents=patient),
                ),
            )
        )
    paid = sum(lp.paid_cents for lp in lines) + draw(st.sampled_from([0, 0, 0, 1]))
    return Adjudication(posting_id=f"X{n}", claim_id=CLAIM_ID, paid_cents=paid, lines=tuple(lines))


@settings(max_examples=200, deadline=None)
@given(st.lists(postings(), max_size=12))
def test_any_sequence_of_postings_keeps_the_invariant_or_is_refused_whole(
    sequence: list[Adjudication],
) -> None:
    ledger = opened()
    for posting in sequence:
        result = post_adjudication(ledger, posting, ruleset("medicaid_state"))
        if not result.accepted:
            assert result.ledger is ledger
        ledger = result.ledger
        balance = ledger.claim(CLAIM_ID)
        assert balance is not None
        for line in balance.lines:
            assert line.billed_cents == (
                line.paid_cents + line.adjustment_cents + line.patient_cents + line.open_cents
            )
            assert 0 <= line.open_cents <= line.billed_cents
        assert balance.total("billed_cents") == sum(
            balance.total(k)
            for k in ("paid_cents", "adjustment_cents", "patient_cents", "open_cents")
        )
