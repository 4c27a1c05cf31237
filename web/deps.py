"""Request dependencies: database session, current user and role guard (with CSRF)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from iopbill.settings import Settings
from web.access import ADMIN, SUPERVISOR, WORKERS, queues_for
from web.episode_gateway import EpisodeOutcome
from web.gateway import TaskOutcome
from web.security import PRELOGIN_COOKIE, SESSION_COOKIE, CurrentUser, Signer, load_user
from workflows.episode_types import (
    CoverageChangedInput,
    DocumentDayInput,
    EnterAuthorizationInput,
    StartEpisodeInput,
)
from workflows.task_types import ReassignTaskInput


class TaskActions(Protocol):
    """What the pages need from the gateway (``web.gateway.TaskGateway`` or a test fake)."""

    async def claim(self, task_id: str, user: str) -> TaskOutcome: ...

    async def release(self, task_id: str, user: str, roles: tuple[str, ...]) -> TaskOutcome: ...

    async def reassign(self, task_id: str, inp: ReassignTaskInput) -> TaskOutcome: ...

    async def complete(self, task_id: str, user: str, data: dict[str, Any]) -> TaskOutcome: ...


class EpisodeActions(Protocol):
    """What program-staff pages and the EHR API need (``EpisodeGateway`` or a test fake)."""

    async def start(self, inp: StartEpisodeInput) -> str: ...

    async def document_day(self, episode_id: str, doc: DocumentDayInput) -> EpisodeOutcome: ...

    async def preview_day(self, episode_id: str, doc: DocumentDayInput) -> EpisodeOutcome: ...

    async def record_attendance(self, episode_id: str, day: str, user: str) -> EpisodeOutcome: ...

    async def discharge(self, episode_id: str, day: str, user: str) -> EpisodeOutcome: ...

    async def enter_authorization(
        self, episode_id: str, inp: EnterAuthorizationInput, key: str
    ) -> EpisodeOutcome: ...

    async def coverage_changed(
        self, episode_id: str, inp: CoverageChangedInput
    ) -> EpisodeOutcome: ...


class LoginRequired(Exception):
    """Raised by the guard when there is no valid session: the app redirects to /login."""


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def get_db(request: Request) -> Iterator[Session]:
    """One session per request: committed when the handler succeeds, rolled back otherwise."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# scope="function": the commit runs before the response is sent. With the default scope,
# FastAPI runs a yield dependency's exit after the response has left, so a browser that
# followed a redirect at once (login → /inbox) could be served before the login's session
# row was committed, and was sent back to the login page.
Db = Annotated[Session, Depends(get_db, scope="function")]


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings_dep)]


def get_signer(request: Request) -> Signer:
    signer: Signer = request.app.state.signer
    return signer


def get_gateway(request: Request) -> TaskActions:
    gateway: TaskActions = request.app.state.gateway
    return gateway


Gateway = Annotated[TaskActions, Depends(get_gateway)]


def get_episodes(request: Request) -> EpisodeActions:
    episodes: EpisodeActions = request.app.state.episodes
    return episodes


Episodes = Annotated[EpisodeActions, Depends(get_episodes)]


async def csrf_field(request: Request) -> str:
    if request.method != "POST":
        return ""
    header = request.headers.get("X-CSRF-Token", "")
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token", "")
        return value if isinstance(value, str) else ""
    return ""


def current_user(request: Request, db: Db) -> CurrentUser:
    signer = get_signer(request)
    sid = signer.unsign(request.cookies.get(SESSION_COOKIE, ""))
    user = load_user(db, sid) if sid else None
    if user is None:
        raise LoginRequired
    request.state.page = {
        "user": user,
        "csrf_token": signer.csrf_token(user.session_id),
        "my_queues": queues_for(user.roles),
        "is_worker": bool(user.roles & WORKERS),
        "is_supervisor": SUPERVISOR in user.roles,
        "is_admin": ADMIN in user.roles,
    }
    return user


def require(
    roles: frozenset[str],
) -> Callable[..., Coroutine[Any, Any, CurrentUser]]:
    """A guard admitting ``roles``; on POST it also checks the CSRF token."""

    async def guard(
        request: Request, user: Annotated[CurrentUser, Depends(current_user)]
    ) -> CurrentUser:
        if request.method == "POST":
            token = await csrf_field(request)
            if not get_signer(request).csrf_ok(user.session_id, token):
                raise Forbidden("This form has expired or did not come from iopbill. Reload.")
        if not roles & user.roles:
            raise Forbidden("Your role does not give access to this page.")
        return user

    return guard


def prelogin_nonce(request: Request) -> str:
    return request.cookies.get(PRELOGIN_COOKIE, "")
