"""Issue 2's minimal inbox: log in, my tasks, claim, inline validation error, complete, next."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.db import tasks as task_repo
from models.db.tables import AuditLog
from tests.web.conftest import FakeGateway, add_task

GOOD = {
    "first_name": "Ada",
    "last_name": "Quill",
    "birth_date": "1990-04-02",
    "gender": "F",
    "member_id": "MBR-1",
    "diagnosis_codes": "F33.1",
}


async def test_login_lands_a_biller_on_an_inbox_listing_open_tasks_of_their_queues(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    mine = add_task(web_sessions, queue="intake", patient=("Ada", "Quill"))
    other = add_task(web_sessions, queue="clinical", patient=("Bo", "Rivers"))
    page = await (await as_role("biller")).get("/inbox")
    assert page.status_code == 200
    assert f'data-task="{mine}"' in page.text and f'data-task="{other}"' not in page.text
    assert "Ada Quill" in page.text


async def test_claim_from_the_list_returns_the_row_marked_mine(
    web_sessions: sessionmaker[Session], as_role: Any, gateway: FakeGateway
) -> None:
    task_id = add_task(web_sessions)
    row = await (await as_role("biller")).post(
        f"/inbox/rows/{task_id}/claim", headers={"HX-Request": "true"}
    )
    assert row.status_code == 200 and row.text.strip().startswith("<tr")
    assert "mine" in row.text and ("claim", task_id) in gateway.calls


async def test_claim_of_a_task_someone_else_holds_says_who_holds_it(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    task_id = add_task(web_sessions, assignee="biller2")
    page = await (await as_role("biller")).post(f"/tasks/{task_id}/claim")
    assert page.status_code == 200
    assert "already claimed by biller2" in page.text


async def test_invalid_form_shows_the_validator_error_next_to_its_field(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    task_id = add_task(web_sessions, assignee="biller")
    form = {**GOOD, "member_id": ""}
    fragment = await (await as_role("biller")).post(
        f"/tasks/{task_id}/complete", form, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="task-form">')
    assert 'id="e-member_id"' in fragment.text and "Member id is required" in fragment.text
    assert 'value="Quill"' in fragment.text  # what the user typed is kept


async def test_completing_moves_to_the_next_task_in_the_queue(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    first = add_task(web_sessions, assignee="biller", priority=1)
    second = add_task(web_sessions, priority=2)
    biller = await as_role("biller")
    done = await biller.post(f"/tasks/{first}/complete", GOOD)
    assert done.status_code == 303
    assert done.headers["location"] == f"/tasks/{second}?done={first}"
    nxt = await biller.get(done.headers["location"])
    assert f"Task {first} completed" in nxt.text and "Claim this task" in nxt.text
    with web_sessions() as s:
        row = task_repo.get(s, first)
        assert row is not None and row.status == "completed"


async def test_htmx_completion_redirects_with_hx_redirect_and_empty_queue_goes_to_inbox(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    only = add_task(web_sessions, assignee="biller")
    done = await (await as_role("biller")).post(
        f"/tasks/{only}/complete", GOOD, headers={"HX-Request": "true"}
    )
    assert done.headers["HX-Redirect"] == f"/inbox?done={only}"


async def test_still_processing_keeps_the_form_and_offers_a_safe_resubmit(
    web_sessions: sessionmaker[Session], as_role: Any, gateway: FakeGateway
) -> None:
    task_id = add_task(web_sessions, assignee="biller")
    gateway.processing = True
    page = await (await as_role("biller")).post(f"/tasks/{task_id}/complete", GOOD)
    assert "Still processing" in page.text and "Submit again" in page.text


async def test_viewing_and_completing_a_task_writes_audit_rows_naming_the_patient(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    task_id = add_task(web_sessions, assignee="biller")
    biller = await as_role("biller")
    await biller.get(f"/tasks/{task_id}")
    await biller.post(f"/tasks/{task_id}/complete", GOOD)
    with web_sessions() as s:
        rows = s.execute(
            select(AuditLog.username, AuditLog.action, AuditLog.patient_id).where(
                AuditLog.target.like(f"task:{task_id}%")
            )
        ).all()
    assert ("biller", "view", f"P-{task_id}") in rows
    assert ("biller", "change", f"P-{task_id}") in rows


async def test_claim_from_a_stale_list_row_shows_who_got_there_first(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    task_id = add_task(web_sessions, assignee="biller2")
    row = await (await as_role("biller")).post(
        f"/inbox/rows/{task_id}/claim", headers={"HX-Request": "true"}
    )
    assert "held by biller2" in row.text and "already claimed by biller2" in row.text
    # ... and says so out of band in the page's notice, which a live refresh leaves alone
    notice = row.text[row.text.index('<div id="inbox-notice" hx-swap-oob="true"') :]
    assert "already claimed by biller2" in notice and 'role="alert"' in notice
