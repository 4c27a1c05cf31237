"""The file-drop adapter at the workflow level, on a dev server of this module's own:
inbound files are processed exactly once across a worker restart, and a malformed file
becomes an "unmatched file" task, is kept, and posts nothing.

The test plays the clearinghouse: it reads the 837s our claims wrote into ``outbox/``,
lets a payer simulator with a database of its own answer them, and drops the answers
(999, 277CA, 835) into ``inbox/`` the way an SFTP sync does (write, then rename). The
real ClaimWorkflows and the ClearinghouseInbox run on the real worker with
IOPBILL_CLEARINGHOUSE=filedrop. Real time here, so every business timer is weeks away.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.clearinghouse.protocol import OutboundFile
from activities.clearinghouse.simulator import Simulator
from iopbill.codec import data_converter
from iopbill.settings import Settings
from iopbill.temporal import build_worker, dev_server_flags, temporal_cli_path
from models.db import claims as claim_repo
from models.db.billing_tables import ClaimRow, Posting, X12File
from models.db.engine import make_sessionmaker
from models.db.tables import Task
from tests.activities.clearinghouse.builders import add_episode
from tests.conftest import TEST_PHI_KEY, make_test_engine
from tests.workflows.claim_helpers import build_claim, store_claim
from tests.workflows.helpers import eventually, remember, terminate_open
from tests.workflows.scenario_rig import balanced
from workflows.claim import ClaimWorkflow
from workflows.claim_types import StartClaimInput
from workflows.clock import BusinessClock
from workflows.ids import claim_workflow_id, task_workflow_id
from workflows.inbox import INBOX_WORKFLOW_ID, start_inbox

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
DAY = 86400.0
PAYER = "medicaid_state"


@pytest.fixture(scope="module")
async def own_dev_env(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[WorkflowEnvironment]:
    """A dev server of this module's own: the inbox's fixed workflow id cannot meet one a
    worker of another test left running on another task queue."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli_path(),
        dev_server_database_filename=str(tmp_path_factory.mktemp("temporal") / "t.db"),
        dev_server_extra_args=dev_server_flags(),
        data_converter=data_converter(TEST_PHI_KEY),
    )
    yield env
    await env.shutdown()


class Clearinghouse:
    """The far side of the folders: a payer simulator answering what we put in outbox/."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.payer = make_sessionmaker(make_test_engine("sqlite", tmp))
        self.answers: dict[str, list[tuple[str, str]]] = {}  # claim id → (name, content)

    def answer(self, claim_id: str, outbox_name: str) -> None:
        content = (self.root / "outbox" / outbox_name).read_text()
        sim = Simulator(self.payer)
        sim.send(
            OutboundFile(kind="837P", name=outbox_name, content=content), now=datetime.now(UTC)
        )
        stem = outbox_name.rsplit(".", 1)[0]
        with self.payer() as s:
            rows = s.scalars(
                select(X12File).where(X12File.name.like(f"{stem}.%")).order_by(X12File.id)
            )
            self.answers[claim_id] = [(f"{r.name}.x12", r.content) for r in rows]

    def drop(self, name: str, content: str) -> None:
        tmp = self.root / "inbox" / f".{name}.part"
        tmp.write_text(content, newline="")
        os.replace(tmp, self.root / "inbox" / name)


def count(sessions: sessionmaker[Session], model: type, *where: object) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def events(sessions: sessionmaker[Session], claim_id: str, kind: str) -> int:
    with sessions() as s:
        return sum(1 for e in claim_repo.timeline(s, claim_id) if e.kind == kind)


def accepted_by(sessions: sessionmaker[Session], claim_id: str) -> str:
    with sessions() as s:
        (row,) = [e for e in claim_repo.timeline(s, claim_id) if e.kind == "accepted"]
        return row.detail


def status(sessions: sessionmaker[Session], claim_id: str) -> str:
    with sessions() as s:
        return claim_repo.require(s, claim_id).status


async def test_inbound_files_take_effect_exactly_once_across_a_worker_restart(
    own_dev_env: WorkflowEnvironment,
    sqlite_sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    env, sessions, queue = own_dev_env, sqlite_sessions, f"tq-{uuid.uuid4().hex[:8]}"
    root = tmp_path / "drop"
    settings = Settings(clearinghouse="filedrop", filedrop_dir=str(root), day_seconds=DAY)
    now = await env.get_current_time()
    first_dos = now.date() - timedelta(days=10)
    claim_ids = [f"FD{n}-{uuid.uuid4().hex[:4]}:{PAYER}:{first_dos}" for n in (1, 2)]
    with sessions() as s, s.begin():
        for claim_id in claim_ids:
            add_episode(s, claim_id.split(":")[0], payer_id=PAYER, member_id="MEM123")
    for claim_id in claim_ids:
        store_claim(sessions, build_claim(claim_id, first_dos=first_dos))
    house = Clearinghouse(root, tmp_path / "payer")

    def worker() -> Worker:
        return build_worker(env.client, queue, sessions, settings=settings)

    try:
        async with worker():
            remember(queue, INBOX_WORKFLOW_ID)
            await start_inbox(env.client, queue, day_seconds=DAY, poll_seconds=0.5)
            for claim_id in claim_ids:
                remember(queue, claim_workflow_id(claim_id))
                await env.client.start_workflow(
                    ClaimWorkflow.run,
                    StartClaimInput(
                        claim_id=claim_id,
                        episode_id=claim_id.split(":")[0],
                        payer_id=PAYER,
                        clock=BusinessClock.start(now, DAY),
                    ),
                    id=claim_workflow_id(claim_id),
                    task_queue=queue,
                )
            for claim_id in claim_ids:
                await eventually(lambda c=claim_id: status(sessions, c) == "submitted", timeout=30)
            outbox = sorted(p.name for p in (root / "outbox").iterdir())
            assert len(outbox) == 2
            for claim_id in claim_ids:
                (name,) = [n for n in outbox if claim_id.split(":")[0] in n]
                house.answer(claim_id, name)
            first, second = claim_ids
            assert [n.split(".")[-3] for n, _ in house.answers[first]] == ["999", "277CA", "835"]
            for name, content in house.answers[first]:
                house.drop(name, content)
            await eventually(
                lambda: count(sessions, Posting, Posting.claim_id == first) == 1, timeout=30
            )
            # the second claim's 999 is stored, then the worker stops, mid-way
            house.drop(*house.answers[second][0])
            await eventually(
                lambda: count(sessions, X12File, X12File.kind == "999") == 2, timeout=30
            )

        # While no worker runs the sync hands over everything again, the rest, and garbage.
        for name, content in house.answers[first] + house.answers[second]:
            house.drop(name, content)
        house.drop("garbled.835", "ISA*00*cut off")

        async with worker():
            await eventually(
                lambda: count(sessions, Posting, Posting.claim_id == second) == 1, timeout=30
            )
            garbled = await eventually(
                lambda: count(sessions, Task, Task.kind == "unmatched_file") == 1, timeout=30
            )
            await eventually(lambda: not any((root / "inbox").iterdir()), timeout=30)
            assert garbled
        for claim_id in claim_ids:
            assert count(sessions, Posting, Posting.claim_id == claim_id) == 1
            # the 999 and 277CA of a poll reach the claim before its 835: each recorded once
            assert events(sessions, claim_id, "999_accepted") == 1
            assert events(sessions, claim_id, "277ca_accepted") == 1
            assert events(sessions, claim_id, "accepted") == 1
            assert accepted_by(sessions, claim_id) == "277CA accepted"
            assert events(sessions, claim_id, "remitted") == 1
            with sessions() as s:
                row = s.get(ClaimRow, claim_id)
                assert row is not None and balanced(row) and row.open_cents == 0
                assert row.payer_claim_number  # the 277CA's, then the 835's
        assert count(sessions, X12File, X12File.direction == "in") == 7  # 3 + 3 + the garbage
        with sessions() as s:
            task = s.scalars(select(Task).where(Task.kind == "unmatched_file")).one()
            remember(queue, task_workflow_id(task.id))
            assert "garbled.835" in task.context["file_name"] and task.queue == "billing"
            bad = s.scalars(select(X12File).where(X12File.name == "garbled.835")).one()
            assert bad.status == "error" and bad.content == "ISA*00*cut off"
        assert count(sessions, Posting) == 2  # nothing came of the garbled file
        assert sorted(p.name for p in (root / "failed").iterdir()) == ["garbled.835"]
        processed = sorted(p.name for p in (root / "processed").iterdir())
        assert len(processed) == 10  # 6 of the first claim, 4 of the second: none lost
    finally:
        with sessions() as s:
            for task_id in s.scalars(select(Task.id)):
                remember(queue, task_workflow_id(task_id))
        await terminate_open(env, queue)
