"""Everyday questions an attendant answers without thinking, in words customers use."""

from __future__ import annotations

import pytest

from claw_adapters.understanding.patterns import PatternClassifier
from claw_domain.topics import is_problem_report
from claw_domain.values import Intent

RUNNING_LATE = [
    "caught in traffic, be there by 8:20 instead of 8",
    "were gonna be late, traffic on the bridge is brutal",
    "heads up we'll be like 10 minutes late",
    "my flight was delayed, will be half an hour late for my booking",
    "stuck in traffic on the 101, gonna be 15 min late for our 8pm",
    "held up at work, running 20 late for the booking",
    "is it ok if we show up 20 mins after our start time",
]
RECEIPTS = [
    "how do i get a receipt for last weeks booking",
    "can you send me an invoice for my session, need it for expenses",
    "need a receipt with HST for my company",
    "can I get a copy of my invoice from saturday",
]
ACCESS = [
    "are there any stairs to get in? my mom has a bad hip",
    "is there an elevator at bedford",
    "can someone with a walker get into the building ok",
    "my grandpa uses a cane, are there lots of steps",
    "step free entrance? using a wheelchair",
]
DELIVERY = [
    "is doordash allowed to deliver to you guys",
    "can we get pizza delivered while we play",
    "ok if we have skip deliver some wings to box 2",
    "can a delivery driver drop food at the door",
    "can we order food in during our session",
]
JOKING_PRAISE = [
    "10/10 would slice into the water again 😂",
    "5 stars, would three putt again",
    "best double bogey of my life lol",
    "shanked every drive and still had a blast haha",
]


@pytest.mark.parametrize(
    ("text", "intent"),
    [(text, Intent.BOOKING_CHANGE) for text in RUNNING_LATE]
    + [(text, Intent.BOOKING_APP) for text in RECEIPTS]
    + [(text, Intent.FACILITY) for text in ACCESS]
    + [(text, Intent.FOOD_DRINK) for text in DELIVERY]
    + [(text, Intent.FEEDBACK_POSITIVE) for text in JOKING_PRAISE],
)
def test_an_everyday_question_is_read_as_its_topic(text: str, intent: Intent) -> None:
    result = PatternClassifier().classify(text)

    assert result is not None
    assert result.intent is intent


@pytest.mark.parametrize("text", RUNNING_LATE)
def test_a_customer_held_up_on_the_way_reports_no_problem_with_the_booking(text: str) -> None:
    assert not is_problem_report(Intent.BOOKING_CHANGE, text)


@pytest.mark.parametrize(
    "text",
    [
        "my booking is stuck and wont load",
        "the app is stuck on loading my booking",
        "my booking got cancelled and I never cancelled it",
    ],
)
def test_a_booking_that_is_stuck_is_still_a_problem(text: str) -> None:
    assert is_problem_report(Intent.BOOKING_CHANGE, text)


@pytest.mark.parametrize(
    ("text", "not_intent"),
    [
        ("how late are you open tonight", Intent.BOOKING_CHANGE),
        ("what are the steps to reset the trackman", Intent.FACILITY),
        ("would it work again if I restart it?", Intent.FEEDBACK_POSITIVE),
        ("can I get a gift card delivered by email", Intent.FOOD_DRINK),
        ("do I get a receipt for my gift card", Intent.BOOKING_APP),
    ],
)
def test_near_misses_are_not_read_as_the_everyday_topic(text: str, not_intent: Intent) -> None:
    assert not_intent not in PatternClassifier().matching_intents(text)


def test_joking_praise_with_a_fault_in_it_is_not_praise() -> None:
    text = "10/10 would come again but the sim froze twice"

    assert Intent.FEEDBACK_POSITIVE not in PatternClassifier().matching_intents(text)
