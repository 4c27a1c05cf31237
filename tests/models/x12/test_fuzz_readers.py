"""Random damage to valid files of every kind: only X12Error, never a half answer."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.x12 import (
    ClaimForm,
    X12Error,
    read_x12,
    write_270,
    write_271,
    write_276,
    write_277,
    write_277ca,
    write_835,
    write_837,
)
from models.x12.generate import (
    random_ack_report,
    random_batch837,
    random_eligibility_request,
    random_eligibility_response,
    random_envelope,
    random_remittance,
    random_status_request,
)


def _valid(seed: int, kind: str) -> str:
    rng = random.Random(seed)
    env = random_envelope(rng)
    batch = random_batch837(rng, rng.choice(list(ClaimForm)), 2)
    if kind == "837":
        return write_837(env, [batch])
    if kind == "835":
        return write_835(env, [random_remittance(rng, batch.claims)])
    if kind == "277CA":
        return write_277ca(env, [random_ack_report(rng, batch, kind="277CA")])
    if kind == "277":
        return write_277(env, [random_ack_report(rng, batch, kind="277")])
    if kind == "276":
        return write_276(env, [random_status_request(rng, batch)])
    request = random_eligibility_request(rng, 2)
    if kind == "270":
        return write_270(env, [request])
    return write_271(env, [random_eligibility_response(rng, request)])


@st.composite
def damaged(draw):
    kind = draw(st.sampled_from(["837", "835", "277CA", "277", "276", "270", "271"]))
    text = _valid(draw(st.integers(0, 2**16)), kind)
    how = draw(st.sampled_from(["truncate", "swap", "drop", "noise", "digit"]))
    if how == "truncate":
        return text[: draw(st.integers(0, len(text) - 1))]
    if how == "drop":
        segs = text.split("~\n")[:-1]
        i = draw(st.integers(0, len(segs) - 1))
        return "~\n".join(segs[:i] + segs[i + 1 :]) + "~\n"
    at = draw(st.integers(0, len(text) - 1))
    if how == "swap":
        return text[:at] + draw(st.sampled_from("*:^~\n")) + text[at + 1 :]
    if how == "digit":
        return text[:at] + str(draw(st.integers(0, 9))) + text[at + 1 :]
    return text[:at] + draw(st.text(max_size=4)) + text[at:]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_files_raise_only_x12error(text):
    try:
        doc = read_x12(text)
    except X12Error as err:
        assert str(err)
        return
    for tx in doc.transactions:  # whatever still reads must be internally consistent
        for claim in getattr(tx, "claims", ()):
            if hasattr(claim, "paid_cents"):
                assert claim.charge_cents - claim.adjustment_total_cents == claim.paid_cents
            if hasattr(claim, "total_charge_cents"):
                assert claim.lines
