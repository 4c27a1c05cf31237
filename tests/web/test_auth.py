"""Login, logout, session cookie flags, rate limiting, deactivation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.db.tables import AuditLog
from tests.web.conftest import PASSWORD, Browser, csrf_of, login
from web import admin_users


async def test_login_sets_an_httponly_samesite_lax_cookie_and_lands_on_the_inbox(
    app_client: Any,
) -> None:
    response = await login(app_client, "biller")
    assert response.status_code == 303 and response.headers["location"] == "/inbox"
    cookie = next(h for h in response.headers.get_list("set-cookie") if "iop_session=" in h)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert (await app_client.get("/inbox")).status_code == 200


async def test_an_admin_lands_on_the_users_page(app_client: Any) -> None:
    response = await login(app_client, "admin")
    assert response.headers["location"] == "/admin/users"


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(
    app_client: Any,
) -> None:
    response = await login(app_client, "biller", "not-the-password")
    assert response.status_code == 401 and "Wrong username or password." in response.text
    assert (await app_client.get("/inbox")).headers["location"] == "/login"


async def test_login_without_the_form_token_is_refused(app_client: Any) -> None:
    await app_client.get("/login")
    response = await app_client.post("/login", data={"username": "biller", "password": PASSWORD})
    assert response.status_code == 403


async def test_five_failures_lock_that_username_from_that_address_for_a_while(
    app_client: Any,
) -> None:
    for _ in range(5):
        assert (await login(app_client, "biller", "wrong-password")).status_code == 401
    locked = await login(app_client, "biller", PASSWORD)  # even the right password waits
    assert locked.status_code == 429 and "Too many failed logins" in locked.text
    other = await login(app_client, "supervisor", PASSWORD)  # other accounts are unaffected
    assert other.status_code == 303


async def test_logout_ends_the_session_on_the_server(
    app_client: Any, web_sessions: sessionmaker[Session]
) -> None:
    browser = Browser(app_client).enter(web_sessions, "biller")
    cookie = app_client.cookies.get("iop_session")
    assert (await browser.post("/logout")).headers["location"] == "/login"
    app_client.cookies.set("iop_session", cookie)  # a copied cookie is dead too
    assert (await app_client.get("/inbox")).headers["location"] == "/login"


async def test_deactivating_a_user_ends_their_open_sessions(
    app_client: Any, web_sessions: sessionmaker[Session]
) -> None:
    Browser(app_client).enter(web_sessions, "biller")
    assert (await app_client.get("/inbox")).status_code == 200
    with web_sessions() as s, s.begin():
        admin_users.set_active(s, "biller", False)
    assert (await app_client.get("/inbox")).headers["location"] == "/login"


async def test_login_is_audited(app_client: Any, web_sessions: sessionmaker[Session]) -> None:
    page = await app_client.get("/login")
    await app_client.post(
        "/login",
        data={"username": "biller", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    with web_sessions() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.username == "biller")).all()
    assert "login" in actions
