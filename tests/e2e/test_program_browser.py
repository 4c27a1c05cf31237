"""Program staff and the finance console in headless Chromium: register a patient, see the
charge preview while documenting a day, document it; the supervisor's finance figures
and a drill-down. Saves the episode page and console screenshots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from models.db.billing_tables import AuthorizationRow, ChargeRow, ClaimRow, Denial
from models.db.tables import Episode
from tests.e2e.conftest import Site, logged_in, shoot
from tests.workflows.fake_clearinghouse import SENT
from tests.workflows.helpers import eventually, remember
from workflows.episode_types import SIGNAL_ELIGIBILITY, EligibilityNotice
from workflows.ids import episode_workflow_id

pytestmark = [pytest.mark.browser, pytest.mark.temporal, pytest.mark.slow]


def stage(sessions: sessionmaker[Session], episode_id: str) -> str:
    with sessions() as s:
        row = s.get(Episode, episode_id)
        return row.stage if row else ""


async def test_register_and_document_a_day_with_the_live_charge_preview(
    browser: Browser, site: Site
) -> None:
    today = (await site.env.get_current_time()).date().isoformat()
    page = await logged_in(browser, site, "cleo")
    await page.goto(site.url + "/episodes/new")
    key = await page.locator("input[name=key]").input_value()
    episode_id = f"E-{key}"
    remember(site.task_queue, episode_workflow_id(episode_id))
    for field, value in (
        ("first_name", "Noor"),
        ("last_name", "Haddad"),
        ("birth_date", "1979-09-09"),
        ("member_id", "G-3321"),
        ("admit_date", today),
        ("diagnoses", "F33.1, F41.1"),
    ):
        await page.fill(f"#f-{field}", value)
    await page.select_option("#f-payer_id", "commercial_gamma")
    await page.click("form.stacked button[type=submit]")
    await page.wait_for_url(f"**/episodes/{episode_id}?flash=registered")
    assert "Noor" not in page.url

    await eventually(lambda: ("270", episode_id) in SENT)
    handle = site.env.client.get_workflow_handle(episode_workflow_id(episode_id))
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(site.sessions, episode_id) == "active")
    await page.reload()
    await expect(page.locator("#episode-stage")).to_have_text("active")

    await page.fill("#d-date", today)
    await page.select_option("select[name=svc_kind_0]", "group")
    await page.fill("input[name=svc_minutes_0]", "140")
    await page.select_option("select[name=svc_kind_1]", "individual")
    await page.fill("input[name=svc_minutes_1]", "50")
    await page.fill("#d-note", "Group and individual therapy; engaged.")
    preview = page.locator("#day-preview")
    await expect(preview).to_contain_text("Charge preview")
    await expect(preview).to_contain_text("190 minutes")
    await expect(preview.locator("li.charge").first).to_contain_text("S9480")
    await shoot(page, "episode-day-preview")

    await page.check("input[name=signed]")
    await page.click("button[data-submit-day]")
    await expect(page.locator("#documented")).to_contain_text(f"Documented {today}: 190 minutes")
    await expect(page.locator("#charges")).to_contain_text("S9480")
    await expect(page.locator("#days")).to_contain_text("group 140")
    await page.set_viewport_size({"width": 1180, "height": 1500})
    await shoot(page, "episode")


def seed_finance(sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    rows = [
        ("medicare", 12, 180000, True),
        ("medicare", 44, 95000, True),
        ("medicare", 75, 60000, False),
        ("medicare", 130, 40000, True),
        ("medicaid_state", 8, 45000, True),
        ("medicaid_state", 95, 45000, False),
        ("commercial_alpha", 20, 90000, True),
        ("commercial_alpha", 50, 45000, True),
        ("commercial_beta", 66, 120000, True),
    ]
    with sessions() as s, s.begin():
        for n, (payer, age, cents, clean) in enumerate(rows):
            s.add(
                ClaimRow(
                    id=f"CLM-{n:03d}",
                    episode_id=f"E-fin{n}",
                    payer_id=payer,
                    form="837P",
                    period_start=date(2026, 8, 3),
                    period_end=date(2026, 8, 9),
                    total_cents=cents,
                    open_cents=cents,
                    status="submitted",
                    first_submitted_at=now - timedelta(days=age),
                    clean_first_pass=clean,
                )
            )
        for n, payer, carc in (
            (2, "medicare", "197"),
            (5, "medicaid_state", "16"),
            (8, "commercial_beta", "50"),
        ):
            s.add(
                Denial(
                    id=f"p{n}:CO:{carc}",
                    claim_id=f"CLM-{n:03d}",
                    payer_id=payer,
                    group_code="CO",
                    carc=carc,
                    queue="denials",
                    action="appeal",
                )
            )
        for n in range(60):  # about $900 charged a day over the window
            s.add(
                ChargeRow(
                    id=f"fin-ch-{n}",
                    episode_id="E-fin0",
                    payer_id="medicare",
                    day=now.date() - timedelta(days=n),
                    code="S9480",
                    charge_cents=135000,
                    status="billed",
                )
            )
        s.add(
            AuthorizationRow(
                id="fin-auth",
                episode_id="E-fin0",
                payer_id="medicare",
                number="AUTH-55",
                start=now.date() - timedelta(days=20),
                end=now.date() + timedelta(days=20),
                units=20,
                units_used=18,
                run_out=now.date() + timedelta(days=2),
            )
        )


async def test_the_finance_console_drills_down_to_the_claims_behind_a_bar(
    browser: Browser, site: Site
) -> None:
    seed_finance(site.sessions)
    page = await logged_in(browser, site, "sam")
    await page.goto(site.url + "/supervisor")
    await expect(page.locator("#days-in-ar")).to_contain_text("Days in A/R")
    await page.set_viewport_size({"width": 1180, "height": 1500})
    await page.locator("#finance-figures").scroll_into_view_if_needed()
    await shoot(page, "finance-console")
    await page.click('#ar-aging a[href="/supervisor/ar?payer=medicare&bucket=90%2B"]')
    await page.wait_for_url("**/supervisor/ar?payer=medicare&bucket=90%2B")
    await expect(page.locator("table.plain")).to_contain_text("CLM-003")
    await expect(page.locator("table.plain")).not_to_contain_text("CLM-000")
    await page.goto(site.url + "/supervisor/denials?carc=197")
    await expect(page.locator("table.plain")).to_contain_text("authorization missing")
