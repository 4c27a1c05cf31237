"""Checks behind the EpisodeWorkflow's Update validators (``document_day``,
``record_attendance``, ``discharge``).

Pure: each takes the episode's state and a reader of its business date (read only when a
check needs it: the business clock starts with the run) and raises one non-retryable
``FormInvalid`` ``ApplicationError`` naming the bad field, so the web can show it next to
the input. The authorization entry's checks live in ``workflows.authorization_entry``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date

from temporalio.exceptions import ApplicationError

from workflows.episode_types import (
    DischargeInput,
    DocumentDayInput,
    EpisodeState,
    RecordAttendanceInput,
    Stage,
)
from workflows.errors import ErrorType

Today = Callable[[], date]  # the episode's business date


def day_hash(doc: DocumentDayInput) -> str:
    """What a documented day is compared by: a second, different document is refused."""
    body = json.dumps({"day": doc.day, "note": doc.note}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def check_document_day(s: EpisodeState, inp: DocumentDayInput, today: Today) -> None:
    raw = inp.day.get("date")
    day = parse_date(raw)
    if s.stage in (Stage.CLOSING, Stage.CLOSED) and (
        s.discharge_date is None or day.isoformat() > s.discharge_date
    ):
        raise invalid("date", f"the episode was discharged on {s.discharge_date}")
    if day > today():
        raise invalid("date", f"{day} is in the future")
    if s.facts is not None and day.isoformat() < s.facts.admit_date:
        raise invalid("date", f"{day} is before admission ({s.facts.admit_date})")
    known = s.documented_hash.get(day.isoformat())
    if known is not None and known != day_hash(inp):
        raise invalid("date", f"{day} is already documented; correct it on the claim instead")
    if not isinstance(inp.day.get("services"), list) or not inp.day["services"]:
        raise invalid("services", "document at least one service")


def check_attendance(s: EpisodeState, inp: RecordAttendanceInput, today: Today) -> None:
    day = parse_date(inp.date)
    if day > today():
        raise invalid("date", f"{day} is in the future")
    if s.discharge_date is not None:
        raise invalid("date", f"the episode was discharged on {s.discharge_date}")


def check_discharge(s: EpisodeState, inp: DischargeInput, today: Today) -> None:
    if s.discharge_date is not None:
        raise invalid("date", f"already discharged on {s.discharge_date}")
    day = parse_date(inp.date)
    if day > today():
        raise invalid("date", f"{day} is in the future")
    if s.facts is not None and inp.date < s.facts.admit_date:
        raise invalid("date", f"{day} is before admission ({s.facts.admit_date})")


def parse_date(raw: object) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise invalid("date", f"must be a date YYYY-MM-DD, got {raw!r}") from None


def invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        message, {field: message}, type=ErrorType.FORM_INVALID, non_retryable=True
    )
