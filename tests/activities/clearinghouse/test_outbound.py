"""Senders: valid files, stored once, sent once per idempotency key."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError

from activities.clearinghouse.activities import ClearinghouseActivities
from activities.clearinghouse.documents import read_appeal, read_auth_request
from activities.clearinghouse.protocol import InboundFile, OutboundFile
from models.db import x12files as repo
from models.db.billing_tables import X12File
from models.x12 import read_270, read_276, read_837
from tests.models.x12.conformance import findings
from workflows.claim_types import AppealInput, StatusInquiryInput, SubmitClaimInput
from workflows.episode_types import AuthRequestInput, EligibilityInquiryInput
from workflows.errors import ErrorType

from .builders import add_appeal, setup
from .conftest import at

pytestmark = pytest.mark.db


class RecordingAdapter:
    """A fake adapter that remembers what it was given."""

    name = "recording"

    def __init__(self) -> None:
        self.sent: list[OutboundFile] = []

    def send(self, out: OutboundFile, *, now: object) -> None:
        self.sent.append(out)

    def receive(self, *, now: object) -> list[InboundFile]:
        return []

    def acknowledge(self, inbound: InboundFile, *, ok: bool = True) -> None:
        pass


def outbound(sessions: sessionmaker[Session]) -> list[X12File]:
    with sessions() as s:
        return list(s.scalars(select(X12File).where(X12File.direction == "out")))


@pytest.mark.parametrize(
    ("payer", "dependent"),
    [("medicaid_state", False), ("commercial_alpha", True), ("medicare", False),
     ("medicare", True)],
)  # fmt: skip
def test_every_submitted_837_passes_implementation_guide_validation(
    sessions: sessionmaker[Session], payer: str, dependent: bool
) -> None:
    setup(sessions, "E1", payer_id=payer, dependent=dependent, claim_ids=("E1:c:1",))
    acts = ClearinghouseActivities(sessions, RecordingAdapter())
    sent = acts.submit_claim(SubmitClaimInput(claim_id="E1:c:1", now=at(0)))
    with sessions() as s:
        row = repo.get(s, sent.x12_file_id)
        assert row is not None
        content = row.content
    assert findings(content) == []
    batch = read_837(content).transactions[0]
    claim = batch.claims[0]
    assert claim.patient_control_number == "E1+c+1"
    assert (claim.patient is not None) is dependent
    assert sent.name == f"{row.kind}-E1+c+1-{sent.control_number}-{sent.name.split('-')[-1]}"


def test_a_retried_submission_sends_the_same_file_once(sessions: sessionmaker[Session]) -> None:
    setup(sessions, "E1", claim_ids=("E1:c:1",))
    adapter = RecordingAdapter()
    acts = ClearinghouseActivities(sessions, adapter)
    first = acts.submit_claim(SubmitClaimInput(claim_id="E1:c:1", now=at(0)))
    again = acts.submit_claim(SubmitClaimInput(claim_id="E1:c:1", now=at(0)))
    assert again == first
    assert len(adapter.sent) == 1 and len(outbound(sessions)) == 1
    later = acts.submit_claim(SubmitClaimInput(claim_id="E1:c:1", now=at(5)))
    assert later.x12_file_id != first.x12_file_id
    assert int(later.control_number) == int(first.control_number) + 1
    assert len(adapter.sent) == 2


def test_a_crash_between_storing_and_sending_sends_on_retry(
    sessions: sessionmaker[Session],
) -> None:
    setup(sessions, "E1", claim_ids=("E1:c:1",))

    class Crashing(RecordingAdapter):
        def send(self, out: OutboundFile, *, now: object) -> None:
            raise ConnectionError("clearinghouse unreachable")

    with pytest.raises(ConnectionError):
        ClearinghouseActivities(sessions, Crashing()).submit_claim(
            SubmitClaimInput(claim_id="E1:c:1", now=at(0))
        )
    assert [r.status for r in outbound(sessions)] == ["queued"]
    adapter = RecordingAdapter()
    ClearinghouseActivities(sessions, adapter).submit_claim(
        SubmitClaimInput(claim_id="E1:c:1", now=at(0))
    )
    assert len(adapter.sent) == 1
    assert [r.status for r in outbound(sessions)] == ["sent"]


def test_an_unknown_claim_is_a_non_retryable_not_found(sessions: sessionmaker[Session]) -> None:
    acts = ClearinghouseActivities(sessions, RecordingAdapter())
    with pytest.raises(ApplicationError) as info:
        acts.submit_claim(SubmitClaimInput(claim_id="nope", now=at(0)))
    assert info.value.type == ErrorType.NOT_FOUND
    assert info.value.non_retryable


def test_a_claim_that_cannot_be_written_names_the_problem(sessions: sessionmaker[Session]) -> None:
    setup(sessions, "E1", claim_ids=("E1:c:1",), diagnosis_codes=("not-icd",))
    acts = ClearinghouseActivities(sessions, RecordingAdapter())
    with pytest.raises(ApplicationError) as info:
        acts.submit_claim(SubmitClaimInput(claim_id="E1:c:1", now=at(0)))
    assert info.value.type == ErrorType.OUTBOUND_INVALID
    assert "NOT-ICD" in str(info.value) and "ICD-10-CM" in str(info.value)
    assert outbound(sessions) == []


def test_status_eligibility_authorization_and_appeal_documents(
    sessions: sessionmaker[Session],
) -> None:
    setup(sessions, "E1", payer_id="commercial_alpha", claim_ids=("E1:c:1",))
    with sessions() as s, s.begin():
        add_appeal(s, "E1:c:1", 1)
    adapter = RecordingAdapter()
    acts = ClearinghouseActivities(sessions, adapter)
    acts.send_status_inquiry(StatusInquiryInput(claim_id="E1:c:1", now=at(30)))
    acts.send_eligibility(EligibilityInquiryInput(episode_id="E1", now=at(0)))
    acts.request_authorization(AuthRequestInput(episode_id="E1", now=at(0)))
    acts.send_appeal(AppealInput(claim_id="E1:c:1", level=1, now=at(40)))
    acts.send_appeal(AppealInput(claim_id="E1:c:1", level=1, now=at(41)))  # same level: same
    assert [o.kind for o in adapter.sent] == ["276", "270", "AUTHREQ", "APPEAL"]
    status = read_276(adapter.sent[0].content).transactions[0].queries[0]
    assert status.patient_control_number == "E1+c+1" and status.charge_cents == 90000
    query = read_270(adapter.sent[1].content).transactions[0].queries[0]
    assert query.trace_number == "E1" and query.member_id == "M12345678"
    auth = read_auth_request(adapter.sent[2].content)
    assert (auth.episode_id, auth.payer_id, auth.codes) == ("E1", "commercial_alpha", ("S9480",))
    appeal = read_appeal(adapter.sent[3].content)
    assert appeal.claim_id == "E1:c:1" and appeal.level == 1
    assert "plan of care" in appeal.letter
