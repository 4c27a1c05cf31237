"""Episode activities: intake status, storing intake, stage changes (the read model)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.db import unit_of_work, workflow_time
from models.db import episodes as repo
from workflows.episode_types import IntakeStatus, SetStageInput, StoreIntakeInput


class EpisodeActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @activity.defn(name="episodes.intake_status")
    def intake_status(self, episode_id: str) -> IntakeStatus:
        with unit_of_work(self._sessions) as session:
            return IntakeStatus(missing=repo.intake_missing(session, episode_id))

    @activity.defn(name="episodes.store_intake")
    def store_intake(self, inp: StoreIntakeInput) -> None:
        with unit_of_work(self._sessions) as session:
            repo.store_intake(session, inp.episode_id, dict(inp.data))

    @activity.defn(name="episodes.set_stage")
    def set_stage(self, inp: SetStageInput) -> None:
        with unit_of_work(self._sessions) as session:
            repo.set_stage(
                session,
                inp.episode_id,
                inp.stage.value,
                key=inp.key,
                detail=inp.detail,
                at=workflow_time(inp.at),
            )
