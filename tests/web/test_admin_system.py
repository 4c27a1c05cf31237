"""Admin: API tokens, payers and rule-set files, clearinghouse status."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.db.billing_tables import X12File
from models.db.web_tables import ApiToken
from tests.web.conftest import add_task


async def test_an_admin_creates_a_token_shown_once_and_revokes_it(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    admin = await as_role("admin")
    created = await admin.post("/admin/tokens", {"name": "ehr-main"})
    found = re.search(r"<code>(iop_[A-Za-z0-9_-]+)</code>", created.text)
    assert created.status_code == 200 and found
    again = (await admin.get("/admin/tokens")).text
    assert found.group(1) not in again and "ehr-main" in again
    with web_sessions() as s:
        row = s.scalar(select(ApiToken))
        assert row is not None and row.token_hash != found.group(1)
    revoked = await admin.post(f"/admin/tokens/{row.id}/revoke")
    assert revoked.status_code == 303
    assert "revoked" in (await admin.get("/admin/tokens")).text
    unnamed = await admin.post("/admin/tokens", {"name": " "})
    assert unnamed.status_code == 422


async def test_payers_page_lists_payers_seen_and_the_shipped_rule_set_files(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    add_task(web_sessions, payer="medicaid_state")
    admin = await as_role("admin")
    page = (await admin.get("/admin/payers")).text
    assert "medicaid_state" in page
    assert "medicare_2025.toml" in page and "medicare_2026.toml" in page
    assert "2026-01-01" in page and "iopbill rules payers" in page
    one = await admin.get("/admin/payers/rulesets/medicare_2026.toml")
    assert one.status_code == 200 and "fee_schedule" in one.text
    assert (await admin.get("/admin/payers/rulesets/..%2Fsettings.py")).status_code in (403, 404)


async def test_clearinghouse_page_shows_the_adapter_and_the_last_files(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    with web_sessions() as s, s.begin():
        for i, (direction, status, error) in enumerate(
            [
                ("out", "processed", ""),
                ("in", "unmatched", "no claim CLM-9"),
                ("in", "error", "bad ISA"),
            ]
        ):
            s.add(
                X12File(
                    direction=direction,
                    kind="999",
                    name=f"f{i}.x12",
                    sha256=f"{i:064d}",
                    content="ISA~",
                    status=status,
                    error=error,
                )
            )
    page = (await (await as_role("admin")).get("/admin/clearinghouse")).text
    assert '<strong id="adapter">simulator</strong>' in page
    assert '<strong id="unmatched">1</strong>' in page and '<strong id="failed">1</strong>' in page
    assert "no claim CLM-9" in page and "bad ISA" in page and "f0.x12" in page
