"""Supervisor console: stuck episodes, SLA breaches, work by queue and age, drill-downs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from models.db.base import utcnow
from web import console
from web.access import SUPERVISORS
from web.deps import AppSettings, Db, require
from web.render import render
from web.security import CurrentUser
from web.views import assignable_users

router = APIRouter(prefix="/supervisor")
Supervisor = Annotated[CurrentUser, Depends(require(SUPERVISORS))]
STUCK_DAYS = 3.0


@router.get("")
def dashboard(
    request: Request, db: Db, user: Supervisor, settings: AppSettings, days: float = STUCK_DAYS
) -> Response:
    now, day = utcnow(), settings.day_seconds
    ctx = {
        "days": days,
        "stuck": console.stuck_by_stage(db, now=now, days=days, day_seconds=day),
        "escalations": console.escalations(db, now=now),
        "queues": console.work_by_queue_and_age(db, now=now, day_seconds=day),
        "pending": console.PENDING_FIGURES,
    }
    return render(request, "supervisor.html", ctx)


@router.get("/stuck")
def stuck(
    request: Request,
    db: Db,
    user: Supervisor,
    settings: AppSettings,
    stage: str = "",
    days: float = STUCK_DAYS,
) -> Response:
    rows = console.stuck_list(
        db, now=utcnow(), days=days, day_seconds=settings.day_seconds, stage=stage
    )
    return render(request, "supervisor_stuck.html", {"rows": rows, "stage": stage, "days": days})


@router.get("/tasks")
def tasks(
    request: Request,
    db: Db,
    user: Supervisor,
    settings: AppSettings,
    queue: str = "",
    age: str = "",
    level: int | None = None,
    overdue: bool = False,
    episode: str = "",
) -> Response:
    rows = console.task_list(
        db,
        now=utcnow(),
        day_seconds=settings.day_seconds,
        queue=queue,
        age=age,
        level=level,
        overdue=overdue,
        episode=episode,
    )
    heading = (
        " · ".join(
            part
            for part in (
                queue and f"queue {queue}",
                age and f"age {age} days",
                level is not None and f"escalation level {level}",
                overdue and "past due",
                episode and f"episode {episode}",
            )
            if part
        )
        or "all open tasks"
    )
    ctx = {"rows": rows, "heading": heading, "assignable": assignable_users(db)}
    return render(request, "supervisor_tasks.html", ctx)
