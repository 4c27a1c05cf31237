"""`iopbill audit`: a posted claim adds up; each way money can disagree is named."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from activities.claim_settlement import save_ledger
from activities.domain_json import from_json, to_json
from iopbill.audit import audit
from iopbill.cli import app
from models.db.base import Base
from models.db.billing_tables import ClaimRow, Posting
from models.domain.ledger import Ledger, add_claim, post_adjudication
from tests import factories
from tests.activities.clearinghouse import builders

CLAIM_ID = "ep-1:medicaid_state:2026-03-02"


def posted_claim(s: Session) -> tuple[ClaimRow, Posting]:
    """A two-line claim paid $360 (contractual $500, patient $40), as the posting
    activity leaves it: the ledger, the row's figures and the posting row, in ``s``."""
    claim = factories.claim()
    row = builders.add_claim(s, claim)
    result = post_adjudication(add_claim(Ledger(), claim), factories.adjudication())
    assert result.accepted
    save_ledger(row, result.ledger)
    posting = Posting(
        id="P1",
        claim_id=CLAIM_ID,
        payer_id="medicaid_state",
        status_code="1",
        charge_cents=claim.total_cents,
        paid_cents=36000,
        patient_resp_cents=4000,
        adjustments=[],
        payer_claim_number="PCN-1",
        paid_on=date(2026, 3, 20),
        x12_file_id=7,
    )
    s.add(posting)
    s.flush()
    return row, posting


def test_a_posted_claim_adds_up(session: Session) -> None:
    posted_claim(session)
    report = audit(session)
    assert (report.claims, report.postings, report.problems) == (1, 1, [])


def test_each_disagreement_names_the_claim_and_the_field(session: Session) -> None:
    row, posting = posted_claim(session)
    row.open_cents = 500  # the row no longer adds up, nor matches its ledger
    twice = Posting(**{**_columns(posting), "id": "P1-again"})  # the same 835 posted again
    stray = Posting(**{**_columns(posting), "id": "P9", "claim_id": "nobody", "x12_file_id": 8})
    session.add_all([twice, stray])
    session.flush()
    found = [str(p) for p in audit(session).problems]
    assert found == [
        f"claim {CLAIM_ID}: total_cents: billed $900.00 but paid $360.00 + adjusted $500.00 + "
        "patient $40.00 + open $5.00 = $905.00",
        f"claim {CLAIM_ID}: open_cents: the row says $5.00, the ledger $0.00",
        f"claim {CLAIM_ID}: paid_cents: the claim says $360.00 paid, its 2 posting(s) add up "
        "to $720.00",
        f"claim {CLAIM_ID}: postings: x12 file 7 posted 2 times (status 1, paid $360.00)",
        "claim nobody: postings: 1 posting(s) on no claim",
    ]


def test_a_ledger_line_that_does_not_balance_is_named(session: Session) -> None:
    row, _ = posted_claim(session)
    ledger = from_json(Ledger, row.ledger)
    balance = ledger.claim(CLAIM_ID)
    assert balance is not None
    broken = replace(balance.lines[1], open_cents=100)  # 180 + 250 + 20 + 1 ≠ 450
    lines = (balance.lines[0], broken)
    row.ledger = to_json(replace(ledger, claims=(replace(balance, lines=lines),)))
    session.flush()
    found = [str(p) for p in audit(session).problems]
    assert found == [
        f"claim {CLAIM_ID}: ledger: line 2 does not balance: billed $450.00, paid $180.00, "
        "adjusted $250.00, patient $20.00, open $1.00",
        f"claim {CLAIM_ID}: open_cents: the row says $0.00, the ledger $1.00",
    ]


def test_the_command_exits_1_on_a_problem_and_0_when_the_money_adds_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as s, s.begin():
        posted_claim(s)
    monkeypatch.setenv("IOPBILL_DATABASE_URL", url)
    from iopbill.settings import get_settings

    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(app, ["audit"])
        assert (ok.exit_code, ok.output) == (0, "1 claim(s), 1 posting(s): the money adds up\n")
        with Session(engine) as s, s.begin():
            claim = s.get(ClaimRow, CLAIM_ID)
            assert claim is not None
            claim.paid_cents += 1
        bad = CliRunner().invoke(app, ["audit"])
        assert bad.exit_code == 1
        assert f"claim {CLAIM_ID}: paid_cents: the row says $360.01" in bad.output
        assert bad.output.endswith("1 claim(s), 1 posting(s): 3 problem(s)\n")
    finally:
        get_settings.cache_clear()


def _columns(posting: Posting) -> dict[str, object]:
    return {c.key: getattr(posting, c.key) for c in Posting.__table__.columns}
