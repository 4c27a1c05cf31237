"""Admin: users and roles. (Payers, rule-set versions and clearinghouse status: later issue.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from models.db import users as user_repo
from web import admin_users
from web.access import ADMINS
from web.deps import Db, require
from web.render import render
from web.security import CurrentUser, audit

router = APIRouter(prefix="/admin")
Admin = Annotated[CurrentUser, Depends(require(ADMINS))]


def _page(
    request: Request, db: Db, *, error: str = "", flash: str = "", status: int = 200
) -> Response:
    ctx = {
        "users": user_repo.list_users(db),
        "roles": user_repo.ROLES,
        "error": error,
        "flash": flash,
    }
    return render(request, "admin_users.html", ctx, status_code=status)


@router.get("/users")
def users(request: Request, db: Db, user: Admin) -> Response:
    return _page(request, db)


@router.post("/users")
async def create(request: Request, db: Db, user: Admin) -> Response:
    form = await request.form()
    text = {k: str(form.get(k, "")).strip() for k in ("username", "display_name", "team")}
    roles = [str(r) for r in form.getlist("roles")]
    try:
        with db.begin_nested():
            user_repo.create_user(
                db,
                username=text["username"],
                password=str(form.get("password", "")),
                roles=roles,
                display_name=text["display_name"],
                team=text["team"] or "billing",
            )
    except user_repo.UserError as exc:
        return _page(request, db, error=str(exc), status=422)
    audit(db, user.username, "admin", patient_id=None, target=f"user:{text['username']}:create")
    return _page(request, db, flash=f"User {text['username']} created.")


@router.post("/users/{username}/roles")
async def roles(request: Request, db: Db, user: Admin, username: str) -> Response:
    form = await request.form()
    try:
        admin_users.set_roles(db, username, [str(r) for r in form.getlist("roles")])
    except user_repo.UserError as exc:
        return _page(request, db, error=str(exc), status=422)
    audit(db, user.username, "admin", patient_id=None, target=f"user:{username}:roles")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}/active")
async def active(request: Request, db: Db, user: Admin, username: str) -> Response:
    form = await request.form()
    on = form.get("active") == "1"
    if username == user.username and not on:
        return _page(request, db, error="You cannot deactivate yourself.", status=422)
    admin_users.set_active(db, username, on)
    audit(
        db,
        user.username,
        "admin",
        patient_id=None,
        target=f"user:{username}:{'activate' if on else 'deactivate'}",
    )
    return RedirectResponse("/admin/users", status_code=303)
