"""The ``claims.*`` activities against a real SQLite database (each call commits)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from activities.claim_rules import apply_corrections
from activities.claims import ClaimActivities, claim_activities
from activities.domain_json import from_json
from models.claim_tasks import form_field_for
from models.db import claims as repo
from models.db.billing_tables import (
    AuthorizationRow,
    ChargeRow,
    ClaimEvent,
    ClaimRow,
    Denial,
    DocumentedDay,
    Posting,
)
from models.db.reports import clean_claim_rate
from models.domain import Claim, Frequency, Ledger
from tests.factories import institutional_claim
from tests.workflows.claim_helpers import (
    ANCHOR,
    FIRST_DOS,
    build_claim,
    new_claim_id,
    payment,
    store_835,
    store_authorization,
    store_claim,
    without_auth,
)
from workflows.claim_payloads import (
    AckOutcome,
    ApplyFixInput,
    DeadlineInput,
    DraftAppealInput,
    LoadClaimInput,
    PostingOutcome,
    PostRemittanceInput,
    RecordAckInput,
    ReplacementInput,
    ResolveClaimInput,
    RouteDenialsInput,
    ScrubClaimInput,
    WriteOffInput,
)
from workflows.claim_types import AckNotice, RemitNotice

pytestmark = pytest.mark.db
TODAY = ANCHOR.isoformat()
AT = "2026-06-01T12:00:00+00:00"


@pytest.fixture
def acts(sqlite_sessions: sessionmaker[Session]) -> ClaimActivities:
    return ClaimActivities(sqlite_sessions)


def row_of(sessions: sessionmaker[Session], claim_id: str) -> ClaimRow:
    with sessions() as s:
        return repo.require(s, claim_id)


def count(sessions: sessionmaker[Session], table: type[object], claim_id: str) -> int:
    with sessions() as s:
        n = s.scalar(
            select(func.count()).select_from(table).where(table.claim_id == claim_id)  # type: ignore[attr-defined]
        )
    return int(n or 0)


def posted(acts: ClaimActivities, claim: Claim, file_id: int, index: int = 0) -> PostingOutcome:
    notice = RemitNotice(
        claim_id=claim.claim_id, x12_file_id=file_id, claim_index=index, status_code="1"
    )
    return acts.post_remittance(PostRemittanceInput(claim_id=claim.claim_id, notice=notice, at=AT))


def test_claim_activities_are_every_claims_activity(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    names = [fn.__temporal_activity_definition.name for fn in claim_activities(sqlite_sessions)]  # type: ignore[attr-defined]
    assert all(n.startswith("claims.") for n in names) and len(names) == len(set(names)) == 15


def test_load_computes_the_filing_deadline_from_the_first_date_of_service(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    facts = acts.load(LoadClaimInput(claim_id=claim.claim_id, today=TODAY))
    assert facts.filing_deadline == (FIRST_DOS + timedelta(days=95)).isoformat()
    assert "timely filing 95 days" in facts.filing_rule
    assert row_of(sqlite_sessions, claim.claim_id).ledger  # opened on the ledger


def test_scrub_puts_each_error_on_the_form_field_it_names_and_the_fix_clears_it(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = without_auth(build_claim(new_claim_id()))
    store_claim(sqlite_sessions, claim)
    first = acts.scrub(ScrubClaimInput(claim_id=claim.claim_id, today=TODAY, attempt=1))
    assert not first.clean
    assert [f["edit"] for f in first.findings] == ["authorization_number_present"]
    assert "REF*G1" in first.field_notes["prior_auth_number"]
    assert row_of(sqlite_sessions, claim.claim_id).status == "needs_fix"

    fix = ApplyFixInput(claim_id=claim.claim_id, task_id="T1", data={"prior_auth_number": "auth-7"})
    acts.apply_fix(fix)
    acts.apply_fix(fix)  # a retry changes nothing more
    fixed = from_json(Claim, row_of(sqlite_sessions, claim.claim_id).claim)
    assert fixed.prior_auth_number == "AUTH-7"
    assert {line.authorization_number for line in fixed.lines} == {"AUTH-7"}
    assert acts.scrub(ScrubClaimInput(claim_id=claim.claim_id, today=TODAY, attempt=2)).clean
    with sqlite_sessions() as s:
        kinds = [e.kind for e in repo.timeline(s, claim.claim_id)]
    assert kinds == ["scrubbed", "fixed", "scrubbed"]


def test_scrub_counts_authorization_units_billed_on_other_claims(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    with sqlite_sessions() as s, s.begin():
        s.add(
            AuthorizationRow(
                id=f"{claim.episode_id}:AUTH-1",
                episode_id=claim.episode_id,
                payer_id="medicaid_state",
                number="AUTH-1",
                codes=["S9480"],
                start=date(2026, 5, 1),
                end=date(2026, 5, 31),
                units=1,
            )
        )
    result = acts.scrub(ScrubClaimInput(claim_id=claim.claim_id, today=TODAY, attempt=1))
    assert not result.clean
    assert "exceed the 1 authorized units left" in result.field_notes["note"]
    # The fix form offers the authorizations that cover the claim, and refuses others.
    assert result.authorizations == {"AUTH-1": "2026-05-01 to 2026-05-31"}


def authorize(sessions: sessionmaker[Session], claim: Claim, units: int) -> None:
    store_authorization(sessions, claim, "AUTH-1", date(2026, 5, 1), date(2026, 5, 31), units)


def billed(sessions: sessionmaker[Session], episode_id: str, claim_id: str, units: int) -> None:
    """A charge under AUTH-1 already on claim ``claim_id``."""
    with sessions() as s, s.begin():
        s.add(
            ChargeRow(
                id=f"{claim_id}:charge",
                episode_id=episode_id,
                payer_id="medicaid_state",
                day=date(2026, 5, 2),
                code="S9480",
                units=units,
                status="billed",
                authorization_number="AUTH-1",
                claim_id=claim_id,
            )
        )


def scrub_clean(acts: ClaimActivities, claim_id: str) -> bool:
    return acts.scrub(ScrubClaimInput(claim_id=claim_id, today=TODAY, attempt=1)).clean


def test_units_left_count_only_this_episodes_other_claims(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    """An authorization number is the payer's: another patient's charges billed under the
    same number do not use up this episode's units; this episode's other claims do."""
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    units = sum(line.units for line in claim.lines)
    authorize(sqlite_sessions, claim, units + 1)
    assert scrub_clean(acts, claim.claim_id)
    billed(sqlite_sessions, "E-OTHER", "E-OTHER:c:1", 5)
    assert scrub_clean(acts, claim.claim_id)
    billed(sqlite_sessions, claim.episode_id, f"{claim.episode_id}:c:0", 2)
    result = acts.scrub(ScrubClaimInput(claim_id=claim.claim_id, today=TODAY, attempt=2))
    assert not result.clean
    assert f"exceed the {units + 1 - 2} authorized units left" in result.field_notes["note"]


def denied_without_authorization(
    acts: ClaimActivities, sessions: sessionmaker[Session], claim: Claim
) -> None:
    """The payer's 835 denies the whole claim CO-197 and names it PAYER-77."""
    denial = payment(claim, paid=0, cas=(("CO", "197", 45000),), payer_claim_number="PAYER-77")
    posted(acts, claim, store_835(sessions, denial))


def test_a_replacement_does_not_count_the_units_of_the_claim_it_replaces(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    """A frequency-7 claim bills again the charges that stay on the original's row."""
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    units = sum(line.units for line in claim.lines)
    authorize(sqlite_sessions, claim, units)
    billed(sqlite_sessions, claim.episode_id, claim.claim_id, units)
    denied_without_authorization(acts, sqlite_sessions, claim)
    made = acts.create_replacement(
        ReplacementInput(
            claim_id=claim.claim_id, task_id="T9", data={"prior_auth_number": "AUTH-1"}, revision=1
        )
    )
    assert scrub_clean(acts, made.claim_id)
    with sqlite_sessions() as s, s.begin():  # as the payer's 835 for the replacement leaves it
        repo.require(s, made.claim_id).payer_claim_number = "PAYER-78"
    second = acts.create_replacement(
        ReplacementInput(
            claim_id=made.claim_id, task_id="T10", data={"prior_auth_number": "AUTH-1"}, revision=2
        )
    )
    assert scrub_clean(acts, second.claim_id)  # a replacement of a replacement: the chain


def test_a_paid_remittance_posts_once_and_balances_to_the_cent(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    file_id = store_835(
        sqlite_sessions, payment(claim, paid=18000, cas=(("CO", "45", 25000), ("PR", "2", 2000)))
    )
    first = posted(acts, claim, file_id)
    again = posted(acts, claim, file_id)
    assert first == again
    assert first.accepted and first.paid_cents == 36000
    row = row_of(sqlite_sessions, claim.claim_id)
    assert (row.paid_cents, row.adjusted_cents, row.patient_resp_cents, row.open_cents) == (
        36000,
        50000,
        4000,
        0,
    )
    assert row.total_cents == row.paid_cents + row.adjusted_cents + row.patient_resp_cents
    assert row.payer_claim_number == "PCN-1" and row.status == "paid"
    assert from_json(Ledger, row.ledger).balanced
    assert count(sqlite_sessions, Posting, claim.claim_id) == 1


def test_a_posting_that_would_unbalance_the_ledger_is_refused_whole(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    ledger_before = row_of(sqlite_sessions, claim.claim_id).ledger
    file_id = store_835(
        sqlite_sessions,
        payment(claim, paid=15000, cas=(("CO", "45", 25000),), charge_override=40000),
    )
    outcome = posted(acts, claim, file_id)
    assert not outcome.accepted
    assert "charge 40000 ≠ billed 45000" in outcome.reason
    row = row_of(sqlite_sessions, claim.claim_id)
    assert row.ledger == ledger_before and row.paid_cents == 0 and row.status == "draft"
    assert count(sqlite_sessions, Posting, claim.claim_id) == 0


def test_an_unreadable_remittance_file_is_refused(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    assert not posted(acts, claim, 9999).accepted


@pytest.mark.parametrize(
    ("cas", "kind", "form_field"),
    [
        (("CO", "197", 45000), "corrected_claim", "prior_auth_number"),
        (("CO", "50", 45000), "write_appeal", ""),
        (("CO", "29", 45000), "write_off_approval", ""),
        (("CO", "22", 45000), "verify_cob", ""),
        (("CO", "185", 45000), "credentialing", ""),
        (("CO", "252", 45000), "records_request", ""),
        (("CO", "999", 45000), "general_review", ""),
    ],
)
def test_denials_route_by_carc_to_a_claim_task_kind(
    acts: ClaimActivities,
    sqlite_sessions: sessionmaker[Session],
    cas: tuple[str, str, int],
    kind: str,
    form_field: str,
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    out = posted(acts, claim, store_835(sqlite_sessions, payment(claim, paid=0, cas=(cas,))))
    plan = acts.route_denials(
        RouteDenialsInput(
            claim_id=claim.claim_id,
            posting_id=out.posting_id,
            today=TODAY,
            notice_date=TODAY,
        )
    )
    assert [w.kind for w in plan.work] == [kind]
    assert plan.work[0].amount_cents == 90000 and plan.work[0].form_field == form_field
    with sqlite_sessions() as s:
        denial = s.get(Denial, plan.work[0].denial_id)
    assert denial is not None and denial.carc == cas[1] and denial.amount_cents == 90000
    assert row_of(sqlite_sessions, claim.claim_id).denied


def test_contractual_adjustments_need_no_work_and_patient_shares_come_last(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    cas = (("CO", "45", 20000), ("PR", "2", 2000), ("CO", "16", 5000))
    out = posted(
        acts,
        claim,
        store_835(sqlite_sessions, payment(claim, paid=18000, cas=cas, remarks=("M76",))),
    )
    plan = acts.route_denials(
        RouteDenialsInput(
            claim_id=claim.claim_id,
            posting_id=out.posting_id,
            today=TODAY,
            notice_date=TODAY,
        )
    )
    assert [w.kind for w in plan.work] == ["corrected_claim", "patient_responsibility"]
    assert plan.work[0].form_field == "diagnosis_codes"


def test_a_replacement_claim_is_frequency_7_citing_the_payer_claim_number(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    denied_without_authorization(acts, sqlite_sessions, claim)
    inp = ReplacementInput(
        claim_id=claim.claim_id, task_id="T9", data={"prior_auth_number": "AUTH-9"}, revision=1
    )
    made = acts.create_replacement(inp)
    assert acts.create_replacement(inp) == made
    assert made.claim_id == f"{claim.claim_id}:r1" and made.frequency == "7"
    row = row_of(sqlite_sessions, made.claim_id)
    new = from_json(Claim, row.claim)
    assert new.frequency_code is Frequency.REPLACEMENT
    assert new.original_claim_number == "PAYER-77" and new.prior_auth_number == "AUTH-9"
    assert row.original_claim_id == claim.claim_id and row.status == "draft"


def test_the_appeal_letter_cites_denial_dates_authorization_and_documented_hours(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    with sqlite_sessions() as s, s.begin():
        s.add(
            AuthorizationRow(
                id=f"{claim.episode_id}:AUTH-1",
                episode_id=claim.episode_id,
                payer_id="medicaid_state",
                number="AUTH-1",
                codes=["S9480"],
                start=date(2026, 5, 1),
                end=date(2026, 5, 31),
                units=12,
            )
        )
        for n, minutes in ((0, 190), (1, 200)):
            day = FIRST_DOS + timedelta(days=n)
            s.add(
                DocumentedDay(
                    id=f"{claim.episode_id}:{day}",
                    episode_id=claim.episode_id,
                    day=day,
                    program="psychiatric",
                    minutes=minutes,
                )
            )
    out = posted(
        acts, claim, store_835(sqlite_sessions, payment(claim, paid=0, cas=(("CO", "50", 45000),)))
    )
    plan = acts.route_denials(
        RouteDenialsInput(
            claim_id=claim.claim_id,
            posting_id=out.posting_id,
            today=TODAY,
            notice_date=TODAY,
        )
    )
    draft = acts.draft_appeal(
        DraftAppealInput(
            claim_id=claim.claim_id,
            denial_id=plan.work[0].denial_id,
            level=1,
            notice_date=TODAY,
            today=TODAY,
        )
    )
    assert draft.deadline == (ANCHOR + timedelta(days=60)).isoformat() and draft.levels == 2
    with sqlite_sessions() as s:
        appeal = repo.appeal(s, draft.appeal_id)
        assert appeal is not None
        letter = appeal.letter
    for cited in (
        "CO-50",
        "2026-05-04",
        "2026-05-05",
        "AUTH-1",
        "12 unit(s)",
        "6 h 30 min",
        "2 day(s)",
        "2026-07-31",
    ):
        assert cited in letter, cited


def test_medicare_appeal_deadlines_add_five_days_for_receipt(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = institutional_claim(claim_id=f"E-mc1:medicare:{FIRST_DOS}", episode_id="E-mc1")
    store_claim(sqlite_sessions, claim)
    for level, days in ((1, 125), (2, 185), (3, 65)):
        due = acts.deadline(
            DeadlineInput(claim_id=claim.claim_id, clock="appeal", start=TODAY, level=level)
        )
        assert due.due == (ANCHOR + timedelta(days=days)).isoformat(), level


def test_write_off_of_a_never_adjudicated_claim_balances_the_ledger_once(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    inp = WriteOffInput(
        claim_id=claim.claim_id, reason="timely filing", approved_by="sam", at=AT, carc="29"
    )
    acts.write_off(inp)
    acts.write_off(inp)
    totals = acts.resolve(ResolveClaimInput(claim_id=claim.claim_id, at=AT))
    assert totals.outcome == "written_off" and totals.written_off_cents == 90000
    assert totals.adjusted_cents == 90000 and totals.open_cents == 0 and totals.balanced
    with sqlite_sessions() as s:
        n = s.scalar(
            select(func.count())
            .select_from(ClaimEvent)
            .where(ClaimEvent.claim_id == claim.claim_id, ClaimEvent.kind == "written_off")
        )
    assert n == 1


def test_resolve_names_patient_responsibility_when_the_patient_owes(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    posted(
        acts,
        claim,
        store_835(
            sqlite_sessions,
            payment(claim, paid=18000, cas=(("CO", "45", 25000), ("PR", "2", 2000))),
        ),
    )
    totals = acts.resolve(ResolveClaimInput(claim_id=claim.claim_id, at=AT))
    assert totals.outcome == "patient_responsibility" and totals.patient_resp_cents == 4000
    assert row_of(sqlite_sessions, claim.claim_id).status == "patient_responsibility"


@pytest.mark.parametrize(
    ("field", "form_field"),
    [
        ("lines[2].rendering_npi", "rendering_npi"),
        ("claim.prior_auth_number", "prior_auth_number"),
        ("diagnosis_codes[1]", "diagnosis_codes"),
        ("lines[0].diagnosis_pointers", "diagnosis_codes"),
        ("line[2].modifiers", "modifiers"),
        ("lines.pos", "pos"),
        ("lines[0].date_of_service", "note"),
        ("type_of_bill", "note"),
    ],
)
def test_claim_fields_map_to_the_correction_form(field: str, form_field: str) -> None:
    assert form_field_for(field) == form_field


def test_corrections_apply_line_fields_to_every_line() -> None:
    claim = build_claim(new_claim_id())
    fixed = apply_corrections(
        claim, {"diagnosis_codes": "f32.9", "modifiers": "he, u6", "pos": "57", "note": "x"}
    )
    assert fixed.diagnosis_codes == ("F32.9",)
    assert {(ln.pos, ln.modifiers, ln.diagnosis_pointers) for ln in fixed.lines} == {
        ("57", ("HE", "U6"), (1,))
    }
    assert apply_corrections(claim, {"note": "nothing"}) == claim


def test_a_payment_after_a_denial_without_a_reversal_re_adjudicates_the_claim(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    denied = payment(claim, paid=0, cas=(("CO", "50", 45000),))
    assert posted(acts, claim, store_835(sqlite_sessions, denied)).accepted
    paid = posted(
        acts,
        claim,
        store_835(sqlite_sessions, payment(claim, paid=18000, cas=(("CO", "45", 27000),))),
    )
    assert paid.accepted and paid.reason.startswith("posted after reversing the denial")
    assert (paid.paid_cents, paid.adjusted_cents, paid.open_cents) == (36000, 54000, 0)
    assert balanced_row(row_of(sqlite_sessions, claim.claim_id))
    # The payer's own reversal of the denial, arriving afterwards, changes nothing.
    late = posted(
        acts,
        claim,
        store_835(sqlite_sessions, payment(claim, paid=0, cas=(("CO", "50", 45000),), status="22")),
    )
    assert late.accepted and late.reversal
    assert row_of(sqlite_sessions, claim.claim_id).paid_cents == 36000


def test_a_second_payment_of_a_paid_claim_is_refused(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    cas = (("CO", "45", 27000),)
    assert posted(
        acts, claim, store_835(sqlite_sessions, payment(claim, paid=18000, cas=cas))
    ).accepted
    again = posted(acts, claim, store_835(sqlite_sessions, payment(claim, paid=18000, cas=cas)))
    assert not again.accepted and "open balance" in again.reason
    assert row_of(sqlite_sessions, claim.claim_id).paid_cents == 36000


def balanced_row(row: ClaimRow) -> bool:
    return from_json(Ledger, row.ledger).balanced and row.total_cents == (
        row.paid_cents + row.adjusted_cents + row.patient_resp_cents + row.open_cents
    )


def test_an_allowed_amount_under_the_fee_schedule_is_reported_as_underpayment(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    claim = build_claim(new_claim_id())
    store_claim(sqlite_sessions, claim)
    out = posted(
        acts,
        claim,
        store_835(sqlite_sessions, payment(claim, paid=15000, cas=(("CO", "45", 30000),))),
    )
    assert out.accepted and out.underpaid_cents == 6000
    assert [(u["line_number"], u["shortfall_cents"]) for u in out.underpayments] == [
        (1, 3000),
        (2, 3000),
    ]


def claim_with_two_authorizations(sessions: sessionmaker[Session]) -> Claim:
    """A stored claim whose episode has AUTH-1, covering every line, and LATER-2, which
    starts on the last line's date."""
    claim = build_claim(new_claim_id())
    store_claim(sessions, claim)
    store_authorization(sessions, claim, "AUTH-1")
    store_authorization(sessions, claim, "LATER-2", max(x.date_of_service for x in claim.lines))
    return claim


def test_a_corrected_claim_lists_the_authorizations_covering_the_claim(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    """CO-197: the task offers the numbers on file that take in every line, not one that
    starts after a line's date (the form refuses any other)."""
    claim = claim_with_two_authorizations(sqlite_sessions)
    days = [line.date_of_service for line in claim.lines]
    out = posted(
        acts, claim, store_835(sqlite_sessions, payment(claim, paid=0, cas=(("CO", "197", 45000),)))
    )
    plan = acts.route_denials(
        RouteDenialsInput(
            claim_id=claim.claim_id, posting_id=out.posting_id, today=TODAY, notice_date=TODAY
        )
    )
    (work,) = plan.work
    assert work.kind == "corrected_claim"
    assert work.authorizations == {"AUTH-1": f"{min(days).isoformat()} to {max(days).isoformat()}"}


def ack(
    acts: ClaimActivities, claim_id: str, seq: int, *, accepted: bool, late: bool = False
) -> AckOutcome:
    """A 277CA for ``claim_id`` recorded by ``claims.record_ack`` (a rejection names the
    authorization number)."""
    notice = AckNotice(
        claim_id=claim_id,
        source="277CA",
        accepted=accepted,
        message="A7:562 entity's authorization number invalid",
        field="claim.prior_auth_number",
    )
    return acts.record_ack(
        RecordAckInput(
            claim_id=claim_id, notice=notice, seq=seq, at=f"{TODAY}T12:00:00+00:00", late=late
        )
    )


def test_a_rejection_lists_the_authorizations_covering_the_claim(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    """The 277CA rejection's fix form refuses a number not on file for the claim's dates, as
    the scrubber's and the denial router's do: record_ack gives it the list. An acceptance,
    or a rejection that arrives after acceptance (no fix task), lists none."""
    claim = claim_with_two_authorizations(sqlite_sessions)
    days = [line.date_of_service for line in claim.lines]
    rejected = ack(acts, claim.claim_id, 1, accepted=False)
    assert rejected.form_field == "prior_auth_number"
    assert rejected.authorizations == {
        "AUTH-1": f"{min(days).isoformat()} to {max(days).isoformat()}"
    }
    assert ack(acts, claim.claim_id, 2, accepted=True).authorizations == {}
    assert ack(acts, claim.claim_id, 3, accepted=False, late=True).authorizations == {}


def test_a_scrub_error_or_a_rejection_counts_against_the_clean_claim_rate_at_once(
    acts: ClaimActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    """The supervisor's clean-claim rate counts a claim once its first pass is known. A
    scrub error or a 999/277CA rejection makes it known (not clean) at that moment, not
    only when the fixed claim is accepted, which may be days later or never."""
    clean = build_claim(new_claim_id())
    store_claim(sqlite_sessions, clean)
    assert scrub_clean(acts, clean.claim_id)
    assert row_of(sqlite_sessions, clean.claim_id).clean_first_pass is None  # not known yet

    unscrubbed = without_auth(build_claim(new_claim_id()))
    store_claim(sqlite_sessions, unscrubbed)
    assert not scrub_clean(acts, unscrubbed.claim_id)
    assert row_of(sqlite_sessions, unscrubbed.claim_id).clean_first_pass is False

    rejected = build_claim(new_claim_id())
    store_claim(sqlite_sessions, rejected)
    ack(acts, rejected.claim_id, 1, accepted=False)
    assert row_of(sqlite_sessions, rejected.claim_id).clean_first_pass is False
    with sqlite_sessions() as s:
        (everyone, *_) = clean_claim_rate(s)
    assert (everyone.numerator, everyone.denominator) == (0, 2)
