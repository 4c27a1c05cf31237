"""``claims.record_ack`` for an acknowledgement that arrives after the claim was accepted
(an 835 came first): the row is recorded, nothing the 835 settled is undone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from activities.claims import ClaimActivities
from models.db import claims as repo
from tests.workflows.claim_helpers import build_claim, new_claim_id, store_claim
from workflows.claim_payloads import MarkClaimInput, RecordAckInput
from workflows.claim_types import AckNotice

pytestmark = pytest.mark.db
ACCEPTED_AT = "2026-06-01T12:00:00+00:00"
LATE_AT = "2026-06-02T09:00:00+00:00"


def paid_claim(sessions: sessionmaker[Session], payer_claim_number: str = "") -> str:
    """A claim accepted on its 835 and paid, as the ClaimWorkflow leaves it."""
    claim_id = new_claim_id()
    store_claim(sessions, build_claim(claim_id))
    ClaimActivities(sessions).mark(
        MarkClaimInput(
            claim_id=claim_id,
            key=f"{claim_id}:accepted:1",
            kind="accepted",
            at=ACCEPTED_AT,
            status="accepted",
            accepted=True,
        )
    )
    with sessions() as s, s.begin():
        row = repo.require(s, claim_id)
        row.status, row.payer_claim_number = "paid", payer_claim_number
    return claim_id


def late(claim_id: str, notice: AckNotice, seq: int) -> RecordAckInput:
    return RecordAckInput(claim_id=claim_id, notice=notice, seq=seq, at=LATE_AT, late=True)


@pytest.mark.parametrize(
    ("on_the_claim", "expected"), [("", "ICN-277"), ("ICN-835", "ICN-835")], ids=["none", "835s"]
)
def test_a_late_277ca_fills_a_missing_payer_claim_number_and_keeps_the_paid_status(
    sqlite_sessions: sessionmaker[Session], on_the_claim: str, expected: str
) -> None:
    claim_id = paid_claim(sqlite_sessions, on_the_claim)
    acts = ClaimActivities(sqlite_sessions)
    notice = AckNotice(
        claim_id=claim_id, source="277CA", accepted=True, payer_claim_number="ICN-277"
    )
    outcome = acts.record_ack(late(claim_id, notice, 1))
    assert outcome.accepted and outcome.final
    with sqlite_sessions() as s:
        row = repo.require(s, claim_id)
        events = [e for e in repo.timeline(s, claim_id) if e.kind == "277ca_accepted"]
    assert row.payer_claim_number == expected
    assert row.status == "paid" and row.accepted_at == datetime.fromisoformat(ACCEPTED_AT)
    assert len(events) == 1 and events[0].data["after_acceptance"] is True
    assert events[0].at == datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


def test_a_late_rejection_is_recorded_without_reopening_the_claim(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    claim_id = paid_claim(sqlite_sessions, "ICN-835")
    acts = ClaimActivities(sqlite_sessions)
    notice = AckNotice(claim_id=claim_id, source="999", accepted=False, message="IK5 R")
    acts.record_ack(late(claim_id, notice, 1))
    acts.record_ack(late(claim_id, notice, 1))  # a retry: once
    with sqlite_sessions() as s:
        row = repo.require(s, claim_id)
        kinds = [e.kind for e in repo.timeline(s, claim_id)]
    assert kinds == ["accepted", "999_rejected"]
    assert row.status == "paid" and row.last_message != "IK5 R"
