"""The payer simulator: deterministic, readable answers; scenario markers force outcomes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from activities.clearinghouse import make_adapter
from activities.clearinghouse.activities import ClearinghouseActivities
from activities.clearinghouse.documents import read_auth_response
from activities.clearinghouse.protocol import OutboundFile
from activities.clearinghouse.simulator import PAYER_CPU, Simulator
from iopbill.settings import Settings
from models.db import x12files as repo
from models.db.billing_tables import ClaimRow, X12File
from models.db.engine import make_sessionmaker
from models.x12 import Remittance, read_835, read_x12
from tests.conftest import make_test_engine
from workflows.claim_types import (
    AppealInput,
    PollInboxResult,
    StatusInquiryInput,
    SubmitClaimInput,
)
from workflows.episode_types import AuthRequestInput, EligibilityInquiryInput

from .builders import add_appeal, setup
from .conftest import DAY, Poll, at

pytestmark = pytest.mark.db


def of(result: PollInboxResult, payload_type: str) -> list[dict[str, object]]:
    return [d.payload for d in result.deliveries if d.payload_type == payload_type]


def remittance(sessions: sessionmaker[Session], notice: dict[str, object]) -> Remittance:
    with sessions() as s:
        row = repo.get(s, int(str(notice["x12_file_id"])))
        assert row is not None
        remit: Remittance = read_835(row.content).transactions[0]
        return remit


def inbound_rows(sessions: sessionmaker[Session]) -> list[X12File]:
    """Every answer the simulator stored, in the order it stored them."""
    with sessions() as s:
        return list(
            s.scalars(select(X12File).where(X12File.direction == "in").order_by(X12File.id))
        )


def submit(acts: ClearinghouseActivities, claim_id: str, day: float) -> None:
    acts.submit_claim(SubmitClaimInput(claim_id=claim_id, now=at(day)))


def scenario(sessions: sessionmaker[Session], seed: int) -> list[tuple[str, str]]:
    """Claims, eligibility and authorization for a few episodes; the answers stored."""
    acts = ClearinghouseActivities(sessions, Simulator(sessions, day_seconds=DAY, seed=seed))
    for n, payer in enumerate(["medicare", "medicaid_state", "commercial_alpha"], 1):
        setup(sessions, f"E{n}", payer_id=payer, claim_ids=(f"E{n}:c:1",))
        submit(acts, f"E{n}:c:1", 0)
        acts.send_eligibility(EligibilityInquiryInput(episode_id=f"E{n}", now=at(0)))
        acts.request_authorization(AuthRequestInput(episode_id=f"E{n}", now=at(0)))
    return [(r.name, r.content) for r in inbound_rows(sessions)]


def test_answers_are_deterministic_for_a_seed(tmp_path: Path) -> None:
    runs = []
    for n, seed in enumerate([7, 7, 8]):
        engine = make_test_engine("sqlite", tmp_path / str(n))
        runs.append(scenario(make_sessionmaker(engine), seed))
        engine.dispose()
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert len(runs[0]) == 3 * 3 + 3 + 3  # 999 + 277CA + 835 per claim, a 271, an auth answer


def test_a_delay_scale_shortens_every_wait_and_changes_no_answer(tmp_path: Path) -> None:
    """The demo's payers answer in a fifth of their business days: each answer is due at
    a fifth of its delay (the 835's payment date moves with it), and the answers are the
    same documents otherwise."""
    runs = []
    for n, scale in enumerate([1.0, 0.2]):
        engine = make_test_engine("sqlite", tmp_path / str(n))
        sessions = make_sessionmaker(engine)
        sim = Simulator(sessions, day_seconds=DAY, delay_scale=scale, seed=3)
        acts = ClearinghouseActivities(sessions, sim)
        setup(sessions, "E1", payer_id="commercial_alpha", claim_ids=("E1:c:1",))
        submit(acts, "E1:c:1", 0)
        runs.append([(r.kind, r.deliver_at, r.content) for r in inbound_rows(sessions)])
        engine.dispose()
    full, short = runs
    assert [k for k, _, _ in full] == [k for k, _, _ in short] == ["999", "277CA", "835"]
    sent = full[0][1]
    assert sent is not None and short[0][1] == sent  # the 999 comes at once either way
    for (_, due, _), (_, quick, _) in zip(full, short, strict=True):
        assert due is not None and quick is not None
        assert quick - sent == (due - sent) / 5
    assert short[1][2] == full[1][2]  # the same 277CA
    paid = [read_835(c).transactions[0] for _, _, c in (full[2], short[2])]
    assert paid[0].claims == paid[1].claims  # the same verdict, paid on an earlier day
    for remit, (_, due, _), scale in zip(paid, (full[2], short[2]), (1.0, 0.2), strict=True):
        assert due is not None  # paid on the day the 835 is due, less the 277CA's day
        assert remit.payment_date == (due - timedelta(days=scale)).date()


def test_the_setting_reaches_the_simulator_the_worker_builds(
    sessions: sessionmaker[Session],
) -> None:
    settings = Settings(day_seconds=DAY, simulator_delay_scale=0.5)
    acts = ClearinghouseActivities(sessions, make_adapter(sessions, settings))
    setup(sessions, "E1", payer_id="commercial_alpha", claim_ids=("E1:c:1",))
    submit(acts, "E1:c:1", 0)
    due = {r.kind: r.deliver_at for r in inbound_rows(sessions)}
    assert due["999"] is not None and due["277CA"] is not None
    assert due["277CA"] - due["999"] == timedelta(days=0.5)  # ack_days = 1, halved


def test_a_delay_scale_must_be_positive(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError, match="delay_scale must be positive"):
        Simulator(sessions, delay_scale=0)


def test_every_answer_passes_our_own_readers(sessions: sessionmaker[Session]) -> None:
    for name, content in scenario(sessions, 1):
        if name.startswith("AUTHREQ"):
            assert read_auth_response(content).episode_id.startswith("E")
        else:
            assert read_x12(content, name).kind in ("999", "277CA", "835", "271")


def test_a_clean_claim_is_acknowledged_then_paid_to_the_fee_schedule(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", payer_id="commercial_gamma", member_id="G777", claim_ids=("E1:c:1",))
    submit(acts, "E1:c:1", 0)
    first = poll(0)
    assert [(n["source"], n["accepted"]) for n in of(first, "AckNotice")] == [("999", True)]
    acked = poll(1)
    assert [(n["source"], n["accepted"]) for n in of(acked, "AckNotice")] == [("277CA", True)]
    assert of(acked, "RemitNotice") == []
    paid = poll(20)  # commercial_gamma pays in 7..14 days after the acknowledgement
    (notice,) = of(paid, "RemitNotice")
    assert notice["claim_id"] == "E1:c:1" and notice["status_code"] == "1"
    claim = remittance(sessions, notice).claims[0]
    contractual = [a for x in claim.lines for a in x.adjustments if a.group == "CO"]
    assert {a.reason for a in contractual} == {"45"}
    assert claim.paid_cents + claim.patient_responsibility_cents == 2 * 18000  # fee schedule


def test_rej277_first_submission_is_rejected_naming_the_subscriber_id_then_accepted(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", member_id="REJ277-1", claim_ids=("E1:c:1",))
    submit(acts, "E1:c:1", 0)
    result = poll(2)
    (ca,) = [n for n in of(result, "AckNotice") if n["source"] == "277CA"]
    assert ca["accepted"] is False
    assert ca["field"] == "claim.subscriber_id"
    assert "member id" in str(ca["message"])
    assert of(poll(60), "RemitNotice") == []
    submit(acts, "E1:c:1", 61)
    again = poll(63)
    assert [n["accepted"] for n in of(again, "AckNotice")] == [True, True]
    assert len(of(poll(120), "RemitNotice")) == 1


def test_a_claim_sent_again_after_it_was_adjudicated_is_denied_co18_as_a_duplicate(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", payer_id="commercial_gamma", member_id="G777", claim_ids=("E1:c:1",))
    submit(acts, "E1:c:1", 0)
    (paid,) = of(poll(20), "RemitNotice")
    assert paid["status_code"] == "1"
    submit(acts, "E1:c:1", 21)  # the same claim again, as a "resubmit" would send it
    assert [n["accepted"] for n in of(poll(22), "AckNotice")] == [True, True]
    (again,) = of(poll(60), "RemitNotice")
    claim = remittance(sessions, again).claims[0]
    assert again["status_code"] == "4" and claim.paid_cents == 0
    denials = {(a.group, a.reason) for x in claim.lines for a in x.adjustments}
    assert denials == {("CO", "18")}


def test_noack_first_submission_gets_no_acknowledgement_at_all(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", member_id="NOACK-9", claim_ids=("E1:c:1",))
    submit(acts, "E1:c:1", 0)
    assert poll(10).deliveries == []
    submit(acts, "E1:c:1", 10)
    assert [n["source"] for n in of(poll(12), "AckNotice")] == ["999", "277CA"]


def test_nopay_is_accepted_never_paid_and_a_276_is_answered_pending(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", member_id="NOPAY-3", claim_ids=("E1:c:1",))
    submit(acts, "E1:c:1", 0)
    assert [n["accepted"] for n in of(poll(5), "AckNotice")] == [True, True]
    assert of(poll(90), "RemitNotice") == []
    acts.send_status_inquiry(StatusInquiryInput(claim_id="E1:c:1", now=at(91)))
    (status,) = of(poll(95), "StatusNotice")
    assert status["category"] == "P1" and "pending" in str(status["message"])


def test_deny50_is_denied_then_overturned_on_appeal_and_paid(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", member_id="DENY50-1", claim_ids=("E1:c:1",))
    submit(acts, "E1:c:1", 0)
    (denied,) = of(poll(60), "RemitNotice")
    assert denied["status_code"] == "4" and denied["paid_cents"] == 0
    claim = remittance(sessions, denied).claims[0]
    assert {(a.group, a.reason) for x in claim.lines for a in x.adjustments} == {("CO", "50")}
    acts.send_status_inquiry(StatusInquiryInput(claim_id="E1:c:1", now=at(61)))
    assert of(poll(65), "StatusNotice")[0]["category"] == "F2"
    with sessions() as s, s.begin():
        add_appeal(s, "E1:c:1", 1)
    acts.send_appeal(AppealInput(claim_id="E1:c:1", level=1, now=at(70)))
    assert of(poll(71), "RemitNotice") == []  # overturned some days later, not at once
    (paid,) = of(poll(140), "RemitNotice")
    assert paid["status_code"] == "1" and int(str(paid["paid_cents"])) > 0


def test_prcoins_is_paid_with_pr2_coinsurance(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", payer_id="commercial_gamma", member_id="PRCOINS-2",
          claim_ids=("E1:c:1",))  # fmt: skip
    submit(acts, "E1:c:1", 0)
    (notice,) = of(poll(60), "RemitNotice")
    claim = remittance(sessions, notice).claims[0]
    pr = [a for x in claim.lines for a in x.adjustments if a.group == "PR"]
    assert pr and {a.reason for a in pr} == {"2"}
    assert claim.patient_responsibility_cents == sum(a.amount_cents for a in pr) > 0


def test_no_authorization_number_is_denied_co197_where_the_payer_requires_one(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", payer_id="commercial_alpha", member_id="A100",
          claim_ids=("E1:c:1",), prior_auth_number="")  # fmt: skip
    with sessions() as s, s.begin():  # strip the line-level authorization too
        row = s.get(ClaimRow, "E1:c:1")
        assert row is not None
        row.claim = {**row.claim, "lines": [{**x, "authorization_number": ""}
                                            for x in row.claim["lines"]]}  # fmt: skip
    submit(acts, "E1:c:1", 0)
    (notice,) = of(poll(60), "RemitNotice")
    claim = remittance(sessions, notice).claims[0]
    assert {a.reason for x in claim.lines for a in x.adjustments} == {"197"}


def test_deny197_denies_a_claim_without_authorization_and_pays_one_that_carries_it(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", payer_id="commercial_gamma", member_id="DENY197-1",
          claim_ids=("E1:c:1",), prior_auth_number="")  # fmt: skip
    setup(sessions, "E2", payer_id="commercial_gamma", member_id="DENY197-2",
          claim_ids=("E2:c:1",), prior_auth_number="AUTH-7")  # fmt: skip
    with sessions() as s, s.begin():  # E1: no line-level authorization either
        row = s.get(ClaimRow, "E1:c:1")
        assert row is not None
        row.claim = {**row.claim, "lines": [{**x, "authorization_number": ""}
                                            for x in row.claim["lines"]]}  # fmt: skip
    submit(acts, "E1:c:1", 0)
    submit(acts, "E2:c:1", 0)
    notices = {str(n["claim_id"]): n for n in of(poll(60), "RemitNotice")}
    denied = remittance(sessions, notices["E1:c:1"]).claims[0]
    assert denied.status == "4" and denied.paid_cents == 0
    assert {(a.group, a.reason) for x in denied.lines for a in x.adjustments} == {("CO", "197")}
    assert {r for x in denied.lines for r in x.remarks} == {"N54"}
    assert notices["E2:c:1"]["status_code"] == "1"  # gamma needs no auth: the marker forced it


def test_deny29_is_denied_as_filed_too_late(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", payer_id="commercial_gamma", member_id="DENY29-1",
          claim_ids=("E1:c:1",))  # fmt: skip
    submit(acts, "E1:c:1", 0)
    (notice,) = of(poll(60), "RemitNotice")
    claim = remittance(sessions, notice).claims[0]
    assert notice["status_code"] == "4" and claim.paid_cents == 0
    assert {(a.group, a.reason) for x in claim.lines for a in x.adjustments} == {("CO", "29")}


def test_deny_with_any_other_code_denies_with_that_code(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", payer_id="commercial_gamma", member_id="M1-DENY170",
          claim_ids=("E1:c:1",))  # fmt: skip
    # four digits name no CARC: the payer's usual mix
    setup(sessions, "E2", payer_id="commercial_gamma", member_id="DENY1099",
          claim_ids=("E2:c:1",))  # fmt: skip
    setup(sessions, "E3", payer_id="commercial_gamma", member_id="DENY197-3",
          claim_ids=("E3:c:1",), prior_auth_number="AUTH-7")  # fmt: skip
    for claim_id in ("E1:c:1", "E2:c:1", "E3:c:1"):
        submit(acts, claim_id, 0)
    notices = {str(n["claim_id"]): n for n in of(poll(60), "RemitNotice")}
    denied = remittance(sessions, notices["E1:c:1"]).claims[0]
    assert notices["E1:c:1"]["status_code"] == "4" and denied.paid_cents == 0
    assert {(a.group, a.reason) for x in denied.lines for a in x.adjustments} == {("CO", "170")}
    for other in ("E2:c:1", "E3:c:1"):  # 197 keeps its own rule: an authorized claim is paid
        assert notices[other]["status_code"] == "1"


def test_slowpay_pays_after_the_payers_slow_pay_days_and_answers_276s_pending_until_then(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", payer_id="commercial_gamma", member_id="SLOWPAY-1",
          claim_ids=("E1:c:1",))  # fmt: skip
    submit(acts, "E1:c:1", 0)
    assert [n["accepted"] for n in of(poll(2), "AckNotice")] == [True, True]
    assert of(poll(49.9), "RemitNotice") == []
    acts.send_status_inquiry(StatusInquiryInput(claim_id="E1:c:1", now=at(44)))
    assert of(poll(49.9), "StatusNotice")[0]["category"] == "P1"
    (paid,) = of(poll(50), "RemitNotice")  # slow_pay_days = 50 (the default)
    assert paid["status_code"] == "1"


@pytest.mark.parametrize(
    ("member", "status"),
    [("M555", "active"), ("INACT-1", "inactive"), ("AMBIG-1", "ambiguous"),
     ("bad id!", "rejected")],
)  # fmt: skip
def test_eligibility_answers_by_member_id(
    sessions: sessionmaker[Session],
    acts: ClearinghouseActivities,
    poll: Poll,
    member: str,
    status: str,
) -> None:
    setup(sessions, "E1", member_id=member)
    acts.send_eligibility(EligibilityInquiryInput(episode_id="E1", now=at(0)))
    (notice,) = of(poll(1), "EligibilityNotice")
    assert notice["episode_id"] == "E1" and notice["status"] == status


def test_noelig_gets_no_271(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", member_id="NOELIG-1")
    acts.send_eligibility(EligibilityInquiryInput(episode_id="E1", now=at(0)))
    assert poll(30).deliveries == []


@pytest.mark.parametrize(
    ("member", "status"), [("M555", "approved"), ("AUTHPART-1", "partial"),
                           ("AUTHDENY-1", "denied")]
)  # fmt: skip
def test_authorization_decisions_by_member_id(
    sessions: sessionmaker[Session],
    acts: ClearinghouseActivities,
    poll: Poll,
    member: str,
    status: str,
) -> None:
    setup(sessions, "E1", payer_id="commercial_gamma", member_id=member)
    acts.request_authorization(AuthRequestInput(episode_id="E1", now=at(0)))
    assert of(poll(1), "AuthDecisionNotice") == []  # commercial_gamma decides in 2 days
    (notice,) = of(poll(3), "AuthDecisionNotice")
    assert notice["status"] == status
    assert (notice["units"] == 0) is (status == "denied")
    if status == "partial":
        assert int(str(notice["units"])) < 20


def test_a_retried_send_is_answered_once(
    sessions: sessionmaker[Session], simulator: Simulator
) -> None:
    setup(sessions, "E1", claim_ids=("E1:c:1",))
    acts = ClearinghouseActivities(sessions, simulator)
    sent = acts.submit_claim(SubmitClaimInput(claim_id="E1:c:1", now=at(0)))
    with sessions() as s:
        row = repo.get(s, sent.x12_file_id)
        assert row is not None
        out = OutboundFile(kind=row.kind, name=row.name, content=row.content)
    simulator.send(out, now=datetime.fromisoformat(at(0)))
    with sessions() as s:
        assert len(repo.inbound_named(s, row.name.rsplit(".", 1)[0] + ".")) == 3


def test_a_dependent_is_asked_about_and_answered_in_the_dependent_loop(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    setup(sessions, "E1", member_id="FAM-INACT", dependent=True, claim_ids=("E1:c:1",))
    acts.send_eligibility(EligibilityInquiryInput(episode_id="E1", now=at(0)))
    acts.send_status_inquiry(StatusInquiryInput(claim_id="E1:c:1", now=at(0)))
    result = poll(5)
    (eligibility,) = of(result, "EligibilityNotice")
    assert eligibility["status"] == "inactive"
    (status,) = of(result, "StatusNotice")
    assert status["category"] == "A4"  # the payer never received the claim
    with sessions() as s:
        row = s.scalars(select(X12File).where(X12File.kind == "271")).one()
        (response,) = read_x12(row.content).transactions
    (answer,) = response.results
    assert answer.dependent is not None and answer.dependent.first_name == "ADA"
    assert answer.subscriber.first_name == "JOHN"


def test_the_payers_cpu_is_counted_for_each_send_and_only_there(
    sessions: sessionmaker[Session], acts: ClearinghouseActivities, poll: Poll
) -> None:
    """The episodes benchmark reports the worker's CPU with and without the simulated
    payers (``PAYER_CPU``): a send adds to it; reading the answers is ours and does not."""
    setup(sessions, "E1", payer_id="commercial_gamma", member_id="G777", claim_ids=("E1:c:1",))
    before = PAYER_CPU.seconds()
    submit(acts, "E1:c:1", 0)
    after_send = PAYER_CPU.seconds()
    assert after_send > before
    assert of(poll(0), "AckNotice")
    assert PAYER_CPU.seconds() == after_send
