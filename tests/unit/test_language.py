"""Texts in another language go to a person; English with a borrowed word does not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claw_domain.decisions import DecisionKind, Reason
from claw_domain.language import written_in_another_language
from claw_domain.policy import ConversationFacts, Situation, Trigger, decide
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings, SettingsSnapshot
from claw_domain.values import Classification, ClassificationSource, Intent

NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "merci!! à la prochaine",
        "Gracias por todo, muy divertido",
        "danke schön, war toll",
        "obrigado, foi ótimo",
        "grazie mille",
        "¿Tienen palos para zurdos?",
        "Est-ce que vous êtes ouverts demain?",
        "Wir sind zu viert, ist heute noch etwas frei?",
        "今天几点关门",
        "Спасибо, всё отлично",
    ],
)
def test_a_text_in_another_language_is_recognised(text: str) -> None:
    assert written_in_another_language(text)


@pytest.mark.parametrize(
    "text",
    [
        "thanks, merci!",
        "ciao, see you next week",
        "are you open till 10 est?",
        "can jose and I play in the same box",
        "had a great time at the café next door, then golf",
        "thx",
        "y r u closed today",
        "👍",
        "",
    ],
)
def test_english_with_a_borrowed_word_is_english(text: str) -> None:
    assert not written_in_another_language(text)


SETTINGS = SettingsSnapshot(
    version=1,
    features={Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO)},
    globals=GlobalSettings(),
)


def _decide(text: str, intent: Intent) -> tuple[DecisionKind, Reason, Intent | None]:
    decision = decide(
        Situation(
            trigger=Trigger.CUSTOMER_TEXT,
            now=NOW,
            conversation=ConversationFacts(),
            classification=Classification(intent, 0.9, ClassificationSource.LOCAL_MODEL),
            prepared_answer="We're open 24/7.",
            text=text,
        ),
        SETTINGS,
    )
    return decision.kind, decision.reason, decision.intent


def test_thanks_in_another_language_is_shown_to_staff_not_ignored() -> None:
    assert _decide("Gracias, la pasamos genial", Intent.FEEDBACK_POSITIVE) == (
        DecisionKind.ESCALATE,
        Reason.OTHER_LANGUAGE,
        Intent.FEEDBACK_POSITIVE,
    )
    # The same thanks in English needs no answer.
    assert _decide("thanks, we had a blast", Intent.FEEDBACK_POSITIVE)[:2] == (
        DecisionKind.IGNORE,
        Reason.ACKNOWLEDGEMENT,
    )


def test_a_question_understood_in_another_language_is_answered_by_a_person() -> None:
    kind, reason, intent = _decide("¿Están abiertos el domingo?", Intent.HOURS)

    assert (kind, reason, intent) == (DecisionKind.ESCALATE, Reason.OTHER_LANGUAGE, Intent.HOURS)
    assert _decide("are you open on sunday?", Intent.HOURS)[0] is DecisionKind.RESPOND
