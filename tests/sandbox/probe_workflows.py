"""Workflows for the sandbox runner's tests: imported into the sandbox by the worker."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from tests.sandbox.probe_types import Billed, Visit


@activity.defn(name="probe.echo")
def echo(text: str) -> str:
    return text.upper()


@workflow.defn(name="ProbeChild")
class ProbeChild:
    @workflow.run
    async def run(self, text: str) -> str:
        return text[::-1]


@workflow.defn(name="ProbeParent")
class ProbeParent:
    def __init__(self) -> None:
        self._said: list[str] = []

    @workflow.run
    async def run(self, text: str) -> str:
        echoed = await workflow.execute_activity(
            "probe.echo", text, start_to_close_timeout=timedelta(seconds=10)
        )
        local = await workflow.execute_local_activity(
            "probe.echo", text + "!", start_to_close_timeout=timedelta(seconds=10)
        )
        reversed_ = await workflow.execute_child_workflow(
            ProbeChild.run, text, id=f"{workflow.info().workflow_id}-child"
        )
        await workflow.wait_condition(lambda: bool(self._said))
        return f"{echoed} {local} {reversed_} {self._said[0]}"

    @workflow.update(name="say")
    async def say(self, text: str) -> int:
        self._said.append(text)
        return len(self._said)


@workflow.defn(name="ProbeClock")
class ProbeClock:
    @workflow.run
    async def run(self) -> str:
        return datetime.now().isoformat()  # the sandbox must refuse this


@activity.defn(name="probe.bill")
def bill(visit: Visit) -> Billed:
    return Billed(visit=visit, units=visit.minutes // 60)


@workflow.defn(name="ProbeTyped")
class ProbeTyped:
    """Dataclasses in, through an activity and out: the converter decodes each by type."""

    @workflow.run
    async def run(self, visit: Visit) -> Billed:
        billed: Billed = await workflow.execute_activity(
            bill, visit, start_to_close_timeout=timedelta(seconds=10)
        )
        return billed
