"""Fixtures: the real server with fake vendors, and headless Chromium through Playwright."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp import web
from browser_support import ADMIN, CHROMIUM, CHROMIUM_ARGS, OPERATOR, PASSWORD, Venue

from claw_domain.users import Role
from claw_entrypoints.bootstrap import bootstrap
from claw_entrypoints.config import load_config
from claw_entrypoints.demo import demo_environment, start_vendors
from claw_entrypoints.web.api import add_console_routes
from claw_entrypoints.web.app import create_web_app
from claw_entrypoints.web.auth import CONSOLE

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page


@pytest.fixture
async def venue(tmp_path: Path) -> AsyncIterator[Venue]:
    vendors = await start_vendors()
    signing_key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = demo_environment(vendors, f"sqlite:///{tmp_path / 'claw.db'}", signing_key)
    env["CLAW_DEBOUNCE_SECONDS"] = "0.1"
    runtime = await bootstrap(load_config(env))
    app = create_web_app(runtime)
    add_console_routes(app, environ={})
    now = datetime.now(UTC)
    app[CONSOLE].accounts.add_user(ADMIN, PASSWORD, Role.ADMIN, "test-setup", now)
    app[CONSOLE].accounts.add_user(OPERATOR, PASSWORD, Role.OPERATOR, "test-setup", now)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    # localhost, not 127.0.0.1: Chromium keeps Secure cookies on http only for localhost.
    url = f"http://localhost:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            yield Venue(url, runtime, vendors, signing_key, session)
    finally:
        await runner.cleanup()
        await vendors.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    from playwright.async_api import async_playwright  # noqa: PLC0415 - may be absent: the tests then skip

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()
