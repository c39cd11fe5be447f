"""An outsider's second pass at a running ``claw serve``: variations the first attacks missed.

- **Medical emergencies in plain words**: "someone collapsed", "he's not breathing",
  "heart attack", "I smell gas". The venue file's topic list had none of them: they
  went to staff as an ordinary question (not urgent), and from a customer who had
  once texted STOP they went nowhere at all. They must reach staff, urgently, from
  anyone, during the emergency stop too, and never text the customer.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from e2e_support import conversation_of
from reliability_support import Ledger
from test_rails_attacks import Venue, venue  # noqa: F401 - the running server and its fakes

from claw_domain.decisions import Reason

NODE = "tests/reliability/test_outsider_attacks.py"
STOP_MENTION = "emergency stop is on"
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
        decision = venue.view.conversation(conversation_of(customer)).decisions[-1]
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
