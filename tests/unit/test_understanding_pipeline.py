"""Composing the stages: which one decides, and what happens when the LLM fails."""

from __future__ import annotations

import asyncio

import attrs
import pytest

from claw_adapters.understanding.patterns import PatternClassifier
from claw_adapters.understanding.pipeline import UnderstandingPipeline
from claw_domain.errors import TransientEffectError
from claw_domain.ports import LlmClassification
from claw_domain.slots import ConversationContext
from claw_domain.values import (
    Classification,
    ClassificationSource,
    Entities,
    Intent,
    LlmUsage,
    Sentiment,
)

USAGE = LlmUsage(model="fake", prompt_tokens=10, completion_tokens=2, cost_usd=0.0001)


@attrs.define
class FakeLocalModel:
    """Answers from a fixed table and remembers what it was asked."""

    answers: dict[str, Intent]
    asked: list[str] = attrs.Factory(list)

    def classify(self, text: str) -> Classification | None:
        self.asked.append(text)
        intent = self.answers.get(text)
        if intent is None:
            return None
        return Classification(intent, 0.9, ClassificationSource.LOCAL_MODEL)


@attrs.define
class FakeLlm:
    reading: LlmClassification | None = None
    error: Exception | None = None
    delay: float = 0.0
    asked: list[str] = attrs.Factory(list)
    contexts: list[ConversationContext | None] = attrs.Factory(list)

    async def __call__(self, text: str, context: ConversationContext | None) -> LlmClassification:
        self.asked.append(text)
        self.contexts.append(context)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        assert self.reading is not None
        return self.reading


def _patterns() -> PatternClassifier:
    return PatternClassifier(locations={"bedford": ["bedford nh"]}, blacklist={"legal": ["lawyer"]})


async def test_patterns_decide_first_and_nothing_else_is_asked() -> None:
    local, llm = FakeLocalModel({}), FakeLlm()
    pipeline = UnderstandingPipeline(_patterns(), local=(local,), llm=llm)
    understood = await pipeline.understand("the trackman is frozen in box 2")
    assert understood.source is ClassificationSource.PATTERN
    assert understood.classification.intent is Intent.TRACKMAN_RESET
    assert local.asked == []
    assert llm.asked == []


async def test_the_local_model_decides_when_patterns_do_not() -> None:
    local, llm = FakeLocalModel({"is it busy at bedford?": Intent.HOURS}), FakeLlm()
    pipeline = UnderstandingPipeline(_patterns(), local=(local,), llm=llm)
    understood = await pipeline.understand("is it busy at bedford?")
    assert understood.source is ClassificationSource.LOCAL_MODEL
    assert understood.classification.entities.location == "bedford"
    assert llm.asked == []


async def test_the_llm_decides_last_and_its_cost_is_kept() -> None:
    reading = LlmClassification(
        Intent.MEMBERSHIP, 0.8, Entities(location="dartmouth", box=5), USAGE
    )
    llm = FakeLlm(reading)
    pipeline = UnderstandingPipeline(_patterns(), local=(FakeLocalModel({}),), llm=llm)
    understood = await pipeline.understand("is bedford busy, thinking of box 2")
    classification = understood.classification
    assert understood.source is ClassificationSource.LLM
    assert classification.intent is Intent.MEMBERSHIP
    assert classification.llm_usage == USAGE
    # The venue's own vocabulary wins over the model's guesses.
    assert classification.entities == Entities(location="bedford", box=2)


async def test_a_blacklisted_topic_never_reaches_the_llm() -> None:
    llm = FakeLlm()
    pipeline = UnderstandingPipeline(_patterns(), llm=llm)
    understood = await pipeline.understand("my lawyer will hear about this")
    assert understood.source is ClassificationSource.PATTERN
    assert understood.classification.blacklisted_topic == "legal"
    assert llm.asked == []


async def test_llm_entities_fill_only_the_gaps() -> None:
    reading = LlmClassification(Intent.HOURS, 0.7, Entities(location="dartmouth", box=5), USAGE)
    pipeline = UnderstandingPipeline(_patterns(), llm=FakeLlm(reading))
    understood = await pipeline.understand("is the place near the harbour busy")
    assert understood.classification.entities == Entities(location="dartmouth", box=5)


async def test_without_an_llm_the_answer_is_a_fallback() -> None:
    pipeline = UnderstandingPipeline(_patterns())
    understood = await pipeline.understand("blah blah")
    assert understood.classification == Classification(
        Intent.OTHER, 0.0, ClassificationSource.FALLBACK
    )
    assert understood.llm_error is None


async def test_a_failing_llm_degrades_to_a_fallback() -> None:
    llm = FakeLlm(error=TransientEffectError("rate limited", code="429"))
    pipeline = UnderstandingPipeline(_patterns(), llm=llm)
    understood = await pipeline.understand("this is ridiculous, nobody answers")
    assert understood.source is ClassificationSource.FALLBACK
    assert understood.classification.intent is Intent.OTHER
    assert understood.classification.confidence == 0.0
    assert understood.classification.sentiment is Sentiment.NEGATIVE
    assert understood.llm_error == "TransientEffectError"


async def test_a_slow_llm_times_out_to_a_fallback() -> None:
    reading = LlmClassification(Intent.HOURS, 0.9, Entities(), USAGE)
    llm = FakeLlm(reading, delay=5.0)
    pipeline = UnderstandingPipeline(_patterns(), llm=llm, llm_timeout_seconds=0.01)
    understood = await pipeline.understand("anything")
    assert understood.source is ClassificationSource.FALLBACK
    assert understood.llm_error == "timeout"


async def test_an_overconfident_llm_is_clamped() -> None:
    reading = LlmClassification(Intent.HOURS, 1.7, Entities(), USAGE)
    pipeline = UnderstandingPipeline(_patterns(), llm=FakeLlm(reading))
    understood = await pipeline.understand("anything")
    assert understood.classification.confidence == 1.0


def test_local_understanding_never_awaits_anything() -> None:
    pipeline = UnderstandingPipeline(_patterns(), local=(FakeLocalModel({}),))
    assert pipeline.understand_locally("blah") is None
    decided = pipeline.understand_locally("what's the wifi password")
    assert decided is not None
    assert decided.intent is Intent.WIFI


def test_the_llm_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="llm_timeout_seconds"):
        UnderstandingPipeline(_patterns(), llm_timeout_seconds=0)
