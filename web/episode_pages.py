"""Program-staff screens: the registration form, the day form and the episode page's data.

Forms are parsed into plain values here (errors keyed by field name, as the workflow's
validator keys them); the routes call the gateway and render.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db import billing, coverages
from models.db import episodes as episode_repo
from models.db.billing_tables import (
    AuthorizationRow,
    ChargeRow,
    ClaimRow,
    Coverage,
    DocumentedDay,
)
from models.db.tables import Episode, EpisodeEvent, Patient, Task
from workflows.episode_types import DocumentDayInput

# The shipped payers (models/domain/rulesets/*.toml; the web may not import the domain).
PAYERS: tuple[str, ...] = (
    "medicare",
    "medicaid_state",
    "commercial_alpha",
    "commercial_beta",
    "commercial_gamma",
)
PROGRAMS: tuple[str, ...] = ("psychiatric", "substance_use")
SERVICE_KINDS: tuple[str, ...] = (
    "group",
    "individual",
    "family_with_patient",
    "family_without_patient",
    "crisis",
    "interactive_complexity",
    "em",
)
TELEHEALTH: tuple[str, ...] = ("none", "video", "audio")
SERVICE_ROWS = 5
GENDERS: tuple[str, ...] = ("F", "M", "U")
ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
KEY = re.compile(r"^[0-9a-f]{12}$")


def new_registration_key() -> str:
    """A random key in the form: the ids derive from it, so a double submit is one episode."""
    return secrets.token_hex(6)


@dataclass(frozen=True, kw_only=True)
class Registration:
    key: str
    first_name: str
    last_name: str
    birth_date: date | None
    gender: str
    payer_id: str
    member_id: str
    program: str
    admit_date: date | None
    diagnoses: list[str]

    @property
    def patient_id(self) -> str:
        return f"P-{self.key}"

    @property
    def episode_id(self) -> str:
        return f"E-{self.key}"


def _date(value: str, name: str, errors: dict[str, str]) -> date | None:
    if not value:
        errors[name] = "is required"
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "must be a date YYYY-MM-DD"
        return None


def parse_registration(form: Mapping[str, str]) -> tuple[Registration, dict[str, str]]:
    text = {k: str(form.get(k, "")).strip() for k in form}
    errors: dict[str, str] = {}
    key = text.get("key", "")
    if not KEY.match(key):
        errors["key"] = "this form is stale; reload it"
    for name in ("first_name", "last_name", "member_id"):
        if not text.get(name):
            errors[name] = "is required"
    payer = text.get("payer_id", "")
    if payer not in PAYERS:
        errors["payer_id"] = "choose a payer"
    program = text.get("program", "")
    if program not in PROGRAMS:
        errors["program"] = "choose a program"
    gender = text.get("gender", "U") or "U"
    if gender not in GENDERS:
        errors["gender"] = "choose F, M or U"
    birth = _date(text.get("birth_date", ""), "birth_date", errors)
    admit = _date(text.get("admit_date", ""), "admit_date", errors)
    diagnoses = episode_repo.parse_diagnoses(text.get("diagnoses", ""))
    bad = [d for d in diagnoses if not ICD10.match(d)]
    if not diagnoses:
        errors["diagnoses"] = "enter at least one ICD-10-CM code"
    elif bad:
        errors["diagnoses"] = f"not ICD-10-CM codes: {', '.join(bad)}"
    reg = Registration(
        key=key,
        first_name=text.get("first_name", ""),
        last_name=text.get("last_name", ""),
        birth_date=birth,
        gender=gender,
        payer_id=payer,
        member_id=text.get("member_id", ""),
        program=program,
        admit_date=admit,
        diagnoses=diagnoses,
    )
    return reg, errors


def register(session: Session, reg: Registration) -> Episode:
    """Patient, episode (and its primary coverage) and the intake data: idempotent by key."""
    episode_repo.create_patient(
        session,
        patient_id=reg.patient_id,
        first_name=reg.first_name,
        last_name=reg.last_name,
        birth_date=reg.birth_date,
        gender=reg.gender,
        member_id=reg.member_id,
    )
    episode = episode_repo.create_episode(
        session,
        episode_id=reg.episode_id,
        patient_id=reg.patient_id,
        payer_id=reg.payer_id,
        program=reg.program,
        admit_date=reg.admit_date,
    )
    episode_repo.store_intake(
        session, reg.episode_id, {"diagnosis_codes": ", ".join(reg.diagnoses)}
    )
    return episode


# -- the day form ----------------------------------------------------------------------


def _service(form: Mapping[str, str], i: int, errors: dict[str, str]) -> dict[str, Any] | None:
    kind = str(form.get(f"svc_kind_{i}", "")).strip()
    raw = str(form.get(f"svc_minutes_{i}", "")).strip()
    if not kind and not raw:
        return None
    if kind not in SERVICE_KINDS:
        errors["services"] = f"row {i + 1}: choose a service"
        return None
    try:
        minutes = int(raw)
    except ValueError:
        errors["services"] = f"row {i + 1}: minutes must be a whole number"
        return None
    service: dict[str, Any] = {"kind": kind, "minutes": minutes}
    npi = str(form.get(f"svc_npi_{i}", "")).strip()
    if npi:
        service["clinician_npi"] = npi
    tele = str(form.get(f"svc_tele_{i}", "")).strip()
    if tele and tele in TELEHEALTH:
        service["telehealth"] = tele
    return service


def parse_day(form: Mapping[str, str], user: str) -> tuple[DocumentDayInput, dict[str, str]]:
    """The day form → DocumentDayInput (DAY.json shape) and the errors found before sending."""
    errors: dict[str, str] = {}
    services = [
        s for s in (_service(form, i, errors) for i in range(SERVICE_ROWS)) if s is not None
    ]
    tele = str(form.get("telehealth", "none"))
    program = str(form.get("program", ""))
    if program not in PROGRAMS:
        errors["program"] = "choose a program"
    day = {
        "date": str(form.get("date", "")).strip(),
        "program": program,
        "telehealth": tele if tele in TELEHEALTH else "none",
        "services": services,
    }
    signed = str(form.get("signed", "")) == "1"
    return (
        DocumentDayInput(
            day=day, note=str(form.get("note", "")).strip(), signed_by=user if signed else ""
        ),
        errors,
    )


def day_form_values(form: Mapping[str, str] | None, *, today: date, program: str) -> dict[str, str]:
    values = {"date": today.isoformat(), "program": program, "telehealth": "none"}
    if form:
        values.update({k: str(v) for k, v in form.items() if k != "csrf_token"})
    return values


# -- the episode page ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EpisodeView:
    episode: Episode
    patient: Patient
    coverage: Coverage | None
    timeline: Sequence[EpisodeEvent]
    days: Sequence[DocumentedDay]
    charges: Sequence[ChargeRow]
    authorizations: Sequence[AuthorizationRow]
    claims: Sequence[ClaimRow]
    open_tasks: Sequence[Task]
    diagnoses: list[str] = field(default_factory=list)
    secondary: Coverage | None = None
    # The authorizations the next concurrent review follows (one per set of codes).
    current_authorizations: frozenset[str] = frozenset()


def load(session: Session, episode_id: str) -> EpisodeView | None:
    episode = session.get(Episode, episode_id)
    if episode is None:
        return None
    patient = session.get(Patient, episode.patient_id)
    assert patient is not None
    days = session.scalars(
        select(DocumentedDay)
        .where(DocumentedDay.episode_id == episode_id)
        .order_by(DocumentedDay.day.desc())
    ).all()
    charges = session.scalars(
        select(ChargeRow)
        .where(ChargeRow.episode_id == episode_id)
        .order_by(ChargeRow.day.desc(), ChargeRow.id)
    ).all()
    tasks = session.scalars(
        select(Task)
        .where(Task.episode_id == episode_id, Task.status.in_(("open", "claimed")))
        .order_by(Task.due_at)
    ).all()
    diagnoses = episode.intake.get("diagnosis_codes") or []
    auths = billing.authorizations(session, episode_id)
    return EpisodeView(
        episode=episode,
        patient=patient,
        coverage=billing.coverage(session, episode_id),
        timeline=episode_repo.timeline(session, episode_id),
        days=days,
        charges=charges,
        authorizations=auths,
        current_authorizations=frozenset(a.id for a in billing.current_authorizations(auths)),
        claims=billing.claims(session, episode_id),
        open_tasks=tasks,
        diagnoses=[str(d) for d in diagnoses] if isinstance(diagnoses, list) else [],
        secondary=coverages.secondary(session, episode_id),
    )


def recent(session: Session, limit: int = 100) -> list[tuple[Episode, Patient]]:
    rows = session.execute(
        select(Episode, Patient)
        .join(Patient, Patient.id == Episode.patient_id)
        .order_by(Episode.created_at.desc(), Episode.id)
        .limit(limit)
    ).all()
    return [(e, p) for e, p in rows]
