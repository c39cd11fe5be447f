"""Impostors and strangers: texts from the venue's own lines and the staff phone, texts
addressed to other lines, and senders that are not phone numbers, mixed in with real
customers. Real customers are answered; nobody else is ever answered, and staff hear
of each malformed sender once (within the hour), never of the others.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime
from pathlib import Path

from e2e_support import SIGNING_KEY, event_names, settled, wait_until
from reliability_support import FULL, Ledger, in_process

from claw_adapters.fakes.openphone import message_received, signed_legacy_webhook
from claw_adapters.openphone import PayloadGeneration
from claw_domain.identity import conversation_id, set_aside_sender_id
from claw_entrypoints.demo import VENUE_LINE
from claw_service.application import ClawApplication

STAFF_PHONE = "+19025558888"
OWN_LINE = "+19025550101"  # the demo venue's second line
FOREIGN_LINES = ("+19025559999", "+14155550000")
MALFORMED = ("not-a-number", "12345", "+1", "PN123abc", "+0 000", "+1902555123412345")
ROUNDS = 12 if FULL else 3


def _delivery(sender: str, to: str, text: str, n: int) -> tuple[bytes, dict[str, str]]:
    payload = message_received(
        PayloadGeneration.APP,
        text=text,
        customer=sender,
        venue=to,
        created_at=datetime.now(UTC),
        message_id=f"ACidentity{n:06d}",
    )
    return signed_legacy_webhook(payload, SIGNING_KEY, int(time.time() * 1000))


async def test_only_customers_on_the_venues_lines_are_answered(
    tmp_path: Path, ledger: Ledger
) -> None:
    figures = ledger.scenario(
        "identity: own lines, staff phone, foreign lines, malformed senders",
        "tests/reliability/test_identity.py::test_only_customers_on_the_venues_lines_are_answered",
        env="CLAW_RELIABILITY=1" if FULL else "",
    )
    rng = random.Random(9)  # noqa: S311 - a reproducible shuffle, not a secret
    deliveries: list[tuple[str, str, str]] = []  # (kind, sender, to)
    customers = [f"+1902557{n:04d}" for n in range(ROUNDS * 2)]
    for round_ in range(ROUNDS):
        deliveries += [("customer", customers[2 * round_], VENUE_LINE)]
        deliveries += [("customer", customers[2 * round_ + 1], OWN_LINE)]
        deliveries += [("staff", STAFF_PHONE, VENUE_LINE), ("own", OWN_LINE, VENUE_LINE)]
        deliveries += [("own", VENUE_LINE, OWN_LINE)]
        deliveries += [("foreign", f"+1902557{9000 + round_:04d}", line) for line in FOREIGN_LINES]
        deliveries += [("malformed", sender, VENUE_LINE) for sender in MALFORMED]
    rng.shuffle(deliveries)

    problems: list[str] = []
    async with in_process(
        f"sqlite:///{tmp_path / 'claw.db'}", env={"CLAW_STAFF_NUMBER": STAFF_PHONE}
    ) as venue:
        app = venue.runtime.app
        for n, (kind, sender, to) in enumerate(deliveries):
            status, answer = await venue.deliver(_delivery(sender, to, "what are your hours?", n))
            expected = 202 if kind == "customer" else 200
            if status != expected:
                problems.append(f"{kind} {sender}->{to}: answered {status} {answer}")
            elif kind == "customer":
                figures.accepted += 1
            elif answer.get("status") == "set_aside":
                figures.refused += 1
            else:
                problems.append(f"{kind} {sender}->{to}: {answer}")
        figures.attempts = len(deliveries)
        everyone = [conversation_id(to, c) for kind, c, to in deliveries if kind == "customer"]
        await wait_until(
            lambda: asyncio.to_thread(settled, app, everyone),
            within=60 if FULL else 30,
            what="every customer's text decided and answered",
        )
        await wait_until(
            lambda: len(venue.staff.alerts) >= len(MALFORMED),
            within=10,
            what="one staff alert per malformed sender",
        )
        answered = {to for to, _ in venue.messenger.sent}
        for customer in customers:
            if customer not in answered:
                problems.append(f"customer {customer} never answered")
        strangers = {sender for kind, sender, _ in deliveries if kind != "customer"}
        for stranger in sorted(strangers & answered):
            problems.append(f"{stranger} was answered")
        for stranger in sorted(strangers):
            if await asyncio.to_thread(_has_conversation, app, stranger):
                problems.append(f"{stranger} got a conversation")
            if not await asyncio.to_thread(_set_aside_recorded, app, stranger):
                problems.append(f"{stranger}: nothing recorded")
        alerts = [alert for alert in venue.staff.alerts if "malformed" in alert.title.lower()]
        if len(alerts) != len(MALFORMED):
            problems.append(f"{len(alerts)} malformed-sender alerts for {len(MALFORMED)} senders")
        others = [alert for alert in venue.staff.alerts if alert not in alerts]
        if others:
            problems.append(f"unexpected staff alerts: {[a.title for a in others]}")

    figures.lost = len(problems)
    figures.note(
        f"{len(customers)} customers on two venue lines all answered; "
        f"{figures.refused} texts set aside (staff phone, own lines, {len(FOREIGN_LINES)} "
        f"foreign lines, {len(MALFORMED)} malformed senders), none answered, none with a "
        f"conversation; {len(MALFORMED)} staff alerts, one per malformed sender"
    )
    print(figures.line())
    print("\n".join(problems))
    assert problems == []


def _has_conversation(app: ClawApplication, sender: str) -> bool:
    lines = (VENUE_LINE, OWN_LINE, *FOREIGN_LINES)
    return any(event_names(app, conversation_id(line, sender)) for line in lines)


def _set_aside_recorded(app: ClawApplication, sender: str) -> bool:
    return "TextSetAside" in event_names(app, set_aside_sender_id(sender))
