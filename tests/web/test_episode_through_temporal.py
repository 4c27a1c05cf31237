"""Program staff through the real EpisodeWorkflow on the time-skipping server: register in
the form, eligibility answered, a day documented through the form after its preview,
and a second day posted by the EHR with a bearer token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from iopbill.settings import Settings
from iopbill.temporal import activities_for, build_worker
from models.db import billing
from models.db.billing_tables import ChargeRow
from models.db.tables import Episode, User
from tests.conftest import TEST_PHI_KEY
from tests.web.conftest import Browser, password_hash
from tests.workflows.fake_clearinghouse import FAKES, SENT
from tests.workflows.helpers import eventually, remember, terminate_open, with_fakes
from web import api_tokens
from web.app import create_app
from workflows.episode_types import SIGNAL_ELIGIBILITY, EligibilityNotice
from workflows.ids import episode_workflow_id

pytestmark = pytest.mark.temporal
DAY = 86400.0


@pytest.fixture
async def web(
    ts_env: WorkflowEnvironment, sqlite_sessions: sessionmaker[Session], task_queue: str
) -> AsyncIterator[Browser]:
    with sqlite_sessions() as s, s.begin():
        s.add(
            User(
                username="cleo",
                display_name="Cleo",
                password_hash=password_hash(),
                roles="clinician",
            )
        )
    settings = Settings(secret_key="test-secret", phi_key=TEST_PHI_KEY, task_queue=task_queue)
    app = create_app(settings, sessions=sqlite_sessions, client=ts_env.client)
    transport = httpx.ASGITransport(app=app)
    acts = with_fakes(activities_for(sqlite_sessions), FAKES)
    async with (
        build_worker(ts_env.client, task_queue, sqlite_sessions, activities=acts),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield Browser(client).enter(sqlite_sessions, "cleo")
        await terminate_open(ts_env, task_queue)


def stage(sessions: sessionmaker[Session], episode_id: str) -> str:
    with sessions() as s:
        row = s.get(Episode, episode_id)
        return row.stage if row else ""


def day_form(day: str) -> dict[str, str]:
    return {
        "date": day,
        "program": "psychiatric",
        "telehealth": "none",
        "svc_kind_0": "group",
        "svc_minutes_0": "140",
        "svc_kind_1": "individual",
        "svc_minutes_1": "50",
        "note": "Group and individual therapy; engaged.",
        "signed": "1",
    }


async def test_register_document_a_day_with_its_preview_and_post_one_by_api(
    ts_env: WorkflowEnvironment,
    web: Browser,
    sqlite_sessions: sessionmaker[Session],
    task_queue: str,
) -> None:
    t0 = (await ts_env.get_current_time()).date()
    form = (await web.get("/episodes/new")).text
    key = re.search(r'name="key" value="([0-9a-f]{12})"', form)
    assert key
    episode_id = f"E-{key.group(1)}"
    remember(task_queue, episode_workflow_id(episode_id))
    registered = await web.post(
        "/episodes",
        {
            "key": key.group(1),
            "first_name": "Noor",
            "last_name": "Haddad",
            "birth_date": "1979-09-09",
            "gender": "F",
            "payer_id": "commercial_gamma",
            "member_id": "G-3321",
            "program": "psychiatric",
            "admit_date": t0.isoformat(),
            "diagnoses": "F33.1",
        },
    )
    assert registered.status_code == 303
    await eventually(lambda: ("270", episode_id) in SENT)
    handle = ts_env.client.get_workflow_handle(episode_workflow_id(episode_id))
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(sqlite_sessions, episode_id) == "active")

    preview = await web.post(
        f"/episodes/{episode_id}/days/preview",
        day_form(t0.isoformat()),
        headers={"HX-Request": "true"},
    )
    assert "S9480" in preview.text and "Charge preview" in preview.text
    with sqlite_sessions() as s:
        assert not billing.charges(s, episode_id)  # a preview stores nothing

    done = await web.post(f"/episodes/{episode_id}/days", day_form(t0.isoformat()))
    assert done.status_code == 200, done.text
    assert f"Documented {t0.isoformat()}: 190 minutes" in done.text
    summary = done.text.split('id="day-preview"')[1].split("</section>")[0]
    assert "S9480" in summary
    assert "Noor Haddad" in done.text and "S9480" in done.text.split('id="charges"')[1]

    future = (t0 + timedelta(days=3)).isoformat()
    refused = await web.post(f"/episodes/{episode_id}/days", day_form(future))
    assert refused.status_code == 422
    assert "in the future" in refused.text.split('id="d-date"')[1].split("</div>")[0]

    with sqlite_sessions() as s, s.begin():
        _, token = api_tokens.create(s, name="ehr", created_by="admin")
    await ts_env.sleep(DAY)
    t1 = (t0 + timedelta(days=1)).isoformat()
    payload = {
        "day": {
            "date": t1,
            "program": "psychiatric",
            "telehealth": "none",
            "services": [{"kind": "group", "minutes": 140}, {"kind": "individual", "minutes": 50}],
        },
        "note": "Posted by the EHR.",
        "signed_by": "dr-lee",
    }
    auth = {"Authorization": f"Bearer {token}"}
    url = f"/api/episodes/{episode_id}/days"
    posted = await web.client.post(url, json=payload, headers=auth)
    assert posted.status_code == 200, posted.text
    assert any("S9480" in c for c in posted.json()["day"]["charges"])
    retried = await web.client.post(url, json=payload, headers=auth)
    assert retried.json() == posted.json()
    with sqlite_sessions() as s:
        codes = s.scalars(select(ChargeRow.code).where(ChargeRow.episode_id == episode_id)).all()
        assert list(codes).count("S9480") == 2  # one per day, none for the retry
