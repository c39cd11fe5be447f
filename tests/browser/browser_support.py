"""What the browser tests share: where Chromium is, a running venue, logging in, screenshots.

Never ``playwright install``: the browser is Debian's ``chromium`` package.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs

from claw_domain.identity import conversation_id
from claw_entrypoints.demo import VENUE_LINE, DemoVendors, post_text, settle
from claw_entrypoints.runtime import Runtime
from claw_service.history import conversation_history

if TYPE_CHECKING:
    from playwright.async_api import Page

CHROMIUM = os.environ.get("CLAW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
PASSWORD = "correct horse battery"
ADMIN, OPERATOR = "ada", "otto"


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return (
            "the playwright package is missing: .venv/bin/pip install playwright "
            "(never `playwright install`; these tests drive Debian's chromium)"
        )
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set CLAW_CHROMIUM)"
    return None


@attrs.define
class Venue:
    """claw serving on a real port, its fake vendors, and a way to text it."""

    url: str
    runtime: Runtime
    vendors: DemoVendors
    signing_key: str
    session: aiohttp.ClientSession

    async def text(self, customer: str, body: str) -> None:
        """A customer texts the venue through the signed webhook; wait until claw is done."""
        status = await post_text(
            self.session, f"{self.url}/webhooks/openphone", self.signing_key, customer, body
        )
        assert status < 300
        await settle(self.runtime, conversation_id(VENUE_LINE, customer))

    def texts_to(self, customer: str) -> list[str]:
        return [m.content for m in self.vendors.openphone.sent if m.to == customer]

    def decisions(self, customer: str) -> list[tuple[str, str]]:
        history = conversation_history(self.runtime.app, conversation_id(VENUE_LINE, customer))
        return [(d.kind.value, d.reason.value) for d in history.decisions]


async def log_in(page: Page, venue: Venue, name: str, password: str = PASSWORD) -> None:
    await page.goto(f"{venue.url}/console/login")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{venue.url}/console/**")
    await page.get_by_text(f"{name} (").wait_for()


async def screenshot(page: Page, name: str, **options: Any) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    options.setdefault("full_page", True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **options)


async def engage_stop(page: Page, reason: str, *, tap: bool = False) -> None:
    """Press Emergency stop, give the reason the dialog asks for, and confirm."""
    button = page.get_by_role("button", name="Emergency stop")
    await (button.tap() if tap else button.click())
    dialog = page.get_by_role("dialog", name="Stop claw now?")
    await dialog.get_by_label("Reason").fill(reason)
    confirm = dialog.get_by_role("button", name="Stop claw now")
    await (confirm.tap() if tap else confirm.click())
