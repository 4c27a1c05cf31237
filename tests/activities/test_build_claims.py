"""episodes.build_claims against the database: a day documented after its period was
billed, and an attempt that committed but never reported back."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from activities.billing import EpisodeBillingActivities
from iopbill.settings import Settings
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
