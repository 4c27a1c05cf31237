"""`iopbill worker`: one worker process polling the task queue (scale by running more)."""

from __future__ import annotations

import asyncio
import logging
import signal

from iopbill.client import connect
from iopbill.settings import Settings
from iopbill.temporal import build_worker, register_search_attributes
from models.db.engine import make_engine, make_sessionmaker
from workflows.inbox import start_inbox

log = logging.getLogger("iopbill.worker")


async def run_worker(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    client = await connect(settings)
    await register_search_attributes(client, settings.temporal_namespace)
    worker = build_worker(client, settings.task_queue, sessions, settings=settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker polling %s on %s", settings.task_queue, settings.temporal_address)
    async with worker:
        # Every worker makes sure the clearinghouse inbox runs (a second start attaches).
        await start_inbox(client, settings.task_queue, day_seconds=settings.day_seconds)
        await stop.wait()
    engine.dispose()
