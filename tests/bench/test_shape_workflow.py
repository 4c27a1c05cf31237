"""The episodes benchmark's baseline workflow: the same counts with or without an
episode's calendar, and with one it cannot finish before that calendar has passed."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.shape_workflow import ShapeInput, ShapeWorkflow, noop


async def _timers_and_span(
    env: WorkflowEnvironment, shape: ShapeInput
) -> tuple[list[float], float]:
    """Run one baseline workflow; return its timers' durations and its start-to-close
    span, both in seconds."""
    queue = f"shape-{uuid.uuid4()}"
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[ShapeWorkflow],
        activities=[noop],
        activity_executor=ThreadPoolExecutor(2),
    ):
        handle = await env.client.start_workflow(
            ShapeWorkflow.run, shape, id=queue, task_queue=queue
        )
        for n in range(shape.updates):
            assert await handle.execute_update(ShapeWorkflow.poke, n) == n
        assert await handle.result() == shape.updates
    events = [e async for e in handle.fetch_history_events()]
    timers = [
        e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()
        for e in events
        if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    ]
    span = events[-1].event_time.ToDatetime() - events[0].event_time.ToDatetime()
    return timers, span.total_seconds()


async def test_without_a_calendar_every_timer_takes_ten_milliseconds(
    ts_env: WorkflowEnvironment,
) -> None:
    timers, span = await _timers_and_span(ts_env, ShapeInput(activities=2, updates=1, timers=3))
    assert timers == [0.01, 0.01, 0.01]
    assert span < 60


async def test_with_a_calendar_the_last_timer_waits_out_what_is_left_of_it(
    ts_env: WorkflowEnvironment,
) -> None:
    calendar = timedelta(hours=2)
    timers, span = await _timers_and_span(
        ts_env,
        ShapeInput(
            activities=2, updates=1, timers=3, calendar_ms=int(calendar / timedelta(milliseconds=1))
        ),
    )
    assert len(timers) == 3  # the same number of timers as without a calendar
    assert timers[:2] == [0.01, 0.01]
    assert 7_100 < timers[2] <= 7_200  # two hours less what had passed already
    assert span >= calendar.total_seconds()
