"""Inbox filters, search, columns, saved views, keyset pages, counts, live pulse, bulk."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.db import tasks as task_repo
from tests.web.conftest import FakeGateway, add_task
from web import inbox

ROW = re.compile(r'data-task="([^"]+)"')


def listed(html: str) -> list[str]:
    return ROW.findall(html)


async def test_filters_narrow_the_list_by_payer_priority_due_and_assignee(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    a = add_task(web_sessions, payer="medicare", priority=1, due_in_days=-1)
    b = add_task(web_sessions, payer="aetna", priority=3, due_in_days=3)
    c = add_task(web_sessions, payer="aetna", priority=3, due_in_days=0.1, assignee="biller")
    sup = await as_role("supervisor")
    post = sup.post

    assert listed((await post("/inbox/list", {"payer": "aetna"})).text) == [c, b]
    assert listed((await post("/inbox/list", {"priority": "1"})).text) == [a]
    assert listed((await post("/inbox/list", {"due": "overdue"})).text) == [a]
    assert listed((await post("/inbox/list", {"due": "week"})).text) == [c, b]
    assert listed((await post("/inbox/list", {"assignee": "biller"})).text) == [c]
    assert listed((await post("/inbox/list", {"assignee": "none"})).text) == [a, b]


async def test_queue_and_stage_filters_and_the_queue_buttons(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    a = add_task(web_sessions, queue="intake")
    b = add_task(web_sessions, queue="billing")
    sup = await as_role("supervisor")
    assert listed((await sup.post("/inbox/list", {"queue": "billing"})).text) == [b]
    picked = await sup.post("/inbox/list", {"queue": "billing", "pick_queue": "intake"})
    assert listed(picked.text) == [a]
    every = await sup.post("/inbox/list", {"queue": "billing", "pick_queue": "*"})
    assert set(listed(every.text)) == {a, b}
    assert listed((await sup.post("/inbox/list", {"stage": "eligibility"})).text) == []
    assert set(listed((await sup.post("/inbox/list", {"stage": "intake"})).text)) == {a, b}


async def test_search_by_patient_name_or_claim_number_is_posted_never_in_the_url(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    ada = add_task(web_sessions, patient=("Ada", "Quill"))
    bo = add_task(web_sessions, patient=("Bo", "Rivers"), claim_id="CLM-778")
    biller = await as_role("biller")
    assert listed((await biller.post("/inbox/list", {"search": "ada qu"})).text) == [ada]
    assert listed((await biller.post("/inbox/list", {"search": "clm-77"})).text) == [bo]
    page = await biller.get("/inbox")
    form = re.search(r'<form id="inbox-filters"[^>]*>', page.text)
    assert form and 'method="post"' in form.group(0)
    assert (await biller.get("/inbox?search=Ada")).text.count("Ada Quill") == 1  # ignored in URL


async def test_a_biller_sees_only_their_queues_and_what_they_hold(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    mine = add_task(web_sessions, queue="billing")
    elsewhere = add_task(web_sessions, queue="clinical")
    held = add_task(web_sessions, queue="clinical", assignee="biller")
    escalated = add_task(web_sessions, queue="supervisor")
    got = set(listed((await (await as_role("biller")).post("/inbox/list", {})).text))
    assert got == {mine, held}
    sup = set(listed((await (await as_role("supervisor")).post("/inbox/list", {})).text))
    assert {mine, elsewhere, held, escalated} <= sup


async def test_chosen_columns_include_business_fields(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    add_task(web_sessions, amount=123456, claim_id="CLM-1")
    html = (
        await (await as_role("biller")).post(
            "/inbox/list", {"columns": ["title", "amount", "claim", "filing"]}
        )
    ).text
    assert "Amount at risk" in html and "$1,234.56" in html and "CLM-1" in html
    assert "Days to filing deadline" in html and "<th>Patient</th>" not in html


async def test_keyset_pages_walk_every_task_once_in_every_sort(
    web_sessions: sessionmaker[Session], as_role: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(inbox, "PAGE_SIZE", 3)
    ids = {
        add_task(web_sessions, priority=1 + i % 3, amount=i * 10, due_in_days=i % 4)
        for i in range(7)
    }
    biller = await as_role("biller")
    for sort in inbox.SORTS:
        for desc in ("", "1"):
            seen: list[str] = []
            cursor, pages = "", 0
            for pages in range(1, 10):  # noqa: B007
                body = {"sort": sort, "desc": desc, "after": cursor}
                html = (await biller.post("/inbox/list", body)).text
                seen += listed(html)
                found = re.search(r'name="after" value="([^"]+)"', html)
                if not found:
                    break
                cursor = found.group(1)
            assert pages == 3, (sort, desc)
            assert sorted(seen) == sorted(ids) and len(seen) == len(ids), (sort, desc)


async def test_saved_views_are_private_unless_shared_with_the_team(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    add_task(web_sessions, payer="aetna")
    biller = await as_role("biller")
    await biller.post("/inbox/views", {"view_name": "Aetna only", "payer": "aetna"})
    await biller.post("/inbox/views", {"view_name": "Team urgent", "priority": "1", "shared": "1"})
    page = (await biller.get("/inbox")).text
    assert "Aetna only" in page and "Team urgent" in page
    other = (await (await as_role("biller2")).get("/inbox")).text
    assert "Team urgent" in other and "Aetna only" not in other
    view_id = re.search(r'href="/inbox\?view=(\d+)">Team urgent', other)
    assert view_id
    opened = (await (await as_role("biller2")).get(f"/inbox?view={view_id.group(1)}")).text
    assert re.search(r"<option selected>1</option>", opened)


async def test_queue_counts_stay_in_step_with_open_tasks(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    for _ in range(3):
        add_task(web_sessions, queue="billing")
    done = add_task(web_sessions, queue="billing", assignee="biller")
    with web_sessions() as s, s.begin():
        task_repo.record_transition(
            s,
            done,
            key="k-done",
            event="completed",
            actor="biller",
            status="completed",
            assignee="biller",
        )
    html = (await (await as_role("biller")).post("/inbox/list", {})).text
    assert 'hx-swap-oob="true"' in html
    assert re.search(r'data-queue="billing">3<', html)


async def test_pulse_answers_204_until_a_task_changes_then_signals_the_list(
    web_sessions: sessionmaker[Session], as_role: Any, gateway: FakeGateway
) -> None:
    task = add_task(web_sessions)
    biller = await as_role("biller")
    page = (await biller.get("/inbox")).text
    stamp = re.search(r"/inbox/pulse\?since=(\d+)", page)
    assert stamp
    quiet = await biller.get(f"/inbox/pulse?since={stamp.group(1)}")
    assert quiet.status_code == 204
    await gateway.claim(task, "biller2")  # someone else claims it
    changed = await biller.get(f"/inbox/pulse?since={stamp.group(1)}")
    assert changed.status_code == 200 and changed.headers["HX-Trigger"] == "inbox-changed"
    assert 'id="inbox-pulse"' in changed.text
    assert "held by biller2" in (await biller.post("/inbox/list", {})).text


async def test_bulk_reassign_sends_one_update_per_task_and_lists_failures(
    web_sessions: sessionmaker[Session], as_role: Any, gateway: FakeGateway
) -> None:
    a, b = add_task(web_sessions), add_task(web_sessions)
    gone = add_task(web_sessions)
    with web_sessions() as s, s.begin():
        task_repo.record_transition(
            s, gone, key="k-gone", event="completed", actor="x", status="completed", assignee="x"
        )
    sup = await as_role("supervisor")
    response = await sup.post(
        "/inbox/bulk",
        {"action": "reassign", "to_user": "biller2", "task_ids": [a, b, gone]},
        headers={"HX-Request": "true"},
    )
    assert "2 of 3 task(s) updated" in response.text and gone in response.text
    assert response.headers["HX-Trigger"] == "inbox-changed"
    assert [c for c in gateway.calls if c[0] == "reassign"] == [
        ("reassign", a),
        ("reassign", b),
        ("reassign", gone),
    ]
    with web_sessions() as s:
        assert {task_repo.get(s, t).assignee for t in (a, b)} == {"biller2"}  # type: ignore[union-attr]


async def test_bulk_priority_and_release_and_a_missing_choice(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    a = add_task(web_sessions, assignee="biller")
    sup = await as_role("supervisor")
    hx = {"HX-Request": "true"}
    await sup.post(
        "/inbox/bulk", {"action": "priority", "to_priority": "1", "task_ids": a}, headers=hx
    )
    released = await sup.post("/inbox/bulk", {"action": "release", "task_ids": a}, headers=hx)
    assert "1 of 1" in released.text
    with web_sessions() as s:
        row = task_repo.get(s, a)
        assert row is not None and row.priority == 1 and row.assignee is None
    empty = await sup.post("/inbox/bulk", {"action": "reassign", "task_ids": a}, headers=hx)
    assert "0 of 1" in empty.text and "choose a user" in empty.text


async def test_without_javascript_save_view_posts_the_whole_filter_form(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    biller = await as_role("biller")
    page = (await biller.get("/inbox")).text
    form = page.split('<form id="inbox-filters"')[1].split("</form>")[0]
    assert 'name="view_name"' in form and 'formaction="/inbox/views"' in form
    saved = await biller.post(
        "/inbox/views", {"view_name": "Cigna due", "payer": "cigna", "due": "today"}
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/inbox"
    view_id = re.search(r'href="/inbox\?view=(\d+)">Cigna due', (await biller.get("/inbox")).text)
    assert view_id
    opened = (await biller.get(f"/inbox?view={view_id.group(1)}")).text
    assert 'name="payer" value="cigna"' in opened and '<option value="today" selected>' in opened
