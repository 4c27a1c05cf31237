"""What the task page shows: the task, why it exists, the episode, its timeline, the form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db import billing, coverages
from models.db import claims as claim_repo
from models.db import episodes as episode_repo
from models.db import tasks as task_repo
from models.db.billing_tables import (
    AuthorizationRow,
    ChargeRow,
    ClaimEvent,
    ClaimRow,
    Coverage,
    Denial,
    Posting,
    X12File,
)
from models.db.tables import Episode, EpisodeEvent, Patient, Task, TaskHistory
from models.forms import FieldType
from models.task_catalog import FormSchema, get_schema
from web.access import queues_for, sees_all_queues
from web.security import CurrentUser


@dataclass(frozen=True, kw_only=True)
class ClaimView:
    """Everything the biller needs about the claim a task is about (read model only)."""

    claim: ClaimRow
    lines: list[ChargeRow]
    findings: list[dict[str, Any]]
    denials: list[Denial]
    postings: list[Posting]
    events: list[ClaimEvent]
    files: list[X12File]


@dataclass(frozen=True, kw_only=True)
class TaskView:
    task: Task
    episode: Episode | None
    patient: Patient | None
    timeline: list[EpisodeEvent]
    history: list[TaskHistory]
    schema: FormSchema | None
    values: dict[str, str] = field(default_factory=dict)
    claim: ClaimView | None = None
    authorizations: list[AuthorizationRow] = field(default_factory=list)
    coverages: list[Coverage] = field(default_factory=list)  # primary, then secondary

    def field_findings(self) -> dict[str, list[dict[str, Any]]]:
        """Scrubber findings keyed by the form field they name (shown next to it)."""
        names = {f.name for f in self.schema.fields} if self.schema else set()
        out: dict[str, list[dict[str, Any]]] = {}
        for finding in self.claim.findings if self.claim else []:
            if str(finding.get("field", "")) in names:
                out.setdefault(str(finding["field"]), []).append(finding)
        return out


def may_see(user: CurrentUser, task: Task) -> bool:
    return (
        sees_all_queues(user.roles)
        or task.queue in queues_for(user.roles)
        or task.assignee == user.username
    )


def load(session: Session, task: Task, values: Mapping[str, str] | None = None) -> TaskView:
    episode = session.get(Episode, task.episode_id) if task.episode_id else None
    patient = session.get(Patient, episode.patient_id) if episode else None
    try:
        schema: FormSchema | None = get_schema(task.form_schema)
    except KeyError:
        schema = None
    return TaskView(
        task=task,
        episode=episode,
        patient=patient,
        timeline=episode_repo.timeline(session, episode.id) if episode else [],
        history=list(task_repo.history(session, task.id)),
        schema=schema,
        values=dict(values) if values is not None else prefill(schema, patient),
        claim=load_claim(session, task.claim_id) if task.claim_id else None,
        authorizations=claim_repo.authorizations_for(session, episode.id) if episode else [],
        coverages=_coverages(session, episode.id) if episode else [],
    )


def _coverages(session: Session, episode_id: str) -> list[Coverage]:
    """The episode's coverages, primary first: a COB denial is worked against both."""
    found = (billing.coverage(session, episode_id), coverages.secondary(session, episode_id))
    return [c for c in found if c is not None]


def load_claim(session: Session, claim_id: str) -> ClaimView | None:
    claim = claim_repo.get(session, claim_id)
    if claim is None:
        return None
    lines = session.scalars(
        select(ChargeRow).where(ChargeRow.claim_id == claim_id).order_by(ChargeRow.day)
    ).all()
    files = session.scalars(
        select(X12File)
        .where(X12File.episode_id == claim.episode_id)
        .order_by(X12File.id.desc())
        .limit(200)
    ).all()
    return ClaimView(
        claim=claim,
        lines=list(lines),
        findings=[f for f in claim.findings if isinstance(f, dict)],
        denials=claim_repo.denials_for(session, claim_id),
        postings=claim_repo.postings_for(session, claim_id),
        events=claim_repo.timeline(session, claim_id),
        files=[f for f in files if claim_id in (f.claim_ids or [])],
    )


def prefill(schema: FormSchema | None, patient: Patient | None) -> dict[str, str]:
    """Start the form from what the patient record already holds."""
    if schema is None or patient is None:
        return {}
    known = {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "birth_date": patient.birth_date.isoformat() if patient.birth_date else "",
        "gender": patient.gender,
        "member_id": patient.member_id,
    }
    return {f.name: known[f.name] for f in schema.fields if known.get(f.name)}


def form_data(schema: FormSchema, form: Mapping[str, Any]) -> dict[str, Any]:
    """The schema's fields from a posted form (an unchecked box posts nothing: False)."""
    data: dict[str, Any] = {}
    for f in schema.fields:
        raw = form.get(f.name)
        if f.type is FieldType.BOOLEAN:
            data[f.name] = raw is not None
        elif isinstance(raw, str):
            data[f.name] = raw
    return data
