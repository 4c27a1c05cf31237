"""The inbox screen: my queues, filters, search (POST), saved views, live pulse, bulk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from models.db.base import utcnow
from web import inbox, views
from web.access import SUPERVISORS, WORKERS
from web.bulk import run_bulk
from web.deps import Db, Gateway, require
from web.render import render
from web.security import CurrentUser

router = APIRouter(prefix="/inbox")
Worker = Annotated[CurrentUser, Depends(require(WORKERS))]
Supervisor = Annotated[CurrentUser, Depends(require(SUPERVISORS))]


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    data["columns"] = [c for c in form.getlist("columns") if isinstance(c, str)]
    return data


@router.get("")
def inbox_page(
    request: Request, db: Db, user: Worker, view: int | None = None, done: str = ""
) -> Response:
    q = views.query_for(db, user, view) if view else inbox.InboxQuery()
    flash = f"Task {done} completed. Nothing else is waiting in that queue." if done else ""
    return render(
        request, "inbox.html", {**views.inbox_context(db, user, q, utcnow()), "flash": flash}
    )


@router.post("")
async def inbox_search(request: Request, db: Db, user: Worker) -> Response:
    """Without JavaScript: the filter form posts here and gets the whole page back."""
    q = inbox.InboxQuery.from_form(await _form(request))
    return render(request, "inbox.html", views.inbox_context(db, user, q, utcnow()))


@router.post("/list")
async def inbox_list(request: Request, db: Db, user: Worker) -> Response:
    """The #task-list fragment, plus out of band the queue counts and the pulse (with the
    stamp read before this list: the pulse moves on only with a list that arrived)."""
    q = inbox.InboxQuery.from_form(await _form(request))
    ctx = views.inbox_context(db, user, q, utcnow())
    oob = {**ctx, "oob": True}
    parts = (
        render(request, "inbox.html", ctx, block="task_list"),
        render(request, "inbox.html", oob, block="queue_counts"),
        render(request, "inbox.html", oob, block="inbox_pulse"),
    )
    return Response(b"".join(bytes(part.body) for part in parts), media_type="text/html")


@router.get("/pulse")
def inbox_pulse(request: Request, db: Db, user: Worker, since: str = "") -> Response:
    """204 while nothing changed; otherwise an ``inbox-changed`` event (the list re-posts).

    The pulse keeps asking from ``since`` until a list answer moves it: a refresh that
    failed (an error, a dropped connection) is asked for again at the next pulse instead
    of leaving a stale list behind a stamp that already moved.
    """
    if inbox.pulse_stamp(db) == since:
        return Response(status_code=204)
    return render(
        request,
        "inbox.html",
        {"stamp": since if since.isdigit() else "0"},
        block="inbox_pulse",
        headers={"HX-Trigger": "inbox-changed"},
    )


@router.post("/rows/{task_id}/claim")
async def claim_row(
    request: Request, db: Db, user: Worker, gateway: Gateway, task_id: str
) -> Response:
    """Claim from the list: the row comes back showing the new holder (or why not)."""
    outcome = await gateway.claim(task_id, user.username)
    db.expire_all()
    row = views.row_for(db, task_id, utcnow())
    if row is None:
        return Response(status_code=204)
    ctx = {"row": row, "q": inbox.InboxQuery(), "row_error": "" if outcome.ok else outcome.message}
    return render(request, "inbox_row.html", ctx)


@router.post("/views")
async def save_view(request: Request, db: Db, user: Worker) -> Response:
    form = await _form(request)
    views.save(db, user, form)
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse("/inbox", status_code=303)
    return render(request, "inbox.html", {"views": views.visible(db, user)}, block="saved_views")


@router.post("/views/{view_id}/delete")
def delete_view(request: Request, db: Db, user: Worker, view_id: int) -> Response:
    views.delete(db, user, view_id)
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse("/inbox", status_code=303)
    return render(request, "inbox.html", {"views": views.visible(db, user)}, block="saved_views")


@router.post("/bulk")
async def bulk(request: Request, db: Db, user: Supervisor, gateway: Gateway) -> Response:
    """One Update per selected task; every failure is listed next to its task."""
    form = await request.form()
    ids = [v for v in form.getlist("task_ids") if isinstance(v, str)]
    result = await run_bulk(gateway, user, ids, {k: str(v) for k, v in form.items()})
    headers = {"HX-Trigger": "inbox-changed"}
    if request.headers.get("HX-Request") != "true":
        ctx = views.inbox_context(db, user, inbox.InboxQuery(), utcnow())
        return render(request, "inbox.html", {**ctx, "bulk": result})
    return render(request, "inbox.html", {"bulk": result}, block="bulk_result", headers=headers)
