from __future__ import annotations

import dataclasses
import random

import pytest

from models.x12 import (
    ClaimForm,
    ElementError,
    FunctionalAck,
    SegmentError,
    TransactionAck,
    X12Error,
    locate_errors,
    read_999,
    write_837,
    write_999,
)
from models.x12.generate import random_batch837, random_envelope

from .conformance import findings


def _sent(seed: int = 3):
    rng = random.Random(seed)
    batch = random_batch837(rng, ClaimForm.PROFESSIONAL, 3)
    env = random_envelope(rng)
    return env, batch, write_837(env, [batch])


def _ack(env, batch, text) -> FunctionalAck:
    segs = text.split("~\n")
    st = next(i for i, s in enumerate(segs) if s.startswith("ST*"))
    second_clm = [i for i, s in enumerate(segs) if s.startswith("CLM*")][1]
    nm1_il = next(i for i, s in enumerate(segs) if s.startswith("NM1*IL"))
    return FunctionalAck(
        control_number="0001",
        functional_id="HC",
        group_control_number=env.group_control_number,
        version="005010X222A1",
        status="R",
        included_count=1,
        received_count=1,
        accepted_count=0,
        error_codes=("5",),
        transactions=(
            TransactionAck(
                set_id="837",
                control_number=batch.control_number,
                version="005010X222A1",
                status="R",
                error_codes=("5",),
                segments=(
                    SegmentError(
                        segment_id="CLM",
                        position=second_clm - st + 1,
                        loop_id="2300",
                        error_code="8",
                        elements=(
                            ElementError(
                                position=5,
                                component=1,
                                data_element="1331",
                                error_code="7",
                                bad_value="99",
                            ),
                        ),
                    ),
                    SegmentError(segment_id="NM1", position=nm1_il - st + 1, error_code="8"),
                ),
            ),
        ),
    )


def test_999_round_trips_and_passes_guide_validation():
    env, batch, text = _sent()
    ack = _ack(env, batch, text)
    out = write_999(random_envelope(random.Random(9)), [ack])
    assert read_999(out).transactions == (ack,)
    assert findings(out) == []


def test_ik3_ik4_map_back_to_segment_element_and_claim_of_the_sent_file():
    env, batch, text = _sent()
    ack = _ack(env, batch, text)
    found = locate_errors(ack, text)
    clm, nm1 = found
    assert clm.segment_id == "CLM" and clm.segment_text.startswith("CLM*")
    assert clm.element_position == 5 and clm.element_value == batch.claims[1].place_of_service
    assert clm.patient_control_number == batch.claims[1].patient_control_number
    assert text.split("~\n")[clm.segment_position - 1] == clm.segment_text
    assert nm1.patient_control_number == batch.claims[0].patient_control_number


def test_999_pointing_at_a_segment_we_did_not_send_is_an_error():
    env, batch, text = _sent()
    ack = _ack(env, batch, text)
    bad = SegmentError(segment_id="SV1", position=2, error_code="8")
    tx = TransactionAck(
        set_id="837", control_number=batch.control_number, status="R", segments=(bad,)
    )
    wrong = dataclasses.replace(ack, transactions=(tx,))
    with pytest.raises(X12Error, match="points at SV1"):
        locate_errors(wrong, text)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("AK9*R", "AK9*Q"), "AK901"),
        (lambda t: t.replace("IK5*R*5~\n", ""), "AK9 out of place"),
        (lambda t: t.replace("IK4*5:1", "IK4*X:1"), "IK4 needs an element position"),
    ],
)
def test_malformed_999_is_refused(change, message):
    env, batch, text = _sent()
    out = write_999(env, [_ack(env, batch, text)])
    changed = change(out)
    if changed.count("~\n") != out.count("~\n"):  # keep SE01 right so the body is tested
        segs = changed.split("~\n")
        se = next(i for i, s in enumerate(segs) if s.startswith("SE*"))
        st = next(i for i, s in enumerate(segs) if s.startswith("ST*"))
        segs[se] = f"SE*{se - st + 1}*0001"
        changed = "~\n".join(segs)
    with pytest.raises(X12Error, match=message):
        read_999(changed)
