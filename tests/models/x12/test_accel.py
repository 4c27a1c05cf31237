"""The C accelerator and its Python twins: the same documents and the same errors."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.x12 import X12Error, accel, read_x12
from models.x12.claim837 import ClaimForm
from models.x12.envelope import _split_py
from models.x12.generate import random_batch837, random_envelope, random_remittance
from models.x12.remit835 import write_835

from .conformance import SAMPLES
from .test_fuzz_readers import damaged
from .test_read835 import SAMPLE_835, mutated

FIXTURES = Path(__file__).parent / "fixtures"


def _outcome(text: str) -> tuple[object, ...]:
    try:
        doc = read_x12(text, file="f.x12")
    except X12Error as err:
        where = (err.file, err.interchange, err.group, err.transaction, err.segment_position)
        return ("error", err.message, *where, err.segment_id, err.element, str(err))
    return ("read", doc)


def assert_same_on_both_paths(text: str) -> tuple[object, ...]:
    fast = _outcome(text)
    with accel.pure_python():
        pure = _outcome(text)
    assert fast == pure
    return fast


def _835(seed: int, count: int = 5, *, newlines: bool = True) -> str:
    rng = random.Random(seed)
    batch = random_batch837(rng, rng.choice(list(ClaimForm)), count)
    remit = random_remittance(rng, batch.claims)
    return write_835(random_envelope(rng), [remit], newlines=newlines)


def test_the_accelerator_is_built_by_the_install():
    assert accel.available(), "models/x12/_speedups.c was not compiled (make install)"


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["~\n", "~", "~\r\n"]))
def test_generated_835s_read_the_same_on_both_paths(seed, term):
    text = _835(seed, newlines=False).replace("~", term)
    assert assert_same_on_both_paths(text)[0] == "read"


@pytest.mark.parametrize("path", sorted(FIXTURES.iterdir()), ids=lambda p: p.name)
def test_fixtures_read_or_fail_the_same_on_both_paths(path):
    assert_same_on_both_paths(path.read_text())


@pytest.mark.parametrize("name", sorted(SAMPLE_835))
def test_shared_samples_read_or_fail_the_same_on_both_paths(name):
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"shared sample {path} is not here")
    assert_same_on_both_paths(path.read_text())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_835s_fail_the_same_on_both_paths(case):
    _kind, text = case
    assert_same_on_both_paths(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_files_of_every_kind_fail_the_same_on_both_paths(text):
    assert_same_on_both_paths(text)


_AMOUNTS = {"BPR": (2,), "CLP": (3, 4, 5), "SVC": (2, 3), "AMT": (2,), "CAS": (3, 6, 9, 12)}


def _respelled(text: str, how) -> str:
    """Rewrite every amount of an 835 with ``how(Decimal) -> str``."""
    out = []
    for seg in text.split("~\n"):
        parts = seg.split("*")
        for k in _AMOUNTS.get(parts[0], ()):
            if k < len(parts) and parts[k]:
                parts[k] = how(Decimal(parts[k]))
        out.append("*".join(parts))
    return "~\n".join(out)


@pytest.mark.parametrize(
    "how",
    [
        lambda d: f"{d:.2f}0",  # fractions of a cent that are zero: "12.500"
        lambda d: f"{d * 10**8:f}",  # large, still within the C fast path
        lambda d: f"{d * 10**14:f}",  # beyond it: Python's integers take over
        lambda d: re.sub(r"^(-?)0\.", r"\1.", f"{d:f}"),  # ".5", "-.25"
    ],
    ids=["trailing-zeros", "large", "huge", "no-leading-zero"],
)
def test_unusual_amount_spellings_read_the_same_on_both_paths(how):
    text = _respelled(_835(7, 30), how)
    assert assert_same_on_both_paths(text)[0] == "read"


@pytest.mark.parametrize(
    "bad", ["12.345", "1e3", "+5", "", "-", "١٢", "12."], ids=lambda s: repr(s)
)
def test_a_bad_claim_amount_fails_the_same_on_both_paths(bad):
    text = re.sub(r"(CLP\*[^*]*\*[^*]*\*)[^*]*", lambda m: m.group(1) + bad, _835(3), count=1)
    assert assert_same_on_both_paths(text)[0] == "error"


@pytest.mark.parametrize(
    "text",
    [
        "ISA*a~GS*b*c~\n\r\n  ",
        "ISA*é*x~ZZ*ü~",
        "ISA*€*x~",  # beyond Latin-1: the C twin declines
        "ISA*a~GS*b~ \x85",  # Unicode whitespace after the last terminator
        "ISA*a~GS*b~junk",
        "ISA*a\r~\nS\rT*1~SE*2~isa*~12~~",
    ],
)
def test_the_c_splitter_matches_its_python_twin(text):
    from models.x12 import _speedups

    fast = _speedups.split_segments(text, "*", "~")
    try:
        pure = _split_py(text, "*", "~", None)
    except X12Error:
        assert fast is None
    else:
        assert fast is None or fast == pure
