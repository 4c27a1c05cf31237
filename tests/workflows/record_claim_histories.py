"""Record the ClaimWorkflow histories the replay tests use:
`python -m tests.workflows.record_claim_histories`.

Runs two claims on the time-skipping server against a fresh SQLite database: one
scrubbed, acknowledged and paid; one denied CO-50, appealed with its letter and paid by
an overturning 835 (reversal + payment). Writes each history as JSON under
tests/workflows/histories/claim/. Re-record only when a change is meant to be
incompatible; otherwise keep the old files: they prove that running claims still replay.
"""

from __future__ import annotations

import asyncio
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.claims import claim_activities
from activities.tasks import TaskActivities
from iopbill.codec import data_converter
from iopbill.temporal import register_search_attributes, test_server_path
from models.db.engine import make_engine, make_sessionmaker
from models.db.migrate import upgrade
from models.db.tables import Task
from models.domain import Claim
from tests.conftest import TEST_PHI_KEY
from tests.workflows.claim_episode_stub import ClaimTestEpisodeWorkflow
from tests.workflows.claim_fake_clearinghouse import FakeClearinghouse
from tests.workflows.claim_helpers import build_claim, clock, payment, store_835, store_claim
from web.gateway import TaskGateway, explain_closed_row
from workflows.claim import ClaimWorkflow
from workflows.claim_types import AckNotice, RemitNotice, StartClaimInput
from workflows.human_task import HumanTaskWorkflow
from workflows.ids import claim_workflow_id, episode_workflow_id

OUT = Path(__file__).parent / "histories" / "claim"
PAID = (("CO", "45", 27000),)


async def open_task(sessions: sessionmaker[Session], claim_id: str, kind: str) -> str:
    for _ in range(300):
        with sessions() as s:
            found = s.scalar(
                select(Task.id).where(
                    Task.claim_id == claim_id, Task.kind == kind, Task.status == "open"
                )
            )
        if found:
            return found
        await asyncio.sleep(0.05)
    raise RuntimeError(f"no open {kind} task for {claim_id}")


async def run_claim(
    client: Client,
    env: WorkflowEnvironment,
    sessions: sessionmaker[Session],
    claim: Claim,
    *,
    denial: tuple[tuple[str, str, int], ...] | None,
) -> None:
    store_claim(sessions, claim)
    await client.start_workflow(
        ClaimTestEpisodeWorkflow.run, id=episode_workflow_id(claim.episode_id), task_queue="rec"
    )
    handle = await client.start_workflow(
        ClaimWorkflow.run,
        StartClaimInput(
            claim_id=claim.claim_id,
            episode_id=claim.episode_id,
            payer_id=claim.payer_id,
            clock=clock(await env.get_current_time()),
        ),
        id=claim_workflow_id(claim.claim_id),
        task_queue="rec",
    )
    await asyncio.sleep(1)
    for source in ("999", "277CA"):
        await handle.signal(
            ClaimWorkflow.acknowledged,
            AckNotice(
                claim_id=claim.claim_id, source=source, accepted=True, payer_claim_number="PCN-REC"
            ),
        )
    await asyncio.sleep(1)
    if denial is not None:
        denied = store_835(sessions, payment(claim, paid=0, cas=denial), trace="RECDENY")
        await handle.signal(
            ClaimWorkflow.remitted,
            RemitNotice(
                claim_id=claim.claim_id, x12_file_id=denied, claim_index=0, status_code="1"
            ),
        )
        gw = TaskGateway(client, lambda _t: explain_closed_row(None, None, None))
        appeal = await open_task(sessions, claim.claim_id, "write_appeal")
        await gw.claim(appeal, "ivy")
        await gw.complete(appeal, "ivy", {"decision": "send"})
        await open_task(sessions, claim.claim_id, "appeal_outcome")
        file_id = store_835(
            sessions,
            payment(claim, paid=0, cas=denial, status="22"),
            payment(claim, paid=18000, cas=PAID),
            trace="RECOVER",
        )
        indexes = [0, 1]
    else:
        file_id, indexes = store_835(sessions, payment(claim, paid=18000, cas=PAID)), [0]
    for index in indexes:
        await handle.signal(
            ClaimWorkflow.remitted,
            RemitNotice(
                claim_id=claim.claim_id, x12_file_id=file_id, claim_index=index, status_code="1"
            ),
        )
    await handle.result()


async def main() -> None:
    url = f"sqlite:///{tempfile.mkdtemp()}/rec.db"
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(), data_converter=data_converter(TEST_PHI_KEY)
    )
    await register_search_attributes(env.client, env.client.namespace)
    fake, tasks = FakeClearinghouse(sessions), TaskActivities(sessions)
    paid = build_claim("E-REC1:medicaid_state:2026-05-04")
    appealed = build_claim("E-REC2:medicaid_state:2026-05-04")
    async with Worker(
        env.client,
        task_queue="rec",
        workflows=[ClaimWorkflow, HumanTaskWorkflow, ClaimTestEpisodeWorkflow],
        activities=[*claim_activities(sessions), *fake.activities(), tasks.open, tasks.record],
        activity_executor=ThreadPoolExecutor(max_workers=8),
    ):
        await run_claim(env.client, env, sessions, paid, denial=None)
        await run_claim(env.client, env, sessions, appealed, denial=(("CO", "50", 45000),))
    OUT.mkdir(parents=True, exist_ok=True)
    for name, claim in (("claim_paid", paid), ("claim_appeal_overturned", appealed)):
        history = await env.client.get_workflow_handle(
            claim_workflow_id(claim.claim_id)
        ).fetch_history()
        (OUT / f"{name}.json").write_text(history.to_json())
        print(f"wrote {name}.json ({len(history.events)} events)")
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
