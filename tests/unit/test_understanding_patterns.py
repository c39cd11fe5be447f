"""The deterministic stage: intents with near misses, entities, blacklist, sentiment."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claw_adapters.understanding.patterns import (
    EntityExtractor,
    IntentRule,
    PatternClassifier,
)
from claw_domain.sentiment import detect_sentiment
from claw_domain.values import ClassificationSource, Intent, Sentiment

LOCATIONS = {
    "bedford": ["bedford nh", "the bedford store"],
    "dartmouth": ["dartmouth ns", "dart"],
    "north_end": ["northend", "the north end"],
}
BLACKLIST = {
    "legal": ["lawyer", "sue", "lawsuit"],
    "injury": ["injured", "got hurt", "ambulance"],
}


@pytest.fixture
def patterns() -> PatternClassifier:
    return PatternClassifier(locations=LOCATIONS, blacklist=BLACKLIST)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("the trackman is frozen", Intent.TRACKMAN_RESET),
        ("Sim 4 keeps crashing", Intent.TRACKMAN_RESET),
        ("can you reset simulator #3", Intent.TRACKMAN_RESET),
        ("screen is black in bay 2", Intent.TRACKMAN_RESET),
        ("trackman not picking up the ball", Intent.TRACKMAN_RESET),
        ("ball isn't registering on the screen", Intent.TRACKMAN_RESET),
        ("how do I use my gift card", Intent.GIFT_CARD_REDEEM),
        ("I got a gift card for christmas, how do I redeem it", Intent.GIFT_CARD_REDEEM),
        ("what's the balance on my gift card", Intent.GIFT_CARD_REDEEM),
        ("can I buy a gift card for my dad", Intent.GIFT_CARD_PURCHASE),
        ("do you sell gift cards?", Intent.GIFT_CARD_PURCHASE),
        ("the side screen is off", Intent.SIDE_SCREEN),
        ("the door won't open", Intent.DOOR_ACCESS),
        ("I'm locked out", Intent.DOOR_ACCESS),
        ("what are your hours", Intent.HOURS),
        ("what time do you close tonight", Intent.HOURS),
        ("how much is it per hour", Intent.PRICING),
        ("what's the wifi password", Intent.WIFI),
        ("do you rent clubs", Intent.CLUB_RENTAL),
        ("I left my wallet in box 2", Intent.LOST_ITEM),
        ("can I bring my own beer", Intent.FOOD_DRINK),
        ("can I reschedule my booking to 7pm", Intent.BOOKING_CHANGE),
        ("I want to book a bay for saturday", Intent.BOOKING_NEW),
        ("how much is a membership", Intent.MEMBERSHIP),
        ("I was charged twice", Intent.REFUND_COMPLAINT),
        ("we had a great time last night", Intent.FEEDBACK_POSITIVE),
    ],
)
def test_clear_requests_are_decided_by_patterns(
    patterns: PatternClassifier, text: str, intent: Intent
) -> None:
    result = patterns.classify(text)
    assert result is not None
    assert result.intent is intent
    assert result.source is ClassificationSource.PATTERN
    assert 0.0 < result.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "not_intent"),
    [
        ("trackman is working great", Intent.TRACKMAN_RESET),
        ("the sim is working fine now, thanks", Intent.TRACKMAN_RESET),
        ("it got fixed, the screen was stuck but it's working now", Intent.TRACKMAN_RESET),
        ("how do I change the course on trackman", Intent.TRACKMAN_RESET),
        ("how do I use my gift card", Intent.GIFT_CARD_PURCHASE),
        ("my gift card code isn't working", Intent.GIFT_CARD_PURCHASE),
        ("what time do the doors open", Intent.DOOR_ACCESS),
        ("how much is a gift card", Intent.PRICING),
        ("the side screen is black", Intent.TRACKMAN_RESET),
        ("can I cancel my booking", Intent.BOOKING_NEW),
    ],
)
def test_near_misses_do_not_trigger(
    patterns: PatternClassifier, text: str, not_intent: Intent
) -> None:
    result = patterns.classify(text)
    assert result is None or result.intent is not not_intent


# Paraphrases of everyday questions, asked from the customer's side (issue #13, kind 5).
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("how early can we get in on a weekday", Intent.HOURS),
        ("what's the latest we could show up tonight", Intent.HOURS),
        ("is the dartmouth one open this afternoon", Intent.HOURS),
        ("yall open right now?", Intent.HOURS),
        ("is it ok to bring my own balls", Intent.CLUB_RENTAL),
        ("can I use our own driver in the box", Intent.CLUB_RENTAL),
        ("my son wants to play with his own irons", Intent.CLUB_RENTAL),
        ("do you guys have torrey pines", Intent.GAMEPLAY),
        ("can we play st andrews on it", Intent.GAMEPLAY),
        ("is there whistling straits", Intent.GAMEPLAY),
        ("any par 3 courses on it?", Intent.GAMEPLAY),
        ("can we just play the par three holes", Intent.GAMEPLAY),
        # A price asked by time is a price, not the opening hours.
        ("how early do we have to come for the cheaper rate", Intent.PRICING),
        ("what's the least expensive night to come play", Intent.PRICING),
        ("do sundays have lower prices", Intent.PRICING),
        ("is there happy hour on fridays", Intent.PRICING),
    ],
)
def test_paraphrases_of_everyday_questions_are_decided_by_patterns(
    patterns: PatternClassifier, text: str, intent: Intent
) -> None:
    result = patterns.classify(text)
    assert result is not None
    assert result.intent is intent


@pytest.mark.parametrize(
    ("text", "not_intent"),
    [
        # The latest time to cancel is a booking question, not the opening hours.
        ("what's the latest I can cancel my booking", Intent.HOURS),
        ("I left my own clubs in box 3", Intent.CLUB_RENTAL),
        ("can I bring my own snacks", Intent.CLUB_RENTAL),
        ("is there a beach nearby", Intent.GAMEPLAY),
        ("no big deal but the sim froze", Intent.PRICING),
    ],
)
def test_near_misses_of_the_paraphrases_do_not_trigger(
    patterns: PatternClassifier, text: str, not_intent: Intent
) -> None:
    result = patterns.classify(text)
    assert result is None or result.intent is not not_intent


@pytest.mark.parametrize("text", ["hello", "who is this", "is anyone there at 6 am tomorrow"])
def test_unclear_texts_defer_to_the_next_stage(patterns: PatternClassifier, text: str) -> None:
    assert patterns.classify(text) is None


@pytest.mark.parametrize("text", ["is anyone there?", "anyone there??", "hello? anybody there"])
def test_asking_only_for_a_person_is_other_for_staff(
    patterns: PatternClassifier, text: str
) -> None:
    # Issue #13 (r7): a model guessed a topic (lost items) for "anyone there??"; nothing
    # in it names one, so staff answer.
    result = patterns.classify(text)
    assert result is not None
    assert (result.intent, result.confidence) == (Intent.OTHER, 1.0)


def test_two_intents_at_once_defer(patterns: PatternClassifier) -> None:
    assert patterns.matching_intents("the door won't open and the wifi is down") == {
        Intent.DOOR_ACCESS,
        Intent.WIFI,
    }
    assert patterns.classify("the door won't open and the wifi is down") is None


@pytest.mark.parametrize(
    ("text", "box"),
    [
        ("box 3", 3),
        ("Bay 3 is frozen", 3),
        ("sim 3", 3),
        ("simulator #3", 3),
        ("room 3", 3),
        ("in b3", 3),
        ("box no. 12", 12),
        ("bay three", 3),
        ("the 2nd bay", 2),
        ("hello", None),
        ("box 3 or box 4", None),
        ("box 0", None),
        ("room for 4 people", None),
    ],
)
def test_box_numbers(text: str, box: int | None) -> None:
    assert EntityExtractor.box(text) == box


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("I'm at bedford", "bedford"),
        ("BEDFORD NH box 2", "bedford"),
        ("at the bedfrod location", "bedford"),
        ("dartmoth bay 1", "dartmouth"),
        ("in dart", "dartmouth"),
        ("the north end one", "north_end"),
        ("northend", "north_end"),
        ("hello", None),
        ("bedford or dartmouth?", None),
        ("the dark room", None),
    ],
)
def test_locations_by_name_alias_and_typo(text: str, location: str | None) -> None:
    assert EntityExtractor(LOCATIONS).location(text) == location


def test_entities_are_attached_to_a_pattern_decision(patterns: PatternClassifier) -> None:
    result = patterns.classify("trackman frozen in bay 4 at bedfrod")
    assert result is not None
    assert result.entities.box == 4
    assert result.entities.location == "bedford"


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("I'm going to call my lawyer", "legal"),
        ("my son got hurt on the mat", "injury"),
        ("the lawsuit-worthy screen froze", "legal"),
        ("the sun is out", None),
        ("issue with box 2", None),
    ],
)
def test_blacklisted_topics_are_flagged(
    patterns: PatternClassifier, text: str, topic: str | None
) -> None:
    assert patterns.blacklisted_topic(text) == topic


def test_a_blacklisted_text_is_decided_locally_and_flagged(patterns: PatternClassifier) -> None:
    result = patterns.classify("I'm going to sue you")
    assert result is not None
    assert result.intent is Intent.OTHER
    assert result.blacklisted_topic == "legal"


def test_a_blacklisted_text_keeps_its_intent_when_one_matches(
    patterns: PatternClassifier,
) -> None:
    result = patterns.classify("I want a refund or I call my lawyer")
    assert result is not None
    assert result.intent is Intent.REFUND_COMPLAINT
    assert result.blacklisted_topic == "legal"


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("this is ridiculous", Sentiment.NEGATIVE),
        ("the screen froze AGAIN", Sentiment.NEGATIVE),
        ("still not working", Sentiment.NEGATIVE),
        ("wtf is going on", Sentiment.NEGATIVE),
        ("THE SCREEN IS BLACK AND NOBODY ANSWERS", Sentiment.NEGATIVE),
        ("hello???!", Sentiment.NEGATIVE),
        ("thanks, great place", Sentiment.POSITIVE),
        ("not great", Sentiment.NEUTRAL),
        ("what are your hours", Sentiment.NEUTRAL),
    ],
)
def test_sentiment(text: str, sentiment: Sentiment) -> None:
    assert detect_sentiment(text) is sentiment


@given(st.text(max_size=80))
def test_any_text_classifies_without_error(text: str) -> None:
    result = PatternClassifier(locations=LOCATIONS, blacklist=BLACKLIST).classify(text)
    assert result is None or result.source is ClassificationSource.PATTERN


@given(
    box=st.integers(min_value=1, max_value=99),
    word=st.sampled_from(["box", "bay", "sim", "simulator", "room", "Box #", "BAY "]),
)
def test_any_box_number_round_trips(box: int, word: str) -> None:
    assert EntityExtractor.box(f"problem in {word}{'' if word.endswith(' ') else ' '}{box}") == box


def test_rules_can_be_replaced() -> None:
    rule = IntentRule(Intent.HOURS, patterns=(re.compile("when open"),))
    classifier = PatternClassifier(rules=(rule,))
    result = classifier.classify("when open")
    assert result is not None
    assert result.intent is Intent.HOURS
    assert classifier.classify("what are your hours") is None


def test_rule_confidence_must_be_a_probability() -> None:
    with pytest.raises(ValueError, match="at most 1"):
        IntentRule(Intent.HOURS, patterns=(), confidence=1.5)
