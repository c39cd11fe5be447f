"""Composing the stages: patterns, then the local model, then (optionally) the LLM.

Whatever stage names the intent, the deterministic extractors supply the
entities, sentiment and blacklist flag: the LLM's entities only fill gaps, so a
model's guess never overrides the venue's own vocabulary. A failing or absent
LLM yields a FALLBACK classification (OTHER, confidence 0), which the policy
hands to staff; a failure is data here, never an exception that loses the text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import attrs
import structlog

from claw_adapters.understanding.patterns import PatternClassifier
from claw_domain.ports import LlmClassification, TextClassifier
from claw_domain.sentiment import detect_sentiment
from claw_domain.values import Classification, ClassificationSource, Entities, Intent

# The LLM stage: the text in, the model's reading out. Typically
# ``functools.partial(language_model.classify, intents=list(TEXT_INTENTS))``.
LlmFallback = Callable[[str], Awaitable[LlmClassification]]

log = structlog.get_logger("claw.understanding")


@attrs.frozen
class Understood:
    """The classification, and why the LLM did not decide when it was asked but failed."""

    classification: Classification
    llm_error: str | None = None

    @property
    def source(self) -> ClassificationSource:
        return self.classification.source


def _merge_entities(found: Entities, guessed: Entities) -> Entities:
    return Entities(
        location=found.location if found.location is not None else guessed.location,
        box=found.box if found.box is not None else guessed.box,
    )


@attrs.frozen
class UnderstandingPipeline:
    """Patterns -> local model(s) -> LLM, first confident answer wins.

    ``local`` holds the statistical stages (usually one ``LocalModelClassifier``);
    ``llm_timeout_seconds`` bounds how long a customer waits on the LLM.
    """

    patterns: PatternClassifier
    local: Sequence[TextClassifier] = ()
    llm: LlmFallback | None = None
    llm_timeout_seconds: float = attrs.field(default=10.0, validator=attrs.validators.gt(0.0))

    def understand_locally(self, text: str) -> Classification | None:
        """The deterministic stages only: no I/O, safe to call from replay."""
        decided = self.patterns.classify(text)
        if decided is not None:
            return decided
        for stage in self.local:
            decided = stage.classify(text)
            if decided is not None:
                return self._enrich(text, decided)
        return None

    async def understand(self, text: str) -> Understood:
        local = self.understand_locally(text)
        if local is not None:
            return Understood(local)
        if self.llm is None:
            return Understood(self._fallback(text))
        try:
            async with asyncio.timeout(self.llm_timeout_seconds):
                reading = await self.llm(text)
        except TimeoutError:
            return Understood(self._fallback(text), llm_error="timeout")
        except Exception as error:
            # Any LLM failure must degrade to staff, never crash intake or lose the text.
            return Understood(self._fallback(text), llm_error=type(error).__name__)
        confidence = min(1.0, max(0.0, reading.confidence))
        classification = Classification(
            intent=reading.intent,
            confidence=confidence,
            source=ClassificationSource.LLM,
            entities=_merge_entities(self.patterns.entities(text), reading.entities),
            sentiment=detect_sentiment(text),
            blacklisted_topic=self.patterns.blacklisted_topic(text),
            llm_usage=reading.usage,
        )
        return Understood(classification)

    def _enrich(self, text: str, decided: Classification) -> Classification:
        return attrs.evolve(
            decided,
            entities=_merge_entities(self.patterns.entities(text), decided.entities),
            sentiment=detect_sentiment(text),
            blacklisted_topic=self.patterns.blacklisted_topic(text),
        )

    def _fallback(self, text: str) -> Classification:
        return Classification(
            intent=Intent.OTHER,
            confidence=0.0,
            source=ClassificationSource.FALLBACK,
            entities=self.patterns.entities(text),
            sentiment=detect_sentiment(text),
            blacklisted_topic=self.patterns.blacklisted_topic(text),
        )


@attrs.frozen
class PipelineUnderstanding:
    """The ``Understanding`` port over the pipeline: a failing LLM is logged, not raised."""

    pipeline: UnderstandingPipeline

    async def understand(self, text: str) -> Classification:
        understood = await self.pipeline.understand(text)
        if understood.llm_error is not None:
            log.warning("llm_unavailable", error=understood.llm_error)
        return understood.classification
