"""The trust features walked as a venue owner and a night-shift operator would.

Desktop (1280x800) and phone (390x844): every button does what its label says,
and the screen tells the truth about what claw did.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from browser_support import (
    ADMIN,
    OPERATOR,
    PASSWORD,
    Venue,
    engage_stop,
    log_in,
    screenshot,
    skip_reason,
)
from eventsourcing.persistence import StoredEvent

from claw_adapters.persistence.keyring import data_keys_of
from claw_service.privacy import forget_subject

if (reason := skip_reason()) is not None:
    pytest.skip(reason, allow_module_level=True)

from playwright.async_api import Browser, Page, expect

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
DOOR_CUSTOMER = "+19025550123"


async def _eventually(check: Callable[[], object], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the condition did not hold in time")


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()


@pytest.fixture
async def desktop(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=DESKTOP)
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()


async def test_a_door_approved_under_the_stop_waits_again_and_opens_after_release(
    desktop: Page, venue: Venue
) -> None:
    await venue.text(DOOR_CUSTOMER, "I'm at the Bedford door and it won't open, can you let me in?")
    await venue.text(DOOR_CUSTOMER, "yes")
    await log_in(desktop, venue, ADMIN)
    await desktop.get_by_role("link", name="Pending actions").click()
    await engage_stop(desktop, "flooding in bay 2")
    await expect(desktop.get_by_text("EMERGENCY STOP ENGAGED by ada")).to_be_visible()

    await desktop.get_by_role("button", name="Approve door").click()

    # Not "done": the approval was set aside, and the card says so.
    flash = desktop.locator("#flash")
    await expect(flash).to_contain_text("not acted on")
    await expect(flash).not_to_have_class("flash ok")
    card = desktop.get_by_role("listitem").filter(has_text="unlock door")
    await expect(card).to_contain_text("waiting for staff approval")
    await expect(card).to_contain_text("An earlier approval was ignored (emergency stop)")
    await screenshot(desktop, "walk-door-approved-under-stop")
    assert ("ignore", "emergency_stop") in venue.decisions(DOOR_CUSTOMER)

    await desktop.get_by_label("Reason").last.fill("water is off")
    await desktop.get_by_role("button", name="Release stop").click()
    await expect(desktop.get_by_text("claw is running")).to_be_visible()
    # The engage form does not offer the old reason for the next stop.
    await expect(desktop.locator("#stop-reason")).to_have_value("")
    await desktop.get_by_role("button", name="Approve door").click()
    await expect(flash).to_have_text("Approved: done.")
    await expect(desktop.get_by_text("No action is waiting.")).to_be_visible()
    await screenshot(desktop, "walk-door-approved-after-release")
    assert venue.decisions(DOOR_CUSTOMER)[-1] == ("execute", "approved_by_staff")


async def test_logout_ends_the_session_a_reload_shows_the_login(
    desktop: Page, venue: Venue
) -> None:
    await log_in(desktop, venue, OPERATOR)
    await desktop.get_by_role("button", name="Log out").click()
    await desktop.wait_for_url("**/console/login")
    await desktop.goto(f"{venue.url}/console/")
    await desktop.wait_for_url("**/console/login")
    await expect(desktop.get_by_role("button", name="Log in")).to_be_visible()
    await screenshot(desktop, "walk-after-logout-reload")


async def test_a_throttled_login_says_how_long_to_wait(phone: Page, venue: Venue) -> None:
    await phone.goto(f"{venue.url}/console/login")
    alert = phone.get_by_role("alert")
    for _ in range(8):
        async with phone.expect_response("**/api/login") as answer:
            await phone.get_by_label("Name").fill(ADMIN)
            await phone.get_by_label("Password").fill("not the password")
            await phone.get_by_role("button", name="Log in").click()
        if (await answer.value).status == 429:
            break
    else:
        raise AssertionError("the login was never throttled")
    await expect(alert).to_contain_text("Too many failed logins. Wait 1 second, then try again.")
    await screenshot(phone, "walk-phone-throttled")
    # Once the wait is over, the right password gets in.
    await expect(alert).to_have_text("", timeout=5000)
    await phone.get_by_label("Password").fill(PASSWORD)
    await phone.get_by_role("button", name="Log in").click()
    await phone.wait_for_url(f"{venue.url}/console/**")


async def _no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


async def test_the_skipped_events_banner_fits_a_phone_and_keeps_the_stop_in_reach(
    phone: Page, venue: Venue
) -> None:
    app = venue.runtime.app
    await venue.text("+19025553001", "how much is a bay for 4 people?")
    topic = app.recorder.select_notifications(start=1, limit=1)[0].topic
    app.recorder.insert_events(
        [StoredEvent(originator_id=uuid4(), originator_version=1, topic=topic, state=b"{broken")]
    )
    await venue.text("+19025553002", "what time do you close tonight?")
    await log_in(phone, venue, ADMIN)
    banner = phone.locator("#skipped-panel")
    await expect(banner).to_contain_text("could not show")
    await _no_sideways_scroll(phone)
    # The work is still on the first screen: the banner is a line, its list a tap away.
    approve = phone.get_by_role("button", name="Approve", exact=True)
    await expect(approve).to_be_in_viewport()
    await screenshot(phone, "walk-phone-skipped", full_page=False)
    await banner.get_by_text("could not show").click()
    await expect(banner.get_by_role("listitem").first).to_contain_text("SettingsInitialised")
    await _no_sideways_scroll(phone)
    await screenshot(phone, "walk-phone-skipped-open")


async def test_the_emergency_stop_from_a_phone(phone: Page, venue: Venue) -> None:
    await venue.text("+19025553001", "how much is a bay for 4 people?")
    await log_in(phone, venue, ADMIN)
    await engage_stop(phone, "fire alarm", tap=True)
    await expect(phone.get_by_text("EMERGENCY STOP ENGAGED by ada")).to_be_visible()
    await _no_sideways_scroll(phone)
    await screenshot(phone, "walk-phone-stop-engaged", full_page=False)
    # Scrolled down to a card, the stop's state and its release stay on screen.
    await phone.get_by_role("button", name="Reject").scroll_into_view_if_needed()
    await phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    await expect(phone.get_by_role("button", name="Release stop")).to_be_in_viewport()
    await screenshot(phone, "walk-phone-stop-engaged-scrolled", full_page=False)
    await phone.get_by_label("Reason").last.fill("all clear")
    await phone.get_by_role("button", name="Release stop").tap()
    await expect(phone.get_by_text("claw is running")).to_be_visible()
    assert venue.runtime.app.settings().emergency_stop is None
    await screenshot(phone, "walk-phone-stop-released", full_page=False)


async def test_a_forgotten_customer_reads_as_forgotten_and_opens(
    desktop: Page, venue: Venue
) -> None:
    customer = "+19025553401"
    await venue.text(customer, "what time do you close tonight?")
    app = venue.runtime.app
    keys = data_keys_of(app.mapper)
    forget_subject(app, keys, keys.subject_of(customer), ADMIN, "asked", datetime.now(UTC))
    venue.runtime.projector.rebuild()  # as `claw forget` does
    await log_in(desktop, venue, ADMIN)
    await desktop.get_by_role("link", name="Conversations").click()
    await desktop.get_by_role("link", name="[forgotten]").click()
    await expect(
        desktop.get_by_role("heading", name="Conversation with [forgotten]")
    ).to_be_visible()
    await expect(desktop.get_by_text("personal data forgotten", exact=False).first).to_be_visible()
    await screenshot(desktop, "walk-forgotten-timeline")


async def test_an_operator_who_stopped_claw_is_told_who_can_release_it(
    phone: Page, venue: Venue
) -> None:
    await log_in(phone, venue, OPERATOR)
    await engage_stop(phone, "smoke in bay 3", tap=True)
    stop = phone.locator("#stop-state")
    await expect(stop).to_contain_text("EMERGENCY STOP ENGAGED by otto")
    await expect(phone.get_by_role("button", name="Release stop")).to_be_hidden()
    await expect(stop).to_contain_text("Only an admin can release it.")
    await screenshot(phone, "walk-phone-operator-stop", full_page=False)


async def test_a_suggestion_approved_under_the_stop_stays_in_the_queue_and_sends_after_release(
    desktop: Page, venue: Venue
) -> None:
    customer = "+19025553201"
    await venue.text(customer, "how much is a bay for 2 people?")
    await log_in(desktop, venue, ADMIN)
    await engage_stop(desktop, "smoke")
    await expect(desktop.locator("#stop-state")).to_contain_text("EMERGENCY STOP ENGAGED")
    card = desktop.get_by_role("listitem").filter(has_text="how much is a bay for 2 people?")

    await card.get_by_role("button", name="Approve").click()

    # Not "done" and gone: the stop would withhold the reply for good.
    flash = desktop.locator("#flash")
    await expect(flash).to_contain_text("emergency stop is engaged")
    await expect(flash).not_to_have_class("flash ok")
    await expect(card).to_be_visible()
    await screenshot(desktop, "walk-suggestion-approved-under-stop")

    await desktop.get_by_label("Reason").last.fill("all clear")
    await desktop.get_by_role("button", name="Release stop").click()
    await expect(desktop.get_by_text("claw is running")).to_be_visible()
    await card.get_by_role("button", name="Approve").click()
    await expect(flash).to_have_text("Approved: done.")
    await _eventually(lambda: venue.texts_to(customer))


async def test_a_copied_session_cookie_stops_working_at_logout(
    browser: Browser, desktop: Page, venue: Venue
) -> None:
    await log_in(desktop, venue, OPERATOR)
    elsewhere = await browser.new_context(viewport=PHONE)
    try:
        await elsewhere.add_cookies(await desktop.context.cookies())
        copy = await elsewhere.new_page()
        await copy.goto(f"{venue.url}/console/")
        await expect(copy.get_by_text("otto (operator)")).to_be_visible()
        await desktop.get_by_role("button", name="Log out").click()
        await desktop.wait_for_url("**/console/login")
        # The open console's next poll finds the session ended and leaves.
        await copy.wait_for_url("**/console/login", timeout=10_000)
    finally:
        await elsewhere.close()


async def test_a_logout_that_did_not_reach_claw_says_so(desktop: Page, venue: Venue) -> None:
    await log_in(desktop, venue, OPERATOR)
    await desktop.route("**/api/logout", lambda route: route.abort())
    await desktop.get_by_role("button", name="Log out").click()
    # Showing the login page would claim a logout the server never made.
    await expect(desktop.locator("#flash")).to_contain_text("Not logged out")
    assert desktop.url.endswith("/console/")
    await desktop.unroute("**/api/logout")
    await desktop.get_by_role("button", name="Log out").click()
    await desktop.wait_for_url("**/console/login")
    await desktop.goto(f"{venue.url}/console/")
    await desktop.wait_for_url("**/console/login")


async def test_the_console_marks_its_own_refreshes_so_an_unattended_tab_idles_out(
    desktop: Page, venue: Venue
) -> None:
    await log_in(desktop, venue, OPERATOR)
    await expect(desktop.get_by_text("Nothing waiting for review.")).to_be_visible()  # loaded
    async with desktop.expect_request("**/api/status") as polled:
        pass  # the next poll, with nobody touching the page
    assert (await polled.value).headers.get("x-claw-background") == "1"
    async with desktop.expect_request("**/api/tickets") as clicked:
        await desktop.get_by_role("link", name="Tickets").click()
    assert "x-claw-background" not in (await clicked.value).headers
    # A redraw the poll makes when the log moves is the console's doing too.
    async with desktop.expect_request("**/api/tickets") as redrawn:
        await venue.text("+19025553501", "I want a refund for last night, the screen kept crashing")
    assert (await redrawn.value).headers.get("x-claw-background") == "1"
