"""Log in and out. Failed logins are counted per username and address (429 when too many)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from models.db import users as user_repo
from web import security
from web.access import ANY_STAFF, home_for
from web.deps import Db, prelogin_nonce, require
from web.render import render
from web.security import CurrentUser

router = APIRouter()


def _login_page(
    request: Request, nonce: str, *, error: str = "", username: str = "", status_code: int = 200
) -> Response:
    signer = request.app.state.signer
    response = render(
        request,
        "login.html",
        {"error": error, "username": username, "login_csrf": signer.csrf_token("pre:" + nonce)},
        status_code=status_code,
    )
    response.set_cookie(
        security.PRELOGIN_COOKIE, nonce, httponly=True, samesite="lax", max_age=3600
    )
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request, prelogin_nonce(request) or security.new_nonce())


@router.post("/login")
def login(
    request: Request,
    db: Db,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    nonce = prelogin_nonce(request)
    if not nonce or not request.app.state.signer.csrf_ok("pre:" + nonce, csrf_token):
        return _login_page(
            request, security.new_nonce(), error="The form expired; try again.", status_code=403
        )
    ip = request.client.host if request.client else "?"
    if security.too_many_failures(db, username, ip):
        return _login_page(
            request,
            nonce,
            username=username,
            status_code=429,
            error="Too many failed logins. Wait five minutes and try again.",
        )
    user = user_repo.authenticate(db, username, password)
    if user is None:
        security.record_failure(db, username, ip)
        return _login_page(
            request, nonce, username=username, status_code=401, error="Wrong username or password."
        )
    security.clear_failures(db, username, ip)
    sid = security.start_session(db, user.username)
    security.audit(db, user.username, "login", patient_id=None, target="session")
    response = RedirectResponse(home_for(user.role_set), status_code=303)
    response.set_cookie(
        security.SESSION_COOKIE,
        request.app.state.signer.sign(sid),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=security.SESSION_MAX_AGE,
    )
    response.delete_cookie(security.PRELOGIN_COOKIE)
    return response


@router.post("/logout")
def logout(db: Db, user: Annotated[CurrentUser, Depends(require(ANY_STAFF))]) -> Response:
    security.end_session(db, user.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE)
    return response


@router.get("/")
def home(user: Annotated[CurrentUser, Depends(require(ANY_STAFF))]) -> Response:
    return RedirectResponse(home_for(user.roles), status_code=303)
