"""kill -9 at random points of processing, again and again; nothing lost, no action twice.

One `claw serve` on a SQLite file, the fake vendors in the test. A seeded RNG picks
each round's texts (fresh questions, follow-ups, TrackMan resets, the customers' yes
to them), whether NinjaOne or OpenPhone keeps its answer back this time (so the kill
can land mid-effect), and how long after posting them the server dies. A post cut off by the kill
is delivered again after the restart, as OpenPhone retries. At the end every text
must be stored once and decided once, every reply sent (or failed with staff told)
and no reset run twice.
"""

from __future__ import annotations

import asyncio
import collections
import os
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import aiohttp
import attrs
import pytest
from e2e_support import (
    LaunchServer,
    conversation_of,
    post,
    reader,
    server_environment,
    settled,
    signed_text,
    unsettled,
    wait_until,
)
from eventsourcing.application import AggregateNotFoundError
from reliability_support import FULL, Findings, Ledger, action_runs, audit_conversation

from claw_adapters.fakes.ninjaone import FaultKind as NinjaFault
from claw_adapters.fakes.ninjaone import NinjaRoute
from claw_entrypoints.demo import DemoVendors
from claw_service.application import ClawApplication
from claw_service.history import conversation_history

SEED = int(os.environ.get("CLAW_RELIABILITY_SEED", "20261125"))

# About one run in thirty has stalled after the last restart (nothing lost at the time
# of the stall, but the settle wait ran out); until that is understood, the random loop
# runs under `make reliability` and `make test` keeps the deterministic crash stories in
# tests/e2e/test_crash_recovery.py.
pytestmark = pytest.mark.skipif(
    not FULL, reason="the random kill loop runs under `make reliability` (CLAW_RELIABILITY=1)"
)
KILLS = 15 if FULL else 5
TIME_BOUND = 60.0 if FULL else 25.0
QUESTIONS = (
    "Hi! Do you sell gift cards?",
    "what time do you close tonight?",
    "are you open on christmas day?",
    "how do I redeem a gift card",
)
BOXES = (("Dartmouth", 1), ("Dartmouth", 2), ("Dartmouth", 3), ("Dartmouth", 4), ("Bedford", 1))


async def test_random_kills_lose_nothing_and_never_repeat_an_action(
    vendors: DemoVendors, servers: LaunchServer, tmp_path: Path, ledger: Ledger
) -> None:
    figures = ledger.scenario(
        "crash: kill -9 at random points, restart",
        "tests/reliability/test_crash_loop.py",
    )
    rng = random.Random(SEED)  # noqa: S311 -- a reproducible test schedule
    env = server_environment(vendors, f"sqlite:///{tmp_path / 'claw.db'}", debounce=0.2)
    view = reader(env)
    # The demo venue allows 30 automatic texts an hour; the loop needs more.
    view.change_globals(
        attrs.evolve(view.settings().globals, messages_per_hour=10_000),
        "reliability",
        datetime.now(UTC),
    )
    server = servers(env, "claw")
    sent: dict[str, set[str]] = collections.defaultdict(set)  # customer -> message ids
    asked: dict[str, set[str]] = collections.defaultdict(set)  # customer -> texts
    retry: list[tuple[str, tuple[bytes, dict[str, str]]]] = []
    landed_after: collections.Counter[str] = collections.Counter()
    resets: list[str] = []
    said_yes: set[str] = set()
    next_customer = 0
    kills = 0
    started = time.monotonic()

    def fresh() -> str:
        nonlocal next_customer
        next_customer += 1
        return f"+1902556{next_customer:04d}"

    def delivery(customer: str, text: str) -> tuple[str, tuple[bytes, dict[str, str]]]:
        asked[customer].add(text)
        message_id = f"ACcrash{SEED % 10_000:04d}{len(retry)}x{sum(map(len, sent.values()))}"
        sent[customer].add(message_id)
        return customer, signed_text(customer, text, message_id=message_id)

    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            while kills < KILLS and time.monotonic() - started < TIME_BOUND:
                await server.start()
                batch, retry = retry, []
                for _ in range(rng.randint(1, 4)):
                    roll = rng.random()
                    if roll < 0.35 or not sent:
                        batch.append(delivery(fresh(), rng.choice(QUESTIONS)))
                    elif roll < 0.55:
                        # A follow-up is a question this customer has not asked yet: the
                        # same text again within seconds is OpenPhone's twin, rightly dropped.
                        follower = rng.choice(sorted(sent))
                        fresh_questions = [q for q in QUESTIONS if q not in asked[follower]]
                        if fresh_questions:
                            batch.append(delivery(follower, rng.choice(fresh_questions)))
                    else:
                        customer = fresh()
                        where, box = rng.choice(BOXES)
                        resets.append(customer)
                        text = f"the trackman in box {box} at {where} is frozen"
                        batch.append(delivery(customer, text))
                for customer in resets:
                    if customer in said_yes:
                        continue
                    awaiting = await asyncio.to_thread(_awaiting, view, customer)
                    if awaiting is not None and rng.random() < 0.8:
                        said_yes.add(customer)
                        batch.append(delivery(customer, "yes"))
                # Now and then a vendor keeps its answer back, so the kill lands mid-effect.
                if rng.random() < 0.2:
                    vendors.ninjaone.fail_next(NinjaFault.HANG, route=NinjaRoute.SCRIPT_RUN)
                if rng.random() < 0.2:
                    vendors.openphone.hang_next()
                tasks = [asyncio.create_task(post(session, server.url, body)) for _c, body in batch]
                await asyncio.sleep(rng.uniform(0.0, 0.5) if rng.random() < 0.7 else 1.2)
                landed_after[await asyncio.to_thread(_last_event, view)] += 1
                await server.kill()
                kills += 1
                answers = await asyncio.gather(*tasks, return_exceptions=True)
                for (customer, body), answer in zip(batch, answers, strict=True):
                    if isinstance(answer, BaseException) or answer[0] >= 500:
                        retry.append((customer, body))  # OpenPhone retries undelivered webhooks

            # The last start: redeliver what the last kill cut off, then let it settle.
            # Faults queued for requests that never came would hang this last run on a
            # vendor timeout (20 s each) and say nothing about crash safety: drop them.
            vendors.openphone.clear_faults()
            vendors.ninjaone.clear_faults()
            await server.start()
            for _customer, body in retry:
                status, _ = await post(session, server.url, body)
                assert status in (200, 202)
            everyone = [conversation_of(customer) for customer in sent]
            try:
                await wait_until(
                    lambda: asyncio.to_thread(settled, view, everyone),
                    within=90,
                    what="every text decided and every effect done after the last restart",
                    every=0.2,
                )
            except AssertionError as stalled:
                # Say what stayed outstanding, so an intermittent stall can be chased.
                outstanding = await asyncio.to_thread(unsettled, view, everyone)
                raise AssertionError(f"{stalled}: {outstanding}") from None
            # A yes that arrived before its question was decided reads as a new text;
            # nothing more to do: every text is decided either way.
            await server.stop()

        findings = Findings()
        texts_to = collections.Counter(m.to for m in vendors.openphone.sent)
        action_ids = []
        for customer, ids in sent.items():
            aggregate = conversation_of(customer)
            findings.add(
                audit_conversation(
                    view, aggregate, expected_texts=len(ids), delivered=texts_to[customer]
                )
            )
            action_ids += conversation_history(view, aggregate).action_ids
        runs = collections.Counter(str(run.device_id) for run in vendors.ninjaone.script_runs)
        findings.add(action_runs(view, action_ids, runs))
        statuses = collections.Counter(view.pending_action(a).status.value for a in action_ids)
    finally:
        view.close()

    figures.attempts = findings.texts
    figures.accepted = findings.texts - len(findings.lost)
    figures.lost = len(findings.lost)
    figures.doubled = len(findings.doubled)
    figures.note(f"seed {SEED}, {kills} kills in {time.monotonic() - started:.0f} s")
    figures.note(f"{len(sent)} customers, {findings.texts} texts, {findings.decisions} decisions")
    figures.note(
        "kills landed after: "
        + ", ".join(f"{name} x{n}" for name, n in sorted(landed_after.items()))
    )
    figures.note(
        f"{len(action_ids)} resets: "
        + ", ".join(f"{status} x{n}" for status, n in sorted(statuses.items()))
        + f"; {len(vendors.ninjaone.script_runs)} script runs"
    )
    figures.note(f"{findings.replies_sent} replies sent, {findings.resent} resent after a kill")
    print(figures.line())
    assert kills >= min(KILLS, 5)
    assert findings.lost == []
    assert findings.doubled == []
    assert findings.resent <= kills  # at most one resend per kill mid-send


def _awaiting(app: ClawApplication, customer: str) -> UUID | None:
    try:
        return app.conversation(conversation_of(customer)).awaiting_action
    except AggregateNotFoundError:  # the request itself died with the server
        return None


def _last_event(app: ClawApplication) -> str:
    head = app.recorder.max_notification_id() or 0
    if not head:
        return "(empty log)"
    [last] = app.recorder.select_notifications(start=head, limit=1)
    return last.topic.rsplit(".", 1)[-1]
