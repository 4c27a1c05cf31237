"""``episodes.set_stage``: the stage row and ``stage_changed_at`` carry the workflow time
of the move; an input from a run scheduled before ``at`` existed gets the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from activities.episodes import EpisodeActivities
from models.db import episodes as episode_repo
from models.db.tables import Episode
from workflows.episode_types import SetStageInput, Stage

pytestmark = pytest.mark.db
MOVED = datetime(2031, 3, 3, 9, 30, tzinfo=UTC)


def register(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        episode_repo.create_patient(s, patient_id="P-1", first_name="Jo", member_id="M-1")
        episode_repo.create_episode(
            s, episode_id="E-1", patient_id="P-1", payer_id="medicare", program="psychiatric"
        )


def stage_stamps(sessions: sessionmaker[Session], kind: str) -> tuple[datetime, datetime]:
    with sessions() as s:
        episode = s.get(Episode, "E-1")
        assert episode is not None
        (event,) = [e for e in episode_repo.timeline(s, "E-1") if e.kind == kind]
        return episode.stage_changed_at, event.at


def test_a_stage_move_is_stamped_with_the_workflow_time_it_was_scheduled_at(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    register(sqlite_sessions)
    acts = EpisodeActivities(sqlite_sessions)
    move = SetStageInput(
        episode_id="E-1",
        stage=Stage.ELIGIBILITY,
        key="E-1:stage:eligibility:1",
        at=MOVED.isoformat(),
    )
    acts.set_stage(move)
    acts.set_stage(move)  # the activity retried after its commit: the same row and time
    assert stage_stamps(sqlite_sessions, "stage:eligibility") == (MOVED, MOVED)


def test_a_stage_move_scheduled_before_at_existed_is_stamped_with_the_clock(
    sqlite_sessions: sessionmaker[Session],
) -> None:
    register(sqlite_sessions)
    before = datetime.now(UTC) - timedelta(seconds=1)
    EpisodeActivities(sqlite_sessions).set_stage(
        SetStageInput(episode_id="E-1", stage=Stage.ELIGIBILITY, key="E-1:stage:eligibility:1")
    )
    changed, at = stage_stamps(sqlite_sessions, "stage:eligibility")
    after = datetime.now(UTC) + timedelta(seconds=1)
    assert before <= changed <= after and before <= at <= after
