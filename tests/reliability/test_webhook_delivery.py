"""Duplicate, twin, replayed, stale and reordered webhooks: each text stored and decided once.

OpenPhone retries a webhook it thinks failed (same id), reports one inbound text as
both ``message.received`` and ``message.created`` (different ids), and delivers in no
particular order. An attacker may replay a signed body they captured. claw runs in
process with both signing schemes configured.
"""

from __future__ import annotations

import asyncio
import collections
import random
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_support import (
    SIGNING_KEY,
    conversation_of,
    settled,
    signed_text,
    wait_until,
)
from reliability_support import (
    STANDARD_SECRET,
    Findings,
    InProcess,
    Ledger,
    audit_conversation,
    in_process,
)

from claw_adapters.fakes.openphone import (
    message_event,
    message_received,
    signed_standard_webhook,
)
from claw_adapters.fakes.openphone import signed_legacy_webhook as sign_legacy
from claw_adapters.openphone import PayloadGeneration
from claw_adapters.openphone.webhooks import MessageDirection, MessageEventType
from claw_entrypoints.demo import VENUE_LINE
from claw_service.history import conversation_history

Delivery = tuple[bytes, dict[str, str]]


@pytest.fixture
async def venue(tmp_path: Path) -> AsyncIterator[InProcess]:
    async with in_process(f"sqlite:///{tmp_path / 'claw.db'}") as running:
        yield running


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def twin(customer: str, text: str, sent_at: datetime, message_id: str) -> Delivery:
    payload = message_event(
        PayloadGeneration.APP,
        event_type=MessageEventType.CREATED,
        direction=MessageDirection.INCOMING,
        text=text,
        from_number=customer,
        to_number=VENUE_LINE,
        created_at=sent_at,
        message_id=message_id,
    )
    return sign_legacy(payload, SIGNING_KEY, _ms(datetime.now(UTC)))


def standard(
    customer: str, text: str, sent_at: datetime, webhook_id: str, *, age: int = 0
) -> Delivery:
    payload = message_received(
        PayloadGeneration.RESOURCE_ENVELOPE,
        text=text,
        customer=customer,
        venue=VENUE_LINE,
        created_at=sent_at,
        message_id=f"AC{webhook_id}",
    )
    return signed_standard_webhook(
        payload, STANDARD_SECRET, now_s=int(time.time()) - age, webhook_id=webhook_id
    )


async def test_duplicates_twins_replays_and_reordering_store_each_text_once(
    venue: InProcess, ledger: Ledger
) -> None:
    figures = ledger.scenario(
        "webhooks: duplicate, twin, replayed, stale, reordered",
        "tests/reliability/test_webhook_delivery.py",
    )
    rng = random.Random(6)  # noqa: S311 -- a reproducible test schedule
    expected: dict[str, int] = collections.Counter()  # customer -> distinct texts
    wrong: list[tuple[str, int, str, Any]] = []  # (what, status, expected, answer)
    stats: collections.Counter[str] = collections.Counter()

    async def expect(what: str, delivery: Delivery, want: str) -> None:
        status, answer = await venue.deliver(delivery)
        got = {202: "accepted", 401: "stale"}.get(status, answer.get("status", str(status)))
        if status == 401:
            got = "stale" if "stale" in answer.get("error", "") else "refused"
        stats[want] += 1
        if got != want:
            wrong.append((what, status, want, answer))

    now = datetime.now(UTC)
    # 1. OpenPhone retries the same delivery, one after another and all at once.
    for n in range(5):
        customer = f"+1902559{n:04d}"
        delivery = signed_text(customer, "Do you sell gift cards?", message_id=f"ACretry{n}")
        await expect("first delivery", delivery, "accepted")
        expected[customer] += 1
        for _ in range(2):
            await expect("retry, same id", delivery, "duplicate")
    for n in range(5, 10):
        customer = f"+1902559{n:04d}"
        delivery = signed_text(customer, "what time do you close tonight?", message_id=f"ACrace{n}")
        answers = await asyncio.gather(*(venue.deliver(delivery) for _ in range(8)))
        accepted = sum(1 for status, _ in answers if status == 202)
        duplicates = sum(1 for _status, answer in answers if answer.get("status") == "duplicate")
        stats["concurrent copies"] += len(answers)
        expected[customer] += 1
        if (accepted, duplicates) != (1, 7):
            wrong.append(("8 concurrent copies", accepted, "1 accepted, 7 duplicate", answers))

    # 2. message.received and its message.created twin, in both orders, and at once.
    for n in range(10, 16):
        customer, text, sent_at = f"+1902559{n:04d}", "Do you sell gift cards?", now
        received = signed_text(customer, text, sent_at=sent_at, message_id=f"ACrecv{n}")
        created = twin(customer, text, sent_at, f"ACtwin{n}")
        first, second = (received, created) if n % 2 else (created, received)
        expected[customer] += 1
        if n < 14:
            await expect("first of twins", first, "accepted")
            await expect("second of twins", second, "duplicate")
        else:
            answers = await asyncio.gather(venue.deliver(first), venue.deliver(second))
            stats["concurrent twins"] += 2
            if sorted(a.get("status") for _s, a in answers) != ["accepted", "duplicate"]:
                wrong.append(("twins at once", 0, "accepted+duplicate", answers))

    # 3. Standard Webhooks: a redelivery with the same webhook-id is a duplicate.
    customer = "+19025590020"
    delivery = standard(customer, "what time do you close tonight?", now, "msg_rel_1")
    await expect("standard webhook", delivery, "accepted")
    await expect("standard redelivery", delivery, "duplicate")
    expected[customer] += 1

    # 4. Stale and replayed: a body signed too long ago is refused however it is sent.
    old = now - timedelta(minutes=10)
    captured = signed_text("+19025590030", "open the door", signed_at_ms=_ms(old))
    await expect("legacy signed 10 min ago", captured, "stale")
    await expect("the same, replayed", captured, "stale")
    future = signed_text(
        "+19025590030", "open the door", signed_at_ms=_ms(now + timedelta(minutes=10))
    )
    await expect("legacy signed 10 min ahead", future, "stale")
    stale_standard = standard("+19025590030", "open the door", now, "msg_rel_old", age=600)
    await expect("standard signed 10 min ago", stale_standard, "stale")
    # A replay of a text accepted a moment ago (fresh signature) is a duplicate, not a text.
    accepted_body = signed_text("+19025550123", "Do you sell gift cards?", message_id="ACreplay1")
    await expect("accepted text", accepted_body, "accepted")
    expected["+19025550123"] += 1
    await expect("replay of an accepted body", accepted_body, "duplicate")
    # The captured body re-signed with an old stamp but a new header order: still stale.
    body, headers = captured
    await expect(
        "replay, headers reordered", (body, dict(reversed(list(headers.items())))), "stale"
    )
    # Nothing from the refused number may exist: not its conversation, not a text.
    stale_stored = len(
        list(venue.runtime.app.repository.event_store.get(conversation_of("+19025590030")))
    )
    # 5. Out of order: a customer's texts arrive in a shuffled order, one retried late.
    customer = "+19025590040"
    texts = [
        (f"ACorder{k}", text, now + timedelta(seconds=k))
        for k, text in enumerate(
            ["hi", "my trackman", "is frozen", "in box 2 at Dartmouth", "thanks"]
        )
    ]
    order = texts[:]
    rng.shuffle(order)
    for message_id, text, sent_at in order:
        await expect(
            "out of order",
            signed_text(customer, text, sent_at=sent_at, message_id=message_id),
            "accepted",
        )
    message_id, text, sent_at = texts[0]
    await expect(
        "late retry",
        signed_text(customer, text, sent_at=sent_at, message_id=message_id),
        "duplicate",
    )
    expected[customer] += len(texts)

    everyone = [conversation_of(c) for c in expected]
    await wait_until(
        lambda: asyncio.to_thread(settled, venue.runtime.app, everyone),
        within=20,
        what="every text decided and every effect done",
    )
    findings = Findings()
    delivered = collections.Counter(to for to, _body in venue.messenger.sent)
    for customer, count in expected.items():
        findings.add(
            await asyncio.to_thread(
                audit_conversation,
                venue.runtime.app,
                conversation_of(customer),
                expected_texts=count,
                delivered=delivered[customer],
            )
        )
    stored_order = [
        t.message_id
        for t in conversation_history(venue.runtime.app, conversation_of("+19025590040")).texts
    ]

    understood = [
        event.text
        for event in venue.runtime.app.repository.event_store.get(conversation_of(customer))
        if type(event).__name__ == "TextClassified"
    ]
    in_sent_order = " ".join(text for _id, text, _at in texts)

    figures.attempts = sum(stats.values())
    figures.accepted = stats["accepted"]
    figures.refused = stats["duplicate"] + stats["stale"]
    refused_but_meant = [w for w in wrong if w[2] == "accepted"]
    figures.lost = len(findings.lost) + len(refused_but_meant)
    figures.doubled = len(findings.doubled) + len(wrong) - len(refused_but_meant) + findings.resent
    figures.note("deliveries: " + ", ".join(f"{k} x{v}" for k, v in sorted(stats.items())))
    figures.note(
        f"{sum(expected.values())} distinct texts, {findings.texts} stored, "
        f"{findings.decisions} decisions"
    )
    figures.note(f"stale/replayed bodies stored: {max(stale_stored, 0)}")
    figures.note(
        f"out-of-order texts stored in arrival order {stored_order}, understood as {understood}"
    )
    print(figures.line())
    assert wrong == []
    assert stale_stored == 0
    assert findings.lost == []
    assert findings.doubled == []
    assert findings.resent == 0
    if len(understood) == 1:  # one debounce window: the split message reads as sent
        assert understood == [in_sent_order]
