"""Episode-page changes: recording an authorization (against the fake episode gateway,
which applies the workflow validator's field rules) and editing coverage."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.db import billing, coverages
from models.db.tables import AuditLog, Episode, Patient
from tests.web.conftest import FakeEpisodes, add_task
from tests.web.test_episodes import register
from workflows.episode_types import Stage

AUTH_KEY = re.compile(r'id="authorization-form".*?name="key" value="([0-9a-f]{12})"', re.S)


async def registered(browser: Any, sessions: sessionmaker[Session], stage: str) -> str:
    episode_id = str((await register(browser)).headers["location"].split("/")[2].split("?")[0])
    with sessions() as s, s.begin():
        row = s.get(Episode, episode_id)
        assert row is not None
        row.stage = stage
    return episode_id


def auth_form(key: str, **changes: str) -> dict[str, str]:
    return {
        "key": key,
        "status": "approved",
        "number": "PA-77",
        "start": "2026-11-02",
        "end": "2026-12-01",
        "units": "20",
        **changes,
    }


async def test_the_authorization_form_shows_in_the_authorization_and_active_stages_only(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    intake = await as_role("intake")
    episode_id = await registered(intake, web_sessions, "authorization")
    page = (await intake.get(f"/episodes/{episode_id}")).text
    assert 'id="authorization-form"' in page and "Record the payer's decision" in page
    biller = (await (await as_role("biller")).get(f"/episodes/{episode_id}")).text
    assert 'id="authorization-form"' in biller
    clinician = (await (await as_role("clinician")).get(f"/episodes/{episode_id}")).text
    assert 'id="authorization-form"' not in clinician
    intake = await as_role("intake")
    with web_sessions() as s, s.begin():
        row = s.get(Episode, episode_id)
        assert row is not None
        row.stage = "active"
    assert "extension or a new authorization" in (await intake.get(f"/episodes/{episode_id}")).text
    with web_sessions() as s, s.begin():
        row = s.get(Episode, episode_id)
        assert row is not None
        row.stage = "eligibility"
    assert 'id="authorization-form"' not in (await intake.get(f"/episodes/{episode_id}")).text


async def test_recording_an_authorization_sends_the_update_once_per_form_and_audits_it(
    web_sessions: sessionmaker[Session], as_role: Any, episodes: FakeEpisodes
) -> None:
    episode_id = await registered(await as_role("intake"), web_sessions, "authorization")
    biller = await as_role("biller")  # one client: the last login is the one in force
    page = (await biller.get(f"/episodes/{episode_id}")).text
    found = AUTH_KEY.search(page)
    assert found
    key = found.group(1)
    done = await biller.post(f"/episodes/{episode_id}/authorizations", auth_form(key))
    assert done.status_code == 303 and done.headers["location"].endswith("flash=authorized")
    (call,) = [c for c in episodes.calls if c[0] == "enter_authorization"]
    assert call[1] == f"auth:{episode_id}:{key}"
    inp = call[2]
    assert (inp.status, inp.number, inp.start, inp.end, inp.units, inp.user) == (
        "approved",
        "PA-77",
        "2026-11-02",
        "2026-12-01",
        20,
        "biller",
    )
    with web_sessions() as s:
        target = f"episode:{episode_id}:authorization"
        rows = s.scalars(select(AuditLog).where(AuditLog.target == target)).all()
        assert [(r.username, r.action) for r in rows] == [("biller", "change")]
        assert rows[0].patient_id is not None
    fresh = (await biller.get(f"/episodes/{episode_id}?flash=authorized")).text
    assert "Authorization recorded." in fresh
    again = AUTH_KEY.search(fresh)
    assert again and again.group(1) != key  # the next form is a new submission


async def test_authorization_errors_are_shown_next_to_every_field_named(
    web_sessions: sessionmaker[Session], as_role: Any, episodes: FakeEpisodes
) -> None:
    supervisor = await as_role("supervisor")
    episode_id = await registered(supervisor, web_sessions, "active")
    bad = auth_form("0123456789ab", number="", start="2026-12-05", units="0")
    refused = await supervisor.post(f"/episodes/{episode_id}/authorizations", bad)
    assert refused.status_code == 422
    for name, text in (
        ("number", "is required"),
        ("end", "cannot be before start (2026-12-05)"),
        ("units", "more than 0"),
    ):
        field = refused.text.split(f'id="a-{name}"')[1].split("</div>")[0]
        assert text in field, name
    assert 'name="key" value="0123456789ab"' in refused.text  # a resubmit is the same Update
    assert 'value="2026-12-05"' in refused.text
    words = await supervisor.post(
        f"/episodes/{episode_id}/authorizations", auth_form("0123456789ab", units="ten")
    )
    assert words.status_code == 422 and "whole number" in words.text
    stale = await supervisor.post(f"/episodes/{episode_id}/authorizations", auth_form("nope"))
    assert stale.status_code == 422 and "stale" in stale.text
    assert len([c for c in episodes.calls if c[0] == "enter_authorization"]) == 1


async def test_a_clinician_may_not_record_an_authorization(
    web_sessions: sessionmaker[Session], as_role: Any, episodes: FakeEpisodes
) -> None:
    clinician = await as_role("clinician")
    episode_id = await registered(clinician, web_sessions, "authorization")
    refused = await clinician.post(
        f"/episodes/{episode_id}/authorizations", auth_form("0123456789ab")
    )
    assert refused.status_code == 403
    assert not [c for c in episodes.calls if c[0] == "enter_authorization"]


# -- coverage ------------------------------------------------------------------------------

PRIMARY = {
    "member_id": "MBR-9901",
    "relationship": "child",
    "group_number": "GRP-7",
    "sub_first_name": "Ida",
    "sub_last_name": "Parkes",
    "sub_birth_date": "1955-04-01",
    "sub_gender": "F",
    "plan_start": "2026-01-01",
    "plan_end": "2026-12-31",
}


async def test_editing_the_primary_member_id_in_eligibility_asks_the_workflow_to_check_again(
    web_sessions: sessionmaker[Session], as_role: Any, episodes: FakeEpisodes
) -> None:
    intake = await as_role("intake")
    episode_id = await registered(intake, web_sessions, "eligibility")
    with web_sessions() as s, s.begin():
        cover = billing.coverage(s, episode_id)
        assert cover is not None
        cover.status = "inactive"
    episodes.stage = Stage.ELIGIBILITY
    saved = await intake.post(f"/episodes/{episode_id}/coverage/primary", PRIMARY)
    assert saved.status_code == 303 and saved.headers["location"].endswith("flash=recheck")
    with web_sessions() as s:
        cover = billing.coverage(s, episode_id)
        assert cover is not None
        assert (cover.member_id, cover.relationship, cover.status) == (
            "MBR-9901",
            "dependent",
            "unknown",
        )
        assert cover.subscriber == {
            "first_name": "Ida",
            "last_name": "Parkes",
            "birth_date": "1955-04-01",
            "gender": "F",
            "relationship": "child",
            "group_number": "GRP-7",
        }
        assert (cover.plan_start, cover.plan_end) == (date(2026, 1, 1), date(2026, 12, 31))
        episode = s.get(Episode, episode_id)
        assert episode is not None
        patient = s.get(Patient, episode.patient_id)
        assert patient is not None and patient.member_id == "MBR-9901"
        target = f"episode:{episode_id}:coverage:primary"
        assert s.scalar(select(AuditLog).where(AuditLog.target == target)) is not None
    (call,) = [c for c in episodes.calls if c[0] == "coverage_changed"]
    assert call[2].member_id_changed and call[2].user == "intake"
    page = (await intake.get(f"/episodes/{episode_id}?flash=recheck")).text
    assert "eligibility is checked again" in page
    assert 'id="c-primary-sub_first_name" name="sub_first_name" value="Ida"' in page
    again = await intake.post(f"/episodes/{episode_id}/coverage/primary", PRIMARY)
    assert again.headers["location"].endswith("flash=coverage")  # nothing changed this time
    plan_only = {**PRIMARY, "plan_end": "2027-06-30"}
    await intake.post(f"/episodes/{episode_id}/coverage/primary", plan_only)
    assert len([c for c in episodes.calls if c[0] == "coverage_changed"]) == 1


async def test_coverage_errors_are_shown_next_to_their_fields(
    web_sessions: sessionmaker[Session], as_role: Any, episodes: FakeEpisodes
) -> None:
    episode_id = await registered(await as_role("intake"), web_sessions, "active")
    biller = await as_role("biller")
    bad = {**PRIMARY, "member_id": "", "sub_first_name": "", "plan_end": "2025-01-01"}
    refused = await biller.post(f"/episodes/{episode_id}/coverage/primary", bad)
    assert refused.status_code == 422
    for name, text in (
        ("member_id", "is required"),
        ("sub_first_name", "not the subscriber"),
        ("plan_end", "before the plan starts"),
    ):
        field = refused.text.split(f'id="c-primary-{name}"')[1].split("</div>")[0]
        assert text in field, name
    assert 'value="GRP-7"' in refused.text  # what was typed stays
    same_payer = {**PRIMARY, "payer_id": "commercial_alpha", "relationship": "self"}
    second = await biller.post(f"/episodes/{episode_id}/coverage/secondary", same_payer)
    field = second.text.split('id="c-secondary-payer_id"')[1].split("</div>")[0]
    assert second.status_code == 422 and "already the primary payer" in field
    with web_sessions() as s:
        cover = billing.coverage(s, episode_id)
        assert cover is not None and cover.member_id == "MBR-5501"
        assert coverages.secondary(s, episode_id) is None
    assert not [c for c in episodes.calls if c[0] == "coverage_changed"]


async def test_a_secondary_coverage_is_added_edited_shown_and_removed(
    web_sessions: sessionmaker[Session], as_role: Any, episodes: FakeEpisodes
) -> None:
    intake = await as_role("intake")
    episode_id = await registered(intake, web_sessions, "active")
    medicaid = {"payer_id": "medicaid_state", "member_id": "MCD-42", "relationship": "self"}
    added = await intake.post(f"/episodes/{episode_id}/coverage/secondary", medicaid)
    assert added.status_code == 303
    edited = await intake.post(
        f"/episodes/{episode_id}/coverage/secondary", {**medicaid, "member_id": "MCD-43"}
    )
    assert edited.status_code == 303
    with web_sessions() as s:
        second = coverages.secondary(s, episode_id)
        assert second is not None and second.id == f"{episode_id}:secondary"
        assert (second.payer_id, second.member_id) == ("medicaid_state", "MCD-43")
        primary = billing.coverage(s, episode_id)
        assert primary is not None and primary.member_id == "MBR-5501"  # untouched
    page = (await intake.get(f"/episodes/{episode_id}")).text
    shown = page.split('id="secondary-coverage"')[1].split("</p>")[0]
    assert "medicaid_state" in shown and "MCD-43" in shown
    assert not [c for c in episodes.calls if c[0] == "coverage_changed"]
    removed = await intake.post(f"/episodes/{episode_id}/coverage/secondary/delete", {})
    assert removed.headers["location"].endswith("flash=secondary_removed")
    with web_sessions() as s:
        assert coverages.secondary(s, episode_id) is None
        targets = {a.target for a in s.scalars(select(AuditLog).where(AuditLog.action == "change"))}
    assert {
        f"episode:{episode_id}:coverage:secondary",
        f"episode:{episode_id}:coverage:secondary:remove",
    } <= targets
    clinician = await as_role("clinician")
    refused = await clinician.post(f"/episodes/{episode_id}/coverage/secondary", medicaid)
    assert refused.status_code == 403


async def test_a_cob_task_shows_the_primary_and_the_secondary_coverage(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    task = add_task(web_sessions, queue="billing", kind="verify_cob", payer="commercial_beta")
    with web_sessions() as s, s.begin():
        edit = coverages.CoverageEdit(
            member_id="MCD-77",
            payer_id="medicaid_state",
            relationship="child",
            subscriber={"first_name": "Ida", "last_name": "Quill", "birth_date": "1955-04-01"},
        )
        coverages.edit_secondary(s, f"E-{task}", edit)
    page = (await (await as_role("biller")).get(f"/tasks/{task}")).text
    table = page.split('id="task-coverages"')[1].split("</table>")[0]
    primary = table.split('data-coverage="primary"')[1].split("</tr>")[0]
    second = table.split('data-coverage="secondary"')[1].split("</tr>")[0]
    assert "commercial_beta" in primary and "the patient" in primary
    assert "medicaid_state" in second and "MCD-77" in second and "Ida Quill (child)" in second
    assert f'href="/episodes/E-{task}#coverage-forms"' in page
