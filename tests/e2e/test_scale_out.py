"""Two `claw serve` processes on one PostgreSQL schema: every text decided once, every
effect done once, whichever server OpenPhone happens to call.

Both servers take webhooks and both workers decide; only the holder of the dispatch
lease talks to the vendors. OpenPhone's twin reports of one text land on different
servers at the same moment, and a TrackMan reset is asked on one server and
confirmed on the other.
"""

from __future__ import annotations

import asyncio
import collections
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import aiohttp
import pytest
from e2e_support import (
    SIGNING_KEY,
    ClawServer,
    LaunchServer,
    conversation_of,
    decisions_of,
    every_text_decided_once,
    post,
    reader,
    server_environment,
    settled,
    signed_text,
    wait_until,
)

from claw_adapters.fakes.openphone import message_event, signed_legacy_webhook
from claw_adapters.openphone import PayloadGeneration
from claw_adapters.openphone.webhooks import MessageDirection, MessageEventType
from claw_entrypoints.demo import METRICS_HEADERS, VENUE_LINE, DemoVendors
from claw_service.application import ClawApplication

pytestmark = pytest.mark.postgres

QUESTIONS = ("Do you sell gift cards?", "what time do you close tonight?")
# (customer, what is frozen, NinjaOne device of that box in the demo venue)
RESETS = (
    ("+19025554101", "The trackman in box 1 at Dartmouth is frozen", 2051),
    ("+19025554102", "the trackman in box 2 at Dartmouth froze", 2052),
    ("+19025554103", "Trackman frozen in box 1 at Bedford", 1041),
)


@pytest.fixture
def env(vendors: DemoVendors, postgres_url: str) -> dict[str, str]:
    return server_environment(vendors, postgres_url)


@pytest.fixture
def view(env: dict[str, str]) -> Iterator[ClawApplication]:
    app = reader(env)
    try:
        yield app
    finally:
        app.close()


def twin_of(customer: str, text: str, sent_at: datetime) -> tuple[bytes, dict[str, str]]:
    """The same inbound text as OpenPhone also reports it: message.created, another id."""
    payload = message_event(
        PayloadGeneration.APP,
        event_type=MessageEventType.CREATED,
        direction=MessageDirection.INCOMING,
        text=text,
        from_number=customer,
        to_number=VENUE_LINE,
        created_at=sent_at,
        message_id=f"ACtwin{customer[-4:]}",
    )
    return signed_legacy_webhook(payload, SIGNING_KEY, int(datetime.now(UTC).timestamp() * 1000))


async def received_total(session: aiohttp.ClientSession, server: ClawServer) -> float:
    async with session.get(f"{server.url}/metrics", headers=METRICS_HEADERS) as answer:
        exposition = await answer.text()
    found = re.search(r"^claw_texts_received_total (\S+)$", exposition, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_two_servers_on_one_database_decide_and_act_once(
    env: dict[str, str], view: ClawApplication, vendors: DemoVendors, servers: LaunchServer
) -> None:
    east, west = servers(env, "east"), servers(env, "west")
    await asyncio.gather(east.start(), west.start())
    askers = [f"+1902555{4000 + n:04d}" for n in range(14)]

    async with aiohttp.ClientSession() as session:
        # Each question arrives twice at once: message.received at one server and its
        # message.created twin at the other.
        deliveries = []
        for n, customer in enumerate(askers):
            text, sent_at = QUESTIONS[n % 2], datetime.now(UTC)
            first, second = (east, west) if n % 2 else (west, east)
            deliveries.append(
                post(session, first.url, signed_text(customer, text, sent_at=sent_at))
            )
            deliveries.append(post(session, second.url, twin_of(customer, text, sent_at)))
        for customer, frozen, _device in RESETS:
            deliveries.append(post(session, east.url, signed_text(customer, frozen)))
        answers = await asyncio.gather(*deliveries)

        pairs = [answers[i : i + 2] for i in range(0, 2 * len(askers), 2)]
        for pair in pairs:
            assert sorted(answer["status"] for _status, answer in pair) == [
                "accepted",
                "duplicate",
            ]
        assert all(status == 202 for status, _answer in answers[2 * len(askers) :])

        # Each customer confirms the reset on the other server.
        for customer, _frozen, _device in RESETS:
            await wait_until(
                lambda customer=customer: any(m.to == customer for m in vendors.openphone.sent),
                within=20,
                what=f"the confirmation request to {customer}",
            )
            assert (await post(session, west.url, signed_text(customer, "yes")))[0] == 202

        everyone = [conversation_of(c) for c in [*askers, *(c for c, _t, _d in RESETS)]]
        await wait_until(
            lambda: asyncio.to_thread(settled, view, everyone),
            within=30,
            what="every text decided and every effect done",
            every=0.2,
        )
        accepted = len(askers) + 2 * len(RESETS)
        assert await received_total(session, east) + await received_total(session, west) == (
            accepted
        )

    for customer in askers:
        every_text_decided_once(view, conversation_of(customer))
        assert decisions_of(view, conversation_of(customer)) == [
            ("respond", "answered_from_knowledge")
        ]
    for customer, _frozen, _device in RESETS:
        every_text_decided_once(view, conversation_of(customer))
        assert decisions_of(view, conversation_of(customer)) == [
            ("request_confirmation", "confirmation_required"),
            ("execute", "customer_confirmed"),
        ]

    sent = collections.Counter((m.to, m.content) for m in vendors.openphone.sent)
    assert [text for text, times in sent.items() if times > 1] == []
    per_customer = collections.Counter(m.to for m in vendors.openphone.sent)
    assert all(per_customer[customer] == 1 for customer in askers)
    assert all(per_customer[customer] == 2 for customer, _t, _d in RESETS)
    resets = sorted(run.device_id for run in vendors.ninjaone.script_runs)
    assert resets == sorted(device for _c, _t, device in RESETS)

    await asyncio.gather(east.stop(), west.stop())


async def effects_done(session: aiohttp.ClientSession, server: ClawServer) -> float:
    async with session.get(f"{server.url}/metrics", headers=METRICS_HEADERS) as answer:
        exposition = await answer.text()
    return sum(
        float(found.group(1))
        for found in re.finditer(r"^claw_effects_total\{[^}]*\} (\S+)$", exposition, re.MULTILINE)
    )


async def test_when_the_dispatching_server_dies_the_other_takes_over(
    env: dict[str, str], view: ClawApplication, vendors: DemoVendors, servers: LaunchServer
) -> None:
    east, west = servers(env, "east"), servers(env, "west")
    await asyncio.gather(east.start(), west.start())
    before, after = "+19025554201", "+19025554202"

    async with aiohttp.ClientSession() as session:
        assert (await post(session, east.url, signed_text(before, QUESTIONS[0])))[0] == 202

        async def answered() -> bool:
            # The metric counts the reply once its outcome is saved, just after the send.
            return await effects_done(session, east) + await effects_done(session, west) > 0

        await wait_until(answered, within=20, what="the first answer")
        east_done, west_done = await effects_done(session, east), await effects_done(session, west)
        # Only the lease holder talks to the vendors.
        assert sorted([east_done, west_done])[0] == 0 < max(east_done, west_done)
        holder, survivor = (east, west) if east_done else (west, east)

        await holder.kill()
        assert (await post(session, survivor.url, signed_text(after, QUESTIONS[1])))[0] == 202
        await wait_until(
            lambda: asyncio.to_thread(settled, view, [conversation_of(after)]),
            within=20,
            what="the survivor to answer",
            every=0.2,
        )
        assert await effects_done(session, survivor) > 0

    texted = collections.Counter(m.to for m in vendors.openphone.sent)
    assert (texted[before], texted[after]) == (1, 1)
    for customer in (before, after):
        every_text_decided_once(view, conversation_of(customer))
    await survivor.stop()
