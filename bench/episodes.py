"""Whole episodes per second on the dev server, against a bare workflow of the same shape.

    .venv/bin/python -m bench.episodes [--episodes 200] [--days 3] [--day-seconds 1]

Each episode (payer commercial_gamma, no prior authorization, one claim at discharge)
is started, answered by the payer simulator (271), gets ``--days`` documented days
through the same ``document_day`` Update the web uses, is discharged, and runs until its
claim is acknowledged, paid and resolved. A scripted biller claims and completes any
task that opens, through the web's TaskGateway, with the first valid answer of each
form. In the same run a baseline workflow with the same number of activities, Updates
and timers as a measured episode is run as many times. Prints episodes/s, the ratio,
worker and server CPU and peak RSS. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import tempfile
import time
from datetime import date
from typing import Any

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.shape_workflow import ShapeInput, ShapeWorkflow, noop
from iopbill.codec import data_converter
from iopbill.settings import Settings
from iopbill.temporal import build_worker, dev_server_flags, temporal_cli_path
from models.db import episodes as episode_repo
from models.db.engine import make_engine, make_sessionmaker
from models.db.migrate import upgrade
from models.db.tables import Task
from models.forms import FieldType
from models.task_catalog import get_schema
from tests.conftest import TEST_PHI_KEY
from web.gateway import TaskGateway, explain_closed_row
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import DischargeInput, DocumentDayInput, Stage, StartEpisodeInput
from workflows.ids import episode_workflow_id
from workflows.inbox import start_inbox
from workflows.starters import start_episode


def answer(schema_name: str, today: date) -> dict[str, Any]:
    """The first valid answer of a form: first choice, today, smallest number."""
    data: dict[str, Any] = {}
    for f in get_schema(schema_name).fields:
        if not f.required and f.type is not FieldType.CHOICE:
            continue
        if f.type is FieldType.CHOICE:
            data[f.name] = f.choices[0][0]
        elif f.type is FieldType.DATE:
            data[f.name] = today.isoformat()
        elif f.type is FieldType.INTEGER:
            data[f.name] = str(max(f.minimum or 1, 1))
        elif f.type is FieldType.MONEY:
            data[f.name] = "0.00"
        elif f.type is FieldType.BOOLEAN:
            data[f.name] = "on"
        else:
            data[f.name] = "bench"
    return data


async def biller(
    gw: TaskGateway, sessions: Any, stop: asyncio.Event, stats: dict[str, int]
) -> None:
    seen: set[str] = set()
    while not stop.is_set():
        with sessions() as s:
            rows = s.scalars(select(Task).where(Task.status.in_(["open", "claimed"]))).all()
        for row in rows:
            if row.id in seen:
                continue
            seen.add(row.id)
            await gw.claim(row.id, "bench")
            outcome = await gw.complete(row.id, "bench", answer(row.form_schema, date.today()))
            stats["tasks_ok" if outcome.ok else "tasks_refused"] += 1
        await asyncio.sleep(0.5)


async def run_episode(client: Client, queue: str, episode_id: str, days: int, day_s: float) -> int:
    await start_episode(
        client,
        queue,
        StartEpisodeInput(episode_id=episode_id, payer_id="commercial_gamma", day_seconds=day_s),
    )
    handle = client.get_workflow_handle_for(EpisodeWorkflow.run, episode_workflow_id(episode_id))
    while (await handle.query(EpisodeWorkflow.status)).stage is not Stage.ACTIVE:
        await asyncio.sleep(day_s / 2)
    updates = 0
    for _ in range(days):
        today = (await handle.query(EpisodeWorkflow.status)).today
        doc = DocumentDayInput(
            day={
                "date": today,
                "program": "psychiatric",
                "telehealth": "none",
                "services": [{"kind": "group", "minutes": 190}],
            },
            note="bench",
            signed_by="bench",
        )
        await handle.execute_update(EpisodeWorkflow.document_day, doc)
        updates += 1
        await asyncio.sleep(day_s * 1.05)
    status = await handle.query(EpisodeWorkflow.status)
    await handle.execute_update(EpisodeWorkflow.discharge, DischargeInput(date=status.today))
    await handle.result()
    return updates + 1


def proc_stats(pid: int) -> tuple[float, int]:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as fh:
        hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
    return cpu, hwm


async def main(n: int, days: int, day_s: float) -> None:
    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/bench.db"
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli_path(),
        dev_server_database_filename=f"{tmp}/temporal.db",
        dev_server_extra_args=dev_server_flags(),
        data_converter=data_converter(TEST_PHI_KEY),
    )
    port = env.client.service_client.config.target_host.rsplit(":", 1)[1]
    server_pid = int(
        subprocess.check_output(["pgrep", "-f", f"start-dev.*--port {port}"]).split()[0]
    )
    queue = "bench-episodes"
    settings = Settings(clearinghouse="simulator", day_seconds=day_s, database_url=url)
    ids = [f"B{i:05d}" for i in range(n)]
    with sessions() as s, s.begin():
        for episode_id in ids:
            episode_repo.create_patient(
                s,
                patient_id=f"P{episode_id}",
                first_name="Bench",
                last_name="Mark",
                birth_date=date(1980, 1, 1),
                member_id=f"M{episode_id}",
            )
            episode_repo.create_episode(
                s,
                episode_id=episode_id,
                patient_id=f"P{episode_id}",
                payer_id="commercial_gamma",
                program="psychiatric",
                admit_date=date.today(),
            )
            episode_repo.store_intake(s, episode_id, {"diagnosis_codes": "F33.1"})
    gw = TaskGateway(env.client, lambda _t: explain_closed_row(None, None, None))
    stats = {"tasks_ok": 0, "tasks_refused": 0}
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    scpu0, _ = proc_stats(server_pid)
    stop = asyncio.Event()
    async with (
        build_worker(env.client, queue, sessions, settings=settings),
        Worker(
            env.client,
            task_queue=queue + "-shape",
            workflows=[ShapeWorkflow],
            activities=[noop],
            activity_executor=__import__("concurrent.futures").futures.ThreadPoolExecutor(8),
        ),
    ):
        await start_inbox(env.client, queue, day_seconds=day_s)
        bill = asyncio.create_task(biller(gw, sessions, stop, stats))
        t0 = time.perf_counter()
        results = await asyncio.gather(
            *[run_episode(env.client, queue, e, days, day_s) for e in ids], return_exceptions=True
        )
        episodes_s = time.perf_counter() - t0
        stop.set()
        await bill
        failed = [r for r in results if isinstance(r, BaseException)]
        history = await env.client.get_workflow_handle(episode_workflow_id(ids[0])).fetch_history()
        shape = ShapeInput(
            activities=sum(
                1
                for e in history.events
                if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
            ),
            updates=days + 1,
            timers=sum(
                1 for e in history.events if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED
            ),
        )

        async def one_shape(i: int) -> None:
            h = await env.client.start_workflow(
                ShapeWorkflow.run, shape, id=f"shape-{i}", task_queue=queue + "-shape"
            )
            for u in range(shape.updates):
                await h.execute_update(ShapeWorkflow.poke, u)
            await h.result()

        t1 = time.perf_counter()
        await asyncio.gather(*[one_shape(i) for i in range(n)])
        shape_s = time.perf_counter() - t1
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    scpu1, server_hwm = proc_stats(server_pid)
    await env.shutdown()
    done = n - len(failed)
    print(
        f"episodes: {n} started, {done} closed, {len(failed)} failed; days each: {days}; "
        f"business day {day_s:g} s; tasks completed by the scripted biller: {stats['tasks_ok']} "
        f"(refused {stats['tasks_refused']})"
    )
    print(
        f"episode shape (first episode's history): {shape.activities} activities, "
        f"{shape.updates} updates, {shape.timers} timers, {len(history.events)} events"
    )
    print(
        f"episodes/s: {done / episodes_s:.2f} ({episodes_s:.1f} s)   baseline shapes/s: "
        f"{n / shape_s:.2f} ({shape_s:.1f} s)   ratio {done / episodes_s / (n / shape_s):.2f}"
    )
    print(
        f"worker CPU {cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime:.1f} s, "
        f"server CPU {scpu1 - scpu0:.1f} s; peak RSS worker {cpu1.ru_maxrss / 1024:.0f} MB, "
        f"server {server_hwm / 1024:.0f} MB"
    )
    if failed:
        print("first failure:", repr(failed[0])[:300])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--day-seconds", type=float, default=1.0)
    args = parser.parse_args()
    asyncio.run(main(args.episodes, args.days, args.day_seconds))
