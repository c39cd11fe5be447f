"""OpenPhone's ``call.completed`` webhook: a call nobody answered gets a text back.

The fake sends the payload OpenPhone documents (its sample ``call.completed`` event:
``status`` "completed", ``answeredAt`` null when nobody picked up), signed as
app-created webhooks are.
"""

from __future__ import annotations

import argparse
import base64
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from claw_adapters.clock import SystemClock
from claw_adapters.fakes.memory import MemoryDevices, MemoryDoors, MemoryMessenger, MemoryStaff
from claw_adapters.fakes.openphone import call_completed, signed_legacy_webhook
from claw_adapters.openphone import MessageDirection, WebhookCall, parse_webhook
from claw_domain.identity import conversation_id
from claw_domain.settings import FeatureMode, FeatureSettings
from claw_domain.users import Role
from claw_domain.values import Intent
from claw_entrypoints.bootstrap import bootstrap, effect_ports
from claw_entrypoints.commands.readside import replay_audit
from claw_entrypoints.config import load_config
from claw_entrypoints.runtime import Runtime
from claw_entrypoints.web.api import add_console_routes
from claw_entrypoints.web.app import create_web_app
from claw_entrypoints.web.auth import CONSOLE, SESSION_COOKIE

VENUE_LINE = "+19025550100"
CALLER = "+19025552301"
SORRY = "Sorry we missed your call, how can we help?"
SIGNING_KEY = base64.b64encode(secrets.token_bytes(32)).decode()


@attrs.define
class Line:
    client: TestClient[web.Request, web.Application]
    runtime: Runtime
    messenger: MemoryMessenger

    async def call(self, **details: Any) -> dict[str, Any]:
        payload = call_completed(
            customer=details.pop("customer", CALLER),
            venue=VENUE_LINE,
            created_at=datetime.now(UTC),
            **details,
        )
        body, headers = signed_legacy_webhook(payload, SIGNING_KEY, int(time.time() * 1000))
        response = await self.client.post("/webhooks/openphone", data=body, headers=headers)
        assert response.status in (200, 202), await response.text()
        answer: dict[str, Any] = await response.json()
        await self.runtime.dispatcher.run_once()
        return answer


@pytest.fixture
async def line(tmp_path: Path) -> AsyncIterator[Line]:
    config = load_config(
        {
            "CLAW_DATABASE_URL": f"sqlite:///{tmp_path / 'claw.db'}",
            "CLAW_OPENPHONE_WEBHOOK_KEY": SIGNING_KEY,
        }
    )
    messenger = MemoryMessenger()
    ports = effect_ports(
        messenger=messenger, devices=MemoryDevices(), doors=MemoryDoors(), staff=MemoryStaff()
    )
    runtime = await bootstrap(config, ports=ports, clock=SystemClock())
    app = create_web_app(runtime, run_worker=False)
    add_console_routes(app, environ={"CLAW_SESSION_SECRET": "s" * 48})
    app[CONSOLE].accounts.add_user(
        "ada", "correct horse battery", Role.ADMIN, "t", datetime.now(UTC)
    )
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Line(client, runtime, messenger)
    finally:
        await client.close()


def _turn_on(line: Line, mode: FeatureMode) -> None:
    line.runtime.app.change_feature(
        Intent.MISSED_CALL, FeatureSettings(mode=mode), "ada", datetime.now(UTC)
    )


def test_the_documented_call_completed_event_is_read() -> None:
    payload = call_completed(
        customer=CALLER, venue=VENUE_LINE, created_at=datetime.now(UTC), voicemail=True
    )
    call = parse_webhook(signed_legacy_webhook(payload, SIGNING_KEY, 0)[0])

    assert isinstance(call, WebhookCall)
    assert (call.customer_number, call.venue_number) == (CALLER, VENUE_LINE)
    assert call.missed
    assert call.voicemail
    answered = parse_webhook(
        signed_legacy_webhook(
            call_completed(
                customer=CALLER, venue=VENUE_LINE, created_at=datetime.now(UTC), answered=True
            ),
            SIGNING_KEY,
            0,
        )[0]
    )
    assert isinstance(answered, WebhookCall)
    assert not answered.missed


async def test_a_missed_call_gets_the_text_and_is_counted(line: Line) -> None:
    _turn_on(line, FeatureMode.AUTO)

    answer = await line.call(call_id="ACmissed1")
    redelivered = await line.call(call_id="ACmissed1")  # OpenPhone sends it again

    assert answer["status"] == "accepted"
    assert answer["decision"] == "respond"
    assert redelivered == {"status": "duplicate"}
    assert line.messenger.sent == [(CALLER, SORRY)]
    response = await line.client.post(
        "/api/login", json={"name": "ada", "password": "correct horse battery"}
    )
    assert response.status == 200
    session = f"{SESSION_COOKIE}={response.cookies[SESSION_COOKIE].value}"
    statistics = await line.client.get("/api/statistics", headers={"Cookie": session})
    stats = await statistics.json()
    missed = stats["by_intent"]["missed_call"]
    assert (missed["automatic_replies"], missed["ignored"]) == (
        1,
        0,
    )  # a redelivery decides nothing


async def test_answered_outgoing_and_switched_off_calls_send_nothing(line: Line) -> None:
    answered = await line.call(answered=True)
    outgoing = await line.call(direction=MessageDirection.OUTGOING, customer="+19025552302")
    switched_off = await line.call(customer="+19025552303")

    assert answered == {"status": "ignored", "reason": "not_a_missed_call"}
    assert outgoing["status"] == "ignored"
    assert switched_off == {"status": "ignored", "reason": "missed_call_feature_off"}
    assert line.messenger.sent == []


async def test_under_the_emergency_stop_the_text_waits_for_staff(line: Line) -> None:
    _turn_on(line, FeatureMode.AUTO)
    line.runtime.app.engage_emergency_stop("ada", "flood", datetime.now(UTC))

    answer = await line.call()

    assert answer["decision"] == "suggest"
    assert line.messenger.sent == []


async def test_claw_audit_plain_tells_the_call_in_plain_words(
    line: Line, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _turn_on(line, FeatureMode.AUTO)
    await line.call()
    monkeypatch.setenv("CLAW_DATABASE_URL", f"sqlite:///{tmp_path / 'claw.db'}")
    args = argparse.Namespace(
        conversation=conversation_id(VENUE_LINE, CALLER),
        phone=None,
        since=None,
        what_if=None,
        json=False,
        plain=True,
    )

    assert replay_audit(args) == 0

    printed = capsys.readouterr().out.splitlines()
    # The line's messenger here is the dry-run one: the step says the text never left.
    assert [step.split("  ", 1)[1] for step in printed] == [
        "They called; nobody answered",
        f"claw texted them back (dry run: not sent)  \u201c{SORRY}\u201d",
    ]
