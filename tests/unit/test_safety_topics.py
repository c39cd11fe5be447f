"""Medical emergencies are a safety topic at every venue, whatever its file lists."""

from __future__ import annotations

import pytest

from claw_adapters.understanding.patterns import PatternClassifier
from claw_adapters.understanding.safety import with_safety_topics

VENUE_LIST = {"legal": ["lawyer"], "emergency": ["flood"]}


@pytest.mark.parametrize(
    "text",
    [
        "someone collapsed",
        "my friend fainted and isnt breathing",
        "someone is having a heart attack",
        "he's unconscious on the floor of bay 2",
        "I smell gas",
        "she can't breathe",
        "CALL AN AMBULANCE",
    ],
)
def test_a_medical_emergency_is_flagged_with_no_word_of_it_in_the_venue_file(text: str) -> None:
    classifier = PatternClassifier(blacklist=VENUE_LIST)

    result = classifier.classify(text)

    assert result is not None
    assert result.blacklisted_topic in {"medical", "emergency"}


@pytest.mark.parametrize(
    "text",
    ["what's my stroke count", "can I book a bay for 2", "my shot passed the flag", "hi there"],
)
def test_golf_talk_is_no_emergency(text: str) -> None:
    assert PatternClassifier(blacklist=VENUE_LIST).blacklisted_topic(text) is None


def test_the_venue_keeps_its_topics_and_words_and_gains_the_built_in_ones() -> None:
    merged = with_safety_topics(VENUE_LIST)

    assert merged["legal"] == ["lawyer"]
    assert merged["emergency"][0] == "flood"
    assert "gas leak" in merged["emergency"]
    assert "heart attack" in merged["medical"]
