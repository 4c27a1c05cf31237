"""Shipped and admin-added rule-set versions together: validation of a new version
(the file parser's errors with their line), choice by date and by pinned version."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from models import ruleset_catalog as catalog
from models.domain.values import DomainError
from tests.factories import ruleset_text

pytestmark = pytest.mark.db
TODAY = date(2026, 11, 27)


def line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def refused(session: Session, text: str, payer: str = "commercial_alpha") -> catalog.VersionRefused:
    with pytest.raises(catalog.VersionRefused) as exc:
        catalog.check_new_version(session, payer, text, TODAY)
    return exc.value


def test_an_added_version_is_chosen_from_its_effective_date_on(session: Session) -> None:
    text = ruleset_text(changes={'"S9480" = 45000': '"S9480" = 47000'})
    added = catalog.add_version(session, "commercial_alpha", text, today=TODAY, created_by="root")
    assert (added.version, added.effective) == ("2027.1", date(2027, 1, 4))
    before = catalog.in_force(session, "commercial_alpha", date(2027, 1, 3))
    after = catalog.in_force(session, "commercial_alpha", date(2027, 1, 4))
    assert before.version == "2026.1" and after.version == "2027.1"
    assert after.charge_cents("S9480") == 47000 != before.charge_cents("S9480")
    assert catalog.version(session, "commercial_alpha", "2027.1") == after
    assert catalog.version(session, "commercial_alpha", "2026.1") == before
    assert catalog.in_force(session, "medicare", date(2027, 1, 4)).version == "2026.1"
    with pytest.raises(DomainError):
        catalog.version(session, "commercial_alpha", "2031.9")


def test_a_field_error_names_the_key_and_its_line(session: Session) -> None:
    text = ruleset_text(changes={"threshold_minutes = 180": "threshold_minutes = -5"})
    error = refused(session, text)
    assert error.key == "per_diem.threshold_minutes"
    assert error.line == line_of(text, "threshold_minutes = -5")
    assert str(error).startswith(f"line {error.line}: per_diem.threshold_minutes: ")


def test_a_key_inside_an_inline_array_points_at_the_array_and_tables_nest(
    session: Session,
) -> None:
    text = ruleset_text(changes={'{ code = "90834", min = 38, max = 52 }': '{ code = "90834" }'})
    error = refused(session, text)
    assert error.key.startswith("component.individual[")
    assert error.line == line_of(text, "individual = [")
    code = ruleset_text(changes={'per_diem_code = "H0015"': 'per_diem_code = "nope"'})
    wrong = refused(session, code)
    assert wrong.key == "programs.substance_use.per_diem_code"
    assert wrong.line == line_of(code, 'per_diem_code = "nope"')


def test_a_syntax_error_gives_the_parsers_line(session: Session) -> None:
    text = ruleset_text(changes={'cadence = "weekly"': 'cadence = = "weekly"'})
    error = refused(session, text)
    assert error.key == "TOML" and error.line == line_of(text, "cadence = =")


def test_the_payer_the_date_and_duplicates_are_checked(session: Session) -> None:
    assert refused(session, ruleset_text(), payer="medicare").key == "id"
    past = refused(session, ruleset_text(effective="2026-11-27"))
    assert past.key == "effective" and "after today" in past.reason
    assert past.line == line_of(ruleset_text(), "effective")
    shipped = refused(session, ruleset_text(version="2026.1"))
    assert shipped.key == "version" and "commercial_alpha.toml" in shipped.reason
    catalog.add_version(session, "commercial_alpha", ruleset_text(), today=TODAY, created_by="a")
    again = refused(session, ruleset_text(effective="2027-02-01"))
    assert again.key == "version" and "added:commercial_alpha@2027.1" in again.reason
    same_day = refused(session, ruleset_text(version="2027.2"))
    assert same_day.key == "effective"
