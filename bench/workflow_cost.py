"""What one more workflow execution costs, apart from the events it carries.

    .venv/bin/python -m bench.workflow_cost [--trees 200] [--activities 48] [--children 5]

An episode tree is several executions (the episode, its claims, its tasks) where the
episodes benchmark's baseline is one. This runs ``--trees`` ``BenchParent`` workflows
three times on one fresh dev server: with the same number of no-op activities in one
execution, split between a parent and ``--children`` children, and in one execution
again (the server's database has grown by then; the two flat runs bracket the split
one). Prints wall time and CPU (this process, which is the worker, and the dev server)
per tree, and the difference per extra execution. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from bench.dev_server import cpu_now, start_dev_server
from bench.shape_workflow import ParentInput, ParentWorkflow, ShapeWorkflow, noop
from iopbill.sandbox import workflow_runner


async def run_trees(
    client: Client, queue: str, tag: str, trees: int, inp: ParentInput, server_pid: int
) -> tuple[float, float, float]:
    """Wall seconds, worker and server CPU seconds per tree."""
    w0, s0 = cpu_now(server_pid)
    t0 = time.perf_counter()
    await asyncio.gather(
        *[
            client.execute_workflow(ParentWorkflow.run, inp, id=f"{tag}-{i}", task_queue=queue)
            for i in range(trees)
        ]
    )
    wall = time.perf_counter() - t0
    w1, s1 = cpu_now(server_pid)
    return wall, (w1 - w0) / trees, (s1 - s0) / trees


async def main(args: argparse.Namespace) -> None:
    tmp = tempfile.mkdtemp()
    env, server_pid = await start_dev_server(tmp)
    queue = "bench-workflow-cost"
    flat = ParentInput(activities=args.activities, children=0)
    split = ParentInput(activities=args.activities, children=args.children)
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[ParentWorkflow, ShapeWorkflow],
        activities=[noop],
        activity_executor=ThreadPoolExecutor(8),
        max_concurrent_workflow_tasks=16,  # as build_worker
        workflow_runner=workflow_runner(trusted=("bench.shape_workflow",)),
    ):
        runs = []
        for name, tag, inp in (
            ("one execution", "flat-a", flat),
            (f"1 + {args.children} executions", "split", split),
            ("one execution again", "flat-b", flat),
        ):
            figures = await run_trees(env.client, queue, tag, args.trees, inp, server_pid)
            runs.append((name, figures))
    await env.shutdown()
    print(f"{args.trees} trees of {args.activities} no-op activities each")
    for name, (wall, worker, server) in runs:
        print(
            f"{name:>22}: {wall:6.1f} s ({args.trees / wall:5.2f} trees/s), CPU per tree "
            f"worker {worker * 1000:5.1f} ms + server {server * 1000:5.1f} ms"
        )
    flat_worker = (runs[0][1][1] + runs[2][1][1]) / 2
    flat_server = (runs[0][1][2] + runs[2][1][2]) / 2
    _, (_, split_worker, split_server) = runs[1]
    print(
        f"per extra execution (mean of the flat runs as the base): worker "
        f"{(split_worker - flat_worker) / args.children * 1000:.1f} ms, server "
        f"{(split_server - flat_server) / args.children * 1000:.1f} ms; ratio of CPU per "
        f"tree, split / flat: {(split_worker + split_server) / (flat_worker + flat_server):.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--activities", type=int, default=48)
    parser.add_argument("--children", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
