from __future__ import annotations

from pathlib import Path

import pytest

from models.x12 import ClaimForm, read_837, write_837

from .conformance import findings
from .iop_claims import ENVELOPE, batch

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = {ClaimForm.PROFESSIONAL: "iop_837p.x12", ClaimForm.INSTITUTIONAL: "iop_837i.x12"}


@pytest.mark.parametrize("form", list(ClaimForm))
def test_hand_written_iop_claims_match_golden_file_and_pass_validation(form):
    text = write_837(ENVELOPE, [batch(form)])
    assert text == (FIXTURES / GOLDEN[form]).read_text()
    assert findings(text) == []
    assert read_837(text).transactions == (batch(form),)


def test_golden_837p_carries_the_iop_specifics():
    text = (FIXTURES / GOLDEN[ClaimForm.PROFESSIONAL]).read_text()
    assert "CLM*IOP-0001-W44*1350***52:B:1*Y*A*Y*Y~" in text
    assert "REF*G1*AUTH-5531~" in text and "REF*F8*PAYER77001~" in text
    assert "SV1*HC:S9480:HQ*450*UN*1***1:2~" in text
    assert "HL*3*2*23*0~\nPAT*19~" in text


def test_golden_837i_carries_the_iop_specifics():
    text = (FIXTURES / GOLDEN[ClaimForm.INSTITUTIONAL]).read_text()
    assert "CLM*IOP-0002-W44*1560***13:A:1**A*Y*Y~" in text
    assert "DTP*434*RD8*20251027-20251030~" in text
    assert "HI*BG:92~" in text and "SV2*0906*HC:H0015*520*UN*1~" in text
