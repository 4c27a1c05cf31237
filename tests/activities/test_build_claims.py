"""episodes.build_claims against the database: a day documented after its period was
billed, and an attempt that committed but never reported back."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from activities.billing import EpisodeBillingActivities
from iopbill.settings import Settings
from models.db import billing
from models.db.billing_tables import ChargeRow, ClaimRow
from tests.activities.test_ruleset_choice import admit, document
from tests.conftest import TEST_PHI_KEY
from workflows.episode_types import (
    BeginEpisodeInput,
    BuildClaimsInput,
    CaptureDayInput,
    RecordAuthorizationInput,
)

pytestmark = pytest.mark.db
MON = date(2026, 11, 2)  # a Monday; commercial_alpha bills weekly


@pytest.fixture
def acts(sqlite_sessions: sessionmaker[Session]) -> EpisodeBillingActivities:
    return EpisodeBillingActivities(
        sqlite_sessions, Settings(secret_key="test-secret", phi_key=TEST_PHI_KEY)
    )


def authorized_episode(acts: EpisodeBillingActivities, sessions: sessionmaker[Session]) -> str:
    admit(sessions, "E-late", MON)
    version = acts.begin(BeginEpisodeInput(episode_id="E-late", as_of=MON.isoformat()))
    acts.record_authorization(
        RecordAuthorizationInput(
            episode_id="E-late",
            ruleset_version=version.ruleset_version,
            status="approved",
            number="PA-1",
            start=MON.isoformat(),
            end="2026-12-31",
            units=40,
        )
    )
    return version.ruleset_version


def capture(acts: EpisodeBillingActivities, version: str, day: date, as_of: str) -> None:
    acts.capture_day(
        CaptureDayInput(
            episode_id="E-late", ruleset_version=version, as_of=as_of, document=document(day)
        )
    )


def test_a_day_documented_after_its_week_was_billed_is_billed_on_a_claim_that_carries_it(
    acts: EpisodeBillingActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    version = authorized_episode(acts, sqlite_sessions)
    capture(acts, version, date(2026, 11, 3), "2026-11-03")
    first = acts.build_claims(
        BuildClaimsInput(episode_id="E-late", ruleset_version=version, as_of="2026-11-10")
    )
    assert first.claim_ids == ["E-late:commercial_alpha:2026-11-02"]

    capture(acts, version, date(2026, 11, 4), "2026-11-10")  # last week's Wednesday, late
    late = acts.build_claims(
        BuildClaimsInput(episode_id="E-late", ruleset_version=version, as_of="2026-11-10")
    )
    # The first claim is still a draft: its workflow may not have started (offered again).
    assert late.claim_ids == [
        "E-late:commercial_alpha:2026-11-02",
        "E-late:commercial_alpha:2026-11-02:late-2026-11-04",
    ]
    with sqlite_sessions() as s:
        charges = {c.day: c for c in s.scalars(select(ChargeRow))}
        claims = {c.id: c for c in s.scalars(select(ClaimRow))}
    for day, row in charges.items():
        assert row.status == "billed"
        carried = [line["date_of_service"] for line in claims[str(row.claim_id)].claim["lines"]]
        assert day.isoformat() in carried  # billed on a claim that has the line
    assert sum(c.total_cents for c in claims.values()) == sum(
        c.charge_cents for c in charges.values()
    )


def test_a_build_that_committed_but_never_answered_offers_its_claim_again(
    acts: EpisodeBillingActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    version = authorized_episode(acts, sqlite_sessions)
    capture(acts, version, date(2026, 11, 3), "2026-11-03")
    inp = BuildClaimsInput(episode_id="E-late", ruleset_version=version, as_of="2026-11-10")
    first = acts.build_claims(inp)  # committed; say the worker died before reporting it
    retried = acts.build_claims(inp)
    assert retried.claim_ids == first.claim_ids == ["E-late:commercial_alpha:2026-11-02"]
    with sqlite_sessions() as s:
        assert s.scalar(select(ClaimRow.status)) == "draft"
        s.execute(ClaimRow.__table__.update().values(status="ready"))  # its workflow started
        s.commit()
    assert acts.build_claims(inp).claim_ids == []


def test_days_released_by_a_retro_authorization_of_its_own_number_bill_under_that_number(
    acts: EpisodeBillingActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    """PA-1 starts on Wednesday; Monday and Tuesday are held until a retro-authorization,
    RETRO-7, covers them. Each day's claim carries the number that covers it (REF*G1)."""
    first = monday_to_wednesday(
        acts, sqlite_sessions, start="2026-11-04", end="2026-12-31", units=40
    )
    version = first.ruleset_version
    with sqlite_sessions() as s:
        held = {c.day for c in s.scalars(select(ChargeRow).where(ChargeRow.status == "held"))}
    assert held == {date(2026, 11, 2), date(2026, 11, 3)}

    retro = RecordAuthorizationInput(
        episode_id="E-late", ruleset_version=version, status="approved",
        number="RETRO-7", start="2026-11-02", end="2026-11-03", units=2, extend=True,
        key="E-late:held:1",
    )  # fmt: skip
    recorded = acts.record_authorization(retro)
    assert recorded.number == "RETRO-7" and "beside PA-1" in recorded.message
    assert acts.record_authorization(retro).number == "RETRO-7"  # a retry after the commit
    built = acts.build_claims(
        BuildClaimsInput(episode_id="E-late", ruleset_version=version, as_of="2026-11-10")
    )
    assert built.claim_ids == [
        "E-late:commercial_alpha:2026-11-02",
        "E-late:commercial_alpha:2026-11-04",
    ]
    with sqlite_sessions() as s:
        claims = {c.id: c for c in s.scalars(select(ClaimRow))}
        numbers = {c.day: c.authorization_number for c in s.scalars(select(ChargeRow))}
        auths = {a.number: (a.start, a.end, a.units) for a in billing.authorizations(s, "E-late")}
    assert numbers == {
        date(2026, 11, 2): "RETRO-7",
        date(2026, 11, 3): "RETRO-7",
        date(2026, 11, 4): "PA-1",
    }
    assert [claims[i].claim["prior_auth_number"] for i in built.claim_ids] == ["RETRO-7", "PA-1"]
    assert auths == {  # the first authorization is left as the payer granted it
        "PA-1": (date(2026, 11, 4), date(2026, 12, 31), 40),
        "RETRO-7": (date(2026, 11, 2), date(2026, 11, 3), 2),
    }


def monday_to_wednesday(
    acts: EpisodeBillingActivities,
    sessions: sessionmaker[Session],
    *,
    start: str,
    end: str,
    units: int,
) -> RecordAuthorizationInput:
    """PA-1 granted from ``start`` to ``end`` for ``units``; Monday to Wednesday documented."""
    admit(sessions, "E-late", MON)
    version = acts.begin(BeginEpisodeInput(episode_id="E-late", as_of=MON.isoformat()))
    grant = RecordAuthorizationInput(
        episode_id="E-late", ruleset_version=version.ruleset_version, status="approved",
        number="PA-1", start=start, end=end, units=units,
    )  # fmt: skip
    acts.record_authorization(grant)
    for d in (2, 3, 4):
        capture(acts, version.ruleset_version, date(2026, 11, d), f"2026-11-0{d}")
    return grant


def test_a_new_number_ending_before_the_day_it_would_start_covers_up_to_its_end(
    acts: EpisodeBillingActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    """A review's answer has no first day, so nothing a biller can correct: it is not
    refused (the episode would fail), it is recorded for the day it names, and the held
    day stays held, to be asked about again."""
    grant = monday_to_wednesday(  # two units: Wednesday is held
        acts, sqlite_sessions, start="2026-11-02", end="2026-11-30", units=2
    )
    review = replace(grant, number="PA-2", start=None, end="2026-11-03", units=1, extend=True)
    assert acts.record_authorization(review).message == (
        "PA-2 recorded beside PA-1, 2026-11-03 to 2026-11-03"
    )
    with sqlite_sessions() as s:
        held = [c.day for c in s.scalars(select(ChargeRow).where(ChargeRow.status == "held"))]
    assert held == [date(2026, 11, 4)]


def test_a_continued_stay_under_a_new_number_starts_after_the_last_day_billed(
    acts: EpisodeBillingActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    """A concurrent review answered with a new number and no first day: the new
    authorization takes over after the days the first one paid for."""
    grant = monday_to_wednesday(  # two units: Wednesday is held
        acts, sqlite_sessions, start="2026-11-02", end="2026-11-30", units=2
    )
    version = grant.ruleset_version
    review = replace(grant, number="PA-2", start=None, end="2026-12-31", units=10, extend=True)
    recorded = acts.record_authorization(review)
    assert recorded.message == "PA-2 recorded beside PA-1, 2026-11-04 to 2026-12-31"
    with sqlite_sessions() as s:
        numbers = {c.day: (c.status, c.authorization_number) for c in s.scalars(select(ChargeRow))}
    assert numbers == {
        date(2026, 11, 2): ("billable", "PA-1"),
        date(2026, 11, 3): ("billable", "PA-1"),
        date(2026, 11, 4): ("billable", "PA-2"),  # was held: PA-1 had no unit left
    }
    # The next review follows PA-2; PA-1, used up, would have asked for one at once.
    summary = acts.capture_day(
        CaptureDayInput(
            episode_id="E-late",
            ruleset_version=version,
            as_of="2026-11-05",
            document=document(date(2026, 11, 5)),
        )
    )
    assert summary.units_remaining == 8 and summary.run_out is not None
    assert summary.review_due is not None and summary.review_due > "2026-11-05"
