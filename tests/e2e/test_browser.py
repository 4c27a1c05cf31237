"""The web app in headless Chromium against a real server, Temporal and worker."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, Route, expect

from models.db import tasks as task_repo
from tests.e2e.conftest import DAY, Site, logged_in, shoot

SELECTED = re.compile(r"\bselected\b")
pytestmark = [pytest.mark.browser, pytest.mark.temporal, pytest.mark.slow]


async def fill_diagnoses(page: Page) -> None:
    """The intake form asks for ICD-10-CM codes (when its schema has the field)."""
    if await page.locator("#f-diagnosis_codes").count():
        await page.fill("#f-diagnosis_codes", "F33.1")


async def test_login_claim_fix_a_validation_error_complete_and_see_the_next_task(
    browser: Browser, site: Site
) -> None:
    first = await site.open_task(priority=1, patient=("Ada", "Quill"))
    second = await site.open_task(priority=2, patient=("Bo", "Rivers"))
    context = await browser.new_context(viewport={"width": 1180, "height": 760})
    page = await context.new_page()
    await page.goto(site.url + "/inbox")
    await expect(page.locator("h1")).to_have_text("Log in")
    await shoot(page, "login")
    page = await logged_in(browser, site, "bea")
    await expect(page.locator(f'tr[data-task="{first}"]')).to_be_visible()
    await shoot(page, "inbox")

    await page.click(f'tr[data-task="{first}"] a[data-open]')
    await page.click("button[data-claim]")
    await expect(page.locator(".facts")).to_contain_text("held by bea")
    await page.fill("#f-member_id", "!")
    await page.fill("#f-birth_date", "2999-01-01")
    await page.select_option("#f-gender", "F")
    await page.click("form[data-task-form] button[type=submit]")
    await expect(page.locator("#e-member_id")).to_contain_text("3–30 letters")
    await expect(page.locator("#e-birth_date")).to_contain_text("cannot be after")
    await shoot(page, "task-form-errors")

    await page.fill("#f-member_id", "MBR-1234")
    await page.fill("#f-birth_date", "1990-04-02")
    await fill_diagnoses(page)
    await page.click("form[data-task-form] button[type=submit]")
    await page.wait_for_url(f"**/tasks/{second}?done={first}")
    await expect(page.locator("#flash")).to_contain_text(f"Task {first} completed")
    with site.sessions() as s:
        row = task_repo.get(s, first)
        assert row is not None and row.status == "completed" and row.completed_by == "bea"


async def test_a_task_created_by_a_workflow_appears_live_in_another_open_inbox(
    browser: Browser, site: Site
) -> None:
    await site.open_task(priority=3)
    ben = await logged_in(browser, site, "ben")
    await expect(ben.locator("tr[data-task]")).to_have_count(1)
    fresh = await site.open_task(priority=1, patient=("Cy", "Stone"))
    await expect(ben.locator(f'tr[data-task="{fresh}"]')).to_be_visible(timeout=15_000)
    await expect(ben.locator("tr[data-task]")).to_have_count(2)

    bea = await logged_in(browser, site, "bea")
    await bea.click(f'tr[data-task="{fresh}"] button[data-claim]')
    await expect(bea.locator(f'tr[data-task="{fresh}"]')).to_contain_text("mine")
    await expect(ben.locator(f'tr[data-task="{fresh}"]')).to_contain_text(
        "held by bea", timeout=15_000
    )


async def test_a_live_refresh_that_fails_is_asked_for_again(browser: Browser, site: Site) -> None:
    await site.open_task(priority=3)
    ben = await logged_in(browser, site, "ben")
    dropped: list[str] = []

    async def drop_the_first(route: Route) -> None:
        if dropped:
            await route.continue_()
        else:
            dropped.append(route.request.url)
            await route.abort()  # a lost connection: htmx leaves the list as it was

    await ben.route("**/inbox/list", drop_the_first)
    fresh = await site.open_task(priority=1, patient=("Cy", "Stone"))
    # Two pulse periods (4 s each): the refresh that was dropped, then the one asked again.
    await expect(ben.locator(f'tr[data-task="{fresh}"]')).to_be_visible(timeout=20_000)
    assert dropped


async def test_a_failed_claim_from_the_list_stays_said_after_a_live_refresh(
    browser: Browser, site: Site
) -> None:
    task = await site.open_task(priority=2)
    ben = await logged_in(browser, site, "ben")
    await expect(ben.locator(f'tr[data-task="{task}"] button[data-claim]')).to_be_visible()
    held: list[Route] = []

    async def hold(route: Route) -> None:  # ben's list stays as it was for now
        held.append(route)
        await route.abort()

    await ben.route("**/inbox/list", hold)
    bea = await logged_in(browser, site, "bea")
    await bea.click(f'tr[data-task="{task}"] button[data-claim]')
    await expect(bea.locator(f'tr[data-task="{task}"]')).to_contain_text("mine")

    await ben.click(f'tr[data-task="{task}"] button[data-claim]')  # a stale row
    notice = ben.locator("#inbox-notice [role=alert]")
    await expect(notice).to_contain_text("already claimed by bea")
    await expect(ben.locator(f'tr[data-task="{task}"] .error')).to_contain_text("bea")

    await ben.unroute("**/inbox/list")
    fresh = await site.open_task(priority=1, patient=("Cy", "Stone"))
    await expect(ben.locator(f'tr[data-task="{fresh}"]')).to_be_visible(timeout=20_000)
    # The refresh redrew the rows (the row's own message is gone), not the notice.
    await expect(ben.locator(f'tr[data-task="{task}"] .error')).to_have_count(0)
    await expect(ben.locator(f'tr[data-task="{task}"]')).to_contain_text("held by bea")
    await expect(notice).to_contain_text("already claimed by bea")

    await ben.click(f'tr[data-task="{fresh}"] button[data-claim]')  # a claim that works
    await expect(ben.locator(f'tr[data-task="{fresh}"]')).to_contain_text("mine")
    await expect(notice).to_have_count(0)


async def test_keyboard_moves_opens_claims_searches_and_submits(
    browser: Browser, site: Site
) -> None:
    a = await site.open_task(priority=1, patient=("Ada", "Quill"))
    b = await site.open_task(priority=2, patient=("Bo", "Rivers"))
    page = await logged_in(browser, site, "bea")
    await page.keyboard.press("j")
    await expect(page.locator(f'tr[data-task="{a}"]')).to_have_class(SELECTED)
    await page.keyboard.press("j")
    await expect(page.locator(f'tr[data-task="{b}"]')).to_have_class(SELECTED)
    await page.keyboard.press("k")
    await expect(page.locator(f'tr[data-task="{a}"]')).to_have_class(SELECTED)
    await page.keyboard.press("c")
    await expect(page.locator(f'tr[data-task="{a}"]')).to_contain_text("mine")
    await page.keyboard.press("?")
    await expect(page.locator("#keys-help")).to_be_visible()
    await page.keyboard.press("Escape")
    await page.keyboard.press("/")
    await expect(page.locator("#search")).to_be_focused()
    await page.keyboard.type("rivers")
    await page.keyboard.press("Enter")
    await expect(page.locator("tr[data-task]")).to_have_count(1)
    await expect(page.locator("tr[data-task]")).to_have_attribute("data-task", b)

    await page.goto(f"{site.url}/inbox")
    await page.keyboard.press("j")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**/tasks/{a}")
    await page.fill("#f-member_id", "MBR-77")
    await page.fill("#f-birth_date", "1980-01-01")
    await page.select_option("#f-gender", "M")
    await fill_diagnoses(page)
    await page.focus("#f-member_id")
    await page.keyboard.press("Control+Enter")
    await page.wait_for_url(f"**/tasks/{b}?done={a}")


async def test_supervisor_bulk_reassigns_selected_tasks(browser: Browser, site: Site) -> None:
    ids = [await site.open_task(priority=p) for p in (1, 2, 3)]
    sam = await logged_in(browser, site, "sam")
    for task_id in ids[:2]:
        await sam.check(f'input[name=task_ids][value="{task_id}"]')
    await sam.select_option("#bulk select[name=action]", "reassign")
    await sam.select_option("#bulk select[name=to_user]", "ben")
    await sam.click("#bulk button[type=submit]")
    await expect(sam.locator("#bulk-result")).to_contain_text("2 of 2 task(s) updated")
    for task_id in ids[:2]:
        await expect(sam.locator(f'tr[data-task="{task_id}"]')).to_contain_text("ben")
    await expect(sam.locator(f'tr[data-task="{ids[2]}"]')).to_contain_text("unclaimed")
    await shoot(sam, "supervisor-bulk")
    with site.sessions() as s:
        assert [task_repo.get(s, t).assignee for t in ids] == ["ben", "ben", None]  # type: ignore[union-attr]


async def test_dashboard_figure_drills_down_to_its_list_and_reassigns(
    browser: Browser, site: Site
) -> None:
    stuck = await site.open_task(patient=("Dee", "Vale"), episode_days_idle=6)
    await site.open_task(patient=("Eli", "Moss"))
    sam = await logged_in(browser, site, "sam")
    await sam.goto(f"{site.url}/supervisor")
    await shoot(sam, "console")
    await sam.click('#stuck-card a[data-figure="intake"]')
    await sam.wait_for_url("**/supervisor/stuck?stage=intake*")
    await expect(sam.locator("tbody tr")).to_have_count(1)
    await expect(sam.locator("tbody")).to_contain_text("Dee Vale")
    await sam.click("text=1 — reassign")
    await sam.wait_for_url(f"**/supervisor/tasks?episode=E-{stuck}")
    await sam.check(f'input[name=task_ids][value="{stuck}"]')
    await sam.select_option("#bulk select[name=to_user]", "bea")
    await sam.click("#bulk button[type=submit]")
    await expect(sam.locator("#bulk-result")).to_contain_text("1 of 1 task(s) updated")
    with site.sessions() as s:
        row = task_repo.get(s, stuck)
        assert row is not None and row.assignee == "bea"


async def test_an_escalation_shows_up_live_in_an_open_inbox(browser: Browser, site: Site) -> None:
    task_id = await site.open_task(priority=3)
    bea = await logged_in(browser, site, "bea")
    row = bea.locator(f'tr[data-task="{task_id}"]')
    await expect(row).to_be_visible()
    await expect(row).not_to_contain_text("escalated")
    await site.env.sleep(DAY + 60)  # the SLA passes on the time-skipping server
    await expect(row).to_contain_text("escalated 1", timeout=15_000)
    await expect(row).to_contain_text("overdue")
