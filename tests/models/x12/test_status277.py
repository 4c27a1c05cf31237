from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.x12 import ClaimForm, X12Error, read_277, read_277ca, write_277, write_277ca
from models.x12.generate import random_ack_report, random_batch837, random_envelope

from .conformance import findings


def _report(seed: int, kind: str, count: int = 4):
    rng = random.Random(seed)
    batch = random_batch837(rng, rng.choice(list(ClaimForm)), count)
    return batch, random_envelope(rng), random_ack_report(rng, batch, kind=kind)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["277CA", "277"]))
def test_277_and_277ca_round_trip(seed, kind):
    _batch, env, report = _report(seed, kind)
    write, read = (write_277ca, read_277ca) if kind == "277CA" else (write_277, read_277)
    assert read(write(env, [report])).transactions == (report,)


@pytest.mark.parametrize("seed", [1, 2])
def test_277ca_passes_guide_validation(seed):
    _batch, env, report = _report(seed, "277CA")
    assert findings(write_277ca(env, [report])) == []


def test_277ca_matches_our_claims_by_patient_control_number():
    batch, env, report = _report(5, "277CA", 6)
    (read,) = read_277ca(write_277ca(env, [report])).transactions
    matched = read.by_patient_control_number()
    assert set(matched) == {c.patient_control_number for c in batch.claims}
    for claim in batch.claims:
        ack = matched[claim.patient_control_number]
        assert ack.statuses[0].amount_cents == claim.total_charge_cents
        assert ack.rejected == (ack.statuses[0].category == "A3")
        assert ack.accepted != ack.rejected


def test_a_277_is_not_read_as_a_277ca():
    _batch, env, report = _report(6, "277")
    with pytest.raises(X12Error, match="expected 277CA"):
        read_277ca(write_277(env, [report]))


def test_provider_status_with_a_date_is_not_written():
    _batch, env, report = _report(7, "277CA")
    provider = report.providers[0]
    dated = dataclasses.replace(
        provider,
        statuses=(dataclasses.replace(provider.statuses[0], effective_date=report.created.date()),),
    )
    with pytest.raises(X12Error, match="STC02 is not used"):
        write_277ca(env, [dataclasses.replace(report, providers=(dated,))])


def test_claims_outside_a_provider_level_are_refused_not_dropped():
    _batch, env, report = _report(8, "277")
    text = write_277(env, [report])
    segs = text.split("~\n")
    without = [s for s in segs if not (s.startswith("HL*3*") or s.startswith("NM1*1P"))]
    st_i = next(i for i, s in enumerate(without) if s.startswith("ST*"))
    se_i = next(i for i, s in enumerate(without) if s.startswith("SE*"))
    without[se_i] = f"SE*{se_i - st_i + 1}*{report.control_number}"
    with pytest.raises(X12Error, match="outside a provider level"):
        read_277("~\n".join(without))
