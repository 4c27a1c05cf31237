"""The web app: factory with a lifespan that builds the database and Temporal client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from iopbill.client import connect
from iopbill.settings import Settings, get_settings
from models.db import tasks as task_repo
from models.db.engine import make_engine, make_sessionmaker
from web.deps import EpisodeActions, Forbidden, LoginRequired, TaskActions
from web.episode_gateway import EpisodeGateway
from web.gateway import ClosedTaskExplainer, TaskGateway, explain_closed_row
from web.render import is_htmx, render
from web.routes import (
    admin,
    admin_system,
    api,
    auth,
    codec,
    episodes,
    inbox,
    supervisor,
    tasks,
)
from web.security import Signer

STATIC = Path(__file__).parent / "static"


def closed_explainer(sessions: sessionmaker[Session]) -> ClosedTaskExplainer:
    """Reads the read model to say why a task whose workflow has closed cannot change."""

    def explain(task_id: str) -> tuple[str, str]:
        with sessions() as session:
            row = task_repo.get(session, task_id)
            if row is None:
                return explain_closed_row(None, None, None)
            return explain_closed_row(row.status, row.completed_by, row.withdrawn_reason)

    return explain


def create_app(
    settings: Settings | None = None,
    *,
    sessions: sessionmaker[Session] | None = None,
    client: Client | None = None,
    gateway: TaskActions | None = None,
    episode_gateway: EpisodeActions | None = None,
) -> FastAPI:
    """Build the app. Tests inject ``sessions`` and ``client`` (or fake gateways)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        if getattr(app.state, "sessions", None) is None:
            engine = make_engine(settings.database_url)
            app.state.sessions = make_sessionmaker(engine)
        needs_tasks = getattr(app.state, "gateway", None) is None
        if needs_tasks or getattr(app.state, "episodes", None) is None:
            temporal = await connect(settings)
            if needs_tasks:
                app.state.gateway = TaskGateway(temporal, closed_explainer(app.state.sessions))
            if getattr(app.state, "episodes", None) is None:
                app.state.episodes = EpisodeGateway(temporal, settings.task_queue)
        try:
            yield
        finally:
            if engine is not None:
                engine.dispose()

    app = FastAPI(title="iopbill", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.signer = Signer(settings.secret_key)
    app.state.sessions = sessions
    app.state.gateway = gateway
    if gateway is None and client is not None and sessions is not None:
        app.state.gateway = TaskGateway(client, closed_explainer(sessions))
    app.state.episodes = episode_gateway
    if episode_gateway is None and client is not None:
        app.state.episodes = EpisodeGateway(client, settings.task_queue)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, inbox, tasks, episodes, api, supervisor, admin, admin_system, codec):
        app.include_router(module.router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(api.ApiError, _api_error)
    return app


async def _login_required(request: Request, exc: Exception) -> Response:
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": "/login"})
    if request.url.path.startswith("/codec/"):
        return Response(status_code=401)
    return RedirectResponse("/login", status_code=303)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, api.ApiError)
    return exc.response()


async def _forbidden(request: Request, exc: Exception) -> Response:
    message = exc.message if isinstance(exc, Forbidden) else "Forbidden."
    return render(
        request, "error.html", {"heading": "Not allowed", "message": message}, status_code=403
    )


def serve(settings: Settings) -> None:
    """``iopbill web``: serve on ``settings.web_host:web_port``."""
    uvicorn.run(create_app(settings), host=settings.web_host, port=settings.web_port)
