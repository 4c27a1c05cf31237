"""Record the histories the replay tests use: `python -m tests.workflows.record_histories`.

Runs an episode through its intake task (claim, an invalid completion, a valid one,
discharge) and an escalated-then-withdrawn task on the time-skipping server, and
writes each history as JSON under tests/workflows/histories/. Re-record only when a
change is meant to be incompatible; otherwise keep the old files: they prove that
running workflows still replay.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from iopbill.codec import data_converter
from iopbill.settings import Settings
from iopbill.temporal import build_worker, register_search_attributes, test_server_path
from models.db import episodes as episode_repo
from models.db.engine import make_engine, make_sessionmaker
from models.db.migrate import upgrade
from tests.conftest import TEST_PHI_KEY
from web.gateway import TaskGateway, explain_closed_row
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import DischargeInput, DocumentDayInput, StartEpisodeInput
from workflows.human_task import HumanTaskWorkflow
from workflows.ids import episode_workflow_id, task_workflow_id
from workflows.inbox import start_inbox
from workflows.starters import start_episode
from workflows.task_types import OpenTaskInput, WithdrawTaskInput

OUT = Path(__file__).parent / "histories"


async def main() -> None:
    url = f"sqlite:///{tempfile.mkdtemp()}/rec.db"
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    with sessions() as s, s.begin():
        episode_repo.create_patient(s, patient_id="P-REC", first_name="Rec")
        episode_repo.create_episode(
            s,
            episode_id="E-REC",
            patient_id="P-REC",
            payer_id="commercial_gamma",
            program="psychiatric",
        )
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(), data_converter=data_converter(TEST_PHI_KEY)
    )
    await register_search_attributes(env.client, env.client.namespace)
    gw = TaskGateway(env.client, lambda _t: explain_closed_row(None, None, None))
    settings = Settings(clearinghouse="simulator", day_seconds=86400)
    async with build_worker(env.client, "rec", sessions, settings=settings):
        await start_inbox(env.client, "rec", day_seconds=86400, poll_seconds=86400 / 4)
        await start_episode(
            env.client, "rec", StartEpisodeInput(episode_id="E-REC", payer_id="commercial_gamma")
        )
        await asyncio.sleep(1)
        await gw.claim("E-REC-intake", "ivy")
        await gw.complete("E-REC-intake", "ivy", {"first_name": "Rec"})
        await gw.complete(
            "E-REC-intake",
            "ivy",
            {
                "first_name": "Rec",
                "last_name": "Ord",
                "birth_date": "1980-02-02",
                "gender": "F",
                "member_id": "REC-1",
                "diagnosis_codes": "F33.1",
            },
        )
        episode = env.client.get_workflow_handle_for(
            EpisodeWorkflow.run, episode_workflow_id("E-REC")
        )
        await asyncio.sleep(1)
        today = (await env.get_current_time()).date()
        for n in range(3):
            await episode.execute_update(
                EpisodeWorkflow.document_day,
                DocumentDayInput(
                    day={
                        "date": (today + timedelta(days=n)).isoformat(),
                        "program": "psychiatric",
                        "telehealth": "none",
                        "services": [{"kind": "group", "minutes": 190}],
                    },
                    note="recorded",
                    signed_by="clin",
                ),
            )
            await env.sleep(86400)
        status = await episode.query(EpisodeWorkflow.status)
        await episode.execute_update(EpisodeWorkflow.discharge, DischargeInput(date=status.today))
        await env.sleep(60 * 86400)
        await asyncio.sleep(2)
        print("episode is", (await episode.query(EpisodeWorkflow.status)).stage)

        task = await env.client.start_workflow(
            HumanTaskWorkflow.run,
            OpenTaskInput(
                task_id="T-REC",
                kind="complete_intake",
                queue="intake",
                title="Recorded task",
                form_schema="intake",
                due_seconds=3600,
                escalate_seconds=3600,
            ),
            id=task_workflow_id("T-REC"),
            task_queue="rec",
        )
        await gw.claim("T-REC", "ivy")
        await env.sleep(7300)
        await asyncio.sleep(1)
        await task.signal(HumanTaskWorkflow.withdraw, WithdrawTaskInput(reason="recorded"))
        await task.result()
    OUT.mkdir(exist_ok=True)
    for name, wf_id in (
        ("episode_intake", episode_workflow_id("E-REC")),
        ("task_intake_completed", task_workflow_id("E-REC-intake")),
        ("task_escalated_withdrawn", task_workflow_id("T-REC")),
    ):
        history = await env.client.get_workflow_handle(wf_id).fetch_history()
        (OUT / f"{name}.json").write_text(history.to_json())
        print(f"wrote {name}.json ({len(history.events)} events)")
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
