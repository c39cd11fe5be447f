"""Sustained inbound load on two `claw serve` processes sharing one PostgreSQL schema.

For ``LOAD_SECONDS`` (60 under ``make reliability``) customers text at a bounded rate,
each delivery going to one server at random and about one in five also reported as its
``message.created`` twin to the other server at the same moment. Some customers ask
for a TrackMan reset and confirm it on the other server. Afterwards: every text stored
once and decided once, every reply sent once, every reset run once.

Without ``CLAW_RELIABILITY=1`` it is skipped (``make test`` stays short).
"""

from __future__ import annotations

import asyncio
import collections
import random
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import aiohttp
import attrs
import pytest
from e2e_support import (
    SIGNING_KEY,
    LaunchServer,
    conversation_of,
    post,
    reader,
    server_environment,
    settled,
    signed_text,
    wait_until,
)
from reliability_support import FULL, Findings, Ledger, action_runs, audit_conversation

from claw_adapters.fakes.openphone import message_event, signed_legacy_webhook
from claw_adapters.openphone import PayloadGeneration
from claw_adapters.openphone.webhooks import MessageDirection, MessageEventType
from claw_entrypoints.demo import METRICS_HEADERS, VENUE_LINE, DemoVendors
from claw_service.application import ClawApplication
from claw_service.history import conversation_history

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not FULL, reason="the 60 s load runs under `make reliability`"),
]

LOAD_SECONDS = 60.0
RATE = 6.0  # deliveries per second, both servers together
MAX_DELIVERIES = int(LOAD_SECONDS * RATE)
QUESTIONS = (
    "Do you sell gift cards?",
    "what time do you close tonight?",
    "how do I redeem a gift card",
)
RESET_BOXES = (
    ("Dartmouth", 1, 2051),
    ("Dartmouth", 2, 2052),
    ("Dartmouth", 3, 2053),
    ("Dartmouth", 4, 2054),
    ("Bedford", 1, 1041),
    ("Bedford", 2, 1042),
)


@pytest.fixture
def env(vendors: DemoVendors, postgres_url: str) -> dict[str, str]:
    return server_environment(vendors, postgres_url, debounce=0.3)


@pytest.fixture
def view(env: dict[str, str]) -> Iterator[ClawApplication]:
    app = reader(env)
    try:
        yield app
    finally:
        app.close()


def twin_of(customer: str, text: str, sent_at: datetime, n: int) -> tuple[bytes, dict[str, str]]:
    payload = message_event(
        PayloadGeneration.APP,
        event_type=MessageEventType.CREATED,
        direction=MessageDirection.INCOMING,
        text=text,
        from_number=customer,
        to_number=VENUE_LINE,
        created_at=sent_at,
        message_id=f"ACloadtwin{n}",
    )
    return signed_legacy_webhook(payload, SIGNING_KEY, int(time.time() * 1000))


async def effects_total(session: aiohttp.ClientSession, url: str) -> float:
    async with session.get(f"{url}/metrics", headers=METRICS_HEADERS) as answer:
        exposition = await answer.text()
    return sum(
        float(m.group(1))
        for m in re.finditer(r"^claw_effects_total\{[^}]*\} (\S+)$", exposition, re.MULTILINE)
    )


async def test_two_servers_under_sustained_load_lose_and_double_nothing(
    env: dict[str, str],
    view: ClawApplication,
    vendors: DemoVendors,
    servers: LaunchServer,
    ledger: Ledger,
) -> None:
    figures = ledger.scenario(
        "load: two servers on PostgreSQL, 60 s sustained",
        "tests/reliability/test_postgres_load.py",
        env="CLAW_RELIABILITY=1",
    )
    # The demo venue allows 30 automatic texts an hour; this load needs more.
    settings = view.settings()
    view.change_globals(
        attrs.evolve(settings.globals, messages_per_hour=100_000), "reliability", datetime.now(UTC)
    )
    east, west = servers(env, "east"), servers(env, "west")
    await asyncio.gather(east.start(), west.start())
    rng = random.Random(60)  # noqa: S311 -- a reproducible test schedule
    texts: dict[str, set[str]] = collections.defaultdict(set)
    statuses: collections.Counter[str] = collections.Counter()
    pending_yes: list[tuple[float, str]] = []
    resets: list[tuple[str, int]] = []
    tasks: list[asyncio.Task[None]] = []
    failures: list[str] = []
    deliveries = 0
    started = time.monotonic()

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:

        async def deliver(url: str, body: tuple[bytes, dict[str, str]], label: str) -> None:
            try:
                status, answer = await post(session, url, body)
            except (aiohttp.ClientError, TimeoutError) as error:
                failures.append(f"{label}: {error!r}")
                return
            statuses[f"{status} {answer.get('status', answer.get('error', ''))}"] += 1
            if status >= 400:
                failures.append(f"{label}: {status} {answer}")

        def send(customer: str, text: str) -> None:
            nonlocal deliveries
            n = deliveries
            deliveries += 1
            message_id = f"ACload{n}"
            texts[customer].add(message_id)
            sent_at = datetime.now(UTC)
            first, second = rng.sample([east.url, west.url], 2)
            body = signed_text(customer, text, sent_at=sent_at, message_id=message_id)
            tasks.append(asyncio.create_task(deliver(first, body, message_id)))
            if rng.random() < 0.2:
                twin = twin_of(customer, text, sent_at, n)
                tasks.append(asyncio.create_task(deliver(second, twin, f"twin {message_id}")))

        customers = [f"+1902560{n:04d}" for n in range(150)]
        next_reset = 0
        asked = 0
        while time.monotonic() - started < LOAD_SECONDS and deliveries < MAX_DELIVERIES:
            tick = time.monotonic()
            now = tick - started
            due = [c for at, c in pending_yes if at <= now]
            pending_yes = [(at, c) for at, c in pending_yes if at > now]
            for customer in due:
                send(customer, "yes")
            roll = rng.random()
            if roll < 0.1 and next_reset < 30:
                where, box, device = RESET_BOXES[next_reset % len(RESET_BOXES)]
                customer = f"+1902561{next_reset:04d}"
                next_reset += 1
                resets.append((customer, device))
                send(customer, f"the trackman in box {box} at {where} is frozen")
                pending_yes.append((now + 3.0, customer))
            else:
                # Customers take turns (each texts every ~25 s, a given question every
                # ~75 s), so no text repeats inside the twin window and is rightly dropped.
                asked += 1
                customer = customers[asked % len(customers)]
                send(customer, QUESTIONS[(asked // len(customers)) % len(QUESTIONS)])
            await asyncio.sleep(max(0.0, 1.0 / RATE - (time.monotonic() - tick)))
        load_seconds = time.monotonic() - started
        for customer in [c for _at, c in pending_yes]:
            send(customer, "yes")
        await asyncio.gather(*tasks)

        everyone = [conversation_of(c) for c in texts]
        await wait_until(
            lambda: asyncio.to_thread(settled, view, everyone),
            within=90,
            what="every text decided and every effect done after the load",
            every=0.5,
        )
        done = {s.url: await effects_total(session, s.url) for s in (east, west)}
    settle_seconds = time.monotonic() - started - load_seconds

    findings = Findings()
    delivered = collections.Counter(m.to for m in vendors.openphone.sent)
    action_ids = []
    for customer, ids in texts.items():
        findings.add(
            await asyncio.to_thread(
                audit_conversation,
                view,
                conversation_of(customer),
                expected_texts=len(ids),
                delivered=delivered[customer],
            )
        )
        action_ids += conversation_history(view, conversation_of(customer)).action_ids
    runs = collections.Counter(str(run.device_id) for run in vendors.ninjaone.script_runs)
    findings.add(await asyncio.to_thread(action_runs, view, action_ids, runs))
    action_status = collections.Counter(view.pending_action(a).status.value for a in action_ids)
    same_text_twice = [
        key
        for key, n in collections.Counter((m.to, m.content) for m in vendors.openphone.sent).items()
        if n > 1 and key[0] in {c for c, _d in resets}
    ]

    figures.attempts = sum(statuses.values())
    figures.accepted = sum(n for answer, n in statuses.items() if answer.startswith("202"))
    figures.refused = sum(n for answer, n in statuses.items() if answer.startswith("4"))
    figures.lost = len(findings.lost) + len(failures)
    figures.doubled = len(findings.doubled) + findings.resent
    figures.note(
        f"{deliveries} texts from {len(texts)} customers in {load_seconds:.0f} s "
        f"(~{deliveries / load_seconds:.1f}/s) plus twins; answers: "
        + ", ".join(f"{k} x{v}" for k, v in sorted(statuses.items()))
    )
    figures.note(
        f"{findings.texts} stored, {findings.decisions} decisions, {findings.replies_sent} replies "
        f"sent, {len(vendors.openphone.sent)} texts at OpenPhone"
    )
    figures.note(
        f"{len(action_ids)} resets: "
        + ", ".join(f"{k} x{v}" for k, v in sorted(action_status.items()))
        + f", {len(vendors.ninjaone.script_runs)} script runs"
    )
    figures.note(
        "effects by server: "
        + ", ".join(f"{v:.0f}" for v in done.values())
        + f"; settled {settle_seconds:.0f} s after the load"
    )
    print(figures.line())
    print("\n".join([*failures[:20], *findings.lost[:20], *findings.doubled[:20]]))
    await asyncio.gather(east.stop(), west.stop())
    assert failures == []
    assert findings.lost == []
    assert findings.doubled == []
    assert findings.resent == 0
    assert same_text_twice == []
    assert sorted(done.values())[0] == 0  # only the lease holder talks to vendors
