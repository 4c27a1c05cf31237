"""Episode-page changes: recording an authorization (against the fake episode gateway,
which applies the workflow validator's field rules) and editing coverage."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.db.tables import AuditLog, Episode
from tests.web.conftest import FakeEpisodes
from tests.web.test_episodes import register

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
        ("end", "before it starts"),
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
