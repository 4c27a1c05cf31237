from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.x12 import ClaimForm, X12Error, read_837, write_837
from models.x12.generate import random_batch837, random_envelope


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(list(ClaimForm)), st.booleans())
def test_837_writer_output_reads_back_to_equal_objects(seed, form, newlines):
    rng = random.Random(seed)
    batch = random_batch837(rng, form, rng.randrange(1, 5))
    env = random_envelope(rng)
    doc = read_837(write_837(env, [batch], newlines=newlines))
    assert doc.transactions == (batch,)
    assert doc.interchanges[0].envelope == env


def test_claim_total_that_is_not_the_sum_of_lines_is_refused():
    rng = random.Random(4)
    batch = random_batch837(rng, ClaimForm.PROFESSIONAL, 1)
    text = write_837(random_envelope(rng), [batch])
    clm = next(s for s in text.split("~\n") if s.startswith("CLM*"))
    parts = clm.split("*")
    parts[2] = "1.23"
    with pytest.raises(X12Error, match="not the sum of its lines") as info:
        read_837(text.replace(clm, "*".join(parts)))
    assert info.value.segment_id == "CLM" and info.value.element == 2
