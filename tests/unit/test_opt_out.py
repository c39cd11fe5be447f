"""Opt-outs in the customer's own words: carrier keywords and clear requests, never near misses.

Carriers define STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT (and ARRET in Canada)
as whole-message keywords; customers also write "please stop texting me". Both must
opt the number out. Sentences that merely contain "stop", "cancel" or "end" must not:
a customer asking when the kitchen stops serving is not asking to be forgotten.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claw_domain.replies import SubscriptionKeyword
from claw_domain.subscription import recognise_opt_out_request, recognise_subscription

CARRIER_KEYWORDS = ["stop", "stopall", "unsubscribe", "cancel", "end", "quit", "arret", "arrêt"]

OPTS_OUT = [
    # Carrier keywords, as typed.
    "STOP",
    "stop.",
    "STOP!!",
    " Stop ",
    "Stop all",
    "UNSUBSCRIBE",
    "Cancel",
    "END",
    "quit",
    "Arrêt",
    "ARRET",
    "arrêt.",
    # Clear requests in a longer text.
    "please stop texting me",
    "Stop texting me",
    "stop texting me please",
    "STOP SENDING ME MESSAGES",
    "please stop sending me",
    "stop messaging me",
    "Please stop contacting me.",
    "stop with the texts",
    "stop these texts",
    "please stop",
    "stop it please",
    "STOP STOP STOP",
    "don't text me anymore",
    "Do not text me again",
    "dont message me",
    "please don't contact me",
    "never text this number again",
    "no more texts please",
    "remove me from your list",
    "Please remove me from the list",
    "take me off your list",
    "remove my number",
    "delete my number please",
    "unsubscribe me please",
    "how do I unsubscribe?",
    "I want to opt out",
    "opt me out",
]

DOES_NOT_OPT_OUT = [
    "the ball won't stop spinning",
    "can I cancel my booking?",
    "what time do you stop serving?",
    "the end of the bay",
    "Stop by later?",
    "please stop the timer",
    "is there a bus stop nearby?",
    "my screen won't stop flashing",
    "can you stop the music in box 3",
    "how do I end my session early",
    "I want to cancel my membership",
    "I quit golf lol",
    "the end of the simulator is broken",
    "don't text and drive",
    "you can text me anytime",
    "I'll stop by tomorrow",
    "remove me from the booking for tonight",
    "how do I unsubscribe from my membership?",
    "cancel that",
    "can you stop sending me the wrong code?",
    "yes",
    "what are your hours?",
    "",
]


@pytest.mark.parametrize("message", OPTS_OUT)
def test_carrier_keywords_and_clear_requests_opt_out(message: str) -> None:
    assert recognise_subscription(message, opted_out=False) is SubscriptionKeyword.OPT_OUT


@pytest.mark.parametrize("message", DOES_NOT_OPT_OUT)
def test_near_misses_do_not_opt_out(message: str) -> None:
    assert recognise_subscription(message, opted_out=False) is None


@pytest.mark.parametrize("message", ["START", "start", "Unstop", "un-stop"])
def test_start_and_unstop_opt_back_in(message: str) -> None:
    assert recognise_subscription(message, opted_out=True) is SubscriptionKeyword.OPT_IN
    assert recognise_subscription(message, opted_out=False) is SubscriptionKeyword.OPT_IN


@pytest.mark.parametrize("message", ["YES", "yes", "Yes!", " yes. "])
def test_yes_opts_back_in_only_an_opted_out_number(message: str) -> None:
    # Opted in: YES is how customers confirm actions, never a subscription keyword.
    assert recognise_subscription(message, opted_out=True) is SubscriptionKeyword.OPT_IN
    assert recognise_subscription(message, opted_out=False) is None


@pytest.mark.parametrize("message", ["yes please open the door", "yeah", "ok"])
def test_only_the_bare_yes_opts_back_in(message: str) -> None:
    assert recognise_subscription(message, opted_out=True) is None


@given(
    keyword=st.sampled_from(CARRIER_KEYWORDS),
    before=st.lists(st.sampled_from(list(string.punctuation + " \t")), max_size=4),
    after=st.lists(st.sampled_from(list(string.punctuation + " \t\n")), max_size=6),
    data=st.data(),
)
def test_every_case_and_punctuation_variant_of_a_keyword_opts_out(
    keyword: str, before: list[str], after: list[str], data: st.DataObject
) -> None:
    cased = "".join(ch.upper() if data.draw(st.booleans()) else ch for ch in keyword)
    message = "".join(before) + cased + "".join(after)
    assert recognise_subscription(message, opted_out=False) is SubscriptionKeyword.OPT_OUT
    assert recognise_subscription(message, opted_out=True) is SubscriptionKeyword.OPT_OUT


# Venue talk with every opt-out trigger word, but never as a request to stop texting.
_VENUE_TALK = [
    "the",
    "ball",
    "wont",
    "stop",
    "spinning",
    "can",
    "i",
    "cancel",
    "my",
    "booking",
    "what",
    "time",
    "do",
    "you",
    "serving",
    "end",
    "of",
    "bay",
    "screen",
    "timer",
    "session",
    "box",
    "3",
    "is",
    "frozen",
]


@given(st.lists(st.sampled_from(_VENUE_TALK), min_size=3, max_size=12))
def test_venue_talk_with_stop_cancel_or_end_inside_never_opts_out(words: list[str]) -> None:
    sentence = " ".join(words)
    if set(words) <= {"stop"}:
        return  # "stop stop stop" is a request after all
    assert not recognise_opt_out_request(sentence), sentence
