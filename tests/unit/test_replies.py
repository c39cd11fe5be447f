"""Short replies: confirmations, carrier keywords and feedback, read deterministically."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claw_domain.replies import (
    MAX_CONFIRMATION_WORDS,
    SubscriptionKeyword,
    recognise_subscription_keyword,
    recognise_yes_no,
    tokens,
)
from claw_domain.sentiment import recognise_feedback
from claw_domain.values import Sentiment, YesNo

YES_REPLIES = [
    "yes",
    "Yes please",
    "YES!",
    "yep",
    "yup",
    "yeah",
    "Yesss",
    "y",
    "Y.",
    "ok",
    "okay",
    "ok do it",
    "sure",
    "sure thing",
    "go ahead",
    "yes go ahead thanks",
    "\U0001f44d",
    "ok \U0001f44d",
    "confirm",
    "please do",
    "sounds good",
]
NO_REPLIES = [
    "no",
    "No.",
    "nope",
    "nah",
    "n",
    "don't",
    "Don\u2019t",
    "dont do it",
    "do not",
    "cancel that",
    "no thanks",
    "no thank you",
    "never mind",
    "not now",
    "\U0001f44e",
    "nooo",
]
# A decline with the reason: the problem went away while claw asked.
NO_LONGER_NEEDED = [
    "no its fine now",
    "nah all good",
    "no it's working again",
    "nope, fixed it",
    "No thanks it works now",
]
NEITHER = [
    "its fine now yes",
    "fine now",
    "all good yes",
    "",
    "   ",
    "yes but the other box",
    "yes no",
    "ok but not box 3",
    "thanks",
    "please",
    "what?",
    "yes, box 3",
    "is it going to take long?",
    "I think so but can you check the time of my booking first please",
    "the trackman is frozen",
    "stop",
]


@pytest.mark.parametrize("reply", YES_REPLIES)
def test_yes_variants_confirm(reply: str) -> None:
    assert recognise_yes_no(reply) is YesNo.YES


@pytest.mark.parametrize("reply", NO_REPLIES)
def test_no_variants_decline(reply: str) -> None:
    assert recognise_yes_no(reply) is YesNo.NO


@pytest.mark.parametrize("reply", NO_LONGER_NEEDED)
def test_a_no_with_the_reason_it_is_not_needed_declines(reply: str) -> None:
    assert recognise_yes_no(reply) is YesNo.NO


@pytest.mark.parametrize("reply", NEITHER)
def test_anything_unclear_is_neither(reply: str) -> None:
    assert recognise_yes_no(reply) is None


punctuation = st.text(alphabet=" .!?,", max_size=4)


@given(
    reply=st.sampled_from(YES_REPLIES + NO_REPLIES),
    before=punctuation,
    after=punctuation,
    upper=st.booleans(),
)
def test_case_and_surrounding_punctuation_do_not_matter(
    reply: str, before: str, after: str, upper: bool
) -> None:
    varied = before + (reply.upper() if upper else reply.lower()) + after
    assert recognise_yes_no(varied) is recognise_yes_no(reply)


@given(
    reply=st.sampled_from(YES_REPLIES + NO_REPLIES),
    tail=st.sampled_from(["but", "the other box", "at bedford", "instead", "box 3 not 4"]),
)
def test_a_qualified_answer_is_never_taken_as_plain(reply: str, tail: str) -> None:
    assert recognise_yes_no(f"{reply} {tail}") is None


@given(st.lists(st.sampled_from(["yes", "please", "ok", "thanks"]), min_size=9, max_size=20))
def test_long_messages_are_never_confirmations(words: list[str]) -> None:
    assert len(words) > MAX_CONFIRMATION_WORDS
    assert recognise_yes_no(" ".join(words)) is None


@given(st.sampled_from(YES_REPLIES), st.sampled_from(NO_REPLIES))
def test_mixed_yes_and_no_is_neither(yes: str, no: str) -> None:
    assert recognise_yes_no(f"{yes} {no}") is None


@given(st.text(max_size=60))
def test_any_text_reads_as_yes_no_or_none_without_error(text: str) -> None:
    assert recognise_yes_no(text) in {YesNo.YES, YesNo.NO, None}


OPT_OUT = ["STOP", "stop", "Stop.", "STOP!!", " stop ", "StopAll", "stop all", "UNSUBSCRIBE"]
OPT_OUT += ["end", "Quit", "CANCEL", "opt-out", "OPTOUT", "revoke"]


@pytest.mark.parametrize("message", OPT_OUT)
def test_opt_out_keywords_as_the_whole_message(message: str) -> None:
    assert recognise_subscription_keyword(message) is SubscriptionKeyword.OPT_OUT


@pytest.mark.parametrize("message", ["START", "start", "Unstop", "un-stop"])
def test_start_and_unstop_opt_back_in(message: str) -> None:
    assert recognise_subscription_keyword(message) is SubscriptionKeyword.OPT_IN


@pytest.mark.parametrize(
    "message",
    ["yes", "YES", "subscribe", "stop by later?", "please stop the timer", "the end", "hi"],
)
def test_confirmations_and_sentences_are_not_keywords(message: str) -> None:
    assert recognise_subscription_keyword(message) is None


@given(
    keyword=st.sampled_from(["stop", "stopall", "unsubscribe", "end", "quit", "cancel", "revoke"]),
    noise=st.lists(st.sampled_from(list(string.punctuation + " ")), max_size=5),
    data=st.data(),
)
def test_opt_out_ignores_case_and_punctuation(
    keyword: str, noise: list[str], data: st.DataObject
) -> None:
    cased = "".join(ch.upper() if data.draw(st.booleans()) else ch for ch in keyword)
    assert recognise_subscription_keyword(cased + "".join(noise)) is SubscriptionKeyword.OPT_OUT


@given(st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=40))
def test_a_keyword_inside_a_longer_sentence_never_opts_out(filler: str) -> None:
    sentence = f"please {filler} stop"
    assert recognise_subscription_keyword(sentence) is None


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("thanks that worked", Sentiment.POSITIVE),
        ("Thank you!", Sentiment.POSITIVE),
        ("perfect, all good now", Sentiment.POSITIVE),
        ("it's working now \U0001f44d", Sentiment.POSITIVE),
        ("still not working", Sentiment.NEGATIVE),
        ("still", Sentiment.NEGATIVE),
        ("didn't help", Sentiment.NEGATIVE),
        ("it doesn't seem to be working", Sentiment.NEGATIVE),
        ("frozen again", Sentiment.NEGATIVE),
        ("thanks but it's still frozen", Sentiment.NEGATIVE),
        ("nope, same problem", Sentiment.NEGATIVE),
        ("not great", Sentiment.NEGATIVE),
        ("what time do you close?", None),
        ("", None),
    ],
)
def test_feedback_after_an_automatic_answer(reply: str, expected: Sentiment | None) -> None:
    assert recognise_feedback(reply) is expected


@given(st.sampled_from(["thanks", "thank you", "perfect", "great"]))
def test_a_complaint_outweighs_thanks(thanks: str) -> None:
    assert recognise_feedback(f"{thanks} but it is still not working") is Sentiment.NEGATIVE


def test_tokens_keep_emoji_and_drop_apostrophes() -> None:
    assert tokens("Don\u2019t \U0001f44d!") == ["dont", "\U0001f44d"]
