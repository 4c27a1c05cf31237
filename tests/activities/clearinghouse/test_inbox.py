"""poll_inbox: store once, read, match, and return each delivery exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from activities.clearinghouse.activities import ClearinghouseActivities
from activities.clearinghouse.protocol import InboundFile
from models.db import x12files as repo
from models.db.billing_tables import ClaimRow, X12File
from models.x12 import (
    Envelope,
    FunctionalAck,
    SegmentError,
    TransactionAck,
    X12Error,
    read_x12,
    write_999,
)
from workflows.claim_types import PollInboxInput, SubmitClaimInput

from .builders import NOW, setup
from .conftest import Poll, at
from .fakes import Replaying

pytestmark = pytest.mark.db


def answers(sessions: sessionmaker[Session]) -> list[InboundFile]:
    with sessions() as s:
        rows = s.scalars(select(X12File).where(X12File.direction == "in").order_by(X12File.id))
        return [InboundFile(name=r.name, content=r.content) for r in rows]


def submitted(sessions: sessionmaker[Session], acts: ClearinghouseActivities) -> X12File:
    setup(sessions, "E1", claim_ids=("E1:c:1",))
    sent = acts.submit_claim(SubmitClaimInput(claim_id="E1:c:1", now=at(0)))
    with sessions() as s:
        row = repo.get(s, sent.x12_file_id)
        assert row is not None
        return row


def ack999(group: int, tx: TransactionAck, status: str = "A") -> str:
    env = Envelope(
        sender_id="PAYER", receiver_id="IOPBILL", interchange_control_number=77,
        group_control_number=77, created=NOW.replace(tzinfo=None),
    )  # fmt: skip
    ack = FunctionalAck(
        control_number="0001", functional_id="HC", group_control_number=group, status=status,
        included_count=1, received_count=1, accepted_count=1 if status == "A" else 0,
        transactions=(tx,),
    )  # fmt: skip
    return write_999(env, [ack])


def test_the_same_files_twice_give_their_deliveries_once(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities
) -> None:
    submitted(sessions, acts)
    feed = Replaying(answers(sessions))
    inbox = ClearinghouseActivities(sessions, feed)
    first = inbox.poll_inbox(PollInboxInput(now=at(100)))
    assert sorted(d.payload_type for d in first.deliveries) == [
        "AckNotice", "AckNotice", "RemitNotice",
    ]  # fmt: skip
    assert {d.workflow_id for d in first.deliveries} == {"claim:E1:c:1"}
    assert inbox.poll_inbox(PollInboxInput(now=at(101))).deliveries == []
    # a retry of the first poll (same workflow time) answers exactly what it answered
    assert inbox.poll_inbox(PollInboxInput(now=at(100))) == first
    with sessions() as s:
        statuses = s.scalars(select(X12File.status).where(X12File.direction == "in")).all()
    assert sorted(statuses) == ["processed"] * 3
    assert all(ok for _, ok in feed.acknowledged)


def test_a_malformed_file_becomes_unmatched_with_the_parsers_message(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities
) -> None:
    row = submitted(sessions, acts)
    broken = row.content.replace("CLM*", "CLM", 1)  # "CLME1+c+1" is no segment id
    truncated = answers(sessions)[2].content.rsplit("IEA", 1)[0]
    files = [InboundFile(name="broken.837", content=broken),
             InboundFile(name="cut.835", content=truncated),
             InboundFile(name="junk.txt", content="hello"),
             InboundFile(name="echo.837", content=row.content)]  # fmt: skip
    feed = Replaying(files)
    result = ClearinghouseActivities(sessions, feed).poll_inbox(PollInboxInput(now=at(1)))
    assert result.deliveries == []
    by_name = {u.name: u.error for u in result.unmatched}
    with pytest.raises(X12Error) as err:
        read_x12(truncated, "cut.835")
    assert by_name["cut.835"] == str(err.value)
    assert "truncated" in by_name["cut.835"]
    assert "no ISA" in by_name["junk.txt"]
    assert "is not a segment id" in by_name["broken.837"]
    assert "837P is not something we expect" in by_name["echo.837"]
    assert sorted(feed.acknowledged) == [("broken.837", False), ("cut.835", False),
                                         ("echo.837", True), ("junk.txt", False)]  # fmt: skip
    with sessions() as s:  # kept
        kept = {
            r.name: r.status for r in s.scalars(select(X12File).where(X12File.direction == "in"))
        }
    assert kept["cut.835"] == "error" and kept["junk.txt"] == "error"
    assert kept["echo.837"] == "unmatched"  # readable, but an inbound 837 is not expected


def test_a_remittance_for_an_unknown_claim_is_unmatched_and_nothing_is_posted(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    submitted(sessions, acts)
    with sessions() as s, s.begin():
        s.execute(delete(ClaimRow).where(ClaimRow.id == "E1:c:1"))
    result = poll(60)
    assert [d.payload_type for d in result.deliveries] == ["AckNotice"]  # the 999 matched the file
    errors = sorted(u.error for u in result.unmatched)
    assert len(errors) == 2
    assert all("no claim with patient control number 'E1+c+1'" in e for e in errors)


def test_a_999_is_matched_by_our_control_numbers_and_a_rejection_names_the_segment(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities
) -> None:
    row = submitted(sessions, acts)
    segments = row.content.split("~\n")
    st = next(i for i, x in enumerate(segments) if x.startswith("ST*"))
    clm = next(i for i, x in enumerate(segments) if x.startswith("CLM*"))
    group = int(row.control_number)
    rejected = ack999(
        group,
        TransactionAck(set_id="837", control_number="0001", status="R",
                       segments=(SegmentError(segment_id="CLM", position=clm - st + 1,
                                              error_code="8"),)),
        status="R",
    )  # fmt: skip
    stranger = ack999(group + 1000, TransactionAck(set_id="837", control_number="0001", status="A"))
    feed = Replaying([InboundFile(name="r.999", content=rejected),
                      InboundFile(name="s.999", content=stranger)])  # fmt: skip
    result = ClearinghouseActivities(sessions, feed).poll_inbox(PollInboxInput(now=at(1)))
    (delivery,) = result.deliveries
    assert delivery.workflow_id == "claim:E1:c:1" and delivery.signal == "acknowledged"
    assert delivery.payload["accepted"] is False and delivery.payload["source"] == "999"
    assert "segment CLM" in str(delivery.payload["message"])
    assert delivery.payload["field"] == "claim"
    (unmatched,) = result.unmatched
    assert unmatched.name == "s.999" and "not an 837 of ours" in unmatched.error


def test_a_claim_id_too_long_for_clm01_is_matched_back_through_its_alias(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    long_id = "E1:commercial_alpha:2026-03-02:corrected:c2"
    assert len(long_id) > 38
    setup(sessions, "E1", claim_ids=(long_id,))
    acts.submit_claim(SubmitClaimInput(claim_id=long_id, now=at(0)))
    result = poll(90)
    assert {d.workflow_id for d in result.deliveries} == {f"claim:{long_id}"}
    assert sorted(d.payload_type for d in result.deliveries) == [
        "AckNotice", "AckNotice", "RemitNotice",
    ]  # fmt: skip
    assert result.unmatched == []
