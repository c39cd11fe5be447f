"""The knowledge pages in a real browser: an owner changes an answer and adds a member,
on a desktop and on a 390-px phone, trying the draft before publishing it."""

from __future__ import annotations

import pytest
from browser_support import ADMIN, Venue, log_in, screenshot, skip_reason

if (reason := skip_reason()) is not None:
    pytest.skip(reason, allow_module_level=True)

from playwright.async_api import Page, expect

NEW_HOURS = "We never close: {venue_name} is open 24/7, holidays too. Book at {booking_link}"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest, page: Page) -> str:
    return str(request.param)


async def _open_knowledge(page: Page, venue: Venue, viewport: str) -> None:
    await page.set_viewport_size(VIEWPORTS[viewport])  # type: ignore[arg-type]
    await log_in(page, venue, ADMIN)
    await page.get_by_role("link", name="Knowledge", exact=True).click()
    await expect(page.get_by_role("heading", name="Knowledge", exact=True)).to_be_visible()


async def test_an_owner_changes_an_answer_tries_it_and_the_next_text_gets_it(
    page: Page, venue: Venue, viewport: str
) -> None:
    customer, later = f"+1902555{'41' if viewport == 'phone' else '40'}01", "+19025554999"
    await venue.text(customer, "what time do you close tonight?")
    assert venue.decisions(customer) == [("respond", "answered_from_knowledge")]
    await _open_knowledge(page, venue, viewport)

    answer = page.get_by_label("hours", exact=True)
    await answer.fill(NEW_HOURS)
    await page.get_by_role("button", name="Save answer for hours").click()
    await expect(page.get_by_text("Answer for hours: saved to the draft.")).to_be_visible()
    await expect(page.locator("#draft-state")).to_contain_text("1 edit to answers.hours")
    await page.get_by_role("button", name="1. Try the draft").click()
    tried = page.get_by_role("heading", name="Under this draft, 1 decision of the last 7 days")
    await expect(tried).to_be_visible()
    await expect(page.locator(".what-if-list")).to_contain_text("would be: respond")
    await tried.scroll_into_view_if_needed()
    await screenshot(page, f"knowledge-{viewport}-answer-tried", full_page=False)

    await page.get_by_label("Note").fill("open on holidays")
    await page.get_by_role("button", name="2. Publish").click()
    await expect(page.get_by_text("Published: done.")).to_be_visible()
    await expect(page.locator("#draft-state")).to_contain_text("Published version 2 is in use")
    await page.get_by_role("heading", name="History").scroll_into_view_if_needed()
    await expect(page.get_by_role("cell", name="open on holidays")).to_be_visible()
    await screenshot(page, f"knowledge-{viewport}-answer-published", full_page=False)

    await venue.text(later, "what time do you close tonight?")
    assert venue.texts_to(later)[-1].startswith("We never close: ")


async def test_an_owner_adds_a_member_after_fixing_a_located_mistake(
    page: Page, venue: Venue, viewport: str
) -> None:
    member = "+19025554777"
    assert not venue.runtime.app.venue.may_open_door(member, "bedford")
    await _open_knowledge(page, venue, viewport)

    await page.get_by_label("Member's phone (E.164)").fill("902 555 4777")
    await page.get_by_label("Member's name").fill("Jordan Tremblay")
    await page.get_by_label("Bedford", exact=True).check()
    await page.get_by_role("button", name="Add member to draft").click()
    mistake = page.locator(".part-error").filter(has_text="is not an E.164 phone number")
    await expect(mistake).to_contain_text("customers[3].phone")
    await mistake.scroll_into_view_if_needed()
    await screenshot(page, f"knowledge-{viewport}-member-mistake", full_page=False)

    await page.get_by_label("Member's phone (E.164)").fill(member)
    await page.get_by_role("button", name="Add member to draft").click()
    await expect(page.get_by_text("Member added: saved to the draft.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Jordan Tremblay")
    await expect(row).to_contain_text("bedford")
    await page.get_by_role("button", name="Publish", exact=True).click()
    await expect(page.get_by_text("Published: done.")).to_be_visible()
    await expect(page.locator("#draft-state")).to_contain_text("Published version 2 is in use")
    await page.get_by_role("row").filter(has_text="Jordan Tremblay").scroll_into_view_if_needed()
    await screenshot(page, f"knowledge-{viewport}-member-added", full_page=False)
    # The door opens for the new member from the next text, without a restart.
    live = venue.runtime.knowledge
    assert live is not None
    assert live.follow(now=True) == 2
    assert live.may_open_door(member, "bedford")


async def test_an_admin_tries_a_settings_change_before_saving_it(page: Page, venue: Venue) -> None:
    await venue.text("+19025554301", "what time do you close tonight?")
    await log_in(page, venue, ADMIN)
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_label("hours threshold").fill("0.99")
    await page.get_by_role("button", name="Try hours").click()
    tried = page.get_by_role("heading", name="Under this hours change, 1 decision of the last")
    await expect(tried).to_be_visible()
    await expect(page.locator(".what-if-list")).to_contain_text(
        "would be: suggest (low confidence)"
    )
    await screenshot(page, "knowledge-desktop-settings-tried", full_page=False)
    # Trying saved nothing: the settings are still the first version.
    assert venue.runtime.app.settings().version == 1
