"""The task page: claim, release, reassign, and the form that completes the task."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from models.db import tasks as task_repo
from models.db.tables import Task
from web import carc, inbox, task_page
from web.access import SUPERVISORS, WORKERS
from web.deps import Db, Forbidden, Gateway, require
from web.gateway import TaskOutcome
from web.render import is_htmx, render
from web.security import CurrentUser, audit
from workflows.task_types import ReassignTaskInput

router = APIRouter(prefix="/tasks")
Worker = Annotated[CurrentUser, Depends(require(WORKERS))]
Supervisor = Annotated[CurrentUser, Depends(require(SUPERVISORS))]


def _task(db: Db, user: CurrentUser, task_id: str) -> Task:
    task = task_repo.get(db, task_id)
    if task is None or not task_page.may_see(user, task):
        raise Forbidden("This task does not exist or is not in your queues.")
    return task


def _page(
    request: Request,
    db: Db,
    user: CurrentUser,
    task: Task,
    *,
    outcome: TaskOutcome | None = None,
    values: dict[str, str] | None = None,
    block: str | None = None,
    flash: str = "",
) -> Response:
    view = task_page.load(db, task, values)
    patient_id = view.patient.id if view.patient else None
    audit(db, user.username, "view", patient_id=patient_id, target=f"task:{task.id}")
    ctx = {"v": view, "outcome": outcome, "flash": flash, "codes": carc}
    return render(request, "task.html", ctx, block=block)


@router.get("/{task_id}")
def show(request: Request, db: Db, user: Worker, task_id: str, done: str = "") -> Response:
    flash = f"Task {done} completed. This is the next one." if done else ""
    return _page(request, db, user, _task(db, user, task_id), flash=flash)


@router.post("/{task_id}/claim")
async def claim(request: Request, db: Db, user: Worker, gateway: Gateway, task_id: str) -> Response:
    task = _task(db, user, task_id)
    outcome = await gateway.claim(task.id, user.username)
    db.refresh(task)
    return _page(request, db, user, task, outcome=outcome)


@router.post("/{task_id}/release")
async def release(
    request: Request, db: Db, user: Worker, gateway: Gateway, task_id: str
) -> Response:
    task = _task(db, user, task_id)
    outcome = await gateway.release(task.id, user.username, tuple(sorted(user.roles)))
    db.refresh(task)
    return _page(request, db, user, task, outcome=outcome)


@router.post("/{task_id}/reassign")
async def reassign(
    request: Request, db: Db, user: Supervisor, gateway: Gateway, task_id: str
) -> Response:
    task = _task(db, user, task_id)
    form = await request.form()
    to_user, to_queue, prio = (str(form.get(k, "")) for k in ("to_user", "to_queue", "priority"))
    inp = ReassignTaskInput(
        user=user.username,
        roles=tuple(sorted(user.roles)),
        to_user=to_user or None,
        to_queue=to_queue or None,
        priority=int(prio) if prio.isdigit() else None,
    )
    outcome = await gateway.reassign(task.id, inp)
    db.refresh(task)
    return _page(request, db, user, task, outcome=outcome)


@router.post("/{task_id}/complete")
async def complete(
    request: Request, db: Db, user: Worker, gateway: Gateway, task_id: str
) -> Response:
    """Valid: on to the next task. Invalid or still processing: the form again, explained."""
    task = _task(db, user, task_id)
    view = task_page.load(db, task)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    data = task_page.form_data(view.schema, form) if view.schema else {}
    outcome = await gateway.complete(task.id, user.username, data)
    if not outcome.ok:
        db.refresh(task)
        block = "task_form" if is_htmx(request) else None
        return _page(request, db, user, task, outcome=outcome, values=values, block=block)
    patient_id = view.patient.id if view.patient else None
    audit(db, user.username, "change", patient_id=patient_id, target=f"task:{task.id}:complete")
    nxt = inbox.next_task_id(db, queue=task.queue, username=user.username, exclude=task.id)
    url = f"/tasks/{nxt}?done={task.id}" if nxt else f"/inbox?done={task.id}"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)
