"""Web fixtures: a migrated database, one user per role, a fake gateway, logged-in clients."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from iopbill.settings import Settings
from models.db import episodes as episode_repo
from models.db import tasks as task_repo
from models.db import users as user_repo
from models.db.base import utcnow
from models.db.engine import make_sessionmaker
from models.db.tables import User
from tests.conftest import DB_KINDS, TEST_PHI_KEY, make_test_engine
from web import security
from web.app import create_app
from web.episode_gateway import EpisodeOutcome
from web.gateway import TaskOutcome
from workflows.authorization_entry import entry_errors
from workflows.episode_types import (
    AuthorizationStatus,
    CoverageChangedInput,
    DaySummary,
    DocumentDayInput,
    EnterAuthorizationInput,
    EpisodeStatus,
    Stage,
    StartEpisodeInput,
)
from workflows.errors import ErrorType
from workflows.task_types import ReassignTaskInput, TaskResult, TaskStatus

PASSWORD = "correct-horse-1"
ROLES = ("intake", "clinician", "biller", "supervisor", "admin")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@functools.cache
def password_hash() -> str:
    """argon2 is slow on purpose: hash the shared test password once per run."""
    return user_repo.hash_password(PASSWORD)


def settings() -> Settings:
    return Settings(secret_key="test-secret", phi_key=TEST_PHI_KEY)


@pytest.fixture(params=DB_KINDS)
def web_sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_test_engine(request.param, tmp_path)
    sessions = make_sessionmaker(engine)
    with sessions() as s, s.begin():
        for name, role in [(r, r) for r in ROLES] + [("biller2", "biller")]:
            s.add(
                User(
                    username=name,
                    display_name=name.title(),
                    password_hash=password_hash(),
                    roles=role,
                    team="billing",
                )
            )
    yield sessions
    engine.dispose()


def add_task(
    sessions: sessionmaker[Session],
    *,
    task_id: str | None = None,
    queue: str = "intake",
    kind: str = "complete_intake",
    patient: tuple[str, str] = ("Ada", "Quill"),
    priority: int = 3,
    due_in_days: float = 1,
    payer: str = "medicare",
    claim_id: str | None = None,
    amount: int = 0,
    assignee: str | None = None,
) -> str:
    """A task as the engine would write it (episode and patient included)."""
    task_id = task_id or f"t-{uuid.uuid4().hex[:8]}"
    episode_id = f"E-{task_id}"
    with sessions() as s, s.begin():
        episode_repo.create_patient(
            s, patient_id=f"P-{task_id}", first_name=patient[0], last_name=patient[1]
        )
        episode_repo.create_episode(
            s,
            episode_id=episode_id,
            patient_id=f"P-{task_id}",
            payer_id=payer,
            program="psychiatric",
            admit_date=date(2026, 11, 1),
        )
        task_repo.open_task(
            s,
            task_repo.TaskRow(
                id=task_id,
                kind=kind,
                queue=queue,
                title=f"Complete intake for {episode_id}",
                form_schema="intake",
                priority=priority,
                due_at=utcnow() + timedelta(days=due_in_days),
                episode_id=episode_id,
                claim_id=claim_id,
                payer_id=payer,
                amount_at_risk_cents=amount,
                reason="The episode was registered without a member id.",
            ),
        )
        if assignee:
            task_repo.record_transition(
                s,
                task_id,
                key=f"{task_id}:claim:{assignee}",
                event="claimed",
                actor=assignee,
                status="claimed",
                assignee=assignee,
            )
    return task_id


@dataclass
class FakeGateway:
    """Plays the HumanTaskWorkflow's part: same rules, writes the read model like its activity."""

    sessions: sessionmaker[Session]
    calls: list[tuple[str, str]] = field(default_factory=list)
    processing: bool = False

    def _row(self, task_id: str) -> Any:
        with self.sessions() as s:
            return task_repo.get(s, task_id)

    def _move(self, task_id: str, event: str, actor: str, status: str, **kw: Any) -> TaskOutcome:
        with self.sessions() as s, s.begin():
            task_repo.record_transition(
                s,
                task_id,
                key=f"{task_id}:{event}:{uuid.uuid4().hex}",
                event=event,
                actor=actor,
                status=status,
                **kw,
            )
        row = self._row(task_id)
        return TaskOutcome(
            ok=True,
            result=TaskResult(
                task_id=task_id,
                status=TaskStatus(row.status),
                assignee=row.assignee,
                queue=row.queue,
                priority=row.priority,
            ),
        )

    def _fail(self, error: ErrorType, message: str, **kw: Any) -> TaskOutcome:
        return TaskOutcome(ok=False, error_type=error, message=message, **kw)

    async def claim(self, task_id: str, user: str) -> TaskOutcome:
        self.calls.append(("claim", task_id))
        row = self._row(task_id)
        if row.status != "open":
            return self._fail(
                ErrorType.TASK_NOT_OPEN, f"This task is already claimed by {row.assignee}."
            )
        return self._move(task_id, "claimed", user, "claimed", assignee=user)

    async def release(self, task_id: str, user: str, roles: tuple[str, ...]) -> TaskOutcome:
        self.calls.append(("release", task_id))
        row = self._row(task_id)
        if row.status != "claimed":
            return self._fail(ErrorType.TASK_NOT_OPEN, "This task is not claimed.")
        if row.assignee != user and "supervisor" not in roles:
            return self._fail(
                ErrorType.TASK_NOT_HELD,
                f"Only {row.assignee} or a supervisor can release this task.",
            )
        return self._move(task_id, "released", user, "open", assignee=None)

    async def reassign(self, task_id: str, inp: ReassignTaskInput) -> TaskOutcome:
        self.calls.append(("reassign", task_id))
        row = self._row(task_id)
        if row.status not in ("open", "claimed"):
            return self._fail(ErrorType.TASK_COMPLETED, "This task was already completed.")
        if "supervisor" not in inp.roles:
            return self._fail(ErrorType.NOT_ALLOWED, "Only a supervisor can reassign tasks.")
        status = "claimed" if inp.to_user else ("open" if inp.to_queue else row.status)
        assignee = inp.to_user or (None if inp.to_queue else row.assignee)
        return self._move(
            task_id,
            "reassigned",
            inp.user,
            status,
            assignee=assignee,
            queue=inp.to_queue,
            priority=inp.priority,
        )

    async def complete(self, task_id: str, user: str, data: dict[str, Any]) -> TaskOutcome:
        self.calls.append(("complete", task_id))
        if self.processing:
            return TaskOutcome(
                ok=False,
                error_type="processing",
                message="Still processing: the answer will show when it arrives. "
                "Submitting again is safe.",
            )
        row = self._row(task_id)
        if row.status != "claimed" or row.assignee != user:
            return self._fail(ErrorType.TASK_NOT_HELD, "Claim this task before completing it.")
        if not data.get("member_id"):
            return self._fail(
                ErrorType.FORM_INVALID, "form invalid", field_errors={"member_id": "is required"}
            )
        return self._move(task_id, "completed", user, "completed", assignee=user, result=data)


@dataclass
class FakeEpisodes:
    """Plays the EpisodeWorkflow's validator and the rules engine's headline answer."""

    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    seen_days: dict[tuple[str, str], DocumentDayInput] = field(default_factory=dict)
    stage: Stage = Stage.ACTIVE  # where coverage_changed finds the episode

    async def start(self, inp: StartEpisodeInput) -> str:
        self.calls.append(("start", inp.episode_id, inp))
        return f"episode:{inp.episode_id}"

    def _check(self, doc: DocumentDayInput) -> EpisodeOutcome | None:
        raw = str(doc.day.get("date", ""))
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            return EpisodeOutcome(
                ok=False, message="invalid", field_errors={"date": "must be a date YYYY-MM-DD"}
            )
        if day > date.today():
            return EpisodeOutcome(
                ok=False, message="invalid", field_errors={"date": f"{day} is in the future"}
            )
        if not doc.day.get("services"):
            return EpisodeOutcome(
                ok=False, message="invalid", field_errors={"services": "document one service"}
            )
        return None

    def _summary(self, doc: DocumentDayInput) -> DaySummary:
        minutes = sum(int(s["minutes"]) for s in doc.day["services"])
        if minutes >= 180:
            return DaySummary(
                date=doc.day["date"], minutes=minutes, charges=["S9480 × 1 (per diem)"]
            )
        return DaySummary(
            date=doc.day["date"],
            minutes=minutes,
            not_billed=[f"{minutes} minutes is below the per-diem threshold"],
        )

    async def preview_day(self, episode_id: str, doc: DocumentDayInput) -> EpisodeOutcome:
        self.calls.append(("preview_day", episode_id, doc))
        return self._check(doc) or EpisodeOutcome(ok=True, day=self._summary(doc))

    async def document_day(self, episode_id: str, doc: DocumentDayInput) -> EpisodeOutcome:
        self.calls.append(("document_day", episode_id, doc))
        failed = self._check(doc)
        if failed:
            return failed
        key = (episode_id, str(doc.day["date"]))
        first = self.seen_days.setdefault(key, doc)
        return EpisodeOutcome(ok=True, day=self._summary(first))

    def _status(self, episode_id: str) -> EpisodeOutcome:
        return EpisodeOutcome(
            ok=True, status=EpisodeStatus(episode_id=episode_id, stage=Stage.ACTIVE)
        )

    async def record_attendance(self, episode_id: str, day: str, user: str) -> EpisodeOutcome:
        self.calls.append(("record_attendance", episode_id, day))
        if day > date.today().isoformat():
            return EpisodeOutcome(
                ok=False, message="invalid", field_errors={"date": "in the future"}
            )
        return self._status(episode_id)

    async def discharge(self, episode_id: str, day: str, user: str) -> EpisodeOutcome:
        self.calls.append(("discharge", episode_id, day))
        return self._status(episode_id)

    async def enter_authorization(
        self, episode_id: str, inp: EnterAuthorizationInput, key: str
    ) -> EpisodeOutcome:
        """The validator's field rules; one answer per Update id ``auth:{episode}:{key}``."""
        self.calls.append(("enter_authorization", f"auth:{episode_id}:{key}", inp))
        errors = entry_errors(inp)
        if errors:
            return EpisodeOutcome(ok=False, message="invalid", field_errors=errors)
        answer = AuthorizationStatus(approved=inp.status != "denied", number=inp.number)
        return EpisodeOutcome(ok=True, authorization=answer)

    async def coverage_changed(self, episode_id: str, inp: CoverageChangedInput) -> EpisodeOutcome:
        self.calls.append(("coverage_changed", episode_id, inp))
        status = EpisodeStatus(episode_id=episode_id, stage=self.stage)
        return EpisodeOutcome(ok=True, status=status)


@pytest.fixture
def gateway(web_sessions: sessionmaker[Session]) -> FakeGateway:
    return FakeGateway(web_sessions)


@pytest.fixture
def episodes() -> FakeEpisodes:
    return FakeEpisodes()


@pytest.fixture
async def app_client(
    web_sessions: sessionmaker[Session], gateway: FakeGateway, episodes: FakeEpisodes
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings(), sessions=web_sessions, gateway=gateway, episode_gateway=episodes)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> Any:
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
    )


class Browser:
    """A logged-in client that knows its CSRF token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.token = ""

    async def login(self, username: str) -> Browser:
        """Through the login form (argon2 verify: about a second on a busy machine)."""
        self.client.cookies.clear()
        response = await login(self.client, username)
        assert response.status_code == 303, response.text
        landing = await self.client.get(response.headers["location"])
        self.token = csrf_of(landing.text)
        return self

    def enter(self, sessions: sessionmaker[Session], username: str) -> Browser:
        """A session row and its signed cookie, as a login makes them, without the hashing."""
        with sessions() as s, s.begin():
            sid = security.start_session(s, username)
        signer = security.Signer(settings().secret_key)
        self.client.cookies.clear()
        self.client.cookies.set(security.SESSION_COOKIE, signer.sign(sid))
        self.token = signer.csrf_token(sid)
        return self

    async def get(self, url: str, **kw: Any) -> Any:
        return await self.client.get(url, **kw)

    async def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        return await self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kw)


@pytest.fixture
def as_role(app_client: httpx.AsyncClient, web_sessions: sessionmaker[Session]) -> Any:
    async def make(username: str) -> Browser:
        return Browser(app_client).enter(web_sessions, username)

    return make
