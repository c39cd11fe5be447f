"""A console on a real database for the account and API stories, with a clock the test moves.

Shared by the console test files that need to log in, text as a customer, and
move time (session expiry, login throttling) without sleeping.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from unittest import mock
from uuid import UUID

import attrs
from aiohttp import ClientResponse, ClientSession, TCPConnector, web
from aiohttp.test_utils import TestClient, TestServer

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_domain.users import Role
from claw_domain.values import InboundText
from claw_entrypoints.bootstrap import bootstrap, effect_ports
from claw_entrypoints.config import load_config
from claw_entrypoints.runtime import Runtime
from claw_entrypoints.web.app import create_web_app
from claw_entrypoints.web.auth import CONSOLE, CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from claw_service.accounts import Accounts

VENUE_LINE = "+19025550100"
MEMBER = "+19025550123"  # a member of the demo venue's Bedford location
ADMIN, OPERATOR = "ada", "otto"
PASSWORD = "correct horse battery"
SECRET = "test-console-secret-" + "x" * 44


@attrs.define
class ConsoleUnderTest:
    client: TestClient[web.Request, web.Application]
    runtime: Runtime
    clock: SettableClock
    texts: int = 0

    @property
    def accounts(self) -> Accounts:
        return self.client.app[CONSOLE].accounts

    async def login(
        self, name: str, password: str = PASSWORD, *, address: str | None = None
    ) -> dict[str, str]:
        """Log in; returns the headers a browser would send afterwards."""
        response = await self.try_login(name, password, address=address)
        assert response.status == 200, await response.text()
        session = response.cookies[SESSION_COOKIE].value
        csrf = response.cookies[CSRF_COOKIE].value
        # Each test sends exactly the cookies it means to, as the browser it plays.
        self.client.session.cookie_jar.clear()
        return {"Cookie": f"{SESSION_COOKIE}={session}; {CSRF_COOKIE}={csrf}", CSRF_HEADER: csrf}

    async def try_login(
        self, name: str, password: str, *, address: str | None = None
    ) -> ClientResponse:
        """One login attempt, from ``address`` (a loopback address such as 127.0.0.2) if given."""
        body = {"name": name, "password": password}
        if address is None:
            response = await self.client.post("/api/login", json=body)
            await response.read()
            self.client.session.cookie_jar.clear()
            return response
        connector = TCPConnector(local_addr=(address, 0))
        async with ClientSession(connector=connector) as session:
            response = await session.post(self.client.make_url("/api/login"), json=body)
            await response.read()
            return response

    async def text(self, customer: str, body: str) -> UUID:
        """A customer's text, received and decided as the worker would."""
        self.texts += 1
        now = self.clock.now()
        inbound = InboundText(
            message_id=f"msg-{self.texts}",
            venue_line=VENUE_LINE,
            customer_number=customer,
            body=body,
            sent_at=now,
        )
        result = self.runtime.app.receive_text(inbound, now)
        await self.runtime.processor.process(result.conversation_id)
        return result.conversation_id


@asynccontextmanager
async def console_on(database_url: str, **environ: str) -> AsyncIterator[ConsoleUnderTest]:
    """A console over ``database_url`` with an admin and an operator, and a settable clock."""
    config = load_config({"CLAW_DATABASE_URL": database_url, "CLAW_DEBOUNCE_SECONDS": "0"})
    ports = effect_ports(
        messenger=MemoryMessenger(),
        devices=MemoryDevices(),
        doors=MemoryDoors(),
        staff=MemoryStaff(),
    )
    clock = SettableClock(datetime.now(UTC).replace(microsecond=0))
    runtime = await bootstrap(config, ports=ports, clock=clock)
    settings = {"CLAW_CONSOLE_SECRET": SECRET, **environ}
    with mock.patch.dict(os.environ, settings):  # the console reads its settings when added
        app = create_web_app(runtime, run_worker=False)
        client = TestClient(TestServer(app))
        await client.start_server()
    try:
        accounts = app[CONSOLE].accounts
        known = {user.name for user in accounts.list_users()}  # a second console: same users
        for name, role in ((ADMIN, Role.ADMIN), (OPERATOR, Role.OPERATOR)):
            if name not in known:
                accounts.add_user(name, PASSWORD, role, "test-setup", clock.now())
        yield ConsoleUnderTest(client=client, runtime=runtime, clock=clock)
    finally:
        await client.close()
