from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.x12 import X12Error
from models.x12.claim837 import Address, ClaimForm
from models.x12.generate import random_batch837, random_claim837, random_envelope
from models.x12.values import format_cents, parse_cents
from models.x12.write837 import write_837

from .conformance import findings


def _batch(seed: int, form: ClaimForm, count: int = 4):
    rng = random.Random(seed)
    return random_envelope(rng), random_batch837(rng, form, count)


@pytest.mark.parametrize("form", list(ClaimForm))
@pytest.mark.parametrize("seed", [1, 2])
def test_generated_batches_pass_implementation_guide_validation(form, seed):
    env, batch = _batch(seed, form, 8)
    assert findings(write_837(env, [batch])) == []


@st.composite
def claims(draw):
    seed = draw(st.integers(0, 2**32))
    form = draw(st.sampled_from(list(ClaimForm)))
    rng = random.Random(seed)
    env = random_envelope(rng)
    batch = random_batch837(rng, form, 1)
    claim = random_claim837(
        rng,
        form,
        dependent=draw(st.booleans()),
        frequency=draw(st.sampled_from("178")),
        line_count=draw(st.integers(1, 6)),
    )
    extra = draw(st.integers(0, 2))
    more = tuple(random_claim837(rng, form, index=i + 2) for i in range(extra))
    return env, dataclasses.replace(batch, claims=(claim, *more))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claims())
def test_random_valid_claims_pass_implementation_guide_validation(case):
    env, batch = case
    assert findings(write_837(env, [batch])) == []


def test_claim_total_is_computed_from_lines():
    env, batch = _batch(3, ClaimForm.PROFESSIONAL, 1)
    claim = batch.claims[0]
    text = write_837(env, [batch])
    clm = next(s for s in text.split("~\n") if s.startswith("CLM*"))
    cents = sum(line.charge_cents for line in claim.lines)
    assert parse_cents(clm.split("*")[2]) == cents == claim.total_charge_cents


def test_replacement_without_original_claim_number_is_refused():
    env, batch = _batch(4, ClaimForm.INSTITUTIONAL, 1)
    bad = dataclasses.replace(batch.claims[0], frequency_code="7", original_claim_number="")
    with pytest.raises(X12Error, match="original payer claim number"):
        write_837(env, [dataclasses.replace(batch, claims=(bad,))])


def test_npi_failing_check_digit_is_refused():
    env, batch = _batch(5, ClaimForm.PROFESSIONAL, 1)
    provider = dataclasses.replace(batch.billing_provider, npi="1234567890")
    with pytest.raises(X12Error, match="check digit"):
        write_837(env, [dataclasses.replace(batch, billing_provider=provider)])


def test_text_with_a_delimiter_is_refused():
    env, batch = _batch(6, ClaimForm.PROFESSIONAL, 1)
    bad = dataclasses.replace(batch.claims[0], patient_control_number="A*B")
    with pytest.raises(X12Error, match="delimiter"):
        write_837(env, [dataclasses.replace(batch, claims=(bad,))])


def test_segment_counts_and_control_numbers_are_computed():
    env, batch = _batch(7, ClaimForm.INSTITUTIONAL, 3)
    env = dataclasses.replace(env, interchange_control_number=42, group_control_number=7)
    segs = write_837(env, [batch]).split("~\n")[:-1]
    st_i = next(i for i, s in enumerate(segs) if s.startswith("ST*"))
    se_i = next(i for i, s in enumerate(segs) if s.startswith("SE*"))
    assert segs[se_i] == f"SE*{se_i - st_i + 1}*{batch.control_number}"
    assert segs[-2] == "GE*1*7"
    assert segs[-1] == "IEA*1*000000042"
    hls = [s.split("*")[1] for s in segs if s.startswith("HL*")]
    assert hls == [str(i) for i in range(1, len(hls) + 1)]


def test_statement_dates_default_to_line_span():
    env, batch = _batch(8, ClaimForm.INSTITUTIONAL, 1)
    claim = dataclasses.replace(batch.claims[0], statement_from=dt.date(2025, 1, 1))
    text = write_837(env, [dataclasses.replace(batch, claims=(claim,))])
    assert "DTP*434*RD8*20250101-" in text


def test_conformance_check_reports_a_broken_837():
    env, batch = _batch(9, ClaimForm.PROFESSIONAL, 1)
    text = write_837(env, [batch])
    assert findings(text.replace("HL*1**20*1", "HL*1**20*X")) != []
    total = format_cents(batch.claims[0].total_charge_cents)
    wrong_total = text.replace(f"*{total}***", "*1***", 1)
    assert any("CLM02" in f for f in findings(wrong_total))


@pytest.mark.parametrize("frequency", ["2", "3", "4"])
def test_interim_institutional_claims_keep_their_frequency_digit_and_pass_validation(frequency):
    env, batch = _batch(6, ClaimForm.INSTITUTIONAL, 1)
    interim = dataclasses.replace(
        batch.claims[0], frequency_code=frequency, original_claim_number=""
    )
    text = write_837(env, [dataclasses.replace(batch, claims=(interim,))])
    clm = next(s for s in text.split("~\n") if s.startswith("CLM*"))
    assert clm.split("*")[5].endswith(f":A:{frequency}")
    assert "REF*F8" not in text
    assert findings(text) == []


def test_professional_claims_have_no_interim_frequency():
    env, batch = _batch(7, ClaimForm.PROFESSIONAL, 1)
    bad = dataclasses.replace(batch.claims[0], frequency_code="2")
    with pytest.raises(X12Error, match="frequency code"):
        write_837(env, [dataclasses.replace(batch, claims=(bad,))])


def _address(**changes):
    return dataclasses.replace(
        Address(line1="1 MAIN ST", city="AUSTIN", state="TX", postal_code="78701"), **changes
    )


def _with_first_line(claim, **changes):
    return dataclasses.replace(
        claim, lines=(dataclasses.replace(claim.lines[0], **changes), *claim.lines[1:])
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: _with_first_line(c, procedure_code="9085"), "procedure code '9085'"),
        (lambda c: _with_first_line(c, procedure_code="90:53"), "procedure code '90:53'"),
        (lambda c: _with_first_line(c, modifiers=("HQ", "H")), "two-character modifiers"),
        (lambda c: _with_first_line(c, modifiers=("H:",)), "two-character modifiers"),
        (lambda c: _with_first_line(c, modifiers=("HQ",) * 5), "two-character modifiers"),
        (
            lambda c: dataclasses.replace(c, diagnosis_codes=("F329", "F33.1")),
            "diagnosis 'F33.1'",
        ),
        (
            lambda c: dataclasses.replace(
                c, payer=dataclasses.replace(c.payer, address=_address(state="Tx"))
            ),
            "state 'Tx'",
        ),
    ],
)
def test_bad_codes_are_refused_even_after_good_ones_were_written(change, message):
    env, batch = _batch(10, ClaimForm.PROFESSIONAL, 6)
    write_837(env, [batch])  # the writer now remembers the codes it accepted
    bad = change(batch.claims[0])
    with pytest.raises(X12Error, match=re.escape(message)):
        write_837(env, [dataclasses.replace(batch, claims=(bad, *batch.claims[1:]))])
