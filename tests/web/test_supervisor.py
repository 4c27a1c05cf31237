"""Supervisor console: figures from the read model, each drilling down to its list."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from models.db.base import utcnow
from models.db.billing_tables import DocumentedDay
from models.db.tables import Episode, Task
from tests.web.conftest import add_task


def age(sessions: sessionmaker[Session], task_id: str, *, days: float, level: int = 0) -> None:
    """Pretend the task and its episode were opened ``days`` ago."""
    then = utcnow() - timedelta(days=days)
    with sessions() as s, s.begin():
        s.execute(
            update(Task)
            .where(Task.id == task_id)
            .values(created_at=then, escalation_level=level, due_at=then + timedelta(days=1))
        )
        s.execute(update(Episode).where(Episode.id == f"E-{task_id}").values(stage_changed_at=then))


def bar_value(html: str, label: str) -> int:
    found = re.search(rf'data-figure="{re.escape(label)}">\s*<title>[^:]+: (\d+)</title>', html)
    assert found, label
    return int(found.group(1))


async def test_dashboard_counts_stuck_episodes_by_stage_and_escalations(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    old = add_task(web_sessions)
    age(web_sessions, old, days=5, level=1)
    older = add_task(web_sessions)
    age(web_sessions, older, days=9, level=2)
    add_task(web_sessions)  # fresh: neither stuck nor overdue
    html = (await (await as_role("supervisor")).get("/supervisor")).text
    assert "<svg" in html and "<script" not in html.split("<main>")[1]
    assert bar_value(html, "intake") == 2
    assert bar_value(html, "past due") == 2
    assert bar_value(html, "level 1") == 1 and bar_value(html, "level 2") == 1
    assert bar_value(html, "7+ days") == 1 and bar_value(html, "3-7 days") == 1
    assert "Denial rate by payer" in html and "Days in A/R" in html


async def test_every_figure_links_to_the_list_behind_it(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    old = add_task(web_sessions, patient=("Cy", "Stone"))
    age(web_sessions, old, days=5, level=1)
    sup = await as_role("supervisor")
    html = (await sup.get("/supervisor")).text
    links = set(re.findall(r'<a href="(/supervisor/[^"]+)" data-figure', html))
    assert "/supervisor/stuck?stage=intake&amp;days=3" in links
    stuck = await sup.get("/supervisor/stuck?stage=intake&days=3")
    assert "Cy Stone" in stuck.text and f"/supervisor/tasks?episode=E-{old}" in stuck.text
    for path in (
        "/supervisor/tasks?level=1",
        "/supervisor/tasks?overdue=1",
        "/supervisor/tasks?queue=intake&age=3-7",
        f"/supervisor/tasks?episode=E-{old}",
    ):
        listing = await sup.get(path)
        assert f'data-task="{old}"' in listing.text, path
        assert 'form="bulk"' in listing.text  # reassign from any list
    assert f'data-task="{old}"' not in (await sup.get("/supervisor/tasks?level=2")).text


async def test_the_stuck_threshold_is_configurable(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    t = add_task(web_sessions)
    age(web_sessions, t, days=2)
    sup = await as_role("supervisor")
    assert "No stuck episodes" in (await sup.get("/supervisor/stuck?days=3")).text
    stuck = (await sup.get("/supervisor/stuck?days=1")).text
    assert f'<a href="/episodes/E-{t}">E-{t}</a>' in stuck  # the row opens the episode
    assert "<td>none</td>" in stuck  # no day documented yet


async def test_a_stuck_episode_shows_its_last_documented_day(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    t = add_task(web_sessions)
    age(web_sessions, t, days=4)
    with web_sessions() as s, s.begin():
        for day in (date(2026, 11, 2), date(2026, 11, 4)):
            s.add(
                DocumentedDay(
                    id=f"E-{t}:{day}", episode_id=f"E-{t}", day=day, program="psychiatric"
                )
            )
    stuck = (await (await as_role("supervisor")).get("/supervisor/stuck?days=3")).text
    assert "<td>2026-11-04</td>" in stuck


async def test_a_closed_episode_is_never_stuck(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    t = add_task(web_sessions)
    age(web_sessions, t, days=9)
    with web_sessions() as s, s.begin():
        s.execute(update(Episode).where(Episode.id == f"E-{t}").values(stage="closed"))
    sup = await as_role("supervisor")
    assert "No stuck episodes" in (await sup.get("/supervisor/stuck?days=3")).text
    assert "/supervisor/stuck?stage=closed" not in (await sup.get("/supervisor")).text
