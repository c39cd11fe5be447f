"""The local statistical stage, trained from a small venue-like example set."""

from __future__ import annotations

import numpy as np
import pytest

from claw_adapters.understanding.local_model import (
    IntentModel,
    LocalModelClassifier,
    ModelSettings,
    stemmed_words,
)
from claw_adapters.understanding.patterns import EntityExtractor
from claw_domain.values import ClassificationSource, Intent

# What a venue's knowledge base might hold: a dozen phrasings per answerable intent.
EXAMPLES: dict[Intent, list[str]] = {
    Intent.HOURS: [
        "what are your hours",
        "when do you open",
        "what time do you close",
        "are you open right now",
        "are you open on sundays",
        "opening hours please",
        "how late are you open",
        "is the club open 24 hours",
        "what time does it open tomorrow",
        "are you open on christmas day",
        "when do you close tonight",
        "can I come in at 3am",
    ],
    Intent.PRICING: [
        "how much does it cost",
        "what are your prices",
        "how much per hour",
        "what is the rate for a bay",
        "price for two hours",
        "how much is a session",
        "is it cheaper on weekdays",
        "cost for 4 people",
        "what does an hour cost",
        "do you have off peak pricing",
        "how much to rent a sim",
        "what are the rates",
    ],
    Intent.WIFI: [
        "what is the wifi password",
        "wifi password please",
        "is there wifi",
        "how do I connect to the internet",
        "the wifi is not connecting",
        "what's the network name",
        "can I get on your wireless",
        "internet password",
        "do you have free wifi",
        "which wifi network do I join",
        "the wifi code",
        "wifi login",
    ],
    Intent.TRACKMAN_RESET: [
        "the trackman is frozen",
        "screen froze",
        "the simulator crashed",
        "can you restart the sim",
        "sim not working",
        "ball not registering",
        "the projector screen is black",
        "trackman stuck on loading",
        "please reset the system in my bay",
        "the game keeps freezing",
        "it won't pick up my shots",
        "software crashed again",
    ],
    Intent.CLUB_RENTAL: [
        "do you rent clubs",
        "can I borrow clubs",
        "do I need my own clubs",
        "are clubs provided",
        "left handed clubs available",
        "club rental price",
        "do you have clubs there",
        "can I use house clubs",
        "should I bring my clubs",
        "do you supply golf clubs",
        "rent a set of clubs",
        "are there kids clubs",
    ],
    Intent.OTHER: [
        "hello",
        "who is this",
        "what's the weather like",
        "tell me a joke",
        "can you recommend a restaurant",
        "who won the masters",
        "is this a real person",
        "lol",
        "how old are you",
        "what's your favourite colour",
        "good morning",
        "test",
    ],
}


@pytest.fixture(scope="module")
def classifier() -> LocalModelClassifier:
    return LocalModelClassifier.train(
        EXAMPLES,
        settings=ModelSettings(accept_threshold=0.3),
        entities=EntityExtractor({"bedford": ["bedford nh"]}),
    )


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("what time are you open until", Intent.HOURS),
        ("hows much for an hour", Intent.PRICING),
        ("wifi pasword?", Intent.WIFI),
        ("my trackman froze in bay 2", Intent.TRACKMAN_RESET),
        ("can I rent some clubs", Intent.CLUB_RENTAL),
    ],
)
def test_paraphrases_and_typos_are_understood(
    classifier: LocalModelClassifier, text: str, intent: Intent
) -> None:
    result = classifier.classify(text)
    assert result is not None
    assert result.intent is intent
    assert result.source is ClassificationSource.LOCAL_MODEL


def test_entities_are_extracted_alongside(classifier: LocalModelClassifier) -> None:
    result = classifier.classify("the trackman froze in bay 2 at bedford")
    assert result is not None
    assert result.entities.box == 2
    assert result.entities.location == "bedford"


def test_chit_chat_defers(classifier: LocalModelClassifier) -> None:
    # Predicted OTHER, or not confident: either way the next stage decides.
    assert classifier.classify("hello who is this") is None


def test_a_threshold_of_one_defers_everything() -> None:
    strict = LocalModelClassifier.train(EXAMPLES, settings=ModelSettings(accept_threshold=1.0))
    assert strict.classify("what is the wifi password") is None


def test_confidence_is_a_probability_distribution() -> None:
    model = IntentModel.train(
        [text for phrases in EXAMPLES.values() for text in phrases],
        [intent.value for intent, phrases in EXAMPLES.items() for _ in phrases],
    )
    probabilities = model.probabilities(["what are your hours", "zzzz qqqq"])
    assert probabilities.shape == (2, len(EXAMPLES))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    clear, gibberish = model.predict_many(["what are your hours", "zzzz qqqq"])
    assert clear.label == Intent.HOURS.value
    assert clear.confidence > gibberish.confidence
    assert model.temperature > 0


def test_training_is_deterministic() -> None:
    texts = [text for phrases in EXAMPLES.values() for text in phrases]
    labels = [intent.value for intent, phrases in EXAMPLES.items() for _ in phrases]
    first = IntentModel.train(texts, labels).predict("how much is the wifi")
    second = IntentModel.train(texts, labels).predict("how much is the wifi")
    assert first == second


def test_two_labels_and_single_examples_still_train() -> None:
    model = IntentModel.train(["open hours", "wifi password"], ["hours", "wifi"])
    assert model.predict("hours open").label == "hours"
    assert model.temperature == 1.0


def test_one_label_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="at least two labels"):
        IntentModel.train(["a", "b"], ["x", "x"])


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="one label per text"):
        IntentModel.train(["a", "b"], ["x"])


def test_stemming_joins_word_forms() -> None:
    assert stemmed_words("Restarting restarted RESTARTS") == "restart restart restart"
    assert stemmed_words("yes bus it's") == "yes bus its"
