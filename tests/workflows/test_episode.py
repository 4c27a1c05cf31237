"""EpisodeWorkflow's intake stage on the time-skipping server, and PHI kept out of history."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from iopbill.temporal import activities_for, build_worker
from models.db import episodes as episode_repo
from models.db import tasks as task_repo
from models.db.tables import Episode, Patient
from tests.conftest import raw_client
from tests.workflows.fake_clearinghouse import FAKES
from tests.workflows.helpers import eventually, remember, task_gateway, terminate_open, with_fakes
from workflows import search
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import (
    SIGNAL_ELIGIBILITY,
    DischargeInput,
    DocumentDayInput,
    EligibilityNotice,
    Stage,
    StartEpisodeInput,
)
from workflows.errors import ErrorType
from workflows.ids import episode_workflow_id, task_workflow_id
from workflows.starters import start_episode

pytestmark = pytest.mark.temporal
PHI = {
    "first_name": "Zebulon",
    "last_name": "Marchetti-Quay",
    "birth_date": "1977-03-09",
    "gender": "M",
    "member_id": "QX7781234",
    "diagnosis_codes": "F33.1",
}


@pytest.fixture
async def worker(
    ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Worker]:
    acts = with_fakes(activities_for(sqlite_sessions), FAKES)
    async with build_worker(ts_env.client, task_queue, sqlite_sessions, activities=acts) as w:
        yield w
        await terminate_open(ts_env, task_queue)


def register(sessions: sessionmaker[Session], *, complete: bool) -> str:
    episode_id = f"E-{uuid.uuid4().hex[:8]}"
    with sessions() as s, s.begin():
        episode_repo.create_patient(
            s,
            patient_id=f"P-{episode_id}",
            first_name="Zebulon",
            last_name=PHI["last_name"] if complete else "",
            birth_date=date(1977, 3, 9) if complete else None,
            member_id=PHI["member_id"] if complete else "",
        )
        episode_repo.create_episode(
            s,
            episode_id=episode_id,
            patient_id=f"P-{episode_id}",
            payer_id="medicare",
            program="psychiatric",
        )
        if complete:
            episode_repo.store_intake(s, episode_id, {"diagnosis_codes": "F33.1"})
    return episode_id


def stage_of(sessions: sessionmaker[Session], episode_id: str) -> str | None:
    with sessions() as s:
        row = s.get(Episode, episode_id)
        return row.stage if row else None


async def test_incomplete_intake_opens_a_task_whose_completion_moves_to_eligibility(
    ts_env: WorkflowEnvironment,
    worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    episode_id = register(sqlite_sessions, complete=False)
    remember(task_queue, episode_workflow_id(episode_id))
    await start_episode(
        ts_env.client, task_queue, StartEpisodeInput(episode_id=episode_id, payer_id="medicare")
    )
    task_id = f"{episode_id}-intake"
    task = await eventually(lambda: task_repo_get(sqlite_sessions, task_id))
    assert (
        task.kind == "complete_intake" and task.queue == "intake" and task.episode_id == episode_id
    )
    assert "last_name" in task.reason and "Zebulon" not in task.title
    handle = ts_env.client.get_workflow_handle_for(
        EpisodeWorkflow.run, episode_workflow_id(episode_id)
    )
    assert (await handle.query(EpisodeWorkflow.status)).stage is Stage.INTAKE

    gw = task_gateway(ts_env, sqlite_sessions)
    assert (await gw.claim(task_id, "ivy")).ok
    assert (await gw.complete(task_id, "ivy", PHI)).ok
    await eventually(lambda: stage_of(sqlite_sessions, episode_id) == "eligibility")
    with sqlite_sessions() as s:
        patient = s.get(Patient, f"P-{episode_id}")
        assert patient is not None
        assert (patient.last_name, patient.member_id, patient.birth_date) == (
            PHI["last_name"],
            PHI["member_id"],
            date(1977, 3, 9),
        )
        kinds = [e.kind for e in episode_repo.timeline(s, episode_id)]
    assert kinds[:2] == ["created", "stage:eligibility"]
    status = await handle.query(EpisodeWorkflow.status)
    assert status.stage is Stage.ELIGIBILITY and status.open_task_ids == []

    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage_of(sqlite_sessions, episode_id) == "active")
    await handle.execute_update(
        EpisodeWorkflow.discharge,
        DischargeInput(date=(await ts_env.get_current_time()).date().isoformat()),
    )
    assert (await handle.result()).stage is Stage.CLOSED
    assert stage_of(sqlite_sessions, episode_id) == "closed"


async def test_complete_intake_goes_straight_to_eligibility_without_a_task(
    ts_env: WorkflowEnvironment,
    worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    episode_id = register(sqlite_sessions, complete=True)
    remember(task_queue, episode_workflow_id(episode_id))
    await start_episode(
        ts_env.client, task_queue, StartEpisodeInput(episode_id=episode_id, payer_id="medicare")
    )
    await eventually(lambda: stage_of(sqlite_sessions, episode_id) == "eligibility")
    assert task_repo_get(sqlite_sessions, f"{episode_id}-intake") is None


async def test_starting_the_same_episode_twice_keeps_one_run(
    ts_env: WorkflowEnvironment,
    worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    episode_id = register(sqlite_sessions, complete=True)
    remember(task_queue, episode_workflow_id(episode_id))
    inp = StartEpisodeInput(episode_id=episode_id, payer_id="medicare")
    await start_episode(ts_env.client, task_queue, inp)
    await start_episode(ts_env.client, task_queue, inp)
    handle = ts_env.client.get_workflow_handle(episode_workflow_id(episode_id))
    first = (await handle.describe()).run_id
    await start_episode(ts_env.client, task_queue, inp)
    assert (await handle.describe()).run_id == first


async def test_no_patient_name_birth_date_or_member_id_is_stored_in_clear_by_temporal(
    ts_env: WorkflowEnvironment,
    worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    episode_id = register(sqlite_sessions, complete=False)
    remember(task_queue, episode_workflow_id(episode_id))
    await start_episode(
        ts_env.client, task_queue, StartEpisodeInput(episode_id=episode_id, payer_id="medicare")
    )
    task_id = f"{episode_id}-intake"
    await eventually(lambda: task_repo_get(sqlite_sessions, task_id))
    gw = task_gateway(ts_env, sqlite_sessions)
    await gw.claim(task_id, "ivy")
    bad = await gw.complete(task_id, "ivy", {**PHI, "gender": "Zebulon"})  # a failure carrying PHI
    assert not bad.ok
    assert (await gw.complete(task_id, "ivy", PHI)).ok
    await eventually(lambda: stage_of(sqlite_sessions, episode_id) == "eligibility")

    raw = await raw_client(ts_env)  # no codec: what the server stores
    secrets = [PHI["first_name"], PHI["last_name"], PHI["birth_date"], PHI["member_id"], "1977"]
    for wf_id in (episode_workflow_id(episode_id), task_workflow_id(task_id)):
        handle = raw.get_workflow_handle(wf_id)
        history = (await handle.fetch_history()).to_json()
        assert "binary/encrypted" in history or "YmluYXJ5L2VuY3J5cHRlZA" in history
        for secret in secrets:
            assert secret not in history, f"{secret!r} in the history of {wf_id}"
            assert secret not in wf_id
        desc = await handle.describe()
        for key in search.ALL:
            value = desc.typed_search_attributes.get(key)
            assert value is None or all(secret not in value for secret in secrets)
    # …and the workflow still sees the data through the codec.
    decoded = await ts_env.client.get_workflow_handle(task_workflow_id(task_id)).fetch_history()
    assert decoded.events


def task_repo_get(sessions: sessionmaker[Session], task_id: str) -> object | None:
    with sessions() as s:
        return task_repo.get(s, task_id)


async def test_a_day_sent_with_the_start_is_judged_against_the_business_date(
    ts_env: WorkflowEnvironment,
    worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    """Update-with-start runs the validator before run(): the clock must already be set."""
    episode_id = register(sqlite_sessions, complete=True)
    remember(task_queue, episode_workflow_id(episode_id))
    start = WithStartWorkflowOperation(
        EpisodeWorkflow.run,
        StartEpisodeInput(episode_id=episode_id, payer_id="medicare"),
        id=episode_workflow_id(episode_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    tomorrow = (await ts_env.get_current_time()).date() + timedelta(days=1)
    day = DocumentDayInput(
        day={
            "date": tomorrow.isoformat(),
            "program": "psychiatric",
            "telehealth": "none",
            "services": [{"kind": "group", "minutes": 190}],
        },
        note="signed",
        signed_by="clin",
    )
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await ts_env.client.execute_update_with_start_workflow(
            EpisodeWorkflow.document_day, day, start_workflow_operation=start
        )
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == ErrorType.FORM_INVALID
    assert "date" in str(cause.details) or "date" in cause.message
    handle = await start.workflow_handle()
    assert (await handle.query(EpisodeWorkflow.status)).today == (
        await ts_env.get_current_time()
    ).date().isoformat()
