"""An outsider's second pass at a running ``claw serve``: variations the first attacks missed.

- **Medical emergencies in plain words**: "someone collapsed", "he's not breathing",
  "heart attack", "I smell gas". The venue file's topic list had none of them: they
  went to staff as an ordinary question (not urgent), and from a customer who had
  once texted STOP they went nowhere at all. They must reach staff, urgently, from
  anyone, during the emergency stop too, and never text the customer.
- **Forgotten, then texting again at once**: ``claw forget`` runs beside ``claw serve``
  on PostgreSQL and the customer texts again a moment later. The server's cached copy
  of the shredded key sealed the new text, so it was unreadable at once: the
  customer was forgotten twice, the second time without asking.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime

import aiohttp
import pytest
from e2e_support import (
    LaunchServer,
    conversation_of,
    post,
    reader,
    server_environment,
    settled,
    signed_text,
    wait_until,
)
from reliability_support import Ledger
from test_rails_attacks import Venue, venue  # noqa: F401 - the running server and its fakes

from claw_domain.decisions import Reason
from claw_domain.privacy import FORGOTTEN
from claw_entrypoints.demo import DemoVendors
from claw_service.history import conversation_history

NODE = "tests/reliability/test_outsider_attacks.py"
STOP_MENTION = "emergency stop is on"
HOURS = "what are your hours?"
MEDICAL = (
    "someone collapsed",
    "my friend fainted and isnt breathing",
    "someone is having a heart attack",
    "he's unconscious on the floor of bay 2",
    "i smell gas",
    "my buddy is having a seizure",
    "he passed out, please help",
    "she's choking",
)


async def test_medical_emergencies_in_plain_words_reach_staff_urgently_from_anyone(
    venue: Venue,  # noqa: F811 - the fixture imported above
    ledger: Ledger,
) -> None:
    figures = ledger.scenario(
        "outsider: medical emergencies in plain words, opted-out senders, under the stop",
        f"{NODE}::test_medical_emergencies_in_plain_words_reach_staff_urgently_from_anyone",
    )
    # Half of the senders texted STOP long ago; then the emergency stop is engaged.
    customers = [f"+1902559{3000 + n:04d}" for n in range(len(MEDICAL))]
    opted_out = customers[::2]
    await asyncio.gather(*(venue.say(customer, "STOP") for customer in opted_out))
    venue.view.engage_emergency_stop("outsider", "drill", datetime.now(UTC))
    confirmations = {customer: len(venue.texts_to(customer)) for customer in customers}

    await asyncio.gather(*(venue.say(c, text) for c, text in zip(customers, MEDICAL, strict=True)))

    problems: list[str] = []
    for customer, text in zip(customers, MEDICAL, strict=True):
        sms, slack = venue.staff_sms(customer), venue.slack_posts(customer)
        decision = venue.view.conversation(conversation_of(customer)).last_decision
        assert decision is not None
        if not sms or not slack:
            problems.append(f"staff not told of {text!r} ({decision.reason.value})")
            continue
        figures.accepted += 1
        if decision.reason is not Reason.BLACKLISTED_TOPIC or not sms[-1].startswith("URGENT"):
            problems.append(f"{text!r} reached staff as {decision.reason.value}, not urgent")
        if STOP_MENTION not in sms[-1].lower():
            problems.append(f"the alert for {text!r} does not say the stop is on")
        if len(sms) > 1:
            figures.doubled += 1
            problems.append(f"{text!r} alerted staff {len(sms)} times")
        if len(venue.texts_to(customer)) != confirmations[customer]:
            problems.append(f"{customer} was texted under the stop")
    figures.attempts = len(MEDICAL)
    figures.refused = len(MEDICAL) - figures.accepted
    figures.lost = len(problems) - figures.doubled
    figures.note(
        f"{len(opted_out)} of the senders had opted out; every alert urgent, by SMS and "
        "Slack, saying the stop is on; no customer texted"
    )
    print(figures.line())
    assert problems == []


@pytest.mark.postgres
async def test_a_customer_forgotten_beside_a_running_server_who_texts_again_is_readable(
    vendors: DemoVendors, servers: LaunchServer, postgres_url: str, ledger: Ledger
) -> None:
    figures = ledger.scenario(
        "outsider: `claw forget` beside `claw serve` on PostgreSQL, the customer texts again",
        f"{NODE}::test_a_customer_forgotten_beside_a_running_server_who_texts_again_is_readable",
    )
    env = server_environment(vendors, postgres_url)
    server = servers(env, "claw")
    await server.start()
    view = reader(env)
    customers = [f"+1902559{4000 + n:04d}" for n in range(3)]
    again = "hello again, what are your prices?"

    async def level(customer: str) -> None:
        await wait_until(
            lambda: asyncio.to_thread(settled, view, [conversation_of(customer)]),
            within=30,
            what=f"{customer} settled",
        )

    problems: list[str] = []
    try:
        async with aiohttp.ClientSession() as session:
            for customer in customers:
                assert (await post(session, server.url, signed_text(customer, HOURS)))[0] == 202
                await level(customer)
                forget = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "claw_entrypoints.cli",
                    "forget",
                    "--phone",
                    customer,
                    "--by",
                    "outsider",
                    env={**os.environ, **env},
                    stdout=asyncio.subprocess.DEVNULL,
                )
                assert await forget.wait() == 0
                status, _ = await post(session, server.url, signed_text(customer, again))
                figures.attempts += 1
                figures.accepted += status == 202
                await level(customer)
    finally:
        view.close()
    fresh = reader(env)  # another process: no cached key, only what the table holds
    try:
        for customer in customers:
            history = conversation_history(fresh, conversation_of(customer))
            bodies = [text.body for text in history.texts]
            if bodies != [FORGOTTEN, again]:
                problems.append(f"{customer}: reads {bodies}")
    finally:
        fresh.close()
    figures.lost = len(problems)
    figures.note(
        "each customer forgotten by `claw forget` in its own process, then texting at once; "
        "afterwards the old text reads [forgotten] and the new one is readable"
    )
    print(figures.line())
    assert problems == []
