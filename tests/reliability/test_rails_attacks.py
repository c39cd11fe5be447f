"""Attacks on the rails, through a real `claw serve` with the fake vendors and fake Slack.

- **The 30-yes flood**: a member asks for the door, says yes, then sends 29 more yeses,
  each as soon as claw has handled the one before. Claw must text the member twice (the question,
  then "staff must approve"), alert staff for approval once, and leave the venue's
  hourly allowance to everybody else.
- **An emergency during the stop**: with the emergency stop engaged, a fire, an injury,
  a break-in and a member locked out reach staff by SMS and Slack, each saying the stop
  is on; no customer gets a text and no door opens.
- **The opt-out phrases**: carrier keywords and plain-language requests opt the number
  out with exactly one confirmation and silence after it; near misses ("what time do
  you stop serving?") are answered as usual.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import attrs
import pytest
from e2e_support import (
    ClawServer,
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
from reliability_support import FULL, Findings, Ledger, audit_conversation, venue_file

from claw_domain import wording
from claw_domain.decisions import Reason
from claw_entrypoints.demo import STAFF_NUMBER, DemoVendors
from claw_service.application import ClawApplication
from claw_service.history import conversation_history
from fakes.slack import FakeSlackServer

DOOR_REQUEST = "I'm at the Bedford door and it won't open, can you let me in?"
HOURS = "what are your hours?"
APPROVAL = "Door approval needed"
STOP_MENTION = "emergency stop is on"
MEMBERS = {f"+1902557{n:04d}": "bedford" for n in range(4001, 4011)}
YESES = (
    "yes",
    "Yes please",
    "yeah",
    "yep",
    "yup",
    "ok",
    "okay",
    "sure",
    "Y",
    "YES!",
    "yes!!",
    "go ahead",
    "sure thing",
    "ok do it",
    "\U0001f44d",
    "yes pls",
    "definitely",
    "absolutely",
    "of course",
    "yes go ahead",
    "confirm",
    "confirmed",
    "alright",
    "for sure",
    "sounds good",
    "that works",
    "please do",
    "lets do it",
    "do it",
    "yesss",
)
EMERGENCIES = (
    "there is smoke and a fire in box 2, someone is injured",
    "Someone got hit in the head with a club, we need an ambulance",
    "my car was broken into in your parking lot, police are on the way",
)
OPT_OUTS = (
    "please stop texting me",
    "Stop texting me",
    "Arrêt",
    "STOP!!",
    "don't text me anymore",
    "remove me from your list",
    "unsubscribe me please",
    " Stop ",
    "END",
    "stop sending me messages",
)
NEAR_MISSES = (
    "what time do you stop serving?",
    "the ball won't stop spinning",
    "can I cancel my booking?",
    "the end of the bay",
    "I'll stop by tomorrow",
    "how do I end my session early",
)


@attrs.define
class Venue:
    server: ClawServer
    view: ClawApplication
    vendors: DemoVendors
    slack: FakeSlackServer
    session: aiohttp.ClientSession

    async def text(self, customer: str, body: str) -> None:
        status, answer = await post(self.session, self.server.url, signed_text(customer, body))
        assert status == 202, answer

    async def settle(self, *customers: str) -> None:
        conversations = [conversation_of(customer) for customer in customers]
        await wait_until(
            lambda: asyncio.to_thread(settled, self.view, conversations),
            within=30,
            what=f"settled ({unsettled(self.view, conversations)})",
            every=0.1,
        )

    async def say(self, customer: str, body: str) -> None:
        await self.text(customer, body)
        await self.settle(customer)

    def texts_to(self, customer: str) -> list[str]:
        return [m.content for m in self.vendors.openphone.sent if m.to == customer]

    def staff_sms(self, customer: str | None = None) -> list[str]:
        texts = self.texts_to(STAFF_NUMBER)
        if customer is None:
            return texts
        reference = str(conversation_of(customer))
        return [text for text in texts if reference in text]

    def slack_posts(self, customer: str) -> list[str]:
        reference = str(conversation_of(customer))
        return [p.text for p in self.slack.posts if reference in p.text]


@pytest.fixture
async def venue(
    tmp_path: Path, vendors: DemoVendors, servers: LaunchServer
) -> AsyncIterator[Venue]:
    slack = FakeSlackServer()
    await slack.start()
    env = server_environment(vendors, f"sqlite:///{tmp_path / 'claw.db'}")
    env |= {
        "CLAW_KNOWLEDGE_FILE": str(venue_file(tmp_path, MEMBERS)),
        "CLAW_SLACK_WEBHOOK_URL": slack.webhook_url,
    }
    server = servers(env, "claw")
    await server.start()
    view = reader(env)
    try:
        async with aiohttp.ClientSession() as session:
            yield Venue(server, view, vendors, slack, session)
    finally:
        view.close()
        await slack.stop()


def _audit(venue: Venue, customers: Sequence[str], expected: dict[str, int]) -> Findings:
    found = Findings()
    for customer in customers:
        found.add(
            audit_conversation(
                venue.view,
                conversation_of(customer),
                expected_texts=expected.get(customer),
                delivered=len(venue.texts_to(customer)),
            )
        )
    return found


async def test_the_30_yes_flood(venue: Venue, ledger: Ledger) -> None:
    figures = ledger.scenario(
        "rails: the 30-yes flood",
        "tests/reliability/test_rails_attacks.py::test_the_30_yes_flood",
    )
    member, other = next(iter(MEMBERS)), "+19025584001"
    await venue.say(member, DOOR_REQUEST)
    # One after the other, each just after claw has handled the last: the debounce never
    # merges them, so every yes reaches the confirmation path on its own.
    for yes in YESES:
        await venue.say(member, yes)
    await venue.say(other, HOURS)

    history = conversation_history(venue.view, conversation_of(member))
    texts = venue.texts_to(member)
    approvals = [t for t in venue.staff_sms(member) if APPROVAL in t]
    slack_approvals = [t for t in venue.slack_posts(member) if APPROVAL in t]
    answered = [d for d in history.decisions[1:] if d.sends_text]
    found = _audit(venue, [member, other], {member: 1 + len(YESES), other: 1})

    figures.attempts = len(YESES)
    figures.accepted = len(answered)  # a yes claw answered with a text
    figures.refused = len(YESES) - len(answered)
    figures.lost = len(found.lost)
    # Promised once: the "staff must approve" text and the approval alert on each channel.
    figures.doubled = max(0, len(texts) - 2) + max(0, len(approvals) - 1)
    figures.doubled += max(0, len(slack_approvals) - 1) + len(found.doubled)
    reasons = sorted({d.reason.value for d in history.decisions})
    figures.note(
        f"{len(texts)} texts to the member, {len(approvals)} approval SMS, "
        f"{len(slack_approvals)} approval Slack posts, "
        f"{len(venue.staff_sms(member))} staff SMS in all; reasons {', '.join(reasons)}"
    )
    other_decision = venue.view.conversation(conversation_of(other)).last_decision
    assert other_decision is not None
    figures.note(f"another customer afterwards: {other_decision.reason.value}")
    print(figures.line())

    assert venue.vendors.unifi.lock_rules == []
    assert venue.vendors.unifi.unlocked == []
    assert len(texts) == 2, texts
    assert len(approvals) == 1
    assert len(slack_approvals) == 1
    assert len(venue.staff_sms(member)) <= 2  # the approval, and at most one burst alert
    assert other_decision.reason is Reason.ANSWERED_FROM_KNOWLEDGE
    assert (figures.lost, figures.doubled) == (0, 0), (found.lost, found.doubled)


async def test_an_emergency_during_the_stop(venue: Venue, ledger: Ledger) -> None:
    figures = ledger.scenario(
        "rails: an emergency during the stop",
        "tests/reliability/test_rails_attacks.py::test_an_emergency_during_the_stop",
    )
    venue.view.engage_emergency_stop("reliability", "drill", _now())
    members = iter(MEMBERS)
    next(members)  # the flood's member
    door = next(members)
    emergencies = [(f"+1902558{5001 + n:04d}", text) for n, text in enumerate(EMERGENCIES)]
    question = "+19025586001"
    stories = [*emergencies, (door, DOOR_REQUEST), (question, HOURS)]
    await asyncio.gather(*(venue.say(customer, text) for customer, text in stories))

    problems: list[str] = []
    for customer, text in [*emergencies, (door, DOOR_REQUEST)]:
        sms, slack = venue.staff_sms(customer), venue.slack_posts(customer)
        if not sms or not slack:
            problems.append(f"staff not told of {text!r} (sms {len(sms)}, slack {len(slack)})")
        elif not all(STOP_MENTION in t.lower() for t in [*sms, *slack]):
            problems.append(f"the alert for {text!r} does not say the stop is on")
        if len(sms) > 1:
            problems.append(f"{text!r} alerted staff {len(sms)} times")
    sent_to_customers = sum(len(venue.texts_to(customer)) for customer, _ in stories)
    if sent_to_customers:
        problems.append(f"{sent_to_customers} texts sent to customers under the stop")
    if venue.staff_sms(question):
        problems.append("a plain question alerted staff")
    unlocked = len(venue.vendors.unifi.lock_rules) + len(venue.vendors.unifi.unlocked)
    if unlocked:
        problems.append("a door opened under the stop")
    found = _audit(venue, [c for c, _ in stories], {c: 1 for c, _ in stories})

    figures.attempts = len(stories)
    figures.accepted = sum(1 for c, _ in stories[:-1] if venue.staff_sms(c))
    figures.refused = len(stories) - figures.accepted  # held: nothing sent, nobody woken
    figures.lost = len([p for p in problems if "twice" not in p and "times" not in p])
    figures.lost += len(found.lost)
    figures.doubled = len([p for p in problems if "times" in p]) + len(found.doubled)
    figures.note(
        f"{len(emergencies)} emergencies and a member locked out reached staff by SMS and "
        f"Slack under the stop; a plain question was held; {sent_to_customers} customer texts"
    )
    print(figures.line())
    venue.view.release_emergency_stop("reliability", "drill over", _now())
    assert problems == [], problems
    assert (found.lost, found.doubled) == ([], [])


async def test_the_opt_out_phrases(venue: Venue, ledger: Ledger) -> None:
    figures = ledger.scenario(
        "rails: the opt-out phrases",
        "tests/reliability/test_rails_attacks.py::test_the_opt_out_phrases",
    )
    opt_outs = OPT_OUTS if FULL else OPT_OUTS[:6]
    near_misses = NEAR_MISSES if FULL else NEAR_MISSES[:4]
    cases = [(f"+1902559{n:04d}", text, True) for n, text in enumerate(opt_outs)]
    cases += [(f"+1902559{500 + n:04d}", text, False) for n, text in enumerate(near_misses)]

    async def story(customer: str, phrase: str) -> None:
        await venue.say(customer, HOURS)
        await venue.say(customer, phrase)
        await venue.say(customer, "and is there parking? " + HOURS)

    await asyncio.gather(*(story(customer, phrase) for customer, phrase, _ in cases))

    problems: list[str] = []
    honoured = kept = confirmations = 0
    for customer, phrase, opts_out in cases:
        conversation = venue.view.conversation(conversation_of(customer))
        texts = venue.texts_to(customer)
        confirmed = texts.count(wording.opted_out())
        confirmations += confirmed
        if opts_out:
            if not conversation.opted_out:
                problems.append(f"{phrase!r} did not opt out")
                continue
            honoured += 1
            if confirmed > 1:
                problems.append(f"{phrase!r} confirmed {confirmed} times")
            if texts[-1:] != [wording.opted_out()] or confirmed != 1:
                problems.append(f"{phrase!r}: texts after the opt-out: {texts}")
        else:
            if conversation.opted_out or confirmed:
                problems.append(f"{phrase!r} opted the customer out")
                continue
            kept += 1
    found = _audit(venue, [c for c, _, _ in cases], {c: 3 for c, _, _ in cases})

    figures.attempts = len(cases)
    figures.accepted = honoured
    figures.refused = kept
    figures.lost = len([p for p in problems if "times" not in p]) + len(found.lost)
    figures.doubled = len([p for p in problems if "times" in p]) + len(found.doubled)
    figures.note(
        f"{honoured} of {len(opt_outs)} opt-out phrases honoured with {confirmations} "
        f"confirmations; {kept} of {len(near_misses)} near misses kept subscribed"
    )
    print(figures.line())
    assert problems == [], problems
    assert (found.lost, found.doubled) == ([], [])


def _now() -> datetime:
    return datetime.now(UTC)
