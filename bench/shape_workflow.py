"""The episodes benchmark's baseline: a workflow that issues a given number of
activities, local activities, timers, Updates and signals, and does nothing else.

Its timers take 10 ms each, unless it is given an episode's calendar: then the last of
them lasts until that much business time has passed since the workflow began, as the
episode's own waits for its patient's days and its payer's answers do."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

# Passed through, as the product's workflows pass their *_types modules: a type the
# sandbox imported afresh would be a new class in every workflow, and the shared payload
# converter would build its pydantic adapter again for each one.
with workflow.unsafe.imports_passed_through():
    from bench.shape_types import ParentInput, ShapeInput

__all__ = ["ParentInput", "ParentWorkflow", "ShapeInput", "ShapeWorkflow", "noop"]


@activity.defn(name="bench.noop")
def noop(n: int) -> int:
    return n


@workflow.defn(name="BenchShape")
class ShapeWorkflow:
    def __init__(self) -> None:
        self._updates = 0
        self._signals = 0

    @workflow.run
    async def run(self, inp: ShapeInput) -> int:
        began = workflow.now()  # as the episode's clock is anchored: its first task
        for n in range(inp.activities):
            await workflow.execute_activity(
                "bench.noop", n, start_to_close_timeout=timedelta(seconds=30)
            )
        for n in range(inp.local_activities):
            await workflow.execute_local_activity(
                "bench.noop", n, start_to_close_timeout=timedelta(seconds=30)
            )
        for k in range(inp.timers):
            wait = timedelta(milliseconds=10)
            if k == inp.timers - 1:  # the episode's calendar, if any, rides on the last
                wait = max(wait, timedelta(milliseconds=inp.calendar_ms) - (workflow.now() - began))
            await workflow.sleep(wait)
        await workflow.wait_condition(
            lambda: self._updates >= inp.updates and self._signals >= inp.signals
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._updates + self._signals

    @workflow.update(name="poke")
    async def poke(self, n: int) -> int:
        self._updates += 1
        return n

    @workflow.signal(name="nudge")
    def nudge(self, n: int) -> None:
        self._signals += 1


@workflow.defn(name="BenchParent")
class ParentWorkflow:
    """``activities`` no-op activities in all, shared between itself and ``children``
    child ``BenchShape`` workflows started one after another: with ``children=0``, the
    same work in one execution."""

    @workflow.run
    async def run(self, inp: ParentInput) -> int:
        share = inp.activities // (inp.children + 1)
        own = inp.activities - share * inp.children
        for n in range(own):
            await workflow.execute_activity(
                "bench.noop", n, start_to_close_timeout=timedelta(seconds=30)
            )
        for c in range(inp.children):
            await workflow.execute_child_workflow(
                ShapeWorkflow.run,
                ShapeInput(activities=share, updates=0, timers=0),
                id=f"{workflow.info().workflow_id}-child-{c}",
            )
        return inp.activities
