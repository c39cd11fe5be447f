"""Medical emergencies are a safety topic at every venue, whatever its file lists."""

from __future__ import annotations

import pytest

from claw_adapters.knowledge.venue import load_venue_knowledge
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


# Hazards to people or the building, in words no venue file lists.
HAZARDS = [
    "the projector smells like its burning",
    "theres a weird burning plastic smell in bay 3",
    "something is burning in box 2??",
    "the computer under the desk started smoking",
    "smoke coming out of the back of the pc",
    "the projector's smoking!!",
    "sparks coming from the outlet by the screen",
    "the tv is sparking lol is that normal",
    "the power cord behind the mat is melting",
    "electrical smell near the projector, kinda strong",
    "smells like burnt rubber in here and the fan is loud",
    "water is leaking from the ceiling onto the mat",
    "the roof is leaking right on the trackman",
    "water dripping on the projector in box 1",
    "theres a big puddle under the screen",
    "the bathroom is flooding",
    "there are exposed wires behind the hitting mat",
    "broken glass all over the floor by the door",
    "the ball shattered the light above the tee",
    "my wife got hit by a club and her nose is bleeding",
    "he hurt his wrist pretty bad on a swing",
    "my buddy cut his hand, do you have a first aid kit",
]


@pytest.mark.parametrize("text", HAZARDS)
def test_a_hazard_to_people_or_the_building_is_a_safety_topic_at_every_venue(text: str) -> None:
    result = PatternClassifier(blacklist=VENUE_LIST).classify(text)

    assert result is not None
    assert result.blacklisted_topic in {
        "smoke_or_fire",
        "water_leak",
        "injury",
        "broken_glass",
        "emergency",
    }


# Smoking as a habit, "smoke" and "fire" as golf slang that is no single word here, water
# and glass as things a customer asks about: none is a hazard.
NOT_HAZARDS = [
    "can I smoke outside?",
    "is smoking allowed on the patio",
    "where can we smoke",
    "smoke show swing today boys",
    "that drive was smoking",
    "we smoked it off the tee",
    "burning question, do you have lefty clubs",
    "any leaks in my swing lol",
    "that hurt my score",
    "can you cut my booking short by 30 min",
    "my back hurts after all that golf lol",
    "do you sell water",
    "is there a water fountain",
    "glass of wine allowed?",
    "broke 80 for the first time!!",
    "the projector keeps flickering",
]


@pytest.mark.parametrize("text", NOT_HAZARDS)
def test_smoking_questions_and_golf_talk_are_no_hazard(text: str) -> None:
    assert PatternClassifier(blacklist=VENUE_LIST).blacklisted_topic(text) is None


@pytest.mark.parametrize("text", ["can I smoke outside?", "smoke show swing today boys"])
def test_the_demo_venue_does_not_make_a_smoking_question_an_emergency(text: str) -> None:
    venue = load_venue_knowledge()
    classifier = PatternClassifier(blacklist=venue.blacklist)

    assert classifier.blacklisted_topic(text) is None
