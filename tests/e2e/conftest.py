"""Browser-test rig: a real uvicorn server on a free port, the time-skipping Temporal
server with a worker, and the system Chromium driven by Playwright (async API)."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import temporalio.activity
import uvicorn
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from iopbill.settings import Settings
from iopbill.temporal import activities_for, build_worker
from models.db import episodes as episode_repo
from models.db.engine import make_engine, make_sessionmaker
from models.db.migrate import upgrade
from models.db.tables import User
from tests.conftest import TEST_PHI_KEY
from tests.web.conftest import PASSWORD, password_hash
from tests.workflows.fake_clearinghouse import FAKES
from tests.workflows.helpers import eventually, remember, terminate_open, with_fakes
from web.app import create_app
from workflows.human_task import HumanTaskWorkflow
from workflows.ids import task_workflow_id
from workflows.task_types import OpenTaskInput

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USERS = (
    ("bea", "biller"),
    ("ben", "biller"),
    ("sam", "supervisor"),
    ("cleo", "clinician"),
    ("ada", "admin"),
)
DAY = 86400.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Site:
    url: str
    sessions: sessionmaker[Session]
    env: WorkflowEnvironment
    task_queue: str

    async def open_task(
        self,
        *,
        priority: int = 3,
        patient: tuple[str, str] = ("Ada", "Quill"),
        episode_days_idle: float = 0,
        queue: str = "intake",
    ) -> str:
        """A patient, an episode and a HumanTaskWorkflow whose activity writes the row."""
        task_id = f"t-{uuid.uuid4().hex[:8]}"
        episode_id = f"E-{task_id}"
        with self.sessions() as s, s.begin():
            episode_repo.create_patient(
                s, patient_id=f"P-{task_id}", first_name=patient[0], last_name=patient[1]
            )
            ep = episode_repo.create_episode(
                s,
                episode_id=episode_id,
                patient_id=f"P-{task_id}",
                payer_id="medicare",
                program="psychiatric",
                admit_date=date(2026, 11, 2),
            )
            ep.stage_changed_at = ep.stage_changed_at - timedelta(days=episode_days_idle)
        remember(self.task_queue, task_workflow_id(task_id))
        await self.env.client.start_workflow(
            HumanTaskWorkflow.run,
            OpenTaskInput(
                task_id=task_id,
                kind="complete_intake",
                queue=queue,
                title=f"Complete intake for {episode_id}",
                form_schema="intake",
                due_seconds=DAY,
                escalate_seconds=DAY,
                priority=priority,
                episode_id=episode_id,
                payer_id="medicare",
                reason="The episode was registered without a member id.",
            ),
            id=task_workflow_id(task_id),
            task_queue=self.task_queue,
        )

        def written() -> bool:
            with self.sessions() as s:
                from models.db import tasks as task_repo

                return task_repo.get(s, task_id) is not None

        await eventually(written)
        return task_id


def replace_activities(base: list[Any], fakes: list[Any]) -> list[Any]:
    """``base`` with each activity a fake is registered under left out (names must be unique)."""

    def name(fn: Any) -> str:
        defn = temporalio.activity._Definition.from_callable(fn)
        assert defn is not None and defn.name is not None
        return defn.name

    faked = {name(f) for f in fakes}
    return [a for a in base if name(a) not in faked] + list(fakes)


class ServerThread:
    def __init__(self, settings: Settings) -> None:
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=settings.web_port,
            log_level="warning",
            ws="none",
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        end = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > end or not self.thread.is_alive():
                raise RuntimeError("web server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    upgrade(url)
    yield url


@pytest.fixture
async def site(ts_env: WorkflowEnvironment, db_url: str, task_queue: str) -> AsyncIterator[Site]:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with sessions() as s, s.begin():
        for name, role in USERS:
            s.add(
                User(
                    username=name,
                    display_name=name.title(),
                    password_hash=password_hash(),
                    roles=role,
                    team="billing",
                )
            )
    settings = Settings(
        database_url=db_url,
        temporal_address=ts_env.client.service_client.config.target_host,
        temporal_namespace=ts_env.client.namespace,
        secret_key="browser-test-secret",
        phi_key=TEST_PHI_KEY,
        web_port=free_port(),
        task_queue=task_queue,
    )
    # Episodes registered in the browser send their 270 and prior-auth request to fakes.
    acts = with_fakes(activities_for(sessions), FAKES)
    async with build_worker(ts_env.client, task_queue, sessions, activities=acts):
        with ServerThread(settings):
            yield Site(f"http://127.0.0.1:{settings.web_port}", sessions, ts_env, task_queue)
        await terminate_open(ts_env, task_queue)
    engine.dispose()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def logged_in(browser: Browser, site: Site, username: str) -> Page:
    context = await browser.new_context(viewport={"width": 1180, "height": 760})
    page = await context.new_page()
    await page.goto(site.url + "/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_load_state("networkidle")
    # Say so here, not later as a missing row: the first page after the login redirect
    # found no session (a wrong password, or the login's session row not yet committed).
    assert not page.url.endswith("/login"), f"{username} was sent back to the login page"
    return page


async def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
