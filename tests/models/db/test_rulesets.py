"""The ``ruleset_versions`` repository on SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.db import rulesets

pytestmark = pytest.mark.db


def add(session: Session, version: str, effective: date, payer: str = "commercial_alpha") -> None:
    rulesets.add_version(
        session,
        payer_id=payer,
        version=version,
        effective=effective,
        text=f'id = "{payer}"\nversion = "{version}"\n',
        created_by="root",
    )


def test_added_versions_are_listed_by_payer_and_effective_date(session: Session) -> None:
    add(session, "2028.1", date(2028, 1, 1))
    add(session, "2027.1", date(2027, 1, 1))
    add(session, "2027.1", date(2027, 1, 1), payer="medicare")
    listed = [(r.payer_id, r.version) for r in rulesets.versions(session)]
    assert listed == [
        ("commercial_alpha", "2027.1"),
        ("commercial_alpha", "2028.1"),
        ("medicare", "2027.1"),
    ]
    assert [r.version for r in rulesets.versions(session, "medicare")] == ["2027.1"]
    found = rulesets.get_version(session, "commercial_alpha", "2028.1")
    assert found is not None and found.created_by == "root" and found.created_at is not None
    assert rulesets.get_version(session, "commercial_alpha", "2029.1") is None


def test_a_second_version_with_the_same_name_or_effective_date_is_refused(
    session: Session,
) -> None:
    add(session, "2027.1", date(2027, 1, 1))
    with pytest.raises(rulesets.DuplicateVersion, match=r"already has a version 2027\.1"):
        add(session, "2027.1", date(2027, 6, 1))
    with pytest.raises(rulesets.DuplicateVersion, match="effective 2027-01-01"):
        add(session, "2027.2", date(2027, 1, 1))
    assert len(rulesets.versions(session)) == 1


def test_the_unique_constraints_hold_when_two_writers_race(session: Session) -> None:
    add(session, "2027.1", date(2027, 1, 1))
    row = {
        "payer_id": "commercial_alpha",
        "version": "2027.1",
        "effective": date(2027, 2, 1),
        "text": "",
        "created_by": "other",
    }
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(insert(rulesets.RuleSetVersionRow).values(**row))
    assert len(rulesets.versions(session)) == 1
