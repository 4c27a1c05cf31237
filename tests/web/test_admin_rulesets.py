"""Admin: each payer's rule-set versions (shipped and added) and adding a version with
an effective date, validated by the rule-set parser."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.db import rulesets
from models.db.tables import AuditLog
from tests.factories import ruleset_text

NEXT = {"version": "2099.1", "effective": "2099-01-05"}
TEXTAREA = re.compile(r'<textarea id="f-text" name="text"[^>]*>(.*?)</textarea>', re.S)


def textarea(page: str) -> str:
    found = TEXTAREA.search(page)
    assert found
    return html.unescape(found.group(1))


async def test_the_payers_page_lists_each_payers_versions_with_the_one_in_force(
    as_role: Any,
) -> None:
    page = (await (await as_role("admin")).get("/admin/payers")).text
    medicare = page.split('id="payer-medicare"')[1].split("</section>")[0]
    assert "medicare_2025.toml" in medicare and "medicare_2026.toml" in medicare
    in_force = medicare.split('class="in-force"')[1].split("</tr>")[0]
    assert "2026.1" in in_force and "in force" in in_force
    assert 'href="/admin/payers/medicare/versions/new"' in medicare


async def test_the_new_version_form_is_prefilled_from_the_version_in_force(
    as_role: Any,
) -> None:
    page = await (await as_role("admin")).get("/admin/payers/commercial_alpha/versions/new")
    assert page.status_code == 200
    text = textarea(page.text)
    assert 'id = "commercial_alpha"' in text and 'version = "2026.1"' in text
    assert "[fee_schedule]" in text
    unknown = await (await as_role("admin")).get("/admin/payers/acme/versions/new")
    assert unknown.status_code == 403


async def test_adding_a_version_stores_it_audits_it_and_lists_it(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    admin = await as_role("admin")
    text = ruleset_text(**NEXT, changes={'"S9480" = 45000': '"S9480" = 47000'})
    added = await admin.post("/admin/payers/commercial_alpha/versions", {"text": text})
    assert added.status_code == 303 and added.headers["location"] == "/admin/payers?flash=added"
    with web_sessions() as s:
        (row,) = rulesets.versions(s, "commercial_alpha")
        assert (row.version, row.effective.isoformat(), row.created_by) == (
            "2099.1",
            "2099-01-05",
            "admin",
        )
        assert '"S9480" = 47000' in row.text
        target = "ruleset:commercial_alpha:2099.1:add"
        assert s.scalar(select(AuditLog).where(AuditLog.target == target)) is not None
    page = (await admin.get("/admin/payers?flash=added")).text
    alpha = page.split('id="payer-commercial_alpha"')[1].split("</section>")[0]
    assert "added by admin" in alpha and "from 2099-01-05" in alpha
    assert "Rule-set version added." in page
    one = await admin.get("/admin/payers/commercial_alpha/versions/2099.1")
    assert one.status_code == 200 and "47000" in one.text
    again = await admin.post("/admin/payers/commercial_alpha/versions", {"text": text})
    assert again.status_code == 422 and "already has this version" in again.text


async def test_a_refused_version_shows_the_parsers_line_and_keeps_the_text(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    admin = await as_role("admin")
    text = ruleset_text(**NEXT, changes={"threshold_minutes = 180": "threshold_minutes = -5"})
    line = text.splitlines().index("threshold_minutes = -5") + 1
    refused = await admin.post("/admin/payers/commercial_alpha/versions", {"text": text})
    assert refused.status_code == 422
    field = refused.text.split('id="f-text"')[1].split("</div>")[0]
    assert f"line {line}: per_diem.threshold_minutes:" in field
    assert textarea(refused.text) == text
    past = ruleset_text(version="2099.1", effective="2020-01-01")
    late = await admin.post("/admin/payers/commercial_alpha/versions", {"text": past})
    assert late.status_code == 422 and "must be after today" in late.text
    other = await admin.post("/admin/payers/medicare/versions", {"text": ruleset_text(**NEXT)})
    assert other.status_code == 422 and "must be &#39;medicare&#39;" in other.text
    with web_sessions() as s:
        assert rulesets.versions(s) == []
