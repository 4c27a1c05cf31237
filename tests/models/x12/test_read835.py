from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.x12 import X12Error
from models.x12.claim837 import ClaimForm
from models.x12.generate import random_batch837, random_envelope, random_remittance
from models.x12.read835 import read_835
from models.x12.remit835 import Adjustment, ClaimPayment, RemitLine, Remittance, write_835

from .conformance import SAMPLES, findings

FIXTURES = Path(__file__).parent / "fixtures"


def _generated(seed: int, count: int = 6, *, newlines: bool = True):
    rng = random.Random(seed)
    form = rng.choice(list(ClaimForm))
    batch = random_batch837(rng, form, count)
    remit = random_remittance(rng, batch.claims)
    env = random_envelope(rng)
    return env, remit, write_835(env, [remit], newlines=newlines)


def assert_balanced(remit: Remittance) -> None:
    for claim in remit.claims:
        for line in claim.lines:
            assert line.charge_cents - line.adjustment_total_cents == line.paid_cents
        assert claim.charge_cents - claim.adjustment_total_cents == claim.paid_cents


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.booleans())
def test_writer_output_reads_back_to_equal_objects(seed, newlines):
    env, remit, text = _generated(seed, newlines=newlines)
    doc = read_835(text)
    assert doc.transactions == (remit,)
    assert doc.interchanges[0].envelope == env


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_writer_output_passes_implementation_guide_validation(seed):
    _env, _remit, text = _generated(seed, 8)
    assert findings(text) == []


def test_reversal_claim_without_lines_and_plb_balance_at_every_level():
    doc = read_835((FIXTURES / "era_reversal_plb_no_newlines.835").read_text())
    (remit,) = doc.transactions
    reversal = next(c for c in remit.claims if c.status == "22")
    assert (
        reversal.is_reversal and reversal.charge_cents == -25000 and reversal.paid_cents == -10000
    )
    denied = next(c for c in remit.claims if c.status == "4")
    assert denied.lines == () and denied.adjustments[0].reason == "197"
    assert [p.amount_cents for p in remit.provider_adjustments] == [-50, -8000]
    assert remit.paid_total_cents == 16050
    assert_balanced(remit)


def test_repeated_envelopes_with_crlf_give_one_interchange_each():
    doc = read_835((FIXTURES / "era_two_interchanges_crlf.835").read_text())
    assert [ic.envelope.interchange_control_number for ic in doc.interchanges] == [11, 12]
    assert [t.paid_total_cents for t in doc.transactions] == [7500, 5500]


@pytest.mark.parametrize(
    ("name", "message", "position"),
    [
        ("era_unbalanced_claim.835", "claim IOP0101 does not balance", 9),
        ("era_wrong_component_separator.835", "not a procedure composite", 11),
        ("era_truncated.835", "interchange has no IEA", 13),
    ],
)
def test_malformed_fixtures_are_refused_with_location(name, message, position):
    with pytest.raises(X12Error, match=message) as info:
        read_835((FIXTURES / name).read_text(), file=name)
    err = info.value
    assert err.file == name and err.segment_position == position
    assert name in str(err) and f"segment {position}" in str(err)


def test_unbalanced_remittance_is_not_written():
    line = RemitLine(procedure_code="S9480", charge_cents=100, paid_cents=90)
    claim = ClaimPayment(
        patient_control_number="P1", status="1", charge_cents=100, paid_cents=90, lines=(line,)
    )
    remit = Remittance(
        control_number="0001",
        trace_number="T",
        payer_tin="123456789",
        payer_name="P",
        payee_name="Q",
        payee_id="1234567893",
        claims=(claim,),
    )
    with pytest.raises(X12Error, match="line S9480"):
        write_835(_generated(1)[0], [remit])
    fixed_line = dataclasses.replace(
        line, adjustments=(Adjustment(group="CO", reason="45", amount_cents=10),)
    )
    fixed = dataclasses.replace(remit, claims=(dataclasses.replace(claim, lines=(fixed_line,)),))
    assert read_835(write_835(_generated(1)[0], [fixed])).transactions == (fixed,)


def test_transaction_total_mismatch_names_bpr():
    _env, remit, text = _generated(5)
    bpr = next(s for s in text.split("~\n") if s.startswith("BPR*"))
    parts = bpr.split("*")
    parts[2] = f"{remit.paid_total_cents / 100 + 1:.2f}"
    with pytest.raises(X12Error, match="BPR02") as info:
        read_835(text.replace(bpr, "*".join(parts)))
    assert info.value.segment_id == "BPR" and info.value.element == 2


# ------------------------------------------------------------------ shared samples

SAMPLE_835 = {
    "edi_835_parser/blue_cross_nc_sample.txt": "does not start with ISA",
    "edi_835_parser/emedny_sample.txt": None,
    "edi_835_parser/united_healthcare_legacy_sample.txt": None,
    "linuxforhealth_x12/835_005010X221A1/cob-contractural-adjustment.835": "procedure composite",
    "linuxforhealth_x12/835_005010X221A1/managed-care.835": "not a calendar date",
    "linuxforhealth_x12/835_005010X221A1/medicare-part-a.835": None,
    "linuxforhealth_x12/835_005010X221A1/secondary-payment.835": "procedure composite",
    "linuxforhealth_x12/835_005010X221A1/tertiary-payment.835": "procedure composite",
    "linuxforhealth_x12/demo-file/demo.835": None,
    "pyx12/835_mult_loops.txt": None,
    "x12sdk_generated/gen_835.x12": None,
}


@pytest.mark.parametrize(("name", "problem"), sorted(SAMPLE_835.items()))
def test_shared_835_samples_read_or_are_refused_clearly(name, problem):
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"shared sample {path} is not here")
    text = path.read_text()
    if problem is None:
        doc = read_835(text, file=name)
        for remit in doc.transactions:
            assert_balanced(remit)
            assert remit.claims
    else:
        with pytest.raises(X12Error, match=problem) as info:
            read_835(text, file=name)
        assert name in str(info.value)


# ------------------------------------------------------------------ fuzzing

AMOUNT_FIELDS = {"BPR": (2,), "CLP": (3, 4), "SVC": (2, 3), "CAS": (3,), "PLB": (4,)}


@st.composite
def mutated(draw):
    seed = draw(st.integers(0, 2**32))
    newlines = draw(st.booleans())
    _env, _remit, text = _generated(seed, draw(st.integers(1, 4)), newlines=newlines)
    kind = draw(st.sampled_from(["truncate", "swap", "drop", "amount", "noise"]))
    term = "~\n" if newlines else "~"
    segs = text.split(term)[:-1]
    if kind == "truncate":
        return kind, text[: draw(st.integers(0, len(text) - 1))]
    if kind == "swap":
        a, b = draw(st.sampled_from([("*", ":"), ("~", "*"), (":", "^"), ("*", "~")]))
        n = draw(st.integers(0, text.count(a) - 1))
        at = [i for i, ch in enumerate(text) if ch == a][n]
        return kind, text[:at] + b + text[at + 1 :]
    if kind == "drop":
        i = draw(st.integers(0, len(segs) - 1))
        return kind, term.join(segs[:i] + segs[i + 1 :]) + term
    if kind == "noise":
        at = draw(st.integers(0, len(text)))
        return kind, text[:at] + draw(st.text(max_size=5)) + text[at:]
    candidates = [
        (i, k) for i, s in enumerate(segs) for k in AMOUNT_FIELDS.get(s[:3].rstrip("*"), ())
    ]
    candidates = [(i, k) for i, k in candidates if len(segs[i].split("*")) > k]
    i, k = draw(st.sampled_from(candidates))
    parts = segs[i].split("*")
    delta = draw(st.sampled_from([1, -1, 100, 12345]))
    cents = round(float(parts[k]) * 100) + delta
    parts[k] = f"{cents / 100:.2f}"
    segs[i] = "*".join(parts)
    return kind, term.join(segs) + term


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_files_raise_x12error_or_read_balanced(case):
    kind, text = case
    try:
        doc = read_835(text)
    except X12Error as err:
        assert str(err)
        return
    assert kind in ("swap", "noise", "truncate"), "a changed amount must never read as valid"
    for remit in doc.transactions:
        assert_balanced(remit)


def test_conformance_check_reports_a_broken_835():
    _env, _remit, text = _generated(21)
    broken = "\n".join(s for s in text.split("\n") if not s.startswith("N1*PE"))
    assert findings(broken)


def test_claim_after_the_provider_adjustments_is_refused():
    text = (FIXTURES / "era_reversal_plb_no_newlines.835").read_text()
    plb = text[text.index("PLB*") : text.index("~SE*") + 1]
    clp = text[text.index("CLP*IOP0002") : text.index("PLB*")]
    moved = text.replace(clp + plb, plb + clp)
    with pytest.raises(X12Error, match="after the provider adjustments"):
        read_835(moved)
