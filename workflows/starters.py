"""Client-side starters: how web, CLI and demo start workflows (idempotently)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

from workflows import search
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import Stage, StartEpisodeInput
from workflows.ids import episode_workflow_id


async def start_episode(client: Client, task_queue: str, inp: StartEpisodeInput) -> str:
    """Start ``episode:{id}``; a second call for the same episode attaches to the first run."""
    handle = await client.start_workflow(
        EpisodeWorkflow.run,
        inp,
        id=episode_workflow_id(inp.episode_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(search.STAGE, Stage.INTAKE.value),
                SearchAttributePair(search.PAYER, inp.payer_id),
            ]
        ),
    )
    return handle.id
