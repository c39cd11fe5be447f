"""Night shifts from a phone: the stop asks first, the header stays small, door cards
say who is asking and where, and an action can be rejected.

Phone 390x844 (touch) and desktop 1280x900; screenshots in screenshots/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from browser_support import ADMIN, OPERATOR, Venue, engage_stop, log_in, screenshot, skip_reason

if (reason := skip_reason()) is not None:
    pytest.skip(reason, allow_module_level=True)

from playwright.async_api import Browser, Page, expect

PHONE = {"width": 390, "height": 844}
MEMBER = "+19025550123"  # Pat Morrison, a member at Bedford and Dartmouth


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def header_and_stop_height(page: Page) -> float:
    return float(
        await page.evaluate(
            "document.querySelector('header.top').getBoundingClientRect().height"
            " + document.getElementById('stop-panel').getBoundingClientRect().height"
        )
    )


async def test_on_a_phone_the_header_and_stop_take_at_most_a_fifth(
    phone: Page, venue: Venue
) -> None:
    await log_in(phone, venue, ADMIN)
    await expect(phone.get_by_role("button", name="Emergency stop")).to_be_in_viewport()
    running = await header_and_stop_height(phone)
    assert running <= 844 / 5, f"header and stop take {running}px of 844"
    await screenshot(phone, "night-phone-header", full_page=False)
    await engage_stop(phone, "water leak in bay 2", tap=True)
    await expect(phone.locator("#stop-state")).to_contain_text("EMERGENCY STOP ENGAGED")
    engaged = await header_and_stop_height(phone)
    assert engaged <= 844 / 5, f"header and engaged stop take {engaged}px of 844"
    await screenshot(phone, "night-phone-header-engaged", full_page=False)


async def test_the_stop_asks_for_a_reason_and_a_confirmation(phone: Page, venue: Venue) -> None:
    await log_in(phone, venue, OPERATOR)
    await phone.get_by_role("button", name="Emergency stop").tap()
    dialog = phone.get_by_role("dialog", name="Stop claw now?")
    await expect(dialog).to_be_visible()
    await screenshot(phone, "night-phone-stop-dialog", full_page=False)
    # No reason: refused, still running.
    await dialog.get_by_role("button", name="Stop claw now").tap()
    await expect(dialog).to_be_visible()
    assert venue.runtime.app.settings().emergency_stop is None
    # Changing one's mind: still running.
    await dialog.get_by_role("button", name="Keep running").tap()
    await expect(dialog).to_be_hidden()
    assert venue.runtime.app.settings().emergency_stop is None
    await engage_stop(phone, "smoke in bay 3", tap=True)
    await expect(phone.locator("#stop-state")).to_contain_text("smoke in bay 3")
    stop = venue.runtime.app.settings().emergency_stop
    assert stop is not None
    assert (stop.actor, stop.reason) == (OPERATOR, "smoke in bay 3")


async def test_a_door_card_says_who_is_asking_and_where_and_can_be_rejected(
    phone: Page, venue: Venue
) -> None:
    await venue.text(MEMBER, "I'm at the Bedford door and it won't open, can you let me in?")
    await venue.text(MEMBER, "yes")
    await log_in(phone, venue, ADMIN)
    await phone.get_by_role("link", name="Pending actions").tap()
    card = phone.get_by_role("listitem").filter(has_text="unlock door")
    await expect(card.locator(".who-where")).to_contain_text("Asked by Pat Morrison")
    await expect(card.locator(".who-where")).to_contain_text("at Bedford")
    await screenshot(phone, "night-phone-door-card", full_page=False)
    await card.get_by_role("button", name="Reject").tap()
    await expect(phone.locator("#flash")).to_have_text("Rejected: done.")
    await expect(phone.get_by_text("No action is waiting.")).to_be_visible()
    assert venue.vendors.unifi.unlocked == []


async def test_staff_write_to_a_customer_from_a_phone(phone: Page, venue: Venue) -> None:
    customer = "+19025553501"
    await venue.text(customer, "I left my driver in bay 4, can someone check?")
    await log_in(phone, venue, OPERATOR)
    await phone.get_by_role("link", name="Conversations").tap()
    await phone.get_by_role("link", name="…3501").tap()
    await phone.get_by_label("Write to the customer").fill("Found it, it's at the front desk.")
    await phone.get_by_role("button", name="Send text").tap()
    await expect(phone.locator("#flash")).to_have_text("Text sent to the customer: done.")
    for _ in range(100):
        if "Found it, it's at the front desk." in venue.texts_to(customer):
            break
        await phone.wait_for_timeout(100)
    assert venue.texts_to(customer)[-1] == "Found it, it's at the front desk."
    overflow = await phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    await screenshot(phone, "night-phone-write-to-customer", full_page=False)
    # claw leaves the conversation to staff now: the next text gets no automatic answer.
    await venue.text(customer, "thanks! what time do you close tonight?")
    assert venue.decisions(customer)[-1] == ("ignore", "staff_active")


async def test_staff_write_to_a_customer_from_a_desktop(page: Page, venue: Venue) -> None:
    customer = "+19025553502"
    await venue.text(customer, "can I book bay 1 for Friday?")
    await log_in(page, venue, OPERATOR)
    await page.get_by_role("link", name="Conversations").click()
    await page.get_by_role("link", name="…3502").click()
    await page.get_by_label("Write to the customer").fill("Yes, Friday at 6 works. See you!")
    await page.get_by_role("button", name="Send text").click()
    await expect(page.locator("#flash")).to_have_text("Text sent to the customer: done.")
    await screenshot(page, "night-desktop-write-to-customer")
