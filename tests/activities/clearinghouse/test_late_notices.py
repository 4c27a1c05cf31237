"""record_late_notices: claim notices the inbox could not signal because the claim's
workflow has closed. Acceptances of a resolved claim are recorded once and need nobody; a
rejection is recorded and flagged; anything else is left to the unmatched-file task."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from activities.clearinghouse.activities import ClearinghouseActivities
from activities.clearinghouse.protocol import InboundFile
from models.db import claims as claim_repo
from models.db.billing_tables import X12File
from workflows.claim_types import (
    SIGNAL_STATUS_ANSWERED,
    Delivery,
    PollInboxInput,
    PollInboxResult,
    StatusNotice,
    SubmitClaimInput,
)
from workflows.inbox_types import LateVerdict, RecordLateNoticesInput

from .builders import setup
from .conftest import at
from .fakes import Replaying

pytestmark = pytest.mark.db
CLAIM = "E1:c:1"


def answered(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, member_id: str = "M12345678"
) -> PollInboxResult:
    """Submit E1's claim and read every answer the simulator gives it."""
    setup(sessions, "E1", member_id=member_id, claim_ids=(CLAIM,))
    acts.submit_claim(SubmitClaimInput(claim_id=CLAIM, now=at(0)))
    return acts.poll_inbox(PollInboxInput(now=at(100)))


def resolve(sessions: sessionmaker[Session], status: str = "paid") -> None:
    """As claims.resolve leaves a claim: its workflow is about to close."""
    with sessions() as s, s.begin():
        row = claim_repo.require(s, CLAIM)
        row.status, row.resolved_at = status, datetime.fromisoformat(at(50))


def kinds(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s:
        return [e.kind for e in claim_repo.timeline(s, CLAIM)]


def inbound(sessions: sessionmaker[Session]) -> list[InboundFile]:
    with sessions() as s:
        rows = s.scalars(select(X12File).where(X12File.direction == "in").order_by(X12File.id))
        return [InboundFile(name=r.name, content=r.content) for r in rows]


def late_input(deliveries: list[Delivery], days: float = 100) -> RecordLateNoticesInput:
    return RecordLateNoticesInput(at=at(days), deliveries=deliveries)


def test_late_acceptances_of_a_resolved_claim_are_recorded_once_and_need_nobody(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities
) -> None:
    polled = answered(sessions, acts)
    resolve(sessions)
    before = kinds(sessions)
    first = acts.record_late_notices(late_input(polled.deliveries))
    by_source = {n.source: n for n in first.notices}
    assert sorted(by_source) == ["277CA", "835", "999"]
    assert by_source["999"].verdict == by_source["277CA"].verdict == LateVerdict.RECORDED
    # money is never posted behind a closed claim's back: the 835 stays a task
    assert by_source["835"].verdict == LateVerdict.UNDELIVERED
    assert "already resolved (paid)" in by_source["835"].message
    assert kinds(sessions)[len(before) :] == ["999_accepted", "277ca_accepted"]

    # a retried activity (same input) answers the same and records nothing twice
    assert acts.record_late_notices(late_input(polled.deliveries)) == first
    assert kinds(sessions)[len(before) :] == ["999_accepted", "277ca_accepted"]
    # the clearinghouse sends the same files again: stored once, nothing to deliver
    inbox = ClearinghouseActivities(sessions, Replaying(inbound(sessions)))
    assert inbox.poll_inbox(PollInboxInput(now=at(101))).deliveries == []

    with sessions() as s:
        row = claim_repo.require(s, CLAIM)
        events = [e for e in claim_repo.timeline(s, CLAIM) if e.kind == "277ca_accepted"]
        statuses = s.scalars(select(X12File.status).where(X12File.direction == "in")).all()
    assert row.status == "paid" and row.payer_claim_number  # the 277CA's, as it was missing
    assert events[0].data["after_resolution"] is True
    assert events[0].at == datetime.fromisoformat(at(100))
    assert sorted(statuses) == ["processed"] * 3


def test_a_late_rejection_of_a_resolved_claim_is_recorded_and_flagged_for_a_person(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities
) -> None:
    polled = answered(sessions, acts, member_id="REJ277-12345")
    resolve(sessions, "written_off")
    notices = acts.record_late_notices(late_input(polled.deliveries)).notices
    assert [(n.source, n.verdict) for n in notices] == [
        ("999", LateVerdict.RECORDED),
        ("277CA", LateVerdict.REJECTED),
    ]
    rejected = notices[1]
    assert rejected.claim_id == CLAIM and rejected.claim_status == "written_off"
    assert rejected.episode_id == "E1" and rejected.payer_id == "medicaid_state"
    assert "subscriber member id is invalid" in rejected.message
    assert ".277CA." in rejected.file_name
    acts.record_late_notices(late_input(polled.deliveries))  # a retry
    with sessions() as s:
        row = claim_repo.require(s, CLAIM)
    assert kinds(sessions).count("277ca_rejected") == 1
    assert row.status == "written_off"  # a late rejection does not reopen the claim


def test_notices_for_a_claim_not_resolved_or_not_ours_are_left_undelivered(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities
) -> None:
    polled = answered(sessions, acts)  # the claim is still "submitted"
    ack = polled.deliveries[0]
    stranger = Delivery(
        workflow_id="claim:nope",
        signal=ack.signal,
        payload_type=ack.payload_type,
        payload={**ack.payload, "claim_id": "nope"},
    )
    before = kinds(sessions)
    notices = acts.record_late_notices(late_input([ack, stranger])).notices
    assert [n.verdict for n in notices] == [LateVerdict.UNDELIVERED] * 2
    assert "not resolved" in notices[0].message
    assert "no claim 'nope'" in notices[1].message
    assert kinds(sessions) == before


def test_a_late_status_answer_for_a_resolved_claim_is_recorded(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities
) -> None:
    answered(sessions, acts)
    resolve(sessions)
    notice = StatusNotice(claim_id=CLAIM, category="F1", status="65", x12_file_id=0)
    delivery = Delivery(
        workflow_id=f"claim:{CLAIM}",
        signal=SIGNAL_STATUS_ANSWERED,
        payload_type="StatusNotice",
        payload=asdict(notice),
    )
    (result,) = acts.record_late_notices(late_input([delivery])).notices
    assert result.verdict == LateVerdict.RECORDED and result.source == "277"
    assert kinds(sessions)[-1] == "status_answered"
