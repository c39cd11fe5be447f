"""The owner's pages in a browser: the dry-run banner, the connections check, the dashboard.

Desktop (1280x900) and phone (390x844) viewports; screenshots in screenshots/.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from browser_support import ADMIN, OPERATOR, PASSWORD, Venue, log_in, screenshot, skip_reason

from claw_domain.users import Role
from claw_entrypoints.bootstrap import bootstrap
from claw_entrypoints.config import load_config
from claw_entrypoints.demo import demo_environment, start_vendors
from claw_entrypoints.web.api import add_console_routes
from claw_entrypoints.web.app import create_web_app
from claw_entrypoints.web.auth import CONSOLE

if (reason := skip_reason()) is not None:
    pytest.skip(reason, allow_module_level=True)

from playwright.async_api import Browser, Page, Route, expect

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
# Every number the dashboard defines (owner.js METRICS), in its order.
METRICS = [
    "response_p50_seconds",
    "response_p95_seconds",
    "work_p50_seconds",
    "work_p95_seconds",
    "answer_accuracy",
    "suggestions_approved_unedited",
    "llm_avoided",
    "llm_cost_usd",
    "llm_calls",
    "feedback_positive",
    "feedback_negative",
    "answered_automatically",
    "suggested",
    "escalated",
]


@pytest.fixture
async def doorless_venue(tmp_path: Path) -> AsyncIterator[Venue]:
    """The demo venue with UniFi Access not configured: doors run dry."""
    vendors = await start_vendors()
    env = demo_environment(vendors, f"sqlite:///{tmp_path / 'claw.db'}", "a2V5")
    del env["CLAW_UNIFI_BASE_URL"], env["CLAW_UNIFI_TOKEN"]
    runtime = await bootstrap(load_config(env))
    app = create_web_app(runtime, run_worker=False)
    add_console_routes(app, environ={})
    now = datetime.now(UTC)
    app[CONSOLE].accounts.add_user(ADMIN, PASSWORD, Role.ADMIN, "test-setup", now)
    app[CONSOLE].accounts.add_user(OPERATOR, PASSWORD, Role.OPERATOR, "test-setup", now)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://localhost:{runner.addresses[0][1]}"
    try:
        async with aiohttp.ClientSession() as session:
            yield Venue(url, runtime, vendors, "", session)
    finally:
        await runner.cleanup()
        await vendors.stop()


async def test_the_banner_names_a_dry_vendor_on_every_page(
    page: Page, browser: Browser, doorless_venue: Venue
) -> None:
    await log_in(page, doorless_venue, OPERATOR)
    banner = page.locator("#dry-banner")
    for section in ("review", "actions", "tickets", "conversations", "dashboard", "statistics"):
        await page.goto(f"{doorless_venue.url}/console/#/{section}")
        await expect(banner).to_be_visible()
        await expect(banner).to_contain_text("Dry run: UniFi Access (doors)")
        await expect(banner).not_to_contain_text("OpenPhone")
    await screenshot(page, "owner-dry-banner-desktop", full_page=False)
    context = await browser.new_context(**PHONE)
    try:
        phone = await context.new_page()
        await log_in(phone, doorless_venue, OPERATOR)
        await expect(phone.locator("#dry-banner")).to_contain_text("UniFi Access (doors)")
        await screenshot(phone, "owner-dry-banner-phone", full_page=False)
    finally:
        await context.close()


async def test_the_connections_page_says_what_works_and_what_is_dry(
    page: Page, doorless_venue: Venue
) -> None:
    await log_in(page, doorless_venue, ADMIN)
    await page.goto(f"{doorless_venue.url}/console/#/connections")
    await page.get_by_role("button", name="Check the connections now").click()
    await expect(page.get_by_text("Every configured vendor works.")).to_be_visible()
    openphone = page.locator("[data-vendor=openphone]")
    await expect(openphone.locator(".verdict")).to_have_text("works")
    await expect(openphone).to_contain_text(
        "The sending line +19025550100 belongs to this account."
    )
    await expect(page.locator("[data-vendor=ninjaone] .verdict")).to_have_text("works")
    await expect(page.locator("[data-vendor=unifi] .verdict")).to_have_text("dry run")
    await screenshot(page, "owner-connections-desktop")


async def test_a_page_that_answers_late_never_covers_the_page_asked_for_after_it(
    page: Page, doorless_venue: Venue
) -> None:
    # The console opens on the review queue; its request is held back while the owner
    # goes on to Connections, then let through. The late queue used to replace the
    # Connections page, button and all (seen as a flaky browser test).
    held: asyncio.Future[Route] = asyncio.get_running_loop().create_future()

    async def hold_the_first(route: Route) -> None:
        if held.done():
            await route.continue_()
        else:
            held.set_result(route)

    await page.route("**/api/review-queue", hold_the_first)
    await log_in(page, doorless_venue, ADMIN)
    late = await held
    await page.goto(f"{doorless_venue.url}/console/#/connections")
    button = page.get_by_role("button", name="Check the connections now")
    await expect(button).to_be_visible()

    async with page.expect_response("**/api/review-queue") as answered:
        await late.continue_()
    await (await answered.value).finished()
    # Two animation frames: the late answer's JSON is read and the page drawn by then.
    await page.evaluate(
        "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    await expect(page.get_by_role("heading", name="Connections")).to_be_visible()
    await expect(button).to_be_visible()


async def run_script(venue: Venue) -> None:
    """A short day: a question answered, a refund escalated, a reset asked for."""
    await venue.text("+19025550123", "what are your hours?")
    await venue.text("+19025550123", "thanks, that's great!")
    await venue.text("+19025550177", "I want a refund, the screen kept crashing")
    await venue.text("+19025550188", "what time do you close tonight?")


async def test_the_dashboard_shows_every_number_after_a_scripted_run(
    page: Page, browser: Browser, venue: Venue
) -> None:
    await run_script(venue)
    await log_in(page, venue, OPERATOR)
    await page.goto(f"{venue.url}/console/#/dashboard")
    await expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    for metric in METRICS:
        card = page.locator(f"[data-metric={metric}]")
        await expect(card).to_be_visible()
        await expect(card.locator(".means")).not_to_be_empty()
        await expect(card.locator(".value")).not_to_be_empty()
    await expect(page.locator("[data-value=answered_automatically]")).to_have_text("2")
    await expect(page.locator("[data-value=escalated]")).to_have_text("1")
    await expect(page.locator("[data-value=answer_accuracy]")).to_have_text("100%")
    await expect(page.locator("[data-value=feedback_positive]")).to_have_text("1")
    await expect(page.locator("[data-value=llm_avoided]")).to_have_text("100%")
    await expect(page.locator("[data-metric=answered_automatically] svg")).to_be_visible()
    await screenshot(page, "owner-dashboard-desktop")
    await page.select_option("#dashboard-feature", "hours")
    await expect(page.locator("[data-value=answered_automatically]")).to_have_text("2")
    context = await browser.new_context(**PHONE)
    try:
        phone = await context.new_page()
        await log_in(phone, venue, OPERATOR)
        await phone.goto(f"{venue.url}/console/#/dashboard")
        await expect(phone.locator("[data-value=escalated]")).to_have_text("1")
        overflow = await phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the dashboard scrolls sideways by {overflow}px on a phone"
        chart = phone.locator("[data-metric=answered_automatically] svg")
        box = await chart.bounding_box()
        assert box is not None
        assert box["width"] <= 390
        await screenshot(phone, "owner-dashboard-phone")
    finally:
        await context.close()


async def test_settings_are_grouped_by_risk_and_an_error_shows_beside_its_field(
    page: Page, browser: Browser, venue: Venue
) -> None:
    await log_in(page, venue, ADMIN)
    await page.goto(f"{venue.url}/console/#/settings")
    for group in ("Answers", "Confirmations", "Hardware"):
        await expect(page.get_by_role("heading", name=group, exact=True)).to_be_visible()
    hardware = page.locator("[data-risk-group=hardware]")
    await expect(hardware.get_by_role("rowheader", name="door access")).to_be_visible()
    await expect(page.locator(".mode-words")).to_contain_text(
        "staff approve it in the review queue"
    )
    await page.get_by_label("Messages per hour").fill("-5")
    await page.get_by_role("button", name="Save global settings").click()
    error = page.locator("#global-per-hour-error")
    await expect(error).to_contain_text("messages_per_hour")
    # Beside the field: right after it, and tied to it for screen readers.
    beside = await page.evaluate("document.getElementById('global-per-hour').nextElementSibling.id")
    assert beside == "global-per-hour-error"
    await expect(page.get_by_label("Messages per hour")).to_have_attribute("aria-invalid", "true")
    await screenshot(page, "owner-settings-field-error-desktop")
    context = await browser.new_context(**PHONE)
    try:
        phone = await context.new_page()
        await log_in(phone, venue, ADMIN)
        await phone.goto(f"{venue.url}/console/#/settings")
        await expect(phone.get_by_role("heading", name="Hardware", exact=True)).to_be_visible()
        await screenshot(phone, "owner-settings-phone")
    finally:
        await context.close()


async def test_slash_opens_the_console(page: Page, venue: Venue) -> None:
    await log_in(page, venue, OPERATOR)
    await page.goto(f"{venue.url}/")
    await expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
