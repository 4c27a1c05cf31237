"""Activities choose rule sets through the catalog: an episode admitted on or after an
admin-added version's effective date gets that version's rules for its days, its claims
and their deadlines; one admitted the day before keeps the shipped version."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from activities.billing import EpisodeBillingActivities
from activities.claims import ClaimActivities
from iopbill.settings import Settings
from models import ruleset_catalog
from models.db import episodes as episode_repo
from models.db.billing_tables import ChargeRow, ClaimRow
from tests.conftest import TEST_PHI_KEY
from tests.factories import ruleset_text
from workflows.claim_payloads import DeadlineInput
from workflows.episode_types import (
    BeginEpisodeInput,
    BuildClaimsInput,
    CaptureDayInput,
    DocumentDayInput,
    RecordAuthorizationInput,
)

pytestmark = pytest.mark.db
EFFECTIVE = date(2027, 1, 4)  # a Monday


@pytest.fixture
def acts(sqlite_sessions: sessionmaker[Session]) -> EpisodeBillingActivities:
    with sqlite_sessions() as s, s.begin():
        text = ruleset_text(
            effective=EFFECTIVE.isoformat(),
            changes={
                '"S9480" = 45000': '"S9480" = 47000',
                "timely_filing_days = 90": "timely_filing_days = 120",
            },
        )
        ruleset_catalog.add_version(
            s, "commercial_alpha", text, today=date(2026, 11, 27), created_by="root"
        )
    return EpisodeBillingActivities(
        sqlite_sessions, Settings(secret_key="test-secret", phi_key=TEST_PHI_KEY)
    )


def admit(sessions: sessionmaker[Session], episode_id: str, day: date) -> None:
    with sessions() as s, s.begin():
        episode_repo.create_patient(
            s, patient_id=f"P-{episode_id}", first_name="Jo", last_name="Doe", member_id="M-1"
        )
        episode_repo.create_episode(
            s,
            episode_id=episode_id,
            patient_id=f"P-{episode_id}",
            payer_id="commercial_alpha",
            program="psychiatric",
            admit_date=day,
        )
        episode_repo.store_intake(s, episode_id, {"diagnosis_codes": "F33.1"})


def document(day: date) -> DocumentDayInput:
    services = [{"kind": "group", "minutes": 140}, {"kind": "individual", "minutes": 50}]
    return DocumentDayInput(
        day={"date": day.isoformat(), "program": "psychiatric", "services": services},
        note="ok",
        signed_by="clin",
    )


def test_the_version_in_force_at_admission_is_pinned(
    acts: EpisodeBillingActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    admit(sqlite_sessions, "E-before", date(2027, 1, 3))
    admit(sqlite_sessions, "E-after", EFFECTIVE)
    before = acts.begin(BeginEpisodeInput(episode_id="E-before", as_of="2027-01-03"))
    after = acts.begin(BeginEpisodeInput(episode_id="E-after", as_of="2027-01-04"))
    assert (before.ruleset_version, after.ruleset_version) == ("2026.1", "2027.1")


def test_days_and_claims_of_an_episode_admitted_on_the_effective_date_use_the_added_rules(
    acts: EpisodeBillingActivities, sqlite_sessions: sessionmaker[Session]
) -> None:
    admit(sqlite_sessions, "E-new", EFFECTIVE)
    facts = acts.begin(BeginEpisodeInput(episode_id="E-new", as_of=EFFECTIVE.isoformat()))
    version = facts.ruleset_version
    acts.record_authorization(
        RecordAuthorizationInput(
            episode_id="E-new",
            ruleset_version=version,
            status="approved",
            number="PA-1",
            start="2027-01-04",
            end="2027-02-03",
            units=20,
        )
    )
    day = date(2027, 1, 5)
    summary = acts.capture_day(
        CaptureDayInput(
            episode_id="E-new", ruleset_version=version, as_of="2027-01-05", document=document(day)
        )
    )
    assert summary.held == [] and any("S9480" in c for c in summary.charges)
    built = acts.build_claims(
        BuildClaimsInput(episode_id="E-new", ruleset_version=version, as_of="2027-01-11")
    )
    (claim_id,) = built.claim_ids
    with sqlite_sessions() as s:
        charge = s.scalar(select(ChargeRow).where(ChargeRow.episode_id == "E-new"))
        claim = s.get(ClaimRow, claim_id)
        assert charge is not None and charge.charge_cents == 47000  # the added charge master
        assert claim is not None and claim.claim["ruleset_version"] == "2027.1"
        assert claim.total_cents == 47000
        assert claim.filing_deadline == date(2027, 5, 5)  # 120 days from the first DOS
    deadline = ClaimActivities(sqlite_sessions).deadline(  # the claim's own rule lookup
        DeadlineInput(claim_id=claim_id, clock="timely_filing", start="2027-01-05")
    )
    assert deadline.due == "2027-05-05"
