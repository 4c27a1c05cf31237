"""Replay recorded histories: today's workflow code must make the same decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from iopbill.codec import data_converter
from iopbill.sandbox import workflow_runner
from tests.conftest import TEST_PHI_KEY
from tests.workflows.drifted_task import DriftedHumanTaskWorkflow
from workflows.episode import EpisodeWorkflow
from workflows.human_task import HumanTaskWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_the_recorded_histories_cover_episode_and_task_workflows() -> None:
    names = {p.stem for p in HISTORIES}
    assert {"episode_intake", "task_intake_completed", "task_escalated_withdrawn"} <= names


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "trusted"])
@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays_without_nondeterminism(path: Path, strict: bool) -> None:
    """Under the suite's strict sandbox and the worker's trusted one (iopbill/sandbox.py)."""
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflow_runner=workflow_runner(strict=strict),
        workflows=[EpisodeWorkflow, HumanTaskWorkflow],
        data_converter=data_converter(TEST_PHI_KEY),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None


async def test_a_changed_workflow_fails_replay_so_the_test_can_catch_drift() -> None:
    path = next(p for p in HISTORIES if p.stem == "task_escalated_withdrawn")
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflow_runner=workflow_runner(),
        workflows=[DriftedHumanTaskWorkflow],
        data_converter=data_converter(TEST_PHI_KEY),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
