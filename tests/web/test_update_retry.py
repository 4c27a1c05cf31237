"""An Update the server refuses as "not ready" is sent again; other errors are not.

The refusal is what the server answers while a workflow's task is being retried (a worker
restart or a saturated worker): FAILED_PRECONDITION with "Workflow Task in failed state".
"""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.service import RPCError, RPCStatusCode

from web.episode_gateway import EpisodeGateway
from web.gateway import PROCESSING, TaskGateway
from web.update_retry import send_patiently, service_unreachable, workflow_not_ready
from workflows.episode_types import DischargeInput, EpisodeStatus, Stage
from workflows.task_types import TaskResult

NOT_READY = RPCError(
    "Unable to perform workflow execution update due to Workflow Task in failed state.",
    RPCStatusCode.FAILED_PRECONDITION,
    b"",
)
CLOSING = RPCError("workflow is closing", RPCStatusCode.FAILED_PRECONDITION, b"")


class Flaky:
    """Raises each error of ``errors`` in turn, then answers ``result``; records calls."""

    def __init__(self, errors: list[BaseException], result: Any = "done") -> None:
        self.errors = list(errors)
        self.result = result
        self.calls: list[tuple[Any, ...]] = []

    async def execute_update(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        if self.errors:
            raise self.errors.pop(0)
        return self.result


class FakeClient:
    def __init__(self, handle: Flaky) -> None:
        self.handle = handle

    def get_workflow_handle(self, workflow_id: str) -> Flaky:
        return self.handle

    def get_workflow_handle_for(self, run: Any, workflow_id: str) -> Flaky:
        return self.handle


async def no_sleep(seconds: float) -> None:
    slept.append(seconds)


slept: list[float] = []


ABORTED = RPCError(
    "Unable to perform workflow execution update due to unexpected workflow task failure.",
    RPCStatusCode.FAILED_PRECONDITION,
    b"",
)


def test_only_the_not_ready_refusals_count() -> None:
    assert workflow_not_ready(NOT_READY)
    assert workflow_not_ready(ABORTED)  # the task it was sent in failed: not applied
    assert not workflow_not_ready(CLOSING)
    assert not workflow_not_ready(RPCError("gone", RPCStatusCode.NOT_FOUND, b""))
    assert not workflow_not_ready(ValueError("Workflow Task in failed state"))


async def test_sent_again_until_the_workflow_takes_it() -> None:
    slept.clear()
    flaky = Flaky([NOT_READY, NOT_READY])
    assert await send_patiently(lambda: flaky.execute_update(), (0.1, 0.2, 0.3), no_sleep) == "done"
    assert len(flaky.calls) == 3
    assert slept == [0.1, 0.2]


async def test_the_last_refusal_is_raised_when_the_delays_are_spent() -> None:
    slept.clear()
    flaky = Flaky([NOT_READY] * 5)
    with pytest.raises(RPCError) as raised:
        await send_patiently(lambda: flaky.execute_update(), (0.1, 0.2), no_sleep)
    assert raised.value is NOT_READY
    assert len(flaky.calls) == 3
    assert slept == [0.1, 0.2]


async def test_other_errors_are_not_sent_again() -> None:
    slept.clear()
    flaky = Flaky([CLOSING])
    with pytest.raises(RPCError) as raised:
        await send_patiently(lambda: flaky.execute_update(), (0.1,), no_sleep)
    assert raised.value is CLOSING
    assert len(flaky.calls) == 1
    assert slept == []


@pytest.fixture
def instant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("web.update_retry.NOT_READY_DELAYS", (0.0, 0.0))


async def test_task_completion_goes_through_after_refusals(instant: None) -> None:
    result = TaskResult(task_id="t1", status="completed")
    flaky = Flaky([NOT_READY, ABORTED], result)
    gateway = TaskGateway(FakeClient(flaky), lambda task_id: ("x", "y"))  # type: ignore[arg-type]
    outcome = await gateway.complete("t1", "ana", {"outcome": "done"})
    assert outcome.ok and outcome.result == result
    # The same Update id each time, so the workflow can only apply it once.
    assert {c[1]["id"] for c in flaky.calls} == {"complete:t1"}
    assert len(flaky.calls) == 3


async def test_a_lasting_refusal_reads_as_still_processing(instant: None) -> None:
    flaky = Flaky([NOT_READY] * 10)
    tasks = TaskGateway(FakeClient(flaky), lambda task_id: ("x", "y"))  # type: ignore[arg-type]
    outcome = await tasks.complete("t1", "ana", {})
    assert not outcome.ok and outcome.error_type == PROCESSING and outcome.still_processing
    assert "safe" in outcome.message

    episodes = EpisodeGateway(FakeClient(Flaky([NOT_READY] * 10)), "q")  # type: ignore[arg-type]
    answer = await episodes.discharge("e1", "2031-03-03", "ana")
    assert not answer.ok and answer.still_processing and "safe" in answer.message


async def test_discharge_goes_through_after_refusals(instant: None) -> None:
    status = EpisodeStatus(episode_id="e1", stage=Stage.CLOSING)
    flaky = Flaky([NOT_READY, NOT_READY], status)
    gateway = EpisodeGateway(FakeClient(flaky), "q")  # type: ignore[arg-type]
    outcome = await gateway.discharge("e1", "2031-03-03", "ana")
    assert outcome.ok and outcome.status is status
    assert len(flaky.calls) == 3
    assert {c[1]["id"] for c in flaky.calls} == {"discharge:e1"}
    assert all(isinstance(c[0][1], DischargeInput) for c in flaky.calls)


DOWN = RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")


async def test_a_server_that_does_not_answer_reads_as_send_again_not_as_a_crash() -> None:
    assert service_unreachable(DOWN)
    assert not service_unreachable(CLOSING) and not service_unreachable(NOT_READY)
    tasks = TaskGateway(FakeClient(Flaky([DOWN])), lambda task_id: ("x", "y"))  # type: ignore[arg-type]
    outcome = await tasks.complete("t1", "ana", {})
    assert not outcome.ok and outcome.still_processing
    assert "did not answer" in outcome.message and "safe" in outcome.message

    episodes = EpisodeGateway(FakeClient(Flaky([DOWN])), "q")  # type: ignore[arg-type]
    answer = await episodes.discharge("e1", "2031-03-03", "ana")
    assert not answer.ok and answer.still_processing and "did not answer" in answer.message


async def test_an_error_that_is_not_about_reaching_the_server_is_still_raised() -> None:
    wrong = RPCError("bad request", RPCStatusCode.INVALID_ARGUMENT, b"")
    tasks = TaskGateway(FakeClient(Flaky([wrong])), lambda task_id: ("x", "y"))  # type: ignore[arg-type]
    with pytest.raises(RPCError) as raised:
        await tasks.claim("t1", "ana")
    assert raised.value is wrong
