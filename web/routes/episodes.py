"""Program staff: register a patient and episode, the episode page, document a day with a
live charge preview, record attendance, discharge. URLs carry episode ids only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from models.db import coverages
from models.db.base import utcnow
from web import episode_changes, episode_pages
from web.access import COVERAGE_STAFF, PROGRAM_STAFF, PROGRAM_VIEWERS
from web.carc import carc_label
from web.deps import AppSettings, Db, Episodes, Forbidden, require
from web.episode_gateway import EpisodeOutcome
from web.episode_pages import EpisodeView
from web.render import render
from web.security import CurrentUser, audit
from workflows.episode_types import CoverageChangedInput, Stage, StartEpisodeInput

router = APIRouter(prefix="/episodes")
Staff = Annotated[CurrentUser, Depends(require(PROGRAM_STAFF))]
Viewer = Annotated[CurrentUser, Depends(require(PROGRAM_VIEWERS))]
Coverer = Annotated[CurrentUser, Depends(require(COVERAGE_STAFF))]


def _choices() -> dict[str, Any]:
    return {
        "payers": episode_pages.PAYERS,
        "programs": episode_pages.PROGRAMS,
        "kinds": episode_pages.SERVICE_KINDS,
        "modes": episode_pages.TELEHEALTH,
        "genders": episode_pages.GENDERS,
        "service_rows": episode_pages.SERVICE_ROWS,
    }


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v) for k, v in form.items()}


@router.get("")
def index(request: Request, db: Db, user: Viewer) -> Response:
    rows = episode_pages.recent(db)
    audit(db, user.username, "view", patient_id=None, target="episodes:list")
    return render(request, "episodes.html", {"rows": rows})


@router.get("/new")
def new(request: Request, user: Staff) -> Response:
    ctx = {"values": {"key": episode_pages.new_registration_key()}, "errors": {}, **_choices()}
    return render(request, "episode_new.html", ctx)


@router.post("")
async def create(
    request: Request, db: Db, user: Staff, episodes: Episodes, settings: AppSettings
) -> Response:
    values = await _form(request)
    reg, errors = episode_pages.parse_registration(values)
    if errors:
        ctx = {"values": values, "errors": errors, **_choices()}
        return render(request, "episode_new.html", ctx, status_code=422)
    episode_pages.register(db, reg)
    audit(
        db,
        user.username,
        "change",
        patient_id=reg.patient_id,
        target=f"episode:{reg.episode_id}:register",
    )
    db.commit()  # the workflow's first activity reads these rows
    await episodes.start(
        StartEpisodeInput(
            episode_id=reg.episode_id,
            payer_id=reg.payer_id,
            program=reg.program,
            day_seconds=settings.day_seconds,
        )
    )
    return RedirectResponse(f"/episodes/{reg.episode_id}?flash=registered", status_code=303)


FLASHES = {
    "registered": "Episode registered; eligibility is being checked.",
    "documented": "Day documented.",
    "attendance": "Attendance recorded.",
    "discharged": "Discharge recorded; the episode closes when its claims are resolved.",
    "authorized": "Authorization recorded.",
    "coverage": "Coverage saved.",
    "recheck": "Coverage saved; eligibility is checked again with the new member id.",
    "secondary_removed": "Secondary coverage removed.",
}


def _view(db: Db, user: CurrentUser, episode_id: str) -> EpisodeView:
    view = episode_pages.load(db, episode_id)
    if view is None:
        raise Forbidden("This episode does not exist.")
    return view


def _page(
    request: Request,
    db: Db,
    user: CurrentUser,
    view: EpisodeView,
    *,
    form: dict[str, str] | None = None,
    outcome: EpisodeOutcome | None = None,
    errors: dict[str, str] | None = None,
    flash: str = "",
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    audit(
        db, user.username, "view", patient_id=view.patient.id, target=f"episode:{view.episode.id}"
    )
    values = episode_pages.day_form_values(
        form, today=utcnow().date(), program=view.episode.program
    )
    ctx = {
        "v": view,
        "values": values,
        "errors": errors or {},
        "outcome": outcome,
        "flash": flash,
        "may_act": bool(PROGRAM_STAFF & user.roles),
        "may_cover": bool(COVERAGE_STAFF & user.roles),
        "carc_label": carc_label,
        "auth_statuses": episode_changes.AUTH_STATUSES,
        "auth_stages": episode_changes.AUTH_STAGES,
        "auth_values": episode_changes.authorization_values(None),
        "auth_errors": {},
        "relationships": episode_changes.RELATIONSHIPS,
        "cov_values": _page_values(view),
        "cov_errors": {},
        **_choices(),
        **(extra or {}),
    }
    return render(request, "episode.html", ctx, status_code=status)


@router.get("/{episode_id}")
def show(request: Request, db: Db, user: Viewer, episode_id: str, flash: str = "") -> Response:
    return _page(request, db, user, _view(db, user, episode_id), flash=FLASHES.get(flash, ""))


@router.post("/{episode_id}/days/preview")
async def preview(
    request: Request, db: Db, user: Staff, episodes: Episodes, episode_id: str
) -> Response:
    view = _view(db, user, episode_id)
    form = await _form(request)
    doc, errors = episode_pages.parse_day(form, user.username)
    outcome = None if errors else await episodes.preview_day(view.episode.id, doc)
    if outcome is not None and not outcome.ok:
        errors = {**outcome.field_errors}
    ctx = {"outcome": outcome, "errors": errors, "preview": True}
    return render(request, "episode.html", ctx, block="day_preview")


@router.post("/{episode_id}/days")
async def document(
    request: Request, db: Db, user: Staff, episodes: Episodes, episode_id: str
) -> Response:
    view = _view(db, user, episode_id)
    form = await _form(request)
    doc, errors = episode_pages.parse_day(form, user.username)
    if not doc.signed_by:
        errors["signed"] = "sign the note to document the day"
    if errors:
        return _page(request, db, user, view, form=form, errors=errors, status=422)
    outcome = await episodes.document_day(view.episode.id, doc)
    audit(
        db, user.username, "change", patient_id=view.patient.id, target=f"episode:{episode_id}:day"
    )
    if not outcome.ok:
        status = 202 if outcome.still_processing else 422
        return _page(
            request,
            db,
            user,
            view,
            form=form,
            outcome=outcome,
            errors=outcome.field_errors,
            status=status,
        )
    db.expire_all()
    fresh = _view(db, user, episode_id)
    return _page(request, db, user, fresh, outcome=outcome, flash=FLASHES["documented"])


async def _simple(
    request: Request,
    db: Db,
    user: CurrentUser,
    episode_id: str,
    action: str,
    call: Any,
) -> Response:
    view = _view(db, user, episode_id)
    form = await _form(request)
    day = form.get("date", "").strip()
    outcome: EpisodeOutcome = await call(view.episode.id, day, user.username)
    audit(
        db,
        user.username,
        "change",
        patient_id=view.patient.id,
        target=f"episode:{episode_id}:{action}",
    )
    if not outcome.ok:
        errors = {f"{action}_date": outcome.field_errors.get("date", outcome.message)}
        return _page(request, db, user, view, errors=errors, status=422)
    return RedirectResponse(f"/episodes/{episode_id}?flash={action}", status_code=303)


@router.post("/{episode_id}/attendance")
async def attendance(
    request: Request, db: Db, user: Staff, episodes: Episodes, episode_id: str
) -> Response:
    return await _simple(request, db, user, episode_id, "attendance", episodes.record_attendance)


@router.post("/{episode_id}/discharge")
async def discharge(
    request: Request, db: Db, user: Staff, episodes: Episodes, episode_id: str
) -> Response:
    return await _simple(request, db, user, episode_id, "discharged", episodes.discharge)


@router.post("/{episode_id}/authorizations")
async def enter_authorization(
    request: Request, db: Db, user: Coverer, episodes: Episodes, episode_id: str
) -> Response:
    """Record an authorization (the pending decision, or an extension while active)."""
    view = _view(db, user, episode_id)
    form = await _form(request)
    inp, key, errors = episode_changes.parse_authorization(form, user.username)
    outcome = None
    if not errors:
        outcome = await episodes.enter_authorization(view.episode.id, inp, key)
        audit(
            db,
            user.username,
            "change",
            patient_id=view.patient.id,
            target=f"episode:{episode_id}:authorization",
        )
        if outcome.ok:
            return RedirectResponse(f"/episodes/{episode_id}?flash=authorized", status_code=303)
        errors = dict(outcome.field_errors) or {"stage": outcome.message}
    extra = {"auth_values": episode_changes.authorization_values(form), "auth_errors": errors}
    status = 202 if outcome is not None and outcome.still_processing else 422
    return _page(request, db, user, view, status=status, extra=extra)


@router.post("/{episode_id}/coverage/{which}")
async def edit_coverage(
    request: Request, db: Db, user: Coverer, episodes: Episodes, episode_id: str, which: str
) -> Response:
    """Save the primary or secondary coverage; a new primary member id during eligibility
    makes the episode check again (``coverage_changed`` Update)."""
    if which not in (coverages.PRIMARY, coverages.SECONDARY):
        raise Forbidden("No such coverage.")
    view = _view(db, user, episode_id)
    form = await _form(request)
    edit, errors = episode_changes.parse_coverage(form, which, primary_payer=view.episode.payer_id)
    if errors:
        values = {**_page_values(view), which: form}
        extra = {"cov_values": values, "cov_errors": {which: errors}}
        return _page(request, db, user, view, status=422, extra=extra)
    save = coverages.edit_primary if which == coverages.PRIMARY else coverages.edit_secondary
    change = save(db, view.episode.id, edit)
    if change.changed:
        target = f"episode:{episode_id}:coverage:{which}"
        audit(db, user.username, "change", patient_id=view.patient.id, target=target)
    db.commit()  # the workflow's next 270 reads the new member id
    flash = "coverage"
    if which == coverages.PRIMARY and change.member_id_changed:
        notice = CoverageChangedInput(member_id_changed=True, user=user.username)
        outcome = await episodes.coverage_changed(view.episode.id, notice)
        if outcome.ok and outcome.status is not None and outcome.status.stage is Stage.ELIGIBILITY:
            flash = "recheck"
    return RedirectResponse(f"/episodes/{episode_id}?flash={flash}", status_code=303)


def _page_values(view: EpisodeView) -> dict[str, dict[str, str]]:
    return {
        coverages.PRIMARY: episode_changes.coverage_values(view.coverage),
        coverages.SECONDARY: episode_changes.coverage_values(view.secondary),
    }


@router.post("/{episode_id}/coverage/secondary/delete")
async def remove_secondary(request: Request, db: Db, user: Coverer, episode_id: str) -> Response:
    view = _view(db, user, episode_id)
    if coverages.remove_secondary(db, view.episode.id):
        target = f"episode:{episode_id}:coverage:secondary:remove"
        audit(db, user.username, "change", patient_id=view.patient.id, target=target)
    return RedirectResponse(f"/episodes/{episode_id}?flash=secondary_removed", status_code=303)
