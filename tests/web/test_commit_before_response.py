"""A response leaves only after its request's writes are committed: the browser follows a
redirect at once, and the next request must see what the last one wrote."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.db.web_tables import WebSession
from tests.web.conftest import FakeEpisodes, FakeGateway, login, settings
from web.app import create_app


async def test_the_login_redirect_leaves_after_the_session_row_is_committed(
    web_sessions: sessionmaker[Session], gateway: FakeGateway, episodes: FakeEpisodes
) -> None:
    app = create_app(settings(), sessions=web_sessions, gateway=gateway, episode_gateway=episodes)
    sessions_seen: list[int] = []

    async def watched(scope: Any, receive: Any, send: Any) -> None:
        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start" and scope["method"] == "POST":
                with web_sessions() as s:  # another connection, as the next request's
                    sessions_seen.append(s.scalar(select(func.count()).select_from(WebSession)))
            await send(message)

        await app(scope, receive, sending)

    transport = httpx.ASGITransport(app=watched)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await login(client, "biller")
    assert response.status_code == 303
    assert sessions_seen == [1]
