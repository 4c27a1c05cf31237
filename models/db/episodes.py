"""Patients and episodes: create, store intake, move stage, timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.db import billing
from models.db.base import upsert, utcnow
from models.db.tables import Episode, EpisodeEvent, Patient


def create_patient(
    session: Session,
    *,
    patient_id: str,
    first_name: str = "",
    last_name: str = "",
    birth_date: date | None = None,
    gender: str = "U",
    member_id: str = "",
    address: dict[str, Any] | None = None,
) -> Patient:
    existing = session.get(Patient, patient_id)
    if existing is not None:
        return existing
    patient = Patient(
        id=patient_id,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        gender=gender,
        member_id=member_id,
        address=address or {},
    )
    session.add(patient)
    session.flush()
    return patient


def create_episode(
    session: Session,
    *,
    episode_id: str,
    patient_id: str,
    payer_id: str,
    program: str,
    admit_date: date | None = None,
) -> Episode:
    existing = session.get(Episode, episode_id)
    if existing is not None:
        return existing
    episode = Episode(
        id=episode_id,
        patient_id=patient_id,
        payer_id=payer_id,
        program=program,
        admit_date=admit_date,
        stage="intake",
        status="active",
    )
    session.add(episode)
    session.flush()
    patient = session.get(Patient, patient_id)
    billing.ensure_coverage(session, episode_id, payer_id, patient.member_id if patient else "")
    add_event(
        session,
        episode_id,
        key=f"{episode_id}:created",
        kind="created",
        detail="episode registered",
    )
    return episode


def intake_missing(session: Session, episode_id: str) -> list[str]:
    """Names of intake fields the patient record still lacks."""
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise LookupError(f"episode {episode_id} not found")
    patient = session.get(Patient, episode.patient_id)
    assert patient is not None
    missing = []
    if not patient.first_name:
        missing.append("first_name")
    if not patient.last_name:
        missing.append("last_name")
    if patient.birth_date is None:
        missing.append("birth_date")
    if not patient.member_id:
        missing.append("member_id")
    if not episode.intake.get("diagnosis_codes"):
        missing.append("diagnosis_codes")
    return missing


def store_intake(session: Session, episode_id: str, data: dict[str, Any]) -> None:
    """Write the completed intake into the patient row (idempotent: same data, same row)."""
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise LookupError(f"episode {episode_id} not found")
    patient = session.get(Patient, episode.patient_id)
    assert patient is not None
    for name in ("first_name", "last_name", "member_id", "gender"):
        if data.get(name):
            setattr(patient, name, str(data[name]))
    if data.get("birth_date"):
        patient.birth_date = date.fromisoformat(str(data["birth_date"]))
    intake = dict(episode.intake)
    intake.update({k: v for k, v in data.items() if k not in ("first_name", "last_name")})
    if isinstance(intake.get("diagnosis_codes"), str):
        intake["diagnosis_codes"] = parse_diagnoses(intake["diagnosis_codes"])
    episode.intake = intake
    cover = billing.coverage(session, episode_id)
    if cover is not None and data.get("member_id"):
        cover.member_id = str(data["member_id"])
    session.flush()


def parse_diagnoses(text: str) -> list[str]:
    """'F33.1, f41.1' → ['F33.1', 'F41.1'] (format is checked by the form and the scrubber)."""
    return [c.strip().upper() for c in text.replace(";", ",").split(",") if c.strip()]


def set_stage(
    session: Session,
    episode_id: str,
    stage: str,
    *,
    key: str,
    detail: str = "",
    at: datetime | None = None,
) -> None:
    """Move the episode to ``stage`` and add its timeline row, both stamped ``at`` (the
    workflow time of the move; the clock when not given)."""
    at = at or utcnow()
    session.execute(
        update(Episode)
        .where(Episode.id == episode_id, Episode.stage != stage)
        .values(stage=stage, stage_changed_at=at, updated_at=at)
    )
    add_event(
        session,
        episode_id,
        key=key,
        kind=f"stage:{stage}",
        detail=detail or f"moved to {stage}",
        at=at,
    )


def add_event(
    session: Session,
    episode_id: str,
    *,
    key: str,
    kind: str,
    detail: str,
    at: datetime | None = None,
) -> None:
    """Add one timeline row under ``key`` (a second call with the key adds nothing),
    stamped ``at``, else the clock."""
    upsert(
        session,
        EpisodeEvent.__table__,  # type: ignore[arg-type]
        {
            "episode_id": episode_id,
            "key": key,
            "kind": kind,
            "detail": detail,
            "at": at or utcnow(),
        },
        keys=["key"],
    )


def timeline(session: Session, episode_id: str) -> list[EpisodeEvent]:
    return list(
        session.scalars(
            select(EpisodeEvent)
            .where(EpisodeEvent.episode_id == episode_id)
            .order_by(EpisodeEvent.id)
        )
    )
