"""Whole episodes per second on the dev server, against a bare workflow of the same shape.

    .venv/bin/python -m bench.episodes [--episodes 200] [--days 8] [--day-seconds 5]
    .venv/bin/python -m bench.episodes --open 1000      # concurrently open episodes

Each episode (payer commercial_alpha by default: prior authorization answered by the
payer simulator, weekly billing, so ``--days`` 8 gives two or three claims) is started,
answered by the simulator's 271 and 278, gets ``--days`` documented days through the same
``document_day`` Update the web uses, is discharged on the last of them, and runs until
every claim is acknowledged, paid and resolved. The patient attends from the admission
date, one business day after another, and each day is documented when the episode's
clock reaches it; days that passed while the episode still waited for its 271 and
authorization are sent together as soon as it is in attendance. So every run bills the same
calendar, however long the start took: with 5-second business days, a slow start used
to push the days past the authorization and into more billing weeks, and the run made
more work for itself (docs/benchmarks.md, "Seventh session"). ``--attendance arrival``
documents from the day each episode reached attendance instead, as runs before the
eighth session did. A scripted
biller works the inbox through the web's TaskGateway: the top open task by due date (the
inbox's default order), claimed and completed with the first valid answer of its form
(but denials written off and missing acknowledgements waited out), then the top task
again; ``--billers N`` works N tasks at once.

The baseline, in the same run and on the same server: as many ``BenchShape`` workflows,
each issuing as many activities, local activities, timers, Updates and signals as the
mean whole workflow tree of 20 sampled episodes did (the episode, its claims and its tasks: the
claims' activities are the episode's work too), and nothing else, with 10 ms timers.
It runs again on the episodes' calendar: the ``i``-th workflow's last timer then lasts
until the ``i``-th episode's business-time floor (``bench/critical_path.py``: its
patient's days and its payer's waits, which no implementation can shorten) has passed
since it began. The ratio against a baseline of the episode's own history only (the
first published definition) is printed beside them. Prints episodes/s, the three
ratios, worker and server CPU (and the simulated payers' share of the worker's) and peak
RSS. A measurement, not a test.

Both workers use the product's sandbox runner, which passes ``workflows`` through;
``--strict-sandbox`` re-imports workflow modules for every instance, as the tests do.

``--open N`` measures the other target instead: N episodes started at once and held open
in the attendance stage, one documented day each, the latency of those Updates, errors,
CPU and memory; then every episode is discharged and terminated.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import re
import resource
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select
from temporalio.api.enums.v1 import EventType, TimeoutType, WorkflowTaskFailedCause
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.worker import Worker

import bench
import workflows
from activities.clearinghouse.simulator import PAYER_CPU
from bench.critical_path import floor_figures, load_floors, pct, ratio_bound, target_line
from bench.dev_server import cpu_now, proc_stats, start_dev_server
from bench.shape_workflow import ShapeInput, ShapeWorkflow, noop
from iopbill.codec import SharedPayloadConverter
from iopbill.sandbox import workflow_runner
from iopbill.settings import Settings
from iopbill.temporal import build_worker
from models.db import episodes as episode_repo
from models.db.billing_tables import ClaimRow
from models.db.engine import make_engine, make_sessionmaker
from models.db.migrate import upgrade
from models.db.tables import Episode, Task
from models.forms import FieldType
from models.task_catalog import get_schema
from web.episode_gateway import EpisodeGateway
from web.gateway import TaskGateway, explain_closed_row
from workflows.clock import BusinessClock
from workflows.episode import EpisodeWorkflow
from workflows.episode_types import (
    DocumentDayInput,
    Stage,
    StartEpisodeInput,
)
from workflows.ids import episode_workflow_id
from workflows.inbox import start_inbox
from workflows.starters import start_episode

# Episodes whose workflow trees are counted and averaged into the baseline's shape.
SHAPE_SAMPLE = 20

# Where the first choice is not what the scripted biller does: it writes denials off
# instead of appealing (an appeal waits weeks of business time for the payer), and it
# waits another watch window for a missing acknowledgement instead of resubmitting (a
# late 999 is far likelier than a lost claim, and resubmitting a claim the payer has is
# a duplicate: with four hands, answering "resubmit" billed claims twice).
PREFERRED = {
    ("write_appeal", "decision"): "do_not_appeal",
    ("missing_ack", "decision"): "keep_waiting",
}


def answer(schema_name: str, today: date, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """A biller's plausible answer: the first choice, today (a last day 90 days on), 60
    units, every field filled in so that cross-field rules are met. Where the task lists
    days (held days), the dates span them, as a retro-authorization for them would; where
    it lists the authorizations covering a claim, a correction names the first."""
    data: dict[str, Any] = {}
    days = sorted((context or {}).get("days") or [])
    for f in get_schema(schema_name).fields:
        if f.type is FieldType.CHOICE:
            data[f.name] = PREFERRED.get((schema_name, f.name), f.choices[0][0])
        elif f.type is FieldType.DATE and days and f.name in ("start", "end"):
            data[f.name] = days[0] if f.name == "start" else days[-1]
        elif f.type is FieldType.DATE:
            data[f.name] = (today + timedelta(days=90 if f.name == "end" else 0)).isoformat()
        elif f.type is FieldType.INTEGER:
            data[f.name] = "60" if f.name == "units" else str(max(f.minimum or 1, 1))
        elif f.type is FieldType.MONEY:
            data[f.name] = "0.00"
        elif f.type is FieldType.BOOLEAN:
            data[f.name] = "on"
        elif f.pattern is None:
            data[f.name] = "bench"
        elif f.name == "prior_auth_number" and (context or {}).get("authorizations"):
            # A correction names an authorization the task lists (the form refuses others).
            data[f.name] = next(iter((context or {})["authorizations"]))
        elif re.fullmatch(f.pattern, "BENCH-1"):
            # Optional too: a cross-field rule may require it for the chosen answer.
            data[f.name] = "BENCH-1"
    return data


async def biller(
    gw: TaskGateway,
    sessions: Any,
    stop: asyncio.Event,
    stats: dict[str, int],
    hands: int = 1,
    latencies: list[float] | None = None,
) -> None:
    """Work the inbox as a biller does: take the top open task in the inbox's default
    order (due first), claim and complete it, look at the inbox again. ``hands`` take
    tasks at once (a team sharing one queue; each task is worked by one of them). A
    refused answer, or an error from the gateway, is logged and the task tried again a few
    seconds later. Each task's claim-and-complete time goes to ``latencies``."""
    done: set[str] = set()
    working: set[str] = set()
    retry_at: dict[str, float] = {}

    def next_task() -> Task | None:
        """The first task the inbox lists that no hand is working, done or waiting to retry:
        ids from the index, then that one row (its form context) alone."""
        with sessions() as s:
            ids = s.scalars(
                select(Task.id)
                .where(Task.status.in_(["open", "claimed"]))
                .order_by(Task.due_at, Task.id)
                .limit(50 + hands)
            ).all()
            now = time.monotonic()
            for task_id in ids:
                free = task_id not in done and task_id not in working
                if free and retry_at.get(task_id, 0) <= now:
                    working.add(task_id)
                    task: Task | None = s.get(Task, task_id)
                    return task
        return None

    async def hand() -> None:
        while not stop.is_set():
            row = next_task()
            if row is None:
                await asyncio.sleep(0.5)
                continue
            try:
                t0 = time.perf_counter()
                await gw.claim(row.id, "bench")
                data = answer(row.form_schema, date.today(), row.context)
                outcome = await gw.complete(row.id, "bench", data)
                if outcome.ok:
                    done.add(row.id)
                    stats["tasks_ok"] += 1
                    if latencies is not None:
                        latencies.append(time.perf_counter() - t0)
                else:
                    retry_at[row.id] = time.monotonic() + 5
                    stats["tasks_refused"] += 1
                    if stats["tasks_refused"] <= 3:
                        print(f"refused {row.kind}: {outcome.message}"[:300])
            except Exception as exc:  # a person whose page errs tries again; the run goes on
                retry_at[row.id] = time.monotonic() + 5
                stats["biller_errors"] = stats.get("biller_errors", 0) + 1
                if stats["biller_errors"] <= 3:
                    print(f"error on {row.kind} {row.id}: {exc!r}"[:400])
            finally:
                working.discard(row.id)

    await asyncio.gather(*[hand() for _ in range(hands)])


async def wait_for_stage(sessions: Any, episode_id: str, stages: set[str], day_s: float) -> None:
    """Poll the read model (as the web does), not the workflow."""
    while True:
        with sessions() as s:
            stage = s.scalar(select(Episode.stage).where(Episode.id == episode_id))
        if stage in stages:
            return
        await asyncio.sleep(day_s / 2)


async def patient_update(send: Any, stats: dict[str, int]) -> Any:
    """Send an episode Update through the web's gateway until the workflow takes it.

    The gateway already resends a "not ready" refusal for about 11 s; an answer of
    "still processing" after that is sent again (same Update id), as a person would.
    """
    while True:
        outcome = await send()
        if outcome.ok:
            return outcome
        if not outcome.still_processing:
            raise RuntimeError(f"refused: {outcome.message} {outcome.field_errors}")
        stats["busy_resends"] = stats.get("busy_resends", 0) + 1
        await asyncio.sleep(1)


async def episode_clock(client: Client, episode_id: str, day_s: float) -> BusinessClock:
    """The episode's business clock, read once from its history instead of asked for with
    a status query before every documented day (about ten queries per episode, each a
    workflow activation that the baseline never pays): the episode anchors its clock at
    ``workflow.now()`` of its first workflow task (``BusinessClock.start``)."""
    handle = client.get_workflow_handle(episode_workflow_id(episode_id))
    # The first task starts within the first few events: one short page, not the history.
    async for e in handle.fetch_history_events(page_size=8):
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            return BusinessClock.start(e.event_time.ToDatetime(tzinfo=UTC), day_s)
    raise RuntimeError(f"episode {episode_id} has not started a workflow task")


async def check_clock(client: Client, episode_id: str, clock: BusinessClock) -> None:
    """Once a run: the clock read from the history is never behind the workflow's own.

    A query answers with the date of the workflow's last task (queries do not move
    workflow time), so under load it may lag the clock; it must never lead it. The other
    direction is checked on every documented day: the workflow refuses a day from its
    future, and ``patient_update`` stops the run on a refusal."""
    handle = client.get_workflow_handle(episode_workflow_id(episode_id))
    status = await handle.query(EpisodeWorkflow.status)
    now = business_today(clock)
    if status.today > now:
        raise RuntimeError(
            f"episode {episode_id} says today is {status.today}; its clock read from the "
            f"history says {now}"
        )


def business_today(clock: BusinessClock) -> str:
    """Today on the episode's clock. The workflow reads its own clock later (when it
    takes the Update), so it never sees a documented day from its future."""
    return clock.today(datetime.now(UTC)).isoformat()


async def document_days(
    client: Client,
    episode_id: str,
    clock: BusinessClock,
    days: int,
    day_s: float,
    stats: dict[str, int],
    admitted: date | None = None,
) -> list[float]:
    """Document ``days`` business days; return each Update's latency (s).

    With ``admitted`` (a closed run's default): the patient attends from the admission
    date, one day after another, and each day is documented when the clock reaches it, so
    the days that passed while the episode still waited for its 271 and authorization are
    sent together when it reaches attendance (the episode captures them one by one).
    Without it (``--attendance arrival``, and the open-episodes run): from the day the
    episode reached attendance, one a day, however long the last save took."""
    gw = EpisodeGateway(client, "")
    latencies: list[float] = []

    async def save(today: str) -> None:
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
        t0 = time.perf_counter()
        await patient_update(partial(gw.document_day, episode_id, doc), stats)
        latencies.append(time.perf_counter() - t0)

    if admitted is not None:
        dates = [(admitted + timedelta(days=i)).isoformat() for i in range(days)]
        now = business_today(clock)
        # The days already past are caught up at once (as an EHR sends its backlog); the
        # episode captures them one by one and bills none of their weeks half-saved.
        await asyncio.gather(*[save(d) for d in dates if d <= now])
        for today in [d for d in dates if d > now]:
            while business_today(clock) < today:  # a day from the clock's future: wait
                wait = clock.until(datetime.now(UTC), date.fromisoformat(today))
                await asyncio.sleep(wait.total_seconds() + day_s / 50)
            await save(today)
        return latencies
    start, last = time.perf_counter(), ""
    for i in range(days):
        await asyncio.sleep(max(0.0, start + i * day_s * 1.05 - time.perf_counter()))
        today = business_today(clock)
        while today == last:  # a slow save ran into the next day's slot: wait for its date
            await asyncio.sleep(day_s / 5)
            today = business_today(clock)
        last = today
        await save(today)
    return latencies


async def run_episode(
    client: Client,
    sessions: Any,
    queue: str,
    payer: str,
    episode_id: str,
    days: int,
    day_s: float,
    stats: dict[str, int],
    admitted: date | None,
    clocks: dict[str, BusinessClock],
) -> float:
    """Run one episode to its close; return when it closed (perf_counter). With
    ``admitted``, the days from admission are documented and the patient is discharged on
    the last of them; otherwise the days from arrival in attendance, and the discharge
    dated the business day on which the last save ended."""
    await start_episode(
        client,
        queue,
        StartEpisodeInput(episode_id=episode_id, payer_id=payer, day_seconds=day_s),
    )
    await wait_for_stage(sessions, episode_id, {Stage.ACTIVE.value}, day_s)
    clock = clocks[episode_id] = await episode_clock(client, episode_id, day_s)
    if episode_id.endswith("00000"):
        await check_clock(client, episode_id, clock)
    await document_days(client, episode_id, clock, days, day_s, stats, admitted)
    if admitted is not None:
        today = (admitted + timedelta(days=days - 1)).isoformat()
    else:
        today = business_today(clock)
    gw = EpisodeGateway(client, queue)
    await patient_update(partial(gw.discharge, episode_id, today, "bench"), stats)
    await client.get_workflow_handle(episode_workflow_id(episode_id)).result()
    return time.perf_counter()


@dataclass
class TreeCount:
    workflows: int = 0
    events: int = 0
    activities: int = 0
    local_activities: int = 0
    timers: int = 0
    updates: int = 0
    signals: int = 0
    kinds: dict[str, float] = field(default_factory=dict)
    event_types: dict[str, float] = field(default_factory=dict)
    event_bytes: dict[str, float] = field(default_factory=dict)  # serialized size by type
    activity_types: dict[str, float] = field(default_factory=dict)


async def count_history(client: Client, workflow_id: str, into: TreeCount) -> list[str]:
    """Add what ``workflow_id``'s own history issued to ``into``; return its children."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    into.workflows += 1
    kind = workflow_id.split(":", 1)[0]
    into.kinds[kind] = into.kinds.get(kind, 0) + 1
    children = []
    for e in history.events:
        into.events += 1
        t = e.event_type
        name = EventType.Name(t).removeprefix("EVENT_TYPE_")
        into.event_types[name] = into.event_types.get(name, 0) + 1
        into.event_bytes[name] = into.event_bytes.get(name, 0) + e.ByteSize()
        if t == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            into.activities += 1
            called = e.activity_task_scheduled_event_attributes.activity_type.name
            into.activity_types[called] = into.activity_types.get(called, 0) + 1
        elif t == EventType.EVENT_TYPE_MARKER_RECORDED:
            if e.marker_recorded_event_attributes.marker_name == "core_local_activity":
                into.local_activities += 1
        elif t == EventType.EVENT_TYPE_TIMER_STARTED:
            into.timers += 1
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            into.updates += 1
        elif t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            into.signals += 1
        elif t == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            children.append(e.start_child_workflow_execution_initiated_event_attributes.workflow_id)
    return children


async def count_tree(client: Client, root: str) -> tuple[TreeCount, TreeCount]:
    """What ``root`` issued itself, and with every workflow below it; one fetch each."""
    own = TreeCount()
    pending = await count_history(client, root, own)
    tree = replace(
        own,
        kinds=dict(own.kinds),
        event_types=dict(own.event_types),
        event_bytes=dict(own.event_bytes),
        activity_types=dict(own.activity_types),
    )
    while pending:
        pending += await count_history(client, pending.pop(), tree)
    return tree, own


def mean_by_name(maps: list[dict[str, float]], digits: int | None = 1) -> dict[str, float]:
    """Each name's mean over ``maps`` (a name missing from one counts 0 there)."""
    total: dict[str, float] = {}
    for m in maps:
        for name, v in m.items():
            total[name] = total.get(name, 0) + v
    return {name: round(v / len(maps), digits) for name, v in total.items()}


def mean_count(counts: list[TreeCount]) -> TreeCount:
    """The rounded mean of several trees' counts: one episode alone is a noisy sample
    (one needs a corrected claim, another none)."""
    k = len(counts)
    return TreeCount(
        workflows=round(sum(c.workflows for c in counts) / k),
        events=round(sum(c.events for c in counts) / k),
        activities=round(sum(c.activities for c in counts) / k),
        local_activities=round(sum(c.local_activities for c in counts) / k),
        timers=round(sum(c.timers for c in counts) / k),
        updates=round(sum(c.updates for c in counts) / k),
        signals=round(sum(c.signals for c in counts) / k),
        kinds=mean_by_name([c.kinds for c in counts]),
        event_types=mean_by_name([c.event_types for c in counts]),
        event_bytes=mean_by_name([c.event_bytes for c in counts], digits=None),
        activity_types=mean_by_name([c.activity_types for c in counts]),
    )


def top_types(count: TreeCount, k: int = 12) -> str:
    ranked = sorted(count.event_types.items(), key=lambda kv: -kv[1])[:k]
    size = sum(count.event_bytes.values())
    heavy = sorted(count.event_bytes.items(), key=lambda kv: -kv[1])[:5]
    return (
        ", ".join(f"{name.lower()} {v:g}" for name, v in ranked)
        + f"; {size / 1024:.0f} KiB serialized, most in "
        + ", ".join(f"{name.lower()} {v / 1024:.0f} KiB" for name, v in heavy)
    )


def shape_of(count: TreeCount) -> ShapeInput:
    return ShapeInput(
        activities=count.activities,
        local_activities=count.local_activities,
        timers=count.timers,
        updates=count.updates,
        signals=count.signals,
    )


async def run_shapes(
    client: Client,
    queue: str,
    shape: ShapeInput,
    n: int,
    tag: str,
    calendars_s: list[float] | None = None,
) -> float:
    """Run ``n`` baseline workflows of ``shape`` at once; return the wall time. With
    ``calendars_s``, the ``i``-th waits out ``calendars_s[i]`` seconds of business time
    (an episode's floor, from its clock's start) before it can finish."""

    async def one(i: int) -> None:
        this = shape
        if calendars_s is not None:
            this = replace(shape, calendar_ms=round(calendars_s[i] * 1000))
        h = await client.start_workflow(
            ShapeWorkflow.run, this, id=f"shape-{tag}-{i}", task_queue=queue
        )
        for u in range(shape.updates):
            _ = await h.execute_update(ShapeWorkflow.poke, u)
        for u in range(shape.signals):
            await h.signal(ShapeWorkflow.nudge, u)
        await h.result()

    t0 = time.perf_counter()
    await asyncio.gather(*[one(i) for i in range(n)])
    return time.perf_counter() - t0


def seed(sessions: Any, ids: list[str], payer: str, admitted: date) -> None:
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
                payer_id=payer,
                program="psychiatric",
                admit_date=admitted,
            )
            episode_repo.store_intake(s, episode_id, {"diagnosis_codes": "F33.1"})


def biller_figures(sessions: Any, hands: int, handled: list[float]) -> str:
    """How long the scripted biller took per task, and how long tasks waited for it: a
    task the biller has not reached holds its claim or episode open."""
    with sessions() as s:
        waits = [
            (closed - created).total_seconds()
            for created, closed in s.execute(
                select(Task.created_at, Task.closed_at).where(Task.status == "completed")
            ).all()
        ]
    return (
        f"scripted biller, {hands} at a time: claim and complete p50 {pct(handled, 0.5):.2f} s, "
        f"p95 {pct(handled, 0.95):.2f} s; a completed task was open for p50 "
        f"{pct(waits, 0.5):.1f} s, p95 {pct(waits, 0.95):.1f} s, max {max(waits, default=0):.1f} s"
    )


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


async def main(args: argparse.Namespace) -> None:
    day_s, payer = args.day_seconds, args.payer
    n = args.open or args.episodes
    # As `make install` and the image do for workflows/: the sandbox imports the workflow
    # modules (ours and the baseline's) afresh for every workflow it starts.
    for package in (workflows, bench):
        assert package.__file__ is not None
        compileall.compile_dir(os.path.dirname(package.__file__), quiet=1)
    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/bench.db"
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    env, server_pid = await start_dev_server(tmp)
    queue = "bench-episodes"
    settings = Settings(clearinghouse="simulator", day_seconds=day_s, database_url=url)
    ids = [f"B{i:05d}" for i in range(n)]
    admitted = date.today()  # the clocks start today too (BusinessClock.start)
    seed(sessions, ids, payer, admitted)
    gw = TaskGateway(env.client, lambda _t: explain_closed_row(None, None, None))
    stats = {"tasks_ok": 0, "tasks_refused": 0}
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    scpu0, _ = proc_stats(server_pid)
    stop = asyncio.Event()
    print(f"load average at start: {loadavg()}")
    strict = args.strict_sandbox
    print("sandbox:", "strict" if strict else "trusted (workflows passed through)")
    async with (
        build_worker(env.client, queue, sessions, settings=settings, strict_sandbox=strict),
        Worker(
            env.client,
            task_queue=queue + "-shape",
            workflows=[ShapeWorkflow],
            activities=[noop],
            activity_executor=ThreadPoolExecutor(8),
            max_concurrent_workflow_tasks=16,  # as build_worker: same worker shape
            # the same runner as the product's: trusted unless --strict-sandbox
            workflow_runner=workflow_runner(strict=strict, trusted=("bench.shape_workflow",)),
        ),
    ):
        await start_inbox(env.client, queue, day_seconds=day_s)
        handled: list[float] = []
        bill = asyncio.create_task(
            biller(gw, sessions, stop, stats, hands=args.billers, latencies=handled)
        )
        if args.open:
            await hold_open(
                env.client, sessions, queue, payer, ids, day_s, args.start_concurrency, stats
            )
            stop.set()
            await bill
        else:
            await closed_run(
                env.client,
                sessions,
                queue,
                payer,
                ids,
                args.days,
                day_s,
                stop,
                bill,
                server_pid,
                stats,
                admitted if args.attendance == "admission" else None,
            )
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    scpu1, server_hwm = proc_stats(server_pid)
    await env.shutdown()
    print(
        f"tasks completed by the scripted biller: {stats['tasks_ok']} "
        f"(refused {stats['tasks_refused']}, errors {stats.get('biller_errors', 0)}); "
        'Updates answered "still processing" and '
        f"sent again: {stats.get('busy_resends', 0)}; load average at end: "
        f"{loadavg()}"
    )
    print(biller_figures(sessions, args.billers, handled))
    built, reused = SharedPayloadConverter().adapters_built_and_reused()
    print(f"pydantic type adapters: {built} built, found in the cache {reused} times")
    print(
        f"worker CPU {cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime:.1f} s, "
        f"server CPU {scpu1 - scpu0:.1f} s; peak RSS worker {cpu1.ru_maxrss / 1024:.0f} MB, "
        f"server {server_hwm / 1024:.0f} MB"
    )


async def drained(client: Client) -> None:
    """Return once no Claim or HumanTask workflow is running (the biller still working)."""
    while True:
        running = 0
        for kind in ("Claim", "HumanTask"):
            found = await client.count_workflows(
                f"WorkflowType = '{kind}' AND ExecutionStatus = 'Running'"
            )
            running += found.count
        if not running:
            return
        await asyncio.sleep(1.0)


async def closed_run(
    client: Client,
    sessions: Any,
    queue: str,
    payer: str,
    ids: list[str],
    days: int,
    day_s: float,
    stop: asyncio.Event,
    bill: asyncio.Task[None],
    server_pid: int,
    stats: dict[str, int],
    admitted: date | None,
) -> None:
    n = len(ids)
    clocks: dict[str, BusinessClock] = {}
    t0, t0_wall = time.perf_counter(), datetime.now(UTC)
    c0 = cpu_now(server_pid)
    payer0 = PAYER_CPU.seconds()
    results = await asyncio.gather(
        *[
            run_episode(client, sessions, queue, payer, e, days, day_s, stats, admitted, clocks)
            for e in ids
        ],
        return_exceptions=True,
    )
    episodes_s = time.perf_counter() - t0
    # A claim resolves (and its episode may close) while its patient-responsibility task
    # waits for the biller; its workflow ends after the answer. The CPU counted per tree
    # runs until every claim and task workflow has ended, so that work is not left out.
    await drained(client)
    drained_s = time.perf_counter() - t0
    c1 = cpu_now(server_pid)
    payer_s = PAYER_CPU.seconds() - payer0
    stop.set()
    await bill
    failed = [r for r in results if isinstance(r, BaseException)]
    closed_at = sorted(r for r in results if isinstance(r, float))
    closed_wall = {
        e: t0_wall + timedelta(seconds=r - t0)
        for e, r in zip(ids, results, strict=True)
        if isinstance(r, float)
    }
    floors = load_floors(sessions, {e: clocks[e] for e in closed_wall})
    sample = ids[:: max(1, n // SHAPE_SAMPLE)]
    counted = [await count_tree(client, episode_workflow_id(e)) for e in sample]
    tree, own = mean_count([t for t, _ in counted]), mean_count([o for _, o in counted])
    with sessions() as s:
        claims = s.scalar(select(func.count()).select_from(ClaimRow)) or 0
        task_kinds = dict(s.execute(select(Task.kind, func.count()).group_by(Task.kind)).all())
    shape_q = queue + "-shape"
    c2 = cpu_now(server_pid)
    tree_s = await run_shapes(client, shape_q, shape_of(tree), n, "tree")
    c3 = cpu_now(server_pid)
    own_s = await run_shapes(client, shape_q, shape_of(own), n, "own")
    # The same tree shape on each episode's calendar: the i-th waits out the business
    # time of the i-th episode's floor (none for an episode that failed).
    business = {f.episode_id: f.business_s for f in floors}
    calendar_s = await run_shapes(
        client, shape_q, shape_of(tree), n, "calendar", [business.get(e, 0.0) for e in ids]
    )
    base = TreeCount()
    await count_history(client, "shape-tree-0", base)
    done = n - len(failed)
    print(
        f"episodes: {n} started, {done} closed, {len(failed)} failed; payer {payer}; "
        f"documented days each: {days}, "
        f"{'from admission' if admitted else 'from arrival in attendance'}; "
        f"business day {day_s:g} s; claims: {claims}"
    )
    print(f"tasks opened, by kind: {task_kinds}")
    print(
        f"mean tree of {len(sample)} sampled episodes: {tree.workflows} workflows {tree.kinds}, "
        f"{tree.events} events, "
        f"{tree.activities} activities, {tree.local_activities} local activities, "
        f"{tree.timers} timers, {tree.updates} updates, {tree.signals} signals"
    )
    print(
        f"mean own history: {own.events} events, {own.activities} activities, "
        f"{own.local_activities} local activities, {own.timers} timers, "
        f"{own.updates} updates, {own.signals} signals"
    )
    print(f"mean tree's events by type: {top_types(tree)}")
    called = sorted(tree.activity_types.items(), key=lambda kv: -kv[1])
    print("mean tree's activities by name: " + ", ".join(f"{a} {v:g}" for a, v in called))
    print(f"one baseline tree-shape history: {base.events} events: {top_types(base)}")
    if closed_at:
        print(
            f"closings after start: first {closed_at[0] - t0:.0f} s (the business-time floor "
            f"of one episode), median {closed_at[len(closed_at) // 2] - t0:.0f} s, last "
            f"{closed_at[-1] - t0:.0f} s"
        )
        print(floor_figures(floors, closed_wall, t0_wall, tree_s))
    eps = done / episodes_s
    ten_ms, on_calendar = eps / (n / tree_s), eps / (n / calendar_s)
    print(
        f"episodes/s: {eps:.2f} ({episodes_s:.1f} s); every claim and task workflow ended "
        f"after {drained_s:.1f} s ({done / drained_s:.2f}/s, ratio "
        f"{done / drained_s / (n / tree_s):.2f} against the tree shape)"
    )
    print(f"baseline, tree shape: {n / tree_s:.2f}/s ({tree_s:.1f} s)   ratio {ten_ms:.2f}")
    print(
        f"baseline, tree shape on the episodes' calendar (each also waits out one "
        f"episode's business-time floor): {n / calendar_s:.2f}/s ({calendar_s:.1f} s)   "
        f"ratio {on_calendar:.2f}"
    )
    print(
        f"baseline, own-history shape: {n / own_s:.2f}/s ({own_s:.1f} s)   "
        f"ratio {eps / (n / own_s):.2f}"
    )
    per_episode = [(b - a) / max(done, 1) for a, b in zip(c0, c1, strict=True)]
    per_tree = [(b - a) / n for a, b in zip(c2, c3, strict=True)]
    capacity = sum(per_tree) / sum(per_episode)
    print(
        f"CPU (worker + server) per closed episode tree {sum(per_episode):.2f} s "
        f"({per_episode[0]:.2f} + {per_episode[1]:.2f}), per baseline tree shape "
        f"{sum(per_tree):.2f} s ({per_tree[0]:.2f} + {per_tree[1]:.2f})   "
        f"capacity ratio {capacity:.2f}"
    )
    # The simulated payers run in the worker's process; a real payer's CPU is not ours.
    paying = payer_s / max(done, 1)
    print(
        f"of which the simulated payers (thread CPU in Simulator.send): {paying:.2f} s per "
        f"tree; without them {sum(per_episode) - paying:.2f} s per tree   "
        f"capacity ratio without the payers {sum(per_tree) / (sum(per_episode) - paying):.2f}"
    )
    print(await task_trouble(client, ids))
    print(
        target_line(
            calendar=on_calendar,
            capacity=capacity,
            ten_ms=ten_ms,
            bound=ratio_bound(floors, t0_wall, tree_s),
        )
    )
    if failed:
        print("first failure:", repr(failed[0])[:300])


def landed_name(ev: HistoryEvent) -> str:
    """An event's type, with the signal's or Update's name: ``signaled:claim_resolved``."""
    if ev.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        return f"signaled:{ev.workflow_execution_signaled_event_attributes.signal_name}"
    if ev.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED:
        attrs = ev.workflow_execution_update_admitted_event_attributes
        return f"update:{attrs.request.input.name}"
    return EventType.Name(ev.event_type).removeprefix("EVENT_TYPE_").lower()


async def task_trouble(client: Client, ids: list[str]) -> str:
    """Workflow tasks that failed or timed out, in the histories of 50 sampled episodes.

    A start-to-close timeout (the worker too busy to finish a task in 10 s) makes the
    server refuse Updates to that workflow until a retry succeeds; a schedule-to-start
    timeout is the sticky queue handing the task back to the shared queue.
    """
    sample = ids[:: max(1, len(ids) // 50)]
    counts = {"failed": 0, "start-to-close": 0, "schedule-to-start": 0}
    causes: dict[str, int] = {}
    landed: dict[str, int] = {}  # what arrived during a failed task: the event after it
    for e in sample:
        history = await client.get_workflow_handle(episode_workflow_id(e)).fetch_history()
        events = list(history.events)
        for n, ev in enumerate(events):
            if ev.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                counts["failed"] += 1
                cause = WorkflowTaskFailedCause.Name(ev.workflow_task_failed_event_attributes.cause)
                causes[cause] = causes.get(cause, 0) + 1
                if n + 1 < len(events):
                    what = landed_name(events[n + 1])
                    landed[what] = landed.get(what, 0) + 1
            elif ev.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
                kind = ev.workflow_task_timed_out_event_attributes.timeout_type
                key = (
                    "schedule-to-start"
                    if kind == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START
                    else "start-to-close"
                )
                counts[key] += 1
    return (
        f"workflow tasks in {len(sample)} sampled episode histories: {counts['failed']} failed "
        f"{causes or ''}{f' (what arrived meanwhile: {landed})' if landed else ''}, "
        f"{counts['start-to-close']} start-to-close and {counts['schedule-to-start']} "
        "schedule-to-start timeouts"
    )


async def hold_open(
    client: Client,
    sessions: Any,
    queue: str,
    payer: str,
    ids: list[str],
    day_s: float,
    start_concurrency: int,
    stats: dict[str, int],
) -> None:
    """Start every episode, bring each to attendance, document one day, keep all open."""
    n = len(ids)
    t0 = time.perf_counter()
    gate = asyncio.Semaphore(start_concurrency)
    retries = 0

    async def start_one(e: str) -> None:
        # Registrations arrive a few at a time, not a thousand in one instant; a start
        # that times out is retried (start_episode attaches to an existing run).
        nonlocal retries
        async with gate:
            for attempt in range(5):
                try:
                    await start_episode(
                        client,
                        queue,
                        StartEpisodeInput(episode_id=e, payer_id=payer, day_seconds=day_s),
                    )
                    return
                except RPCError:
                    if attempt == 4:
                        raise
                    retries += 1
                    await asyncio.sleep(1)

    started = await asyncio.gather(*[start_one(e) for e in ids], return_exceptions=True)
    start_s = time.perf_counter() - t0
    start_errors = [r for r in started if isinstance(r, BaseException)]
    deadline = time.monotonic() + 900
    reached = 0
    while time.monotonic() < deadline:
        with sessions() as s:
            reached = (
                s.scalar(
                    select(func.count())
                    .select_from(Episode)
                    .where(Episode.stage == Stage.ACTIVE.value)
                )
                or 0
            )
        if reached >= n:
            break
        await asyncio.sleep(1)
    active_s = time.perf_counter() - t0
    not_active = [f"{n - reached} episodes not in attendance after 900 s"] if reached < n else []

    async def document_one(e: str) -> list[float]:
        async with gate:  # staff document days across the day, a few at a time
            clock = await episode_clock(client, e, day_s)
            return await document_days(client, e, clock, 1, day_s, stats)

    t1 = time.perf_counter()
    docs = await asyncio.gather(*[document_one(e) for e in ids], return_exceptions=True)
    docs_s = time.perf_counter() - t1
    doc_errors = [r for r in docs if isinstance(r, BaseException)]
    latencies = [x for r in docs if isinstance(r, list) for x in r]
    open_now = 0
    async for _wf in client.list_workflows(
        "WorkflowType = 'Episode' AND ExecutionStatus = 'Running'"
    ):
        open_now += 1
    trouble = await task_trouble(client, ids)
    print(
        f"episodes: {n} started in {start_s:.1f} s, {start_concurrency} at a time "
        f"({len(start_errors)} start errors, {retries} retried starts); all in "
        f"attendance after {active_s:.1f} s ({len(not_active)} not reached); "
        f"running Episode workflows: {open_now}"
    )
    print(
        f"document_day with {n} open, {start_concurrency} at a time: {len(latencies)} ok, "
        f"{len(doc_errors)} errors in {docs_s:.1f} s; latency "
        f"p50 {pct(latencies, 0.5) * 1000:.0f} ms, p95 {pct(latencies, 0.95) * 1000:.0f} ms, "
        f"max {max(latencies, default=0) * 1000:.0f} ms"
    )
    print(trouble)
    for err in [*start_errors, *not_active, *doc_errors][:1]:
        print("first error:", repr(err)[:300])
    await asyncio.gather(
        *[
            client.get_workflow_handle(episode_workflow_id(e)).terminate("benchmark over")
            for e in ids
        ],
        return_exceptions=True,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--day-seconds", type=float, default=5.0)
    parser.add_argument("--payer", default="commercial_alpha")
    parser.add_argument("--open", type=int, default=0, help="hold this many episodes open")
    parser.add_argument("--start-concurrency", type=int, default=20)
    parser.add_argument(
        "--attendance",
        choices=["admission", "arrival"],
        default="admission",
        help="document the days from the admission date (the same calendar whatever the "
        "start took), or from the day each episode reached attendance",
    )
    parser.add_argument(
        "--billers",
        type=int,
        default=1,
        help="tasks the scripted biller works at once (a team sharing one queue)",
    )
    parser.add_argument(
        "--strict-sandbox",
        action="store_true",
        help="re-import workflow modules for every instance, as the test suite does",
    )
    asyncio.run(main(parser.parse_args()))
