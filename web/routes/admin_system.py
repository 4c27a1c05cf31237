"""Admin: API tokens for the EHR, payers and rule-set versions (view, add one with an
effective date), clearinghouse status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from models import ruleset_catalog
from models.db import reports
from models.db.base import utcnow
from web import admin_system, api_tokens
from web.access import ADMINS
from web.deps import AppSettings, Db, Forbidden, require
from web.inbox_health import inbox_health
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


ADDED = "Rule-set version added."


@router.get("/payers")
def payers(request: Request, db: Db, user: Admin, flash: str = "") -> Response:
    ctx = {
        "seen": reports.payers_seen(db),
        "payers": admin_system.payer_versions(db, utcnow().date()),
        "flash": ADDED if flash == "added" else "",
        "today": utcnow().date().isoformat(),
    }
    return render(request, "admin_payers.html", ctx)


def _versions(db: Db, payer_id: str) -> list[admin_system.PayerVersion]:
    versions = admin_system.payer_versions(db, utcnow().date()).get(payer_id)
    if not versions:
        raise Forbidden("No such payer.")
    return versions


def _new_version_page(
    request: Request, db: Db, payer_id: str, *, text: str | None = None, error: str = ""
) -> Response:
    versions = _versions(db, payer_id)
    base = admin_system.current_version(versions)
    ctx = {
        "payer_id": payer_id,
        "base": base,
        "text": text if text is not None else (base.text if base else ""),
        "error": error,
        "today": utcnow().date().isoformat(),
    }
    return render(request, "admin_ruleset_new.html", ctx, status_code=422 if error else 200)


@router.get("/payers/{payer_id}/versions/new")
def new_version(request: Request, db: Db, user: Admin, payer_id: str) -> Response:
    return _new_version_page(request, db, payer_id)


@router.post("/payers/{payer_id}/versions")
async def add_version(request: Request, db: Db, user: Admin, payer_id: str) -> Response:
    """Validate the TOML with the rule-set parser and store it; refusals show its line."""
    _versions(db, payer_id)
    form = await request.form()
    text = str(form.get("text", "")).replace("\r\n", "\n")
    try:
        rules = ruleset_catalog.add_version(
            db, payer_id, text, today=utcnow().date(), created_by=user.username
        )
    except ruleset_catalog.VersionRefused as exc:
        return _new_version_page(request, db, payer_id, text=text, error=str(exc))
    target = f"ruleset:{payer_id}:{rules.version}:add"
    audit(db, user.username, "admin", patient_id=None, target=target)
    return RedirectResponse("/admin/payers?flash=added", status_code=303)


@router.get("/payers/{payer_id}/versions/{version}")
def added_version(request: Request, db: Db, user: Admin, payer_id: str, version: str) -> Response:
    found = next((v for v in _versions(db, payer_id) if v.version == version), None)
    if found is None:
        raise Forbidden("No such rule-set version.")
    return render(request, "admin_ruleset.html", {"f": found})


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
        "inbox": inbox_health(db, settings, utcnow()),
    }
    return render(request, "admin_clearinghouse.html", ctx)
