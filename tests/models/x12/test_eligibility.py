from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from models.x12 import read_270, read_271, read_276, write_270, write_271, write_276
from models.x12.claim837 import ClaimForm
from models.x12.generate import (
    random_batch837,
    random_eligibility_request,
    random_eligibility_response,
    random_envelope,
    random_status_request,
)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32))
def test_270_and_271_round_trip(seed):
    rng = random.Random(seed)
    env = random_envelope(rng)
    request = random_eligibility_request(rng, rng.randrange(1, 5))
    assert read_270(write_270(env, [request])).transactions == (request,)
    response = random_eligibility_response(rng, request)
    assert read_271(write_271(env, [response])).transactions == (response,)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32))
def test_276_round_trips(seed):
    rng = random.Random(seed)
    batch = random_batch837(rng, rng.choice(list(ClaimForm)), 3)
    request = random_status_request(rng, batch)
    assert read_276(write_276(random_envelope(rng), [request])).transactions == (request,)


def test_271_reports_active_coverage_plan_dates_and_mental_health_benefits():
    rng = random.Random(11)
    request = random_eligibility_request(rng, 12)
    response = random_eligibility_response(rng, request)
    (read,) = read_271(write_271(random_envelope(rng), [response])).transactions
    by_trace = {r.trace_number: r for r in read.results}
    assert set(by_trace) == {q.trace_number for q in request.queries}
    statuses = {r.status for r in read.results}
    assert "active" in statuses
    for r in read.results:
        if r.status == "active":
            assert r.plan_begin and r.plan_end and r.plan_begin < r.plan_end
            assert {t for b in r.mental_health_benefits for t in b.service_types} >= {"MH", "A8"}
        elif r.status == "unknown":
            assert r.rejections and r.rejections[0].reason == "75"
