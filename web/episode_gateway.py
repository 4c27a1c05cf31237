"""How the web (pages and the EHR JSON API) talks to EpisodeWorkflows: Updates only.

Each call returns an ``EpisodeOutcome`` a page or the API can render: the workflow's
answer, or the validator's message with the field it names. Documenting a day uses the
Update id ``day:{episode_id}:{date}``: a double submit or a retried API call gets the
first answer. An authorization entered on the episode page uses ``auth:{episode_id}:{key}``
with the random key its form carries, for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from web.update_retry import send_again_message, send_patiently
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import (
    AuthorizationStatus,
    CoverageChangedInput,
    DaySummary,
    DischargeInput,
    DocumentDayInput,
    EnterAuthorizationInput,
    EpisodeStatus,
    RecordAttendanceInput,
    StartEpisodeInput,
)
from workflows.ids import episode_workflow_id
from workflows.starters import start_episode

UPDATE_TIMEOUT = timedelta(seconds=10)


@dataclass(frozen=True, kw_only=True)
class EpisodeOutcome:
    ok: bool
    day: DaySummary | None = None
    status: EpisodeStatus | None = None
    authorization: AuthorizationStatus | None = None
    message: str = ""
    field_errors: dict[str, str] = field(default_factory=dict)
    still_processing: bool = False


class EpisodeGateway:
    def __init__(self, client: Client, task_queue: str) -> None:
        self._client = client
        self._queue = task_queue

    async def start(self, inp: StartEpisodeInput) -> str:
        return await start_episode(self._client, self._queue, inp)

    async def document_day(self, episode_id: str, doc: DocumentDayInput) -> EpisodeOutcome:
        update_id = f"day:{episode_id}:{doc.day.get('date')}"
        return await self._update(episode_id, EpisodeWorkflow.document_day, doc, update_id)

    async def preview_day(self, episode_id: str, doc: DocumentDayInput) -> EpisodeOutcome:
        return await self._update(episode_id, EpisodeWorkflow.preview_day, doc, None)

    async def record_attendance(self, episode_id: str, day: str, user: str) -> EpisodeOutcome:
        inp = RecordAttendanceInput(date=day, user=user)
        return await self._update(episode_id, EpisodeWorkflow.record_attendance, inp, None)

    async def discharge(self, episode_id: str, day: str, user: str) -> EpisodeOutcome:
        inp = DischargeInput(date=day, user=user)
        return await self._update(
            episode_id, EpisodeWorkflow.discharge, inp, f"discharge:{episode_id}"
        )

    async def enter_authorization(
        self, episode_id: str, inp: EnterAuthorizationInput, key: str
    ) -> EpisodeOutcome:
        return await self._update(
            episode_id, EpisodeWorkflow.enter_authorization, inp, f"auth:{episode_id}:{key}"
        )

    async def coverage_changed(self, episode_id: str, inp: CoverageChangedInput) -> EpisodeOutcome:
        return await self._update(episode_id, EpisodeWorkflow.coverage_changed, inp, None)

    async def _update(
        self, episode_id: str, update: Any, arg: Any, update_id: str | None
    ) -> EpisodeOutcome:
        handle = self._client.get_workflow_handle_for(
            EpisodeWorkflow.run, episode_workflow_id(episode_id)
        )
        try:
            result = await send_patiently(
                lambda: handle.execute_update(update, arg, id=update_id, rpc_timeout=UPDATE_TIMEOUT)
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError):
                errors = (
                    cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
                )
                return EpisodeOutcome(
                    ok=False,
                    message=cause.message,
                    field_errors={str(k): str(v) for k, v in errors.items()},
                )
            return EpisodeOutcome(ok=False, message=str(cause))
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            return EpisodeOutcome(
                ok=False,
                still_processing=True,
                message="Still processing: the answer will show when it arrives. "
                "Sending again is safe.",
            )
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return EpisodeOutcome(ok=False, message="This episode is closed or does not exist.")
            if (again := send_again_message(exc)) is not None:
                return EpisodeOutcome(ok=False, still_processing=True, message=again)
            raise
        if isinstance(result, DaySummary):
            return EpisodeOutcome(ok=True, day=result)
        if isinstance(result, AuthorizationStatus):
            return EpisodeOutcome(ok=True, authorization=result)
        return EpisodeOutcome(ok=True, status=result)
