"""EHR JSON API: document a day and record attendance, authenticated by a bearer token.

No session and no CSRF token: a browser never sends the Authorization header on its
own, so a cross-site form cannot ride on it. Errors are JSON naming the field. The
Update ids are the form's (``day:{episode}:{date}``), so a retried call gets the first
answer instead of a second charge.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from models.db.tables import Episode
from models.db.web_tables import ApiToken
from web import api_tokens
from web.deps import Db, Episodes
from web.episode_gateway import EpisodeOutcome
from web.security import audit
from workflows.episode_types import DocumentDayInput

router = APIRouter(prefix="/api")


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or {}

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        body = {"error": self.message, "errors": self.errors}
        return JSONResponse(body, status_code=self.status, headers=headers)


def bearer(request: Request, db: Db) -> ApiToken:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    row = api_tokens.verify(db, token.strip()) if scheme.lower() == "bearer" else None
    if row is None:
        raise ApiError(401, "a valid bearer token is required")
    db.commit()  # the last-use stamp: hold no write lock while the workflow's activities run
    return row


Token = Annotated[ApiToken, Depends(bearer)]


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "the body must be JSON", {"body": "not JSON"}) from None
    if not isinstance(body, dict):
        raise ApiError(422, "the body must be a JSON object", {"body": "must be an object"})
    return body


def _episode(db: Db, episode_id: str) -> Episode:
    episode = db.get(Episode, episode_id)
    if episode is None:
        raise ApiError(404, "no such episode", {"episode_id": "not found"})
    return episode


def _answer(outcome: EpisodeOutcome) -> JSONResponse:
    if outcome.still_processing:
        return JSONResponse({"error": outcome.message, "retry": True}, status_code=202)
    if not outcome.ok:
        errors = outcome.field_errors or {}
        return JSONResponse({"error": outcome.message, "errors": errors}, status_code=422)
    if outcome.day is not None:
        return JSONResponse({"day": dataclasses.asdict(outcome.day)})
    status = dataclasses.asdict(outcome.status) if outcome.status is not None else {}
    return JSONResponse({"status": status})


@router.post("/episodes/{episode_id}/days")
async def document_day(
    request: Request, db: Db, token: Token, episodes: Episodes, episode_id: str
) -> JSONResponse:
    episode = _episode(db, episode_id)
    body = await _body(request)
    day = body.get("day")
    errors: dict[str, str] = {}
    if not isinstance(day, dict):
        errors["day"] = "must be an object with date, program, telehealth and services"
    elif not isinstance(day.get("date"), str):
        errors["date"] = "must be a date YYYY-MM-DD"
    elif not isinstance(day.get("services"), list):
        errors["services"] = "must be a list of services"
    for name in ("note", "signed_by"):
        if not isinstance(body.get(name, ""), str):
            errors[name] = "must be text"
    if errors:
        raise ApiError(422, "invalid day", errors)
    assert isinstance(day, dict)
    doc = DocumentDayInput(
        day=day, note=str(body.get("note", "")), signed_by=str(body.get("signed_by", ""))
    )
    outcome = await episodes.document_day(episode.id, doc)
    audit(
        db,
        f"api:{token.name}",
        "change",
        patient_id=episode.patient_id,
        target=f"episode:{episode.id}:day",
    )
    return _answer(outcome)


@router.post("/episodes/{episode_id}/attendance")
async def attendance(
    request: Request, db: Db, token: Token, episodes: Episodes, episode_id: str
) -> JSONResponse:
    episode = _episode(db, episode_id)
    body = await _body(request)
    day = body.get("date")
    if not isinstance(day, str):
        raise ApiError(422, "invalid attendance", {"date": "must be a date YYYY-MM-DD"})
    user = body.get("user", "")
    outcome = await episodes.record_attendance(
        episode.id, day, user if isinstance(user, str) and user else f"api:{token.name}"
    )
    audit(
        db,
        f"api:{token.name}",
        "change",
        patient_id=episode.patient_id,
        target=f"episode:{episode.id}:attendance",
    )
    return _answer(outcome)
