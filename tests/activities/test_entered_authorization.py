"""``episodes.record_authorization`` for an authorization entered on the episode page:
one record per key, so a retried activity never adds the units twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError

from activities.billing import EpisodeBillingActivities
from iopbill.settings import Settings
from models.db import billing
from models.db import episodes as episode_repo
from tests.conftest import TEST_PHI_KEY
from workflows.episode_types import BeginEpisodeInput, RecordAuthorizationInput
from workflows.errors import ErrorType

pytestmark = pytest.mark.db


def admitted(sessions: sessionmaker[Session]) -> tuple[EpisodeBillingActivities, str]:
    """Episode E-1 begun: the activities and its rule-set version."""
    with sessions() as s, s.begin():
        episode_repo.create_patient(s, patient_id="P-1", first_name="Jo", member_id="M-1")
        episode_repo.create_episode(
            s,
            episode_id="E-1",
            patient_id="P-1",
            payer_id="commercial_alpha",
            program="psychiatric",
            admit_date=date(2026, 11, 2),
        )
    acts = EpisodeBillingActivities(
        sessions, Settings(secret_key="test-secret", phi_key=TEST_PHI_KEY)
    )
    begun = acts.begin(BeginEpisodeInput(episode_id="E-1", as_of="2026-11-02"))
    return acts, begun.ruleset_version


def granted(
    sessions: sessionmaker[Session], *, start: str
) -> tuple[EpisodeBillingActivities, RecordAuthorizationInput]:
    """E-1 begun, and the payer's grant of PA-1 from ``start`` (not yet recorded)."""
    acts, version = admitted(sessions)
    first = RecordAuthorizationInput(
        episode_id="E-1", ruleset_version=version, status="approved", number="PA-1",
        start=start, end="2026-11-30", units=10, source="payer",
    )  # fmt: skip
    return acts, first


def test_an_entered_extension_is_recorded_once_per_key(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    acts, version = admitted(sqlite_sessions)
    first = RecordAuthorizationInput(
        episode_id="E-1",
        ruleset_version=version,
        status="partial",
        number="PA-1",
        start="2026-11-02",
        end="2026-11-30",
        units=3,
        source="staff",
        key="E-1:auth:auth:E-1:aaaaaaaaaaaa",
    )
    changes = {"status": "approved", "units": 10, "end": "2026-12-31", "extend": True}
    extension = RecordAuthorizationInput(
        **{**vars(first), **changes, "key": "E-1:auth:auth:E-1:bbbbbbbbbbbb"}
    )
    assert acts.record_authorization(first).number == "PA-1"
    assert acts.record_authorization(extension).message == "PA-1 extended"
    again = acts.record_authorization(extension)  # the activity retried after its commit
    assert again.approved and again.number == "PA-1" and again.message == "already recorded"
    with sqlite_sessions() as s:
        (row,) = billing.authorizations(s, "E-1")
        assert (row.units, row.end, row.source) == (13, date(2026, 12, 31), "staff")
        details = [e.detail for e in episode_repo.timeline(s, "E-1") if e.kind == "authorization"]
    assert details == [
        "partial PA-1 recorded by staff",
        "approved PA-1 recorded by staff: PA-1 extended",
    ]


def test_an_extension_reaching_back_before_the_first_start_widens_the_span(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    """A retro-authorization for held days before the authorization began covers them."""
    acts, first = granted(sqlite_sessions, start="2026-11-09")
    retro = replace(first, start="2026-11-02", end="2026-11-06", units=4, extend=True)
    acts.record_authorization(first)
    assert acts.record_authorization(retro).message == "PA-1 extended"
    with sqlite_sessions() as s:
        (row,) = billing.authorizations(s, "E-1")
        assert (row.start, row.end, row.units) == (date(2026, 11, 2), date(2026, 11, 30), 14)


def test_a_grant_missing_its_last_day_or_units_is_refused_naming_each_field(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    acts, version = admitted(sqlite_sessions)
    grant = RecordAuthorizationInput(
        episode_id="E-1",
        ruleset_version=version,
        status="approved",
        number="PA 7/1",  # a payer's number outside the page's format is not the activity's
        start="2026-11-02",
        units=0,
        source="payer",
    )
    with pytest.raises(ApplicationError) as refused:
        acts.record_authorization(grant)
    assert refused.value.type == ErrorType.AUTH_INCOMPLETE and refused.value.non_retryable
    assert refused.value.details[0] == {
        "end": "is required when status is approved",
        "units": "must be more than 0 when status is approved",
    }
    with sqlite_sessions() as s:
        assert list(billing.authorizations(s, "E-1")) == []


def test_a_new_number_ending_before_it_starts_is_refused_on_the_field(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    acts, first = granted(sqlite_sessions, start="2026-11-02")
    acts.record_authorization(first)
    backwards = replace(first, number="PA-2", start="2026-12-10", end="2026-12-01", extend=True)
    with pytest.raises(ApplicationError) as refused:
        acts.record_authorization(backwards)
    assert refused.value.type == ErrorType.AUTH_INCOMPLETE
    assert refused.value.details[0] == {"end": "must be on or after the first day"}
    # A review's answer has no first day: with nothing billed yet, the new number starts
    # with the first authorization (the ledger spends PA-1's units first).
    review = replace(first, number="PA-3", start=None, end="2026-11-20", units=5, extend=True)
    assert acts.record_authorization(review).message == (
        "PA-3 recorded beside PA-1, 2026-11-02 to 2026-11-20"
    )
    with sqlite_sessions() as s:
        assert [a.number for a in billing.authorizations(s, "E-1")] == ["PA-1", "PA-3"]
