"""The review queue worked at night, on a desktop and on a 390-px phone.

Staff change a draft and press the blue Approve: the customer gets the changed text,
never the draft. A text claw hands to staff gets the customer a holding reply.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from browser_support import OPERATOR, Venue, log_in, screenshot, skip_reason

if (reason := skip_reason()) is not None:
    pytest.skip(reason, allow_module_level=True)

from playwright.async_api import Browser, Page, expect

from claw_adapters.fakes.openphone import call_completed, signed_legacy_webhook
from claw_domain.settings import FeatureMode, FeatureSettings
from claw_domain.values import Intent
from claw_entrypoints.demo import VENUE_LINE

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}


@pytest.fixture(params=sorted(VIEWPORTS))
async def screen(request: pytest.FixtureRequest, browser: Browser) -> AsyncIterator[Page]:
    name: str = request.param
    phone = name == "phone"
    context = await browser.new_context(viewport=VIEWPORTS[name], is_mobile=phone, has_touch=phone)
    opened = await context.new_page()
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        await context.close()


async def _eventually(check: Callable[[], object], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the condition did not hold in time")


def _viewport(page: Page) -> str:
    size = page.viewport_size
    return "phone" if size is not None and size["width"] < 600 else "desktop"


async def test_approve_sends_the_text_in_the_box(screen: Page, venue: Venue) -> None:
    customer = "+19025552101"
    await venue.text(customer, "how much is a bay for 4 people?")
    draft_sent_before = venue.texts_to(customer)
    await log_in(screen, venue, OPERATOR)
    await screen.get_by_role("link", name="Review queue").click()
    box = screen.get_by_label("Reply to send")
    await expect(box).not_to_have_value("")

    await box.fill("Hi! A bay is $40 an hour tonight; book at the front desk.")
    await screenshot(screen, f"night-{_viewport(screen)}-edited-draft")
    await screen.get_by_role("button", name="Approve", exact=True).click()

    await expect(screen.get_by_text("Nothing waiting for review.")).to_be_visible()
    await screenshot(screen, f"night-{_viewport(screen)}-edit-approved")
    edited = "Hi! A bay is $40 an hour tonight; book at the front desk."
    await _eventually(lambda: len(venue.texts_to(customer)) > len(draft_sent_before))
    assert venue.texts_to(customer)[len(draft_sent_before) :] == [edited]


async def test_an_escalated_customer_hears_a_person_will_answer(screen: Page, venue: Venue) -> None:
    customer = "+19025552102"
    await venue.text(customer, "my card was charged twice and nobody answers the phone")
    await _eventually(lambda: bool(venue.texts_to(customer)))

    assert venue.texts_to(customer) == ["Thanks, a staff member will text you back shortly."]
    await log_in(screen, venue, OPERATOR)
    await screen.get_by_role("link", name="Tickets").click()
    ticket = screen.get_by_role("listitem").filter(has_text="charged twice")
    await ticket.get_by_role("link", name="Timeline").click()

    # The story says staff have it and what the customer was told, in plain words.
    await expect(screen.get_by_text("told them a staff member will text back")).to_be_visible()
    await screenshot(screen, f"night-{_viewport(screen)}-holding-reply")


async def test_a_missed_call_is_texted_back_and_told_in_the_timeline(
    screen: Page, venue: Venue
) -> None:
    caller = "+19025552103"
    venue.runtime.app.change_feature(
        Intent.MISSED_CALL, FeatureSettings(mode=FeatureMode.AUTO), "ada", datetime.now(UTC)
    )
    payload = call_completed(customer=caller, venue=VENUE_LINE, created_at=datetime.now(UTC))
    body, headers = signed_legacy_webhook(payload, venue.signing_key, int(time.time() * 1000))
    async with venue.session.post(
        f"{venue.url}/webhooks/openphone", data=body, headers=headers
    ) as answer:
        assert answer.status == 202
    await _eventually(lambda: bool(venue.texts_to(caller)))

    assert venue.texts_to(caller) == ["Sorry we missed your call, how can we help?"]
    await log_in(screen, venue, OPERATOR)
    await screen.get_by_role("link", name="Conversations").click()
    await screen.get_by_role("link", name="\u20262103").first.click()
    await expect(screen.get_by_text("They called; nobody answered")).to_be_visible()
    await expect(screen.get_by_text("claw texted them back")).to_be_visible()
    await screenshot(screen, f"night-{_viewport(screen)}-missed-call")
