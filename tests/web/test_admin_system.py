"""Admin: API tokens, payers and rule-set files, clearinghouse status."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from models.db.base import utcnow
from models.db.billing_tables import X12File
from models.db.web_tables import ApiToken
from tests.web.conftest import add_task
from web.inbox_health import InboxHealth, folder_waiting


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


async def test_clearinghouse_page_and_console_say_when_the_inbox_is_behind(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    """A default program reads its inbox every 60 s: an answer due 10 minutes ago and
    unread is ten polls late; one due 30 s ago is not late yet. The admin's clearinghouse
    page and the supervisor's console both say so."""
    now = utcnow()
    with web_sessions() as s, s.begin():
        for i, (due, delivered) in enumerate(
            [
                (now - timedelta(minutes=10), False),
                (now - timedelta(seconds=30), False),
                (now + timedelta(minutes=5), False),  # not due: not waiting
                (now - timedelta(hours=2), True),  # read by the poll stamped then
            ]
        ):
            s.add(
                X12File(
                    direction="in",
                    kind="277CA",
                    name=f"a{i}.x12",
                    sha256=f"a{i:063d}",
                    content="ISA~",
                    status="processed" if delivered else "pending",
                    error="",
                    deliver_at=due,
                    delivered=delivered,
                )
            )
    admin = await as_role("admin")
    page = (await admin.get("/admin/clearinghouse")).text
    assert '<strong id="inbox-waiting">2</strong>' in page
    assert 'id="inbox-behind"' in page and "2 file(s) have waited since" in page
    assert "reads every 60.0 s" in page
    read = (now - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    assert f'<span id="inbox-last-read">{read}</span>' in page
    console = (await (await as_role("supervisor")).get("/supervisor")).text
    assert 'id="inbox-behind"' in console and "2 file(s) have waited to be read" in console
    with web_sessions() as s, s.begin():
        s.execute(delete(X12File).where(X12File.name == "a0.x12"))
    assert 'id="inbox-behind"' not in (await (await as_role("supervisor")).get("/supervisor")).text
    calm = (await (await as_role("admin")).get("/admin/clearinghouse")).text
    assert '<strong id="inbox-waiting">1</strong>' in calm and 'id="inbox-behind"' not in calm


def test_a_file_drop_inbox_counts_its_files_but_not_partial_uploads(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    assert folder_waiting(inbox) == (0, None)  # no folder yet: nothing waits
    inbox.mkdir()
    assert folder_waiting(inbox) == (0, None)
    (inbox / "old.835").write_text("ISA~")
    (inbox / "new.999").write_text("ISA~")
    (inbox / ".part.835").write_text("IS")  # a sync's partial upload
    os.utime(inbox / "old.835", (1_700_000_000, 1_700_000_000))
    count, oldest = folder_waiting(inbox)
    assert count == 2 and oldest == datetime.fromtimestamp(1_700_000_000, UTC)


def test_the_inbox_is_behind_after_three_polls_and_never_within_a_minute() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def behind(waited_s: float, poll_seconds: float, waiting: int = 1) -> bool:
        return InboxHealth(
            waiting=waiting,
            oldest=now - timedelta(seconds=waited_s),
            last_read=None,
            poll_seconds=poll_seconds,
            now=now,
        ).behind

    assert not behind(180.0, 60.0) and behind(180.5, 60.0)  # a real day: 60 s polls
    assert not behind(60.0, 2.5) and behind(60.5, 2.5)  # the demo: a minute at least
    assert not behind(1000.0, 60.0, waiting=0)
