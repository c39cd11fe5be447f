"""The console in a real browser, against the real server and fake vendors."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable

import pytest
from browser_support import ADMIN, OPERATOR, Venue, engage_stop, log_in, screenshot, skip_reason

if (reason := skip_reason()) is not None:
    pytest.skip(reason, allow_module_level=True)

from playwright.async_api import Page, expect


async def _eventually(check: Callable[[], object], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the condition did not hold in time")


async def test_an_admin_logs_in_and_sees_every_page(page: Page, venue: Venue) -> None:
    await venue.text("+19025553001", "how much is a bay for 4 people?")
    await venue.text("+19025553002", "I want a refund for last night, the screen kept crashing")
    await venue.text(
        "+19025550123", "I'm at the Bedford door and it won't open, can you let me in?"
    )
    await venue.text("+19025550123", "yes")
    await venue.text("+19025553004", "what time do you close tonight?")

    await page.goto(f"{venue.url}/console/login")
    await screenshot(page, "login")
    await log_in(page, venue, ADMIN)
    await expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    await expect(page.get_by_text("how much is a bay for 4 people?")).to_be_visible()
    await screenshot(page, "review-queue")

    await page.get_by_role("link", name="Pending actions").click()
    await expect(page.get_by_role("button", name="Approve door")).to_be_visible()
    await expect(page.get_by_text("left", exact=False).first).to_be_visible()
    await screenshot(page, "pending-actions")

    await page.get_by_role("link", name="Tickets").click()
    await expect(page.get_by_role("button", name="Resolve")).to_be_visible()
    await screenshot(page, "tickets")

    await page.get_by_role("link", name="Conversations").click()
    await expect(page.get_by_text("what time do you close tonight?")).to_be_visible()
    await screenshot(page, "conversations")
    await (
        page.get_by_role("row")
        .filter(has_text="what time do you close")
        .get_by_role("link")
        .click()
    )
    # The steps in plain words; every recorded event, with its reason, one tap away.
    await expect(page.get_by_text("Customer asked about hours", exact=True)).to_be_visible()
    # The demo's messenger is a dry run: the step says its text was never sent.
    answered = re.compile(r"^claw answered( \(dry run: not sent\))?$")
    await expect(page.get_by_text(answered)).to_be_visible()
    await page.get_by_text("Every recorded event").click()
    await expect(page.get_by_text("Why (answered_from_knowledge)")).to_be_visible()
    await screenshot(page, "timeline")

    await page.get_by_role("link", name="Statistics").click()
    await expect(page.get_by_text("Texts received", exact=True)).to_be_visible()
    await expect(page.locator("figure.chart svg").first).to_be_visible()
    await screenshot(page, "statistics")

    await page.get_by_role("link", name="Settings").click()
    await expect(page.get_by_label("hours threshold")).to_be_visible()
    await screenshot(page, "settings")

    await page.set_viewport_size({"width": 390, "height": 844})
    await page.get_by_role("link", name="Review queue").click()
    await expect(page.get_by_role("button", name="Emergency stop")).to_be_visible()
    await screenshot(page, "phone-review-queue")


async def test_the_emergency_stop_means_an_inbound_text_gets_no_reply(
    page: Page, venue: Venue
) -> None:
    await log_in(page, venue, OPERATOR)
    await engage_stop(page, "testing the stop")
    await expect(page.get_by_text("EMERGENCY STOP ENGAGED by otto")).to_be_visible()
    await screenshot(page, "emergency-stop")
    assert venue.runtime.app.settings().emergency_stop is not None

    await venue.text("+19025553101", "what time do you close tonight?")
    assert venue.decisions("+19025553101")[0][1] == "emergency_stop"
    assert venue.texts_to("+19025553101") == []
    # An operator may not release it: the control is not even offered.
    await expect(page.get_by_role("button", name="Release stop")).to_be_hidden()


async def test_approving_a_suggestion_reaches_openphone(page: Page, venue: Venue) -> None:
    customer = "+19025553201"
    await venue.text(customer, "how much is a bay for 2 people?")
    assert venue.texts_to(customer) == []
    await log_in(page, venue, OPERATOR)
    card = page.get_by_role("listitem").filter(has_text="how much is a bay for 2 people?")
    await card.get_by_role("button", name="Approve").click()
    await expect(page.get_by_text("Approved: done.")).to_be_visible()
    await _eventually(lambda: venue.texts_to(customer))
    assert venue.decisions(customer)[0][0] == "suggest"
    # The live poll empties the queue without a reload.
    await expect(page.get_by_text("Nothing waiting for review.")).to_be_visible()


async def test_a_threshold_change_changes_the_next_decision(page: Page, venue: Venue) -> None:
    await venue.text("+19025553301", "what time do you close tonight?")
    assert venue.decisions("+19025553301") == [("respond", "answered_from_knowledge")]

    await log_in(page, venue, ADMIN)
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_label("hours threshold").fill("0.99")
    await page.get_by_role("button", name="Save hours").click()
    await expect(page.get_by_text("hours saved: done.")).to_be_visible()

    await venue.text("+19025553302", "what time do you close tonight?")
    assert venue.decisions("+19025553302") == [("suggest", "low_confidence")]


async def test_a_failed_login_is_refused(page: Page, venue: Venue) -> None:
    await page.goto(f"{venue.url}/console/login")
    async with page.expect_response("**/api/login") as answer:
        await page.get_by_label("Name").fill(ADMIN)
        await page.get_by_label("Password").fill("not the password")
        await page.get_by_role("button", name="Log in").click()
    assert (await answer.value).status == 401
    await expect(page.get_by_role("alert")).to_have_text("wrong name or password")
    await screenshot(page, "login-failed")
    await page.goto(f"{venue.url}/console/")
    await page.wait_for_url("**/console/login")


async def test_an_operator_is_refused_admin_work(page: Page, venue: Venue) -> None:
    await log_in(page, venue, OPERATOR)
    await expect(page.get_by_role("link", name="Settings")).to_be_hidden()
    status = await page.evaluate(
        """async () => {
            const csrf = document.cookie.split("; ").find((c) => c.startsWith("claw_csrf="))
                .slice("claw_csrf=".length);
            const response = await fetch("/api/settings/features/hours", {
                method: "PUT",
                headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
                body: JSON.stringify({mode: "off"}),
            });
            return response.status;
        }"""
    )
    assert status == 403
