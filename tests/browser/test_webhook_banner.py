"""The console warns, on every page, when claw accepts unsigned webhooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from browser_support import ADMIN, PASSWORD, Venue, log_in, screenshot, skip_reason

from claw_domain.users import Role
from claw_entrypoints.bootstrap import bootstrap
from claw_entrypoints.config import load_config
from claw_entrypoints.demo import demo_environment, start_vendors
from claw_entrypoints.web.api import add_console_routes
from claw_entrypoints.web.app import create_web_app
from claw_entrypoints.web.auth import CONSOLE

if (reason := skip_reason()) is not None:
    pytest.skip(reason, allow_module_level=True)

from playwright.async_api import Browser, Page, expect


@pytest.fixture
async def unsigned_venue(tmp_path: Path) -> AsyncIterator[Venue]:
    vendors = await start_vendors()
    env = demo_environment(vendors, f"sqlite:///{tmp_path / 'claw.db'}", "unused")
    del env["CLAW_OPENPHONE_WEBHOOK_KEY"]
    env["CLAW_ALLOW_UNSIGNED_WEBHOOKS"] = "1"
    runtime = await bootstrap(load_config(env))
    app = create_web_app(runtime, run_worker=False)
    add_console_routes(app, environ={})
    app[CONSOLE].accounts.add_user(ADMIN, PASSWORD, Role.ADMIN, "test-setup", datetime.now(UTC))
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


async def test_the_console_warns_that_webhooks_are_unsigned(
    page: Page, unsigned_venue: Venue
) -> None:
    await log_in(page, unsigned_venue, ADMIN)
    warning = page.get_by_role("alert").filter(has_text="Webhooks are not verified")
    await expect(warning).to_be_visible()


async def test_no_warning_when_webhooks_are_signed(page: Page, venue: Venue) -> None:
    await log_in(page, venue, ADMIN)
    await expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    await expect(page.locator("#webhook-warning")).to_be_hidden()


async def test_on_a_phone_the_warning_wraps_and_leaves_the_stop_on_screen(
    browser: Browser, unsigned_venue: Venue
) -> None:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        phone = await context.new_page()
        await log_in(phone, unsigned_venue, ADMIN)
        warning = phone.get_by_role("alert").filter(has_text="CLAW_ALLOW_UNSIGNED_WEBHOOKS")
        await expect(warning).to_be_visible()
        overflow = await phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
        await expect(phone.get_by_role("button", name="Emergency stop")).to_be_in_viewport()
        await screenshot(phone, "walk-phone-unsigned-webhooks", full_page=False)
    finally:
        await context.close()
