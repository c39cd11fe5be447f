"""Processing a conversation: understanding, deciding and drafting for staff review."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from claw_adapters.fakes.memory import SettableClock
from claw_domain.conversation import SuggestionStatus
from claw_domain.decisions import DecisionKind, Reason
from claw_domain.ports import LlmDraft
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.slots import ConversationContext, Speaker, Turn
from claw_domain.values import (
    Classification,
    ClassificationSource,
    InboundText,
    Intent,
    LlmUsage,
)
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application
from claw_service.application import ClawApplication, TextToUnderstand
from claw_service.processor import ConversationProcessor
from fakes.venue import InMemoryVenue

USAGE = LlmUsage(model="fake", prompt_tokens=30, completion_tokens=12, cost_usd=0.0001)


class ScriptedUnderstanding:
    def __init__(self, classification: Classification) -> None:
        self.classification = classification
        self.seen: list[str] = []
        self.contexts: list[ConversationContext | None] = []

    async def understand(
        self, text: str, context: ConversationContext | None = None
    ) -> Classification:
        self.seen.append(text)
        self.contexts.append(context)
        return self.classification


def claw_with(features: dict[Intent, FeatureSettings]) -> tuple[ClawApplication, SettableClock]:
    clock = SettableClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    app.ensure_settings(features, GlobalSettings(), "test", clock.now())
    return app, clock


def a_text(app: ClawApplication, clock: SettableClock, body: str, number: int = 1) -> UUID:
    text = InboundText(f"AC{number}", "+19025550000", "+19025557777", body, clock.now())
    return app.receive_text(text, clock.now()).conversation_id


async def test_split_texts_are_understood_together_and_answered_once() -> None:
    app, clock = claw_with({Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO)})
    understanding = ScriptedUnderstanding(
        Classification(Intent.HOURS, 0.95, ClassificationSource.PATTERN)
    )
    conversation = a_text(app, clock, "when are you")
    a_text(app, clock, "open today?", number=2)
    processor = ConversationProcessor(app, understanding, clock)

    decision = await processor.process(conversation)

    assert understanding.seen == ["when are you open today?"]
    assert decision is not None
    assert (decision.kind, decision.reason) == (
        DecisionKind.RESPOND,
        Reason.ANSWERED_FROM_KNOWLEDGE,
    )
    assert await processor.process(conversation) is None


async def test_understanding_is_given_the_conversation_so_far() -> None:
    app, clock = claw_with({Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO)})
    understanding = ScriptedUnderstanding(
        Classification(Intent.HOURS, 0.95, ClassificationSource.PATTERN)
    )
    processor = ConversationProcessor(app, understanding, clock)
    conversation = a_text(app, clock, "when are you open?")
    await processor.process(conversation)
    a_text(app, clock, "and on Saturday?", number=2)

    await processor.process(conversation)

    first, second = understanding.contexts
    assert first == ConversationContext()
    assert second == ConversationContext(
        turns=(
            Turn(Speaker.CUSTOMER, "when are you open?"),
            Turn(Speaker.CLAW, "We're open 24/7."),
        ),
        last_answered=Intent.HOURS,
    )


async def test_a_suggestion_without_a_known_answer_gets_a_model_draft_for_staff() -> None:
    app, clock = claw_with({Intent.WIFI: FeatureSettings(mode=FeatureMode.SUGGEST)})
    understanding = ScriptedUnderstanding(
        Classification(Intent.WIFI, 0.95, ClassificationSource.LOCAL_MODEL)
    )
    questions: list[str] = []

    async def drafter(question: str) -> LlmDraft:
        questions.append(question)
        return LlmDraft(text="The Wi-Fi is Harbourside-Guest.", usage=USAGE)

    conversation = a_text(app, clock, "what's the wifi password")
    processor = ConversationProcessor(app, understanding, clock, drafter=drafter)

    decision = await processor.process(conversation)

    assert decision is not None
    assert decision.kind is DecisionKind.SUGGEST
    suggestion = app.conversation(conversation).suggestions[1]
    assert suggestion.draft == "The Wi-Fi is Harbourside-Guest."
    assert suggestion.status is SuggestionStatus.WAITING
    assert app.texts_of(app.conversation(conversation)) == []  # a draft is never sent by itself
    assert questions == ["what's the wifi password"]


async def test_a_failing_drafter_leaves_the_suggestion_for_staff_to_write() -> None:
    app, clock = claw_with({Intent.WIFI: FeatureSettings(mode=FeatureMode.SUGGEST)})
    understanding = ScriptedUnderstanding(
        Classification(Intent.WIFI, 0.95, ClassificationSource.LOCAL_MODEL)
    )

    async def drafter(_question: str) -> LlmDraft:
        raise TimeoutError

    conversation = a_text(app, clock, "wifi?")
    processor = ConversationProcessor(app, understanding, clock, drafter=drafter)
    await processor.process(conversation)

    suggestion = app.conversation(conversation).suggestions[1]
    assert suggestion.draft is None


async def test_processing_a_text_reads_the_conversation_once_per_step() -> None:
    app, clock = claw_with({Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO)})
    understanding = ScriptedUnderstanding(
        Classification(Intent.HOURS, 0.95, ClassificationSource.PATTERN)
    )
    conversation = a_text(app, clock, "when are you open")
    loaded: list[str] = []
    get = app.repository.get

    def counting_get(aggregate_id: UUID, **kwargs: Any) -> Any:
        aggregate = get(aggregate_id, **kwargs)
        loaded.append(type(aggregate).__name__)
        return aggregate

    app.repository.get = counting_get  # type: ignore[method-assign]

    decision = await ConversationProcessor(app, understanding, clock).process(conversation)

    assert decision is not None
    # begin_processing, then decide_on_text: none for the log's correlation id.
    assert loaded.count("Conversation") == 2
    assert loaded.count("AutomationSettings") == 1


def test_the_text_to_understand_carries_the_last_texts_correlation_id() -> None:
    app, clock = claw_with({})
    for number, delivery in ((1, "wh-first"), (2, "wh-second")):
        text = InboundText(
            f"AC{number}",
            "+19025550000",
            "+19025557777",
            f"part {number} of my question",
            clock.now(),
            correlation_id=delivery,
        )
        conversation = app.receive_text(text, clock.now()).conversation_id

    work = app.begin_processing(conversation, clock.now())

    assert isinstance(work, TextToUnderstand)
    assert work.correlation_id == "wh-second"
