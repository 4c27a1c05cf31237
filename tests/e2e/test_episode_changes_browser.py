"""The episode page's coverage and authorization forms and the admin's new rule-set
version, in headless Chromium against the real EpisodeWorkflow: a biller records the
payer's decision (a field error first) and a secondary coverage; an admin adds a
version (a parser error first). Saves their screenshots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from models.db import coverages, rulesets
from tests.e2e.conftest import Site, logged_in, shoot
from tests.e2e.test_program_browser import stage
from tests.factories import ruleset_text
from tests.workflows.fake_clearinghouse import SENT
from tests.workflows.helpers import eventually, remember
from workflows.episode_types import SIGNAL_ELIGIBILITY, EligibilityNotice
from workflows.ids import episode_workflow_id

pytestmark = [pytest.mark.browser, pytest.mark.temporal, pytest.mark.slow]


def secondary_member(sessions: sessionmaker[Session], episode_id: str) -> str:
    with sessions() as s:
        row = coverages.secondary(s, episode_id)
        return row.member_id if row else ""


async def test_a_biller_records_the_payers_decision_and_a_secondary_coverage(
    browser: Browser, site: Site
) -> None:
    today = (await site.env.get_current_time()).date()
    staff = await logged_in(browser, site, "cleo")
    await staff.goto(site.url + "/episodes/new")
    key = await staff.locator("input[name=key]").input_value()
    episode_id = f"E-{key}"
    remember(site.task_queue, episode_workflow_id(episode_id))
    for field, value in (
        ("first_name", "Lena"),
        ("last_name", "Ortiz"),
        ("birth_date", "1988-02-02"),
        ("member_id", "A-5521"),
        ("admit_date", today.isoformat()),
        ("diagnoses", "F33.1"),
    ):
        await staff.fill(f"#f-{field}", value)
    await staff.select_option("#f-payer_id", "commercial_alpha")
    await staff.click("form.stacked button[type=submit]")
    await staff.wait_for_url(f"**/episodes/{episode_id}?flash=registered")
    await eventually(lambda: ("270", episode_id) in SENT)
    handle = site.env.client.get_workflow_handle(episode_workflow_id(episode_id))
    await handle.signal(
        SIGNAL_ELIGIBILITY, EligibilityNotice(episode_id=episode_id, status="active")
    )
    await eventually(lambda: stage(site.sessions, episode_id) == "authorization")

    page = await logged_in(browser, site, "bea")
    await page.goto(f"{site.url}/episodes/{episode_id}")
    form = page.locator("#authorization-form")
    await form.locator("#a-number").fill("PA-3141")
    await form.locator("#a-start").fill(today.isoformat())
    await form.locator("#a-end").fill((today + timedelta(days=30)).isoformat())
    await form.locator("#a-units").fill("0")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#e-units")).to_contain_text("must be more than 0")
    await page.set_viewport_size({"width": 1180, "height": 1100})
    await shoot(page, "episode-authorization-errors")
    await page.locator("#a-units").fill("20")
    await page.locator("#authorization-form button[type=submit]").click()
    await page.wait_for_url("**flash=authorized")
    await eventually(lambda: stage(site.sessions, episode_id) == "active")
    await page.reload()
    await expect(page.locator("#authorizations")).to_contain_text("PA-3141")
    await expect(page.locator("#authorizations")).to_contain_text("staff")

    await page.click("#coverage-secondary summary")
    await page.select_option("#c-secondary-payer_id", "medicaid_state")
    await page.fill("#c-secondary-member_id", "MCD-88")
    await page.click("#coverage-form-secondary button[type=submit]")
    await page.wait_for_url("**flash=coverage")
    await expect(page.locator("#secondary-coverage")).to_contain_text("medicaid_state")
    assert secondary_member(site.sessions, episode_id) == "MCD-88"


async def test_an_admin_adds_a_rule_set_version_after_fixing_a_parser_error(
    browser: Browser, site: Site
) -> None:
    page = await logged_in(browser, site, "ada")
    await page.goto(site.url + "/admin/payers")
    await page.click("#payer-commercial_beta a.button")
    await page.wait_for_url("**/admin/payers/commercial_beta/versions/new")
    prefilled = await page.locator("#f-text").input_value()
    assert 'id = "commercial_beta"' in prefilled
    base = ruleset_text("commercial_beta", version="2099.1", effective="2099-01-05")
    await page.fill("#f-text", base.replace("threshold_minutes = 180", "threshold_minutes = -1"))
    await page.click("#ruleset-form button[type=submit]")
    await expect(page.locator("#e-text")).to_contain_text("per_diem.threshold_minutes")
    await page.set_viewport_size({"width": 1180, "height": 900})
    await shoot(page, "admin-ruleset-new")
    await page.fill("#f-text", base)
    await page.click("#ruleset-form button[type=submit]")
    await page.wait_for_url("**/admin/payers?flash=added")
    row = page.locator('#payer-commercial_beta tr[data-version="2099.1"]')
    await expect(row).to_contain_text("added by ada")
    with site.sessions() as s:
        assert [r.version for r in rulesets.versions(s, "commercial_beta")] == ["2099.1"]
