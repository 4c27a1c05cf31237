"""Program staff: register a patient and episode, the episode page, the day form with
its charge preview, attendance and discharge (against the fake episode gateway)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.db import billing
from models.db.billing_tables import AuthorizationRow, ChargeRow, ClaimRow
from models.db.tables import AuditLog, Episode, Patient
from tests.web.conftest import FakeEpisodes, settings

KEY = re.compile(r'name="key" value="([0-9a-f]{12})"')
GOOD = {
    "first_name": "Rosa",
    "last_name": "Parkes",
    "birth_date": "1980-02-03",
    "gender": "F",
    "payer_id": "commercial_alpha",
    "member_id": "MBR-5501",
    "program": "psychiatric",
    "admit_date": "2026-11-02",
    "diagnoses": "f33.1; F41.1",
}


async def register(browser: Any, **changes: str) -> Any:
    page = await browser.get("/episodes/new")
    found = KEY.search(page.text)
    assert found
    return await browser.post("/episodes", {**GOOD, "key": found.group(1), **changes})


def day_form(
    day: date, *, signed: bool = True, minutes: tuple[int, ...] = (140, 50)
) -> dict[str, str]:
    form = {"date": day.isoformat(), "program": "psychiatric", "telehealth": "none", "note": "ok"}
    kinds = ("group", "individual", "family_with_patient")
    for i, m in enumerate(minutes):
        form |= {f"svc_kind_{i}": kinds[i], f"svc_minutes_{i}": str(m), f"svc_npi_{i}": ""}
    if signed:
        form["signed"] = "1"
    return form


async def test_registering_creates_patient_coverage_and_episode_and_starts_the_workflow(
    web_sessions: sessionmaker[Session], as_role: Any, episodes: FakeEpisodes
) -> None:
    response = await register(await as_role("intake"))
    assert response.status_code == 303
    location = response.headers["location"]
    episode_id = location.split("/")[2].split("?")[0]
    assert re.fullmatch(r"E-[0-9a-f]{12}", episode_id)
    assert "Rosa" not in location and "MBR" not in location
    with web_sessions() as s:
        episode = s.get(Episode, episode_id)
        assert episode is not None and episode.payer_id == "commercial_alpha"
        assert episode.intake["diagnosis_codes"] == ["F33.1", "F41.1"]
        patient = s.get(Patient, episode.patient_id)
        assert patient is not None and patient.birth_date == date(1980, 2, 3)
        cover = billing.coverage(s, episode_id)
        assert cover is not None and cover.member_id == "MBR-5501"
        assert s.scalar(
            select(AuditLog).where(AuditLog.patient_id == patient.id, AuditLog.action == "change")
        )
    (call,) = [c for c in episodes.calls if c[0] == "start"]
    assert call[1] == episode_id and call[2].day_seconds == settings().day_seconds
    assert call[2].payer_id == "commercial_alpha" and call[2].program == "psychiatric"


async def test_a_double_submitted_registration_is_one_episode(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    browser = await as_role("clinician")
    page = await browser.get("/episodes/new")
    key = KEY.search(page.text)
    assert key
    form = {**GOOD, "key": key.group(1)}
    first = await browser.post("/episodes", form)
    second = await browser.post("/episodes", form)
    assert first.headers["location"] == second.headers["location"]
    with web_sessions() as s:
        assert len(s.scalars(select(Patient).where(Patient.last_name == "Parkes")).all()) == 1


async def test_registration_errors_are_shown_next_to_their_fields(as_role: Any) -> None:
    response = await register(
        await as_role("intake"), payer_id="acme", diagnoses="banana", birth_date=""
    )
    assert response.status_code == 422
    for name, text in (
        ("payer_id", "choose a payer"),
        ("diagnoses", "not ICD-10-CM codes: BANANA"),
        ("birth_date", "is required"),
    ):
        field = response.text.split(f'id="f-{name}"')[1].split("</div>")[0]
        assert text in field, name
    assert 'value="Rosa"' in response.text  # what was typed stays


def seed_billing(sessions: sessionmaker[Session], episode_id: str) -> None:
    with sessions() as s, s.begin():
        s.add(
            ChargeRow(
                id=f"{episode_id}:2026-11-03:1",
                episode_id=episode_id,
                payer_id="commercial_alpha",
                day=date(2026, 11, 3),
                code="S9480",
                charge_cents=45000,
                status="held",
                held_reason="outside the authorization's dates",
            )
        )
        s.add(
            AuthorizationRow(
                id=f"{episode_id}:A1",
                episode_id=episode_id,
                payer_id="commercial_alpha",
                number="AUTH-9",
                start=date(2026, 11, 2),
                end=date(2026, 12, 2),
                units=20,
                units_used=7,
                review_due=date(2026, 11, 20),
                run_out=date(2026, 11, 27),
            )
        )
        s.add(
            ClaimRow(
                id="CLM-EP-1",
                episode_id=episode_id,
                payer_id="commercial_alpha",
                form="837P",
                period_start=date(2026, 11, 2),
                period_end=date(2026, 11, 8),
                total_cents=90000,
                paid_cents=60000,
                open_cents=30000,
                status="partially_paid",
            )
        )


async def test_the_episode_page_shows_coverage_charges_authorizations_and_claims(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    intake = await as_role("intake")
    location = (await register(intake)).headers["location"]
    episode_id = location.split("/")[2].split("?")[0]
    seed_billing(web_sessions, episode_id)
    page = (await intake.get(f"/episodes/{episode_id}")).text
    assert "Rosa Parkes" in page and "MBR-5501" in page and "F33.1, F41.1" in page
    assert "episode registered" in page  # the timeline
    charges = page.split('id="charges"')[1].split("</section>")[0]
    assert "held" in charges and "outside the authorization&#39;s dates" in charges
    auths = page.split('id="authorizations"')[1].split("</section>")[0]
    assert "AUTH-9" in auths and "7 / 20" in auths and "2026-11-20" in auths
    assert "2026-11-27" in auths
    assert "current" not in auths  # one authorization: nothing to tell apart
    claims = page.split('id="claims"')[1].split("</section>")[0]
    assert "CLM-EP-1" in claims and "$300.00" in claims and "partially_paid" in claims
    biller = await as_role("biller")
    seen = (await biller.get(f"/episodes/{episode_id}")).text
    assert "CLM-EP-1" in seen and 'id="day-form"' not in seen  # billers read, not document
    with web_sessions() as s:
        views = s.scalars(select(AuditLog).where(AuditLog.target == f"episode:{episode_id}")).all()
        assert {v.username for v in views} == {"intake", "biller"}


async def test_a_continued_stay_under_its_own_number_is_marked_current(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    intake = await as_role("intake")
    episode_id = (await register(intake)).headers["location"].split("/")[2].split("?")[0]
    seed_billing(web_sessions, episode_id)
    with web_sessions() as s, s.begin():
        s.add(
            AuthorizationRow(
                id=f"{episode_id}:A2",
                episode_id=episode_id,
                payer_id="commercial_alpha",
                number="AUTH-10",
                start=date(2026, 12, 3),
                end=date(2026, 12, 31),
                units=20,
            )
        )
    page = (await intake.get(f"/episodes/{episode_id}")).text
    auths = page.split('id="authorizations"')[1].split("</section>")[0]
    first, second = auths.split("AUTH-9")[1], auths.split("AUTH-10")[1]
    assert "followed by a later one" in first.split("</tr>")[0]
    assert "<strong>current</strong>" in second.split("</tr>")[0]
    assert auths.count("current-auth") == 1


async def test_the_charge_preview_shows_what_the_day_would_bill(
    as_role: Any, episodes: FakeEpisodes
) -> None:
    browser = await as_role("clinician")
    episode_id = (await register(browser)).headers["location"].split("/")[2].split("?")[0]
    response = await browser.post(
        f"/episodes/{episode_id}/days/preview",
        day_form(date.today()),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="day-preview"')
    assert "S9480 × 1" in response.text and "190 minutes" in response.text
    short = await browser.post(
        f"/episodes/{episode_id}/days/preview", day_form(date.today(), minutes=(60,))
    )
    assert "below the per-diem threshold" in short.text
    assert [c[0] for c in episodes.calls].count("document_day") == 0  # nothing stored


async def test_documenting_a_day_shows_the_summary_and_validator_errors_at_their_fields(
    as_role: Any, episodes: FakeEpisodes
) -> None:
    browser = await as_role("clinician")
    episode_id = (await register(browser)).headers["location"].split("/")[2].split("?")[0]
    unsigned = await browser.post(
        f"/episodes/{episode_id}/days", day_form(date.today(), signed=False)
    )
    assert unsigned.status_code == 422 and "sign the note" in unsigned.text
    future = date.today() + timedelta(days=2)
    refused = await browser.post(f"/episodes/{episode_id}/days", day_form(future))
    assert refused.status_code == 422
    date_field = refused.text.split('id="d-date"')[1].split("</div>")[0]
    assert "is in the future" in date_field
    done = await browser.post(f"/episodes/{episode_id}/days", day_form(date.today()))
    assert done.status_code == 200 and "Documented " in done.text and "S9480 × 1" in done.text
    doc = [c[2] for c in episodes.calls if c[0] == "document_day"][-1]
    assert doc.signed_by == "clinician" and doc.day["services"][0] == {
        "kind": "group",
        "minutes": 140,
    }


async def test_attendance_and_discharge_go_to_the_workflow(
    as_role: Any, episodes: FakeEpisodes
) -> None:
    browser = await as_role("intake")
    episode_id = (await register(browser)).headers["location"].split("/")[2].split("?")[0]
    today = date.today().isoformat()
    ok = await browser.post(f"/episodes/{episode_id}/attendance", {"date": today})
    assert ok.status_code == 303 and ok.headers["location"].endswith("flash=attendance")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    refused = await browser.post(f"/episodes/{episode_id}/attendance", {"date": tomorrow})
    assert refused.status_code == 422 and "in the future" in refused.text
    out = await browser.post(f"/episodes/{episode_id}/discharge", {"date": today})
    assert out.status_code == 303
    assert ("discharge", episode_id, today) in episodes.calls


async def test_an_unknown_episode_is_refused(as_role: Any) -> None:
    assert (await (await as_role("intake")).get("/episodes/E-nope")).status_code == 403


async def test_a_preview_with_a_malformed_row_answers_in_the_fragment_without_asking_the_workflow(
    as_role: Any, episodes: FakeEpisodes
) -> None:
    browser = await as_role("clinician")
    episode_id = (await register(browser)).headers["location"].split("/")[2].split("?")[0]
    form = day_form(date.today()) | {"svc_minutes_0": "lots"}
    response = await browser.post(
        f"/episodes/{episode_id}/days/preview", form, headers={"HX-Request": "true"}
    )
    assert 'data-field="services"' in response.text and "whole number" in response.text
    assert "preview_day" not in [c[0] for c in episodes.calls]
