"""No patient name, date of birth or member id in any URL a page links, posts or polls to."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from models.db.base import utcnow
from models.db.tables import Episode, Patient
from tests.web.conftest import add_task

URL_ATTR = re.compile(r'(?:href|action|formaction|hx-get|hx-post|src)="([^"]*)"')
PHI = ("Zelda", "Quartermaine", "1977-07-07", "MBR-SECRET-9")


async def test_pages_put_no_phi_in_urls(web_sessions: sessionmaker[Session], as_role: Any) -> None:
    task_id = add_task(web_sessions, patient=("Zelda", "Quartermaine"), claim_id="CLM-9")
    with web_sessions() as s, s.begin():
        s.execute(
            update(Patient)
            .where(Patient.id == f"P-{task_id}")
            .values(birth_date=date(1977, 7, 7), member_id="MBR-SECRET-9")
        )
        s.execute(
            update(Episode)
            .where(Episode.id == f"E-{task_id}")
            .values(stage_changed_at=utcnow() - timedelta(days=9))
        )
    sup = await as_role("supervisor")
    pages = [
        await sup.get("/inbox"),
        await sup.post("/inbox", {"search": "zelda"}),
        await sup.post("/inbox/list", {"search": "Quartermaine"}),
        await sup.get(f"/tasks/{task_id}"),
        await sup.get("/supervisor"),
        await sup.get("/supervisor/stuck"),
        await sup.get(f"/supervisor/tasks?episode=E-{task_id}"),
        await sup.get("/episodes"),
        await sup.get(f"/episodes/E-{task_id}"),
        await sup.post(f"/episodes/E-{task_id}/days", {"date": "2026-11-02"}),
    ]
    shown = 0
    for page in pages:
        assert page.status_code in (200, 422)
        shown += any(p in page.text for p in PHI)  # the pages do show the patient…
        for url in URL_ATTR.findall(page.text):
            assert not any(p.lower() in url.lower() for p in PHI), url  # …never in a URL
    assert shown >= 7
