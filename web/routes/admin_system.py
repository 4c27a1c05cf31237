"""Admin: API tokens for the EHR, payers and rule-set files, clearinghouse status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from models.db import reports
from web import admin_system, api_tokens
from web.access import ADMINS
from web.deps import AppSettings, Db, Forbidden, require
from web.render import render
from web.security import CurrentUser, audit

router = APIRouter(prefix="/admin")
Admin = Annotated[CurrentUser, Depends(require(ADMINS))]


def _tokens(request: Request, db: Db, *, new_token: str = "", error: str = "") -> Response:
    ctx = {"tokens": api_tokens.list_tokens(db), "new_token": new_token, "error": error}
    return render(request, "admin_tokens.html", ctx, status_code=422 if error else 200)


@router.get("/tokens")
def tokens(request: Request, db: Db, user: Admin) -> Response:
    return _tokens(request, db)


@router.post("/tokens")
async def create_token(request: Request, db: Db, user: Admin) -> Response:
    form = await request.form()
    name = str(form.get("name", "")).strip()
    if not name:
        return _tokens(request, db, error="Name the token after the system that will use it.")
    row, token = api_tokens.create(db, name=name, created_by=user.username)
    audit(db, user.username, "admin", patient_id=None, target=f"api_token:{row.id}:create")
    return _tokens(request, db, new_token=token)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(request: Request, db: Db, user: Admin, token_id: int) -> Response:
    if api_tokens.revoke(db, token_id):
        audit(db, user.username, "admin", patient_id=None, target=f"api_token:{token_id}:revoke")
    return RedirectResponse("/admin/tokens", status_code=303)


@router.get("/payers")
def payers(request: Request, db: Db, user: Admin) -> Response:
    ctx = {"seen": reports.payers_seen(db), "files": admin_system.rule_set_files()}
    return render(request, "admin_payers.html", ctx)


@router.get("/payers/rulesets/{filename}")
def rule_set(request: Request, user: Admin, filename: str) -> Response:
    found = admin_system.rule_set_file(filename)
    if found is None:
        raise Forbidden("No such rule-set file.")
    return render(request, "admin_ruleset.html", {"f": found})


@router.get("/clearinghouse")
def clearinghouse(request: Request, db: Db, user: Admin, settings: AppSettings) -> Response:
    ctx = {
        "adapter": settings.clearinghouse,
        "filedrop_dir": settings.filedrop_dir,
        "outbound": reports.x12_recent(db, direction="out"),
        "inbound": reports.x12_recent(db, direction="in"),
        "counts": reports.x12_status_counts(db),
    }
    return render(request, "admin_clearinghouse.html", ctx)
