"""Access matrix: each role × each route is allowed or refused; POSTs need the CSRF token."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import ROLES, add_task

WORK = {"intake", "biller", "supervisor"}  # roles whose queues hold the intake task
STAFF = {"intake", "clinician", "biller", "supervisor"}
SUP = {"supervisor"}
ADM = {"admin"}
ALL = set(ROLES)
PROG = {"intake", "clinician", "supervisor", "admin"}  # program staff screens
PVIEW = PROG | {"biller"}  # the episode page
COV = {"intake", "biller", "supervisor"}  # authorizations and coverage on the episode page
JSON = {"content-type": "application/json"}

# (method, path, roles allowed, form or json)
ROUTES: list[tuple[str, str, set[str], dict[str, Any] | None]] = [
    ("GET", "/", ALL, None),
    ("GET", "/inbox", STAFF, None),
    ("POST", "/inbox", STAFF, {}),
    ("POST", "/inbox/list", STAFF, {}),
    ("GET", "/inbox/pulse?since=x", STAFF, None),
    ("POST", "/inbox/rows/{task}/claim", STAFF, {}),
    ("POST", "/inbox/views", STAFF, {"view_name": "mine"}),
    ("POST", "/inbox/views/999/delete", STAFF, {}),
    ("POST", "/inbox/bulk", SUP, {"action": "release", "task_ids": "{task}"}),
    ("GET", "/tasks/{task}", WORK, None),
    ("POST", "/tasks/{task}/claim", WORK, {}),
    ("POST", "/tasks/{task}/release", WORK, {}),
    ("POST", "/tasks/{task}/complete", WORK, {"member_id": ""}),
    ("POST", "/tasks/{task}/reassign", SUP, {"priority": "2"}),
    ("GET", "/supervisor", SUP, None),
    ("GET", "/supervisor/stuck", SUP, None),
    ("GET", "/supervisor/tasks?queue=intake", SUP, None),
    ("GET", "/supervisor/ar?payer=medicare&bucket=90%2B", SUP, None),
    ("GET", "/supervisor/denials?carc=197", SUP, None),
    ("GET", "/supervisor/clean?clean=0", SUP, None),
    ("GET", "/supervisor/auths", SUP, None),
    ("GET", "/supervisor/unbilled", SUP, None),
    ("GET", "/episodes", PVIEW, None),
    ("GET", "/episodes/new", PROG, None),
    ("POST", "/episodes", PROG, {"first_name": "x"}),
    ("GET", "/episodes/E-{task}", PVIEW, None),
    ("POST", "/episodes/E-{task}/days/preview", PROG, {"date": "2026-11-02"}),
    ("POST", "/episodes/E-{task}/days", PROG, {"date": "2026-11-02"}),
    ("POST", "/episodes/E-{task}/attendance", PROG, {"date": "2026-11-02"}),
    ("POST", "/episodes/E-{task}/discharge", PROG, {"date": "2026-11-02"}),
    ("POST", "/episodes/E-{task}/authorizations", COV, {"status": "approved"}),
    ("POST", "/episodes/E-{task}/coverage/primary", COV, {"member_id": ""}),
    ("POST", "/episodes/E-{task}/coverage/secondary", COV, {"member_id": ""}),
    ("POST", "/episodes/E-{task}/coverage/secondary/delete", COV, {}),
    ("GET", "/admin/tokens", ADM, None),
    ("POST", "/admin/tokens", ADM, {"name": "ehr"}),
    ("POST", "/admin/tokens/999/revoke", ADM, {}),
    ("GET", "/admin/payers", ADM, None),
    ("GET", "/admin/payers/rulesets/medicare_2026.toml", ADM, None),
    ("GET", "/admin/payers/commercial_alpha/versions/new", ADM, None),
    ("POST", "/admin/payers/commercial_alpha/versions", ADM, {"text": "id = 1"}),
    ("GET", "/admin/payers/commercial_alpha/versions/2026.1", ADM, None),
    ("GET", "/admin/clearinghouse", ADM, None),
    ("GET", "/admin/users", ADM, None),
    ("POST", "/admin/users", ADM, {"username": "newbie", "password": "short"}),
    ("POST", "/admin/users/biller2/roles", ADM, {"roles": "biller"}),
    ("POST", "/admin/users/biller2/active", ADM, {"active": "1"}),
    ("POST", "/logout", ALL, {}),
]


async def _call(browser: Any, method: str, path: str, data: dict[str, Any] | None) -> Any:
    if method == "GET":
        return await browser.get(path)
    return await browser.post(path, data)


@pytest.mark.parametrize(("method", "path", "allowed", "data"), ROUTES, ids=[r[1] for r in ROUTES])
async def test_every_role_is_allowed_or_refused_as_the_matrix_says(
    web_sessions: sessionmaker[Session],
    as_role: Any,
    method: str,
    path: str,
    allowed: set[str],
    data: dict[str, Any] | None,
) -> None:
    for role in ROLES:
        task = add_task(web_sessions, queue="intake")
        url = path.replace("{task}", task)
        form = {k: v.replace("{task}", task) for k, v in (data or {}).items()}
        response = await _call(await as_role(role), method, url, form)
        location = response.headers.get("location", "")
        if role in allowed:
            assert response.status_code not in (401, 403), (role, url, response.status_code)
            assert response.status_code < 500, (role, url)
            assert location != "/login" or url == "/logout", (role, url)
        else:
            assert response.status_code == 403, (role, url, response.status_code)


@pytest.mark.parametrize(("method", "path", "allowed", "data"), ROUTES, ids=[r[1] for r in ROUTES])
async def test_without_a_session_every_route_sends_you_to_login(
    web_sessions: sessionmaker[Session],
    app_client: Any,
    method: str,
    path: str,
    allowed: set[str],
    data: dict[str, Any] | None,
) -> None:
    url = path.replace("{task}", "t-x")
    response = await (app_client.get(url) if method == "GET" else app_client.post(url, data=data))
    assert response.status_code == 303 and response.headers["location"] == "/login"


@pytest.mark.parametrize(
    ("method", "path", "allowed", "data"),
    [r for r in ROUTES if r[0] == "POST"],
    ids=[r[1] for r in ROUTES if r[0] == "POST"],
)
async def test_a_post_without_the_csrf_token_is_refused(
    web_sessions: sessionmaker[Session],
    as_role: Any,
    method: str,
    path: str,
    allowed: set[str],
    data: dict[str, Any] | None,
) -> None:
    task = add_task(web_sessions)
    role = sorted(allowed)[0]
    browser = await as_role(role)
    url = path.replace("{task}", task)
    response = await browser.client.post(url, data={k: v for k, v in (data or {}).items()})
    assert response.status_code == 403
    forged = await browser.client.post(url, data={**(data or {}), "csrf_token": "0" * 64})
    assert forged.status_code == 403


async def test_an_htmx_request_without_a_session_is_told_to_go_to_login(app_client: Any) -> None:
    response = await app_client.post("/inbox/list", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"


async def test_a_clinician_cannot_open_a_task_outside_their_queues(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    task = add_task(web_sessions, queue="intake")
    assert (await (await as_role("clinician")).get(f"/tasks/{task}")).status_code == 403
    assert (await (await as_role("biller")).get(f"/tasks/{task}")).status_code == 200
