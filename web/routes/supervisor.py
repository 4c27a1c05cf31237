"""Supervisor console: stuck episodes, SLA breaches, work by queue and age, drill-downs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from models.db import reports
from models.db.base import utcnow
from web import console, finance
from web.access import SUPERVISORS
from web.carc import carc_labels
from web.deps import AppSettings, Db, require
from web.inbox_health import inbox_health
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
        "finance": finance.build(db, now=now, today=now.date(), day_seconds=day),
        "inbox": inbox_health(db, settings, now),
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


@router.get("/ar")
def ar(
    request: Request,
    db: Db,
    user: Supervisor,
    settings: AppSettings,
    payer: str = "",
    bucket: str = "",
) -> Response:
    rows = reports.ar_claims(
        db, now=utcnow(), day_seconds=settings.day_seconds, payer_id=payer, bucket=bucket
    )
    heading = " · ".join(p for p in (payer, bucket and f"{bucket} days") if p) or "all payers"
    ctx = {"rows": rows, "heading": heading, "now": utcnow(), "day_seconds": settings.day_seconds}
    return render(request, "supervisor_ar.html", ctx)


@router.get("/denials")
def denials(
    request: Request, db: Db, user: Supervisor, payer: str = "", carc: str = ""
) -> Response:
    rows = reports.denied_claims(db, payer_id=payer, carc=carc)
    heading = " · ".join(p for p in (payer, carc and f"CARC {carc}") if p) or "all denials"
    ctx = {"rows": rows, "heading": heading, "labels": carc_labels()}
    return render(request, "supervisor_denials.html", ctx)


@router.get("/clean")
def clean(
    request: Request, db: Db, user: Supervisor, payer: str = "", clean: int | None = None
) -> Response:
    rows = reports.first_pass_claims(
        db, payer_id=payer, clean=None if clean is None else bool(clean)
    )
    ctx = {"rows": rows, "heading": payer or "all payers", "payer": payer}
    return render(request, "supervisor_clean.html", ctx)


@router.get("/auths")
def auths(request: Request, db: Db, user: Supervisor) -> Response:
    today = utcnow().date()
    rows = reports.authorizations_running_out(db, today=today)
    return render(request, "supervisor_auths.html", {"rows": rows, "today": today})


@router.get("/unbilled")
def unbilled(request: Request, db: Db, user: Supervisor) -> Response:
    rows = reports.unbilled_charges(db)
    return render(
        request,
        "supervisor_unbilled.html",
        {"rows": rows, "total_cents": sum(c.charge_cents for c in rows)},
    )
