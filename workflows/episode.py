"""EpisodeWorkflow (id ``episode:{episode_id}``): one patient's IOP episode.

Implemented stages so far: intake (a "complete intake" task when the record is
incomplete) → eligibility. The eligibility check and later stages arrive with the
end-to-end issue; until then the episode waits in the eligibility stage, visible to
supervisors as such, until it is discharged.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from models.task_catalog import get_kind
    from workflows import search
    from workflows.episode_types import (
        EpisodeStatus,
        IntakeStatus,
        SetStageInput,
        Stage,
        StartEpisodeInput,
        StoreIntakeInput,
    )
    from workflows.human_task import HumanTaskWorkflow
    from workflows.ids import task_workflow_id
    from workflows.task_types import OpenTaskInput, TaskResult, TaskStatus

DB_TIMEOUT = timedelta(seconds=15)
DB_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=5)
)


def open_task_input(
    kind_name: str, *, task_id: str, day_seconds: float, title: str, reason: str, **links: str
) -> OpenTaskInput:
    kind = get_kind(kind_name)
    return OpenTaskInput(
        task_id=task_id,
        kind=kind.name,
        queue=kind.queue,
        title=title,
        form_schema=kind.form_schema,
        priority=kind.priority,
        due_seconds=kind.sla_days * day_seconds,
        escalate_seconds=kind.escalate_days * day_seconds,
        reason=reason,
        episode_id=links.get("episode_id"),
        claim_id=links.get("claim_id"),
        payer_id=links.get("payer_id"),
    )


@workflow.defn(name="Episode")
class EpisodeWorkflow:
    @workflow.init
    def __init__(self, inp: StartEpisodeInput) -> None:
        self._inp = inp
        self._stage = Stage.INTAKE
        self._open_tasks: list[str] = []
        self._discharged = False

    @workflow.run
    async def run(self, inp: StartEpisodeInput) -> EpisodeStatus:
        workflow.upsert_search_attributes(
            [search.STAGE.value_set(self._stage.value), search.PAYER.value_set(inp.payer_id)]
        )
        intake: IntakeStatus = await workflow.execute_activity(
            "episodes.intake_status",
            inp.episode_id,
            result_type=IntakeStatus,
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
        )
        if intake.missing:
            await self._complete_intake(intake)
        await self._move_to(Stage.ELIGIBILITY, "intake complete")
        await workflow.wait_condition(lambda: self._discharged)
        await self._move_to(Stage.CLOSED, "discharged")
        return self.status()

    async def _complete_intake(self, intake: IntakeStatus) -> None:
        task_id = f"{self._inp.episode_id}-intake"
        self._open_tasks.append(task_id)
        result: TaskResult = await workflow.execute_child_workflow(
            HumanTaskWorkflow.run,
            open_task_input(
                "complete_intake",
                task_id=task_id,
                day_seconds=self._inp.day_seconds,
                title=f"Complete intake for episode {self._inp.episode_id}",
                reason="Intake is missing: " + ", ".join(intake.missing),
                episode_id=self._inp.episode_id,
                payer_id=self._inp.payer_id,
            ),
            id=task_workflow_id(task_id),
        )
        self._open_tasks.remove(task_id)
        if result.status is TaskStatus.COMPLETED:
            await workflow.execute_activity(
                "episodes.store_intake",
                StoreIntakeInput(episode_id=self._inp.episode_id, data=result.data),
                start_to_close_timeout=DB_TIMEOUT,
                retry_policy=DB_RETRY,
            )

    async def _move_to(self, stage: Stage, detail: str) -> None:
        self._stage = stage
        workflow.upsert_search_attributes([search.STAGE.value_set(stage.value)])
        await workflow.execute_activity(
            "episodes.set_stage",
            SetStageInput(
                episode_id=self._inp.episode_id,
                stage=stage,
                key=f"{self._inp.episode_id}:stage:{stage.value}",
                detail=detail,
            ),
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
        )

    @workflow.signal(name="discharge")
    def discharge(self) -> None:
        self._discharged = True

    @workflow.query(name="status")
    def status(self) -> EpisodeStatus:
        return EpisodeStatus(
            episode_id=self._inp.episode_id, stage=self._stage, open_task_ids=list(self._open_tasks)
        )
