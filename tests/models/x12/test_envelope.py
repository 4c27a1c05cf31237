from __future__ import annotations

import datetime as dt
import random

import pytest

from models.x12 import Envelope, X12Error, read_835
from models.x12.claim837 import ClaimForm
from models.x12.envelope import tokenize
from models.x12.generate import random_batch837, random_envelope, random_remittance
from models.x12.remit835 import write_835


def _835(seed: int = 1, **kw):
    rng = random.Random(seed)
    batch = random_batch837(rng, ClaimForm.PROFESSIONAL, 3)
    remit = random_remittance(rng, batch.claims)
    env = random_envelope(rng)
    return env, remit, write_835(env, [remit], **kw)


def _redelimit(text: str, ele: str, comp: str, rep: str, term: str) -> str:
    segs = [s for s in text.replace("\n", "").split("~") if s]
    out = []
    for s in segs:
        parts = s.split("*")
        if parts[0] == "ISA":
            parts[11], parts[16] = rep, comp
        else:
            parts = [p.replace(":", comp) for p in parts]
        out.append(ele.join(parts))
    return term.join(out) + term


@pytest.mark.parametrize(
    ("ele", "comp", "rep", "term"),
    [("|", ">", "!", "\n"), ("*", ">", "^", "'"), ("^", "\\", "{", "~"), ("*", ":", "^", "\r")],
)
def test_delimiters_come_from_the_isa(ele, comp, rep, term):
    _env, remit, text = _835()
    redone = _redelimit(text, ele, comp, rep, term)
    assert read_835(redone).transactions == (remit,)
    if term in "\r\n":  # the terminator is a line break: the other one may follow it
        other = "\n" if term == "\r" else "\r"
        crlf = redone.replace(term, "\r\n" if term == "\r" else other + term)
        assert read_835(crlf).transactions == (remit,)


def test_segments_with_or_without_line_breaks_read_the_same():
    _env, remit, with_nl = _835(newlines=True)
    _env, _remit, without = _835(newlines=False)
    crlf = with_nl.replace("\n", "\r\n")
    assert read_835(with_nl).transactions == read_835(without).transactions == (remit,)
    assert read_835(crlf).transactions == (remit,)


def test_several_interchanges_in_one_file():
    env1, r1, t1 = _835(1)
    env2, r2, t2 = _835(2)
    doc = read_835(t1 + t2)
    assert [ic.envelope for ic in doc.interchanges] == [env1, env2]
    assert doc.transactions == (r1, r2)


def test_envelope_normalises_application_ids_and_seconds():
    env = Envelope(
        sender_id="A",
        receiver_id="B",
        interchange_control_number=1,
        group_control_number=1,
        created=dt.datetime(2025, 1, 1, 8, 0, 5, 123),
    )
    assert env.application_sender == "A" and env.created.microsecond == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("IEA*1*", "IEA*2*"), "IEA01 says 2 groups"),
        (lambda t: t.replace("GE*1*", "GE*3*"), "GE01 says 3 transactions"),
        (lambda t: t.replace("\nSE*", "\nSE*9"), "SE01 says 9"),
        (lambda t: t.replace("*00501*", "*00401*"), "not 00501"),
        (lambda t: t[: t.index("IEA")], "no IEA"),
        (lambda t: t.replace("ISA*00*", "XSA*00*"), "does not start with ISA"),
        (lambda t: t.replace("\nN1*PE", "\nn1*PE"), "is not a segment id"),
        (lambda t: t.replace("ISA*00*    ", "ISA*00*   "), "fixed-width"),
    ],
)
def test_envelope_faults_are_refused_with_location(change, message):
    _env, _remit, text = _835()
    with pytest.raises(X12Error, match=message) as info:
        read_835(change(text), file="x.835")
    assert "file x.835" in str(info.value)


def test_transaction_knows_its_position_in_the_file():
    _env, _remit, text = _835()
    (raw,) = tokenize(text)
    assert raw.first_position == 3 and raw.segments[0][0] == "ST"
    err = raw.error("boom", 1, 2)
    assert err.segment_position == 4 and err.segment_id == "BPR" and err.element == 2
