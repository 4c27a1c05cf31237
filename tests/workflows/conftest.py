"""Fixtures of the episode workflow tests (test_episode_flow, test_episode_page_updates,
test_episode_ruleset).

Those tests cross days or weeks of business time, and a workflow another test leaves
running holds up the time-skipping server's clock: each test takes ``fresh_ts_env``
(tests/conftest.py), a server of its own, and ``fresh_episode_worker`` polling it.

Named apart on purpose: ``ts_env`` (tests/conftest.py, one server per module) and the
``worker`` fixtures other modules here define keep their meaning; a ``ts_env`` in this
file would give every module in the directory a server per test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.workflows.helpers import episode_worker


@pytest.fixture
async def fresh_episode_worker(
    fresh_ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Worker]:
    """The EpisodeWorkflow's worker (fake clearinghouse, stand-in claim) on the test's
    own server."""
    async with episode_worker(fresh_ts_env, sqlite_sessions, task_queue) as w:
        yield w
