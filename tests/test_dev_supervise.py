"""`iopbill dev` starts a worker or web app that exits again, and stops on a crash loop."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from iopbill.dev import RESTARTS, WINDOW, Child, _command, _stop, supervise

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
FAILS = [sys.executable, "-c", "raise SystemExit(3)"]


@pytest.fixture
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    yield started
    _stop(started)


def test_a_killed_worker_is_started_again(children: list[Child]) -> None:
    worker = Child("worker", _command(SLEEPER, {})).launch()
    children.append(worker)
    first = worker.proc
    assert first is not None
    assert supervise(children, now=0.0) is None and worker.proc is first  # running: left alone

    first.send_signal(signal.SIGKILL)
    first.wait()
    assert supervise(children, now=1.0) is None
    assert worker.proc is not first and worker.proc is not None
    assert worker.proc.poll() is None  # the new one runs
    assert worker.exits == [1.0]


def test_a_crash_loop_stops_everything(children: list[Child]) -> None:
    web = Child("web", _command(FAILS, {})).launch()
    children.append(web)
    reason = None
    for n in range(RESTARTS + 1):
        assert web.proc is not None
        web.proc.wait()
        reason = supervise(children, now=float(n))
        if n < RESTARTS:
            assert reason is None
    assert reason == (
        f"web exited {RESTARTS + 1} times within {WINDOW:.0f} s (last status 3); "
        "stopping everything"
    )


def test_exits_a_minute_apart_are_not_a_loop(children: list[Child]) -> None:
    web = Child("web", _command(FAILS, {})).launch()
    children.append(web)
    for n in range(RESTARTS * 3):
        assert web.proc is not None
        web.proc.wait()
        assert supervise(children, now=n * WINDOW) is None


def test_the_temporal_server_is_not_restarted(children: list[Child]) -> None:
    server = Child("temporal", _command(FAILS, {}), restart=False).launch()
    children.append(server)
    assert server.proc is not None
    server.proc.wait()
    assert supervise(children, now=0.0) == "temporal exited with status 3; stopping everything"
    assert isinstance(server.proc, subprocess.Popen) and server.proc.returncode == 3
