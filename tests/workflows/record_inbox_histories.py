"""Record the ClearinghouseInbox history the replay tests use:
`python -m tests.workflows.record_inbox_histories [out dir]`.

One poll on the time-skipping server, against a fresh SQLite database: a paid claim
whose workflow has closed gets its 999, 277CA and 835 and a second one its 999 and a
277CA rejection. The signals fail, and the inbox of the day opens an unmatched-file
task for each file. Writes ``inbox_undelivered_acks.json`` under
tests/workflows/histories/inbox/ (or the directory given). It was recorded from the
code before patch ``inbox-late-claim-notices``; keep the file: it proves a run begun
before that patch still replays. Re-record only when a change is meant to be
incompatible.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.clearinghouse.activities import ClearinghouseActivities
from activities.clearinghouse.simulator import Simulator
from activities.tasks import TaskActivities
from iopbill.codec import data_converter
from iopbill.temporal import test_server_path
from models.db import claims as claim_repo
from models.db.billing_tables import X12File
from models.db.engine import make_engine, make_sessionmaker
from models.db.migrate import upgrade
from models.db.tables import Task
from tests.activities.clearinghouse.builders import setup
from tests.conftest import TEST_PHI_KEY
from tests.workflows.signal_sink import SignalSinkWorkflow, SinkInput
from workflows.claim_types import SubmitClaimInput
from workflows.human_task import HumanTaskWorkflow
from workflows.ids import claim_workflow_id
from workflows.inbox import INBOX_WORKFLOW_ID, ClearinghouseInboxWorkflow, start_inbox

OUT = Path(__file__).parent / "histories" / "inbox"
QUEUE = "rec-inbox"
CLAIMS = (("R1", "R1:c:1", "M12345678"), ("R2", "R2:c:1", "REJ277-2222"))


async def wait_for_tasks(sessions: sessionmaker[Session], n: int) -> None:
    for _ in range(600):
        with sessions() as s:
            if (s.scalar(select(func.count()).select_from(Task)) or 0) >= n:
                return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"fewer than {n} tasks were opened")


async def record(out: Path) -> None:
    url = f"sqlite:///{tempfile.mkdtemp()}/rec.db"
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(), data_converter=data_converter(TEST_PHI_KEY)
    )
    try:
        now = await env.get_current_time()
        clearinghouse = ClearinghouseActivities(sessions, Simulator(sessions))
        for episode_id, claim_id, member_id in CLAIMS:
            setup(sessions, episode_id, member_id=member_id, claim_ids=(claim_id,))
            clearinghouse.submit_claim(SubmitClaimInput(claim_id=claim_id, now=now.isoformat()))
            with sessions() as s, s.begin():
                row = claim_repo.require(s, claim_id)
                row.status, row.resolved_at = "paid", now
        with sessions() as s, s.begin():
            s.execute(update(X12File).where(X12File.direction == "in").values(deliver_at=now))
            files = s.scalar(
                select(func.count()).select_from(X12File).where(X12File.direction == "in")
            )
        tasks = TaskActivities(sessions)
        async with Worker(
            env.client,
            task_queue=QUEUE,
            workflows=[ClearinghouseInboxWorkflow, HumanTaskWorkflow, SignalSinkWorkflow],
            activities=[tasks.open, tasks.record, *clearinghouse.all()],
            activity_executor=ThreadPoolExecutor(max_workers=4),
        ):
            for _, claim_id, _ in CLAIMS:
                closed = await env.client.start_workflow(
                    SignalSinkWorkflow.run,
                    SinkInput(expected=0),
                    id=claim_workflow_id(claim_id),
                    task_queue=QUEUE,
                )
                await closed.result()
            await start_inbox(env.client, QUEUE, poll_seconds=3600, polls_per_run=50)
            await wait_for_tasks(sessions, int(files or 0))  # one per file, as before the patch
            await asyncio.sleep(0.5)  # the inbox's workflow task after the children started
            history = await env.client.get_workflow_handle(INBOX_WORKFLOW_ID).fetch_history()
            out.mkdir(parents=True, exist_ok=True)
            (out / "inbox_undelivered_acks.json").write_text(history.to_json())
            with sessions() as s:
                for task_id in s.scalars(select(Task.id)):
                    await env.client.get_workflow_handle(f"task:{task_id}").terminate("recorded")
            await env.client.get_workflow_handle(INBOX_WORKFLOW_ID).terminate("recorded")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
