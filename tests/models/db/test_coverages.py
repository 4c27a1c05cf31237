"""Coverage edits (primary and secondary) on SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from models.db import billing, coverages, episodes
from models.db.tables import Patient

pytestmark = pytest.mark.db


def episode(session: Session) -> str:
    episodes.create_patient(session, patient_id="P-1", first_name="A", member_id="OLD-1")
    episodes.create_episode(
        session,
        episode_id="E-1",
        patient_id="P-1",
        payer_id="commercial_alpha",
        program="psychiatric",
    )
    billing.record_eligibility(session, "E-1", status="active")
    return "E-1"


def test_a_new_primary_member_id_updates_the_patient_and_forgets_the_eligibility_answer(
    session: Session,
) -> None:
    episode_id = episode(session)
    edit = coverages.CoverageEdit(
        member_id="NEW-2",
        relationship="spouse",
        subscriber={"first_name": "B", "last_name": "C", "birth_date": "1970-01-01"},
        group_number="G-1",
        plan_start=date(2026, 1, 1),
    )
    change = coverages.edit_primary(session, episode_id, edit)
    assert change.member_id_changed
    assert set(change.changed) == {"member_id", "relationship", "subscriber", "plan_start"}
    row = billing.coverage(session, episode_id)
    assert row is not None and row.payer_id == "commercial_alpha"
    assert (row.status, row.checked_at, row.relationship) == ("unknown", None, "dependent")
    assert row.subscriber["relationship"] == "spouse" and row.subscriber["group_number"] == "G-1"
    patient = session.get(Patient, "P-1")
    assert patient is not None and patient.member_id == "NEW-2"
    assert coverages.edit_primary(session, episode_id, edit).changed == []  # idempotent
    later = coverages.edit_primary(
        session,
        episode_id,
        coverages.CoverageEdit(**{**vars(edit), "plan_end": date(2026, 12, 31)}),
    )
    assert later.changed == ["plan_end"] and not later.member_id_changed


def test_a_secondary_coverage_is_added_edited_and_removed_beside_the_primary(
    session: Session,
) -> None:
    episode_id = episode(session)
    edit = coverages.CoverageEdit(member_id="MCD-1", payer_id="medicaid_state")
    added = coverages.edit_secondary(session, episode_id, edit)
    assert added.changed[0] == "added" and added.coverage.id == "E-1:secondary"
    again = coverages.edit_secondary(
        session, episode_id, coverages.CoverageEdit(member_id="MCD-2", payer_id="medicaid_state")
    )
    assert again.changed == ["member_id"]
    second = coverages.secondary(session, episode_id)
    assert second is not None and (second.payer_id, second.member_id) == ("medicaid_state", "MCD-2")
    primary = billing.coverage(session, episode_id)
    assert primary is not None and primary.member_id == "OLD-1" and primary.status == "active"
    patient = session.get(Patient, "P-1")
    assert patient is not None and patient.member_id == "OLD-1"
    assert coverages.remove_secondary(session, episode_id)
    assert coverages.secondary(session, episode_id) is None
    assert not coverages.remove_secondary(session, episode_id)
    with pytest.raises(LookupError):
        coverages.edit_secondary(session, "E-none", edit)
