"""EHR JSON API: bearer tokens (hashed, revocable), JSON errors naming the field, retries
answered with the first result."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.db.tables import AuditLog
from models.db.web_tables import ApiToken
from tests.web.conftest import FakeEpisodes, add_task
from web import api_tokens


def token(sessions: sessionmaker[Session], name: str = "ehr") -> str:
    with sessions() as s, s.begin():
        _, clear = api_tokens.create(s, name=name, created_by="admin")
    return clear


def body(day: date, minutes: int = 190) -> dict[str, Any]:
    return {
        "day": {
            "date": day.isoformat(),
            "program": "psychiatric",
            "telehealth": "video",
            "services": [{"kind": "group", "minutes": minutes}],
        },
        "note": "Group therapy.",
        "signed_by": "dr-lee",
    }


async def test_a_day_posted_with_a_token_is_documented_and_a_retry_gets_the_first_answer(
    web_sessions: sessionmaker[Session], app_client: httpx.AsyncClient, episodes: FakeEpisodes
) -> None:
    episode = "E-" + add_task(web_sessions)
    auth = {"Authorization": f"Bearer {token(web_sessions)}"}
    url = f"/api/episodes/{episode}/days"
    first = await app_client.post(url, json=body(date.today()), headers=auth)
    assert first.status_code == 200, first.text
    assert first.json()["day"]["charges"] == ["S9480 × 1 (per diem)"]
    again = await app_client.post(url, json=body(date.today(), minutes=200), headers=auth)
    assert again.json() == first.json()
    sent = next(c[2] for c in episodes.calls if c[0] == "document_day")
    assert sent.signed_by == "dr-lee" and sent.day["telehealth"] == "video"
    with web_sessions() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.username == "api:ehr"))
        assert row is not None and row.target == f"episode:{episode}:day"


async def test_without_a_valid_token_the_api_answers_401_in_json(
    web_sessions: sessionmaker[Session], app_client: httpx.AsyncClient
) -> None:
    episode = "E-" + add_task(web_sessions)
    url = f"/api/episodes/{episode}/days"
    for headers in ({}, {"Authorization": "Bearer iop_wrong"}, {"Authorization": "Basic x"}):
        response = await app_client.post(url, json=body(date.today()), headers=headers)
        assert response.status_code == 401 and response.json()["error"]
        assert response.headers["WWW-Authenticate"] == "Bearer"
    clear = token(web_sessions)
    with web_sessions() as s, s.begin():
        row = s.scalar(select(ApiToken))
        assert row is not None and clear not in row.token_hash and row.prefix == clear[:10]
        api_tokens.revoke(s, row.id)
    revoked = await app_client.post(
        url, json=body(date.today()), headers={"Authorization": f"Bearer {clear}"}
    )
    assert revoked.status_code == 401


async def test_api_errors_name_the_field(
    web_sessions: sessionmaker[Session], app_client: httpx.AsyncClient
) -> None:
    episode = "E-" + add_task(web_sessions)
    auth = {"Authorization": f"Bearer {token(web_sessions)}"}
    url = f"/api/episodes/{episode}/days"
    future = await app_client.post(url, json=body(date.today() + timedelta(days=3)), headers=auth)
    assert future.status_code == 422 and "future" in future.json()["errors"]["date"]
    shapeless = await app_client.post(url, json={"day": "monday"}, headers=auth)
    assert shapeless.status_code == 422 and "day" in shapeless.json()["errors"]
    no_services = await app_client.post(
        url, json={"day": {"date": "2026-11-02", "services": "many"}}, headers=auth
    )
    assert no_services.json()["errors"] == {"services": "must be a list of services"}
    not_json = await app_client.post(url, content=b"{", headers=auth)
    assert not_json.status_code == 400
    missing = await app_client.post(
        "/api/episodes/E-none/days", json=body(date.today()), headers=auth
    )
    assert missing.status_code == 404 and missing.json()["errors"] == {"episode_id": "not found"}


async def test_attendance_by_api(
    web_sessions: sessionmaker[Session], app_client: httpx.AsyncClient, episodes: FakeEpisodes
) -> None:
    episode = "E-" + add_task(web_sessions)
    auth = {"Authorization": f"Bearer {token(web_sessions)}"}
    url = f"/api/episodes/{episode}/attendance"
    ok = await app_client.post(url, json={"date": date.today().isoformat()}, headers=auth)
    assert ok.status_code == 200 and ok.json()["status"]["stage"] == "active"
    bad = await app_client.post(url, json={"date": 7}, headers=auth)
    assert bad.status_code == 422 and "date" in bad.json()["errors"]


async def test_the_api_needs_no_csrf_token_but_a_session_cookie_is_not_enough(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    episode = "E-" + add_task(web_sessions)
    browser = await as_role("admin")  # a logged-in browser, no bearer token
    response = await browser.client.post(f"/api/episodes/{episode}/days", json=body(date.today()))
    assert response.status_code == 401
