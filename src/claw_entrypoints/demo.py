"""The demo: claw on the embedded default with the demo venue and local fake vendors.

It starts the real server, plays scripted customer texts through the real,
signed webhook, prints what claw understood, decided and did, and keeps serving
until Ctrl-C (or exits after the script with ``--once``).
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import attrs
from aiohttp import web

from claw_adapters.fakes.ninjaone import FakeDevice, FakeNinjaOne
from claw_adapters.fakes.openphone import FakeOpenPhone, message_received, signed_legacy_webhook
from claw_adapters.fakes.unifi import FakeDoor, FakeUniFiAccess
from claw_adapters.knowledge import load_venue_knowledge
from claw_adapters.openphone import PayloadGeneration
from claw_adapters.projections.statistics import read_dashboard
from claw_domain.conversation import Conversation
from claw_domain.identity import conversation_id
from claw_entrypoints.bootstrap import bootstrap
from claw_entrypoints.config import load_config
from claw_entrypoints.runtime import Runtime
from claw_entrypoints.web.app import create_web_app
from claw_service.audit import timeline

VENUE_LINE = "+19025550100"
STAFF_NUMBER = "+19025550199"
DEMO_ACTOR = "demo-manager"
# The demo's /metrics token: the demo runs on 127.0.0.1 with fake vendors only.
DEMO_METRICS_TOKEN = "demo-metrics-token"  # noqa: S105 (a demo value, never a real secret)
METRICS_HEADERS = {"Authorization": f"Bearer {DEMO_METRICS_TOKEN}"}


@attrs.frozen
class Step:
    customer: str
    text: str
    title: str = ""


# (title, steps, approve the door afterwards?)
SCENARIOS: tuple[tuple[str, tuple[Step, ...], bool], ...] = (
    ("A gift-card question", (Step("+19025551001", "Hi! Do you sell gift cards?"),), False),
    ("Opening hours", (Step("+19025551002", "what time do you close tonight?"),), False),
    (
        "A frozen TrackMan, confirmed with yes",
        (
            Step("+19025551003", "The trackman in box 3 at Dartmouth is frozen"),
            Step("+19025551003", "yes"),
        ),
        False,
    ),
    (
        "A member at the door: confirmed, then approved by staff",
        (
            Step("+19025550123", "I'm at the Bedford door and it won't open, can you let me in?"),
            Step("+19025550123", "Yes please"),
        ),
        True,
    ),
    (
        "STOP: one confirmation, then nothing more is sent",
        (Step("+19025551005", "STOP"), Step("+19025551005", "what are your hours?")),
        False,
    ),
    (
        "Only staff can answer this",
        (Step("+19025551006", "I want a refund for last night, the screen kept crashing"),),
        False,
    ),
)


@attrs.define
class DemoReport:
    """What the script produced: the decisions per scenario and what the vendors saw."""

    decisions: dict[str, list[tuple[str, str]]] = attrs.Factory(dict)
    texts: list[tuple[str, str]] = attrs.Factory(list)
    resets: list[int] = attrs.Factory(list)
    unlocks: list[str] = attrs.Factory(list)
    numbers: dict[str, Any] = attrs.Factory(dict)  # the dashboard's numbers for the run


@attrs.define
class DemoVendors:
    openphone: FakeOpenPhone
    ninjaone: FakeNinjaOne
    unifi: FakeUniFiAccess

    async def stop(self) -> None:
        await self.openphone.stop()
        await self.ninjaone.stop()
        await self.unifi.stop()


async def start_vendors() -> DemoVendors:
    knowledge = load_venue_knowledge(None)
    devices = [
        FakeDevice(id=int(device), display_name=f"{key} box {box}")
        for key in knowledge.location_names()
        for box, device in knowledge.boxes(key).items()
    ]
    doors = [
        FakeDoor(id=door.id, name=door.name)
        for key in knowledge.location_names()
        if (door := knowledge.door(key)) is not None
    ]
    openphone = FakeOpenPhone(number=VENUE_LINE)
    ninjaone = FakeNinjaOne(devices=devices)
    unifi = FakeUniFiAccess(doors=doors)
    await openphone.start()
    await ninjaone.start()
    await unifi.start()
    return DemoVendors(openphone, ninjaone, unifi)


def demo_environment(vendors: DemoVendors, database_url: str, signing_key: str) -> dict[str, str]:
    return {
        "CLAW_DATABASE_URL": database_url,
        "CLAW_DEBOUNCE_SECONDS": "0.3",
        "CLAW_OPENPHONE_BASE_URL": vendors.openphone.base_url,
        "CLAW_OPENPHONE_API_KEY": vendors.openphone.api_key,
        "CLAW_OPENPHONE_NUMBER": VENUE_LINE,
        "CLAW_OPENPHONE_WEBHOOK_KEY": signing_key,
        "CLAW_NINJAONE_BASE_URL": vendors.ninjaone.base_url,
        "CLAW_NINJAONE_CLIENT_ID": vendors.ninjaone.client_id,
        "CLAW_NINJAONE_CLIENT_SECRET": vendors.ninjaone.client_secret,
        "CLAW_NINJAONE_REFRESH_TOKEN": vendors.ninjaone.refresh_token,
        "CLAW_NINJAONE_RESET_SCRIPT_ID": "77",
        "CLAW_UNIFI_BASE_URL": vendors.unifi.base_url,
        "CLAW_UNIFI_TOKEN": vendors.unifi.api_token,
        "CLAW_STAFF_NUMBER": STAFF_NUMBER,
        "CLAW_METRICS_TOKEN": DEMO_METRICS_TOKEN,
        "CLAW_LOG_FORMAT": os.environ.get("CLAW_LOG_FORMAT", "console"),
    }


async def post_text(
    session: aiohttp.ClientSession, url: str, signing_key: str, customer: str, text: str
) -> int:
    payload = message_received(
        PayloadGeneration.APP,
        text=text,
        customer=customer,
        venue=VENUE_LINE,
        created_at=datetime.now(UTC),
    )
    body, headers = signed_legacy_webhook(payload, signing_key, int(time.time() * 1000))
    async with session.post(url, data=body, headers=headers) as response:
        return response.status


async def settle(runtime: Runtime, conversation: UUID, within_seconds: float = 15.0) -> None:
    """Wait until the conversation's texts are decided and every effect is done."""
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        conv = await asyncio.to_thread(runtime.app.conversation, conversation)
        head = await asyncio.to_thread(runtime.app.recorder.max_notification_id) or 0
        done = await asyncio.to_thread(runtime.dispatcher.position)
        texts = await asyncio.to_thread(runtime.app.texts_of, conv)
        if not conv.unprocessed() and not any(t.is_queued for t in texts) and done >= head:
            return
        await asyncio.sleep(0.1)


def describe(runtime: Runtime, conversation: UUID, print_line: Callable[[str], None]) -> None:
    """The conversation's timeline, as incident review (``claw audit replay``) reads it."""
    for entry in timeline(runtime.app, conversation_id=conversation):
        # Texts in and out are worth quoting; a decision's or a reading's text repeats them.
        quoted = entry.body is not None and entry.decision is None and entry.intent is None
        print_line(f"  {entry.summary}" + (f": {entry.body!r}" if quoted else ""))


def owner_number_lines(n: dict[str, Any]) -> list[str]:
    """The dashboard's numbers for the run, as the console's Dashboard page defines them."""

    def secs(value: float | None) -> str:
        return "no data" if value is None else f"{value:g} s"

    def share(value: float | None) -> str:
        return "no data" if value is None else f"{round(value * 100)}%"

    return [
        "the owner's numbers for this run (the console's Dashboard page defines each):",
        f"  response time: median {secs(n['response_p50_seconds'])}, "
        f"95th percentile {secs(n['response_p95_seconds'])}; without the debounce wait: "
        f"median {secs(n['work_p50_seconds'])}, 95th percentile {secs(n['work_p95_seconds'])}",
        f"  accuracy of automatic answers: {share(n['answer_accuracy'])}; "
        f"suggestions approved unedited: {share(n['suggestions_approved_unedited'])}",
        f"  language-model calls avoided: {share(n['llm_avoided'])}; "
        f"language-model cost: ${n['llm_cost_usd']:.4f} ({n['llm_calls']} calls)",
        f"  customer feedback: {n['feedback_positive']} positive, "
        f"{n['feedback_negative']} negative",
        f"  texts answered automatically: {n['answered_automatically']}, "
        f"suggested: {n['suggested']}, escalated: {n['escalated']}",
    ]


async def run_demo(
    *, once: bool, port: int, database_url: str | None, print_line: Callable[[str], None] = print
) -> DemoReport:
    vendors = await start_vendors()
    workdir = Path(tempfile.mkdtemp(prefix="claw-demo-"))
    database_url = database_url or f"sqlite:///{workdir / 'claw-demo.db'}"
    signing_key = base64.b64encode(secrets.token_bytes(32)).decode()
    config = load_config(demo_environment(vendors, database_url, signing_key))
    runtime = await bootstrap(config)
    app = create_web_app(runtime)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    url = f"http://127.0.0.1:{bound}"
    print_line(f"claw demo: serving on {url} (database {database_url})")
    report = DemoReport()
    print_line(
        "fake OpenPhone, NinjaOne and UniFi Access run on 127.0.0.1; nothing leaves this machine\n"
    )
    try:
        async with aiohttp.ClientSession() as session:
            for title, steps, approve_door in SCENARIOS:
                print_line(f"== {title}")
                conv_id = conversation_id(VENUE_LINE, steps[0].customer)
                for step in steps:
                    await post_text(
                        session, f"{url}/webhooks/openphone", signing_key, step.customer, step.text
                    )
                    await asyncio.sleep(0.05)
                    await settle(runtime, conv_id)
                if approve_door:
                    conversation = await asyncio.to_thread(runtime.app.conversation, conv_id)
                    if conversation.awaiting_action is not None:
                        print_line(
                            f"  (staff member {DEMO_ACTOR} approves the door in the console)"
                        )
                        await asyncio.to_thread(
                            runtime.app.approve_action,
                            conversation.awaiting_action,
                            DEMO_ACTOR,
                            runtime.clock.now(),
                        )
                        runtime.worker.wake.set()
                        await settle(runtime, conv_id)
                conversation = await asyncio.to_thread(runtime.app.conversation, conv_id)
                report.decisions[title] = [
                    (recorded.decision.kind.value, recorded.decision.reason.value)
                    for recorded in runtime.app.repository.event_store.get(conv_id)
                    if isinstance(recorded, Conversation.DecisionRecorded)
                ]
                await asyncio.to_thread(describe, runtime, conv_id, print_line)
                print_line("")
        report.texts = [(m.to, m.content) for m in vendors.openphone.sent]
        report.resets = [run.device_id for run in vendors.ninjaone.script_runs]
        report.unlocks = [u.door_id for u in vendors.unifi.unlocked] + [
            rule.door_id for rule in vendors.unifi.lock_rules
        ]
        print_line(
            f"vendors saw: {len(vendors.openphone.sent)} texts sent, "
            f"{len(report.resets)} TrackMan reset(s), "
            f"{len(report.unlocks)} door unlock(s)"
        )
        await asyncio.to_thread(runtime.projector.catch_up_fully)
        report.numbers = read_dashboard(runtime.projector.store)["overall"]["numbers"]
        print_line(f"\nthe console: {url}/console/ (add a login with `claw users add`)")
        for line in owner_number_lines(report.numbers):
            print_line(line)
        if not once:
            print_line(
                f"\nstill serving on {url}: POST {url}/webhooks/openphone, "
                f"GET {url}/metrics (Authorization: Bearer {DEMO_METRICS_TOKEN}). Ctrl-C stops."
            )
            await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await vendors.stop()
    return report
