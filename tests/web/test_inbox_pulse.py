"""The live pulse never calls a stale list current, whatever order writes and reads take."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from models.db.base import utcnow
from models.db.tables import Task
from tests.web.conftest import add_task
from web import inbox

ROW = re.compile(r'data-task="([^"]+)"')
STAMP = re.compile(r"/inbox/pulse\?since=(\d+)")


def stamp_of(html: str) -> str:
    found = STAMP.search(html)
    assert found, "page has no pulse"
    return found.group(1)


async def test_a_task_written_while_the_page_renders_comes_with_the_next_pulse(
    web_sessions: sessionmaker[Session], as_role: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_task(web_sessions, queue="billing")
    late: list[str] = []
    read_list = inbox.list_page

    def list_then_a_write(*args: Any, **kw: Any) -> inbox.InboxPage:
        page = read_list(*args, **kw)
        if not late:  # a workflow's activity commits just after the page read its list
            late.append(add_task(web_sessions, queue="billing"))
        return page

    monkeypatch.setattr(inbox, "list_page", list_then_a_write)
    biller = await as_role("biller")
    page = (await biller.get("/inbox")).text
    assert late[0] not in ROW.findall(page)
    pulse = await biller.get(f"/inbox/pulse?since={stamp_of(page)}")
    assert pulse.headers.get("HX-Trigger") == "inbox-changed"
    assert late[0] in ROW.findall((await biller.post("/inbox/list", {})).text)


@pytest.mark.parametrize(
    "offset",
    [timedelta(milliseconds=-5), timedelta(microseconds=300)],
    ids=["older-than-the-newest", "same-millisecond"],
)
async def test_a_change_committed_after_a_newer_one_still_moves_the_stamp(
    web_sessions: sessionmaker[Session], as_role: Any, offset: timedelta
) -> None:
    """A transition takes its ``updated_at`` before it waits for the write lock, so it can
    commit after a newer change, or land in the newest change's millisecond."""
    claimed, newest = add_task(web_sessions, queue="billing"), add_task(web_sessions)
    at = (utcnow() + timedelta(seconds=1)).replace(microsecond=500_000)  # the newest change
    with web_sessions() as s, s.begin():
        s.execute(update(Task).where(Task.id == newest).values(updated_at=at))
    biller = await as_role("biller")
    since = stamp_of((await biller.get("/inbox")).text)
    with web_sessions() as s, s.begin():
        s.execute(
            update(Task)
            .where(Task.id == claimed)
            .values(status="claimed", assignee="biller2", updated_at=at + offset)
        )
    pulse = await biller.get(f"/inbox/pulse?since={since}")
    assert pulse.headers.get("HX-Trigger") == "inbox-changed"
    assert "held by biller2" in (await biller.post("/inbox/list", {})).text


async def test_only_a_list_answer_moves_the_pulse_on(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    """A refresh that fails is asked for again: the pulse keeps its stamp until a list
    arrives with the stamp it was read at (out of band)."""
    add_task(web_sessions, queue="billing")
    biller = await as_role("biller")
    since = stamp_of((await biller.get("/inbox")).text)
    fresh = add_task(web_sessions, queue="billing")
    for _ in range(2):  # the list refresh it asked for never arrived
        pulse = await biller.get(f"/inbox/pulse?since={since}")
        assert pulse.headers.get("HX-Trigger") == "inbox-changed"
        assert stamp_of(pulse.text) == since
    listed = (await biller.post("/inbox/list", {})).text
    assert fresh in ROW.findall(listed)
    assert re.search(r'<div id="inbox-pulse" hx-swap-oob="true"', listed)
    assert (await biller.get(f"/inbox/pulse?since={stamp_of(listed)}")).status_code == 204
