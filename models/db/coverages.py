"""Coverage edits from the episode page: the primary coverage (``{episode}:primary``)
and a secondary one (``{episode}:secondary``). Flushes, never commits.

The primary payer is not changed here (switching payers re-reads the rule set: the
eligibility-resolution task does it). A changed primary member id also updates the
patient row and forgets the eligibility answer, which was about the old id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models.db.base import utcnow
from models.db.billing import coverage_id
from models.db.billing_tables import Coverage
from models.db.tables import Episode, Patient

PRIMARY, SECONDARY = "primary", "secondary"


def secondary_id(episode_id: str) -> str:
    return f"{episode_id}:secondary"


def secondary(session: Session, episode_id: str) -> Coverage | None:
    return session.get(Coverage, secondary_id(episode_id))


@dataclass(frozen=True, kw_only=True)
class CoverageEdit:
    """What the coverage form says. ``subscriber`` is empty when the patient is the
    subscriber (``relationship == "self"``); ``group_number`` is kept in it either way,
    where the 837 mapping reads it."""

    member_id: str
    relationship: str = "self"  # self | spouse | child | other
    subscriber: dict[str, Any] = field(default_factory=dict)
    group_number: str = ""
    plan_start: date | None = None
    plan_end: date | None = None
    payer_id: str = ""  # secondary only


@dataclass(frozen=True, kw_only=True)
class CoverageChange:
    coverage: Coverage
    changed: list[str]  # names of the fields that changed (empty: nothing did)

    @property
    def member_id_changed(self) -> bool:
        return "member_id" in self.changed


def _apply(row: Coverage, edit: CoverageEdit) -> list[str]:
    subscriber = dict(edit.subscriber)
    if edit.relationship != "self":
        subscriber["relationship"] = edit.relationship
    if edit.group_number:
        subscriber["group_number"] = edit.group_number
    wanted = {
        "member_id": edit.member_id,
        "relationship": "self" if edit.relationship == "self" else "dependent",
        "subscriber": subscriber,
        "plan_start": edit.plan_start,
        "plan_end": edit.plan_end,
    }
    if edit.payer_id:
        wanted["payer_id"] = edit.payer_id
    changed = [name for name, value in wanted.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, wanted[name])
    return changed


def edit_primary(session: Session, episode_id: str, edit: CoverageEdit) -> CoverageChange:
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise LookupError(f"episode {episode_id} not found")
    row = session.get(Coverage, coverage_id(episode_id))
    if row is None:
        row = Coverage(id=coverage_id(episode_id), episode_id=episode_id, payer_id=episode.payer_id)
        session.add(row)
    changed = _apply(row, edit)
    if "member_id" in changed:
        row.status, row.checked_at = "unknown", None  # the answer was about the old id
        patient = session.get(Patient, episode.patient_id)
        if patient is not None:
            patient.member_id = edit.member_id
    if changed:
        row.updated_at = utcnow()
    session.flush()
    return CoverageChange(coverage=row, changed=changed)


def edit_secondary(session: Session, episode_id: str, edit: CoverageEdit) -> CoverageChange:
    """Add or edit the secondary coverage (its payer is part of the edit)."""
    if session.get(Episode, episode_id) is None:
        raise LookupError(f"episode {episode_id} not found")
    row = secondary(session, episode_id)
    added = row is None
    if row is None:
        row = Coverage(id=secondary_id(episode_id), episode_id=episode_id, payer_id=edit.payer_id)
        session.add(row)
    changed = _apply(row, edit)
    if added:
        changed = ["added", *changed]
    if changed:
        row.updated_at = utcnow()
    session.flush()
    return CoverageChange(coverage=row, changed=changed)


def remove_secondary(session: Session, episode_id: str) -> bool:
    row = secondary(session, episode_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
