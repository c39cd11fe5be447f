"""The ``LanguageModel`` port on the official ``openai`` SDK, for any compatible server.

The model only reports what it read; it is never authority for an action. Anything
short of a well-formed answer within the offered choices raises
``LlmUnavailableError``, and the caller hands the text to staff.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema

from claw_adapters.llm.errors import LlmFailure, LlmUnavailableError
from claw_adapters.llm.pricing import ModelPrice, estimate_cost_usd, price_for
from claw_adapters.llm.prompts import (
    CLASSIFICATION_SCHEMA_NAME,
    DRAFT_INSTRUCTIONS,
    DRAFT_SCHEMA,
    DRAFT_SCHEMA_NAME,
    classification_instructions,
    classification_schema,
    context_message,
)
from claw_domain.errors import ConfigurationError
from claw_domain.ports import LlmClassification, LlmDraft
from claw_domain.slots import ConversationContext
from claw_domain.values import Entities, Intent, LlmUsage

OPENAI_BASE_URL = "https://api.openai.com/v1"
# OpenPhone rejects longer texts; a draft that long is not an SMS answer anyway.
MAX_DRAFT_CHARACTERS = 1600


@attrs.frozen
class LlmSettings:
    api_key: str = attrs.field(repr=False)
    model: str = "gpt-4o-mini"
    base_url: str = OPENAI_BASE_URL
    timeout_seconds: float = attrs.field(default=20.0, validator=attrs.validators.gt(0.0))
    # The SDK retries connection errors, 408/409/429 and 5xx with backoff.
    max_retries: int = attrs.field(default=1, validator=attrs.validators.ge(0))
    # None leaves the server default; some models reject any other temperature.
    temperature: float | None = None
    max_output_tokens: int | None = None
    # Overrides the price table (a model it lacks, or a negotiated price).
    price: ModelPrice | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LlmSettings | None:
        """From ``CLAW_OPENAI_*``; None when neither a key nor a base URL is set (no LLM)."""
        key = environ.get("CLAW_OPENAI_API_KEY", "").strip()
        base_url = environ.get("CLAW_OPENAI_BASE_URL", "").strip()
        if not key and not base_url:
            return None
        if not key and base_url == OPENAI_BASE_URL:
            msg = "CLAW_OPENAI_API_KEY is not set; OpenAI needs an API key"
            raise ConfigurationError(msg)
        try:
            timeout = float(environ.get("CLAW_OPENAI_TIMEOUT_SECONDS", "20"))
            retries = int(environ.get("CLAW_OPENAI_MAX_RETRIES", "1"))
        except ValueError as error:
            msg = f"CLAW_OPENAI_TIMEOUT_SECONDS / CLAW_OPENAI_MAX_RETRIES must be numbers: {error}"
            raise ConfigurationError(msg) from None
        return cls(
            # Local OpenAI-compatible servers ignore the key, but the SDK insists on one.
            api_key=key or "unused",
            model=environ.get("CLAW_OPENAI_MODEL", "").strip() or "gpt-4o-mini",
            base_url=base_url or OPENAI_BASE_URL,
            timeout_seconds=timeout,
            max_retries=retries,
        )


class OpenAILanguageModel:
    """Implements ``claw_domain.ports.LanguageModel``. Close it with ``aclose()``."""

    def __init__(
        self,
        settings: LlmSettings,
        *,
        locations: Mapping[str, Sequence[str]] | None = None,
        knowledge: str = "",
        client: openai.AsyncOpenAI | None = None,
        monotonic: Callable[[], float] = time.perf_counter,
    ) -> None:
        """``locations``: canonical key -> spellings, so the model answers with a key.

        ``knowledge``: the venue's customer-facing facts (``Venue.reference_text``), so the
        model knows what this venue's customers ask about.
        """
        self._settings = settings
        self._knowledge = knowledge
        self._locations = {key: list(names) for key, names in (locations or {}).items()}
        self._spellings = {
            name.lower(): key for key, names in self._locations.items() for name in (key, *names)
        }
        self._monotonic = monotonic
        self._client = client or openai.AsyncOpenAI(
            api_key=settings.api_key,
            base_url=settings.base_url,
            timeout=settings.timeout_seconds,
            max_retries=settings.max_retries,
        )

    async def aclose(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> OpenAILanguageModel:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def classify(
        self,
        text: str,
        intents: Sequence[Intent],
        context: ConversationContext | None = None,
    ) -> LlmClassification:
        offered = list(dict.fromkeys([*intents, Intent.OTHER]))
        instructions = classification_instructions(offered, self._locations, self._knowledge)
        schema = classification_schema(offered, self._locations)
        reply, usage = await self._structured(
            instructions,
            text,
            CLASSIFICATION_SCHEMA_NAME,
            schema,
            context=context_message(context),
        )

        intent_value = reply.get("intent")
        allowed = {str(intent): intent for intent in offered}
        if not isinstance(intent_value, str) or intent_value not in allowed:
            detail = f"intent {intent_value!r} is not one of {sorted(allowed)}"
            raise LlmUnavailableError(LlmFailure.OUT_OF_LIST, detail, usage=usage)
        confidence = reply.get("confidence")
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, int | float)
            or not 0.0 <= confidence <= 1.0
        ):
            detail = f"confidence {confidence!r} is not a number from 0 to 1"
            raise LlmUnavailableError(LlmFailure.MALFORMED, detail, usage=usage)
        return LlmClassification(
            intent=allowed[intent_value],
            confidence=float(confidence),
            entities=Entities(
                location=self._location_key(reply.get("location")),
                box=_box_number(reply.get("box")),
            ),
            usage=usage,
        )

    async def draft_answer(self, question: str, knowledge: str) -> LlmDraft:
        instructions = DRAFT_INSTRUCTIONS.format(knowledge=knowledge)
        reply, usage = await self._structured(
            instructions, question, DRAFT_SCHEMA_NAME, DRAFT_SCHEMA
        )
        answerable, answer = reply.get("answerable"), reply.get("answer")
        if not isinstance(answerable, bool) or not isinstance(answer, str):
            raise LlmUnavailableError(
                LlmFailure.MALFORMED, "draft fields have wrong types", usage=usage
            )
        if not answerable:
            detail = "the venue's reference text does not answer this"
            raise LlmUnavailableError(LlmFailure.NOT_IN_KNOWLEDGE, detail, usage=usage)
        answer = answer.strip()
        if not answer or len(answer) > MAX_DRAFT_CHARACTERS:
            detail = f"draft is {len(answer)} characters; expected 1 to {MAX_DRAFT_CHARACTERS}"
            raise LlmUnavailableError(LlmFailure.MALFORMED, detail, usage=usage)
        return LlmDraft(text=answer, usage=usage)

    async def _structured(
        self,
        instructions: str,
        text: str,
        schema_name: str,
        schema: dict[str, Any],
        context: str | None = None,
    ) -> tuple[dict[str, Any], LlmUsage]:
        """One chat completion constrained to ``schema``; returns the decoded object.

        The conversation so far (``context``) is its own message before the text, so the
        text to read is always the last message.
        """
        messages: list[ChatCompletionMessageParam] = [{"role": "system", "content": instructions}]
        if context is not None:
            messages.append({"role": "user", "content": context})
        messages.append({"role": "user", "content": text})
        response_format: ResponseFormatJSONSchema = {
            "type": "json_schema",
            "json_schema": {"name": schema_name, "schema": schema, "strict": True},
        }
        optional: dict[str, Any] = {}
        if self._settings.temperature is not None:
            optional["temperature"] = self._settings.temperature
        if self._settings.max_output_tokens is not None:
            optional["max_completion_tokens"] = self._settings.max_output_tokens
        started = self._monotonic()
        try:
            completion = await self._client.chat.completions.create(
                model=self._settings.model,
                messages=messages,
                response_format=response_format,
                **optional,
            )
        except openai.OpenAIError as error:
            raise _unavailable(error) from error
        latency_ms = max(0.0, (self._monotonic() - started) * 1000.0)
        if not isinstance(completion, ChatCompletion) or not completion.choices:
            raise LlmUnavailableError(LlmFailure.MALFORMED, "the reply is not a chat completion")
        usage = self._usage(completion, latency_ms)
        choice = completion.choices[0]
        if choice.message.refusal:
            raise LlmUnavailableError(LlmFailure.REFUSAL, choice.message.refusal, usage=usage)
        if choice.finish_reason == "content_filter":
            raise LlmUnavailableError(LlmFailure.CONTENT_FILTER, "filtered", usage=usage)
        if choice.finish_reason == "length":
            raise LlmUnavailableError(LlmFailure.TRUNCATED, "output limit reached", usage=usage)
        try:
            decoded = json.loads(choice.message.content or "")
        except json.JSONDecodeError as error:
            raise LlmUnavailableError(
                LlmFailure.MALFORMED, f"not JSON: {error}", usage=usage
            ) from None
        if not isinstance(decoded, dict):
            raise LlmUnavailableError(LlmFailure.MALFORMED, "not a JSON object", usage=usage)
        return decoded, usage

    def _usage(self, completion: ChatCompletion, latency_ms: float) -> LlmUsage:
        model = completion.model or self._settings.model
        # Some compatible servers omit usage; the call then records zero tokens.
        prompt = completion.usage.prompt_tokens if completion.usage else 0
        output = completion.usage.completion_tokens if completion.usage else 0
        price = self._settings.price or price_for(model) or price_for(self._settings.model)
        return LlmUsage(
            model=model,
            prompt_tokens=prompt,
            completion_tokens=output,
            cost_usd=estimate_cost_usd(price, prompt, output),
            latency_ms=latency_ms,
        )

    def _location_key(self, value: object) -> str | None:
        # An unknown place is dropped, not an error: the policy will ask which location.
        if not isinstance(value, str):
            return None
        return (
            self._spellings.get(value.strip().lower()) if self._locations else value.strip() or None
        )


def _box_number(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return None


def _unavailable(error: openai.OpenAIError) -> LlmUnavailableError:
    # Order matters: the SDK's timeout error is a kind of connection error.
    reason = LlmFailure.REJECTED
    if isinstance(error, openai.APITimeoutError):
        reason = LlmFailure.TIMEOUT
    elif isinstance(error, openai.APIConnectionError):
        reason = LlmFailure.CONNECTION
    elif isinstance(error, openai.RateLimitError):
        reason = LlmFailure.RATE_LIMITED
    elif isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        reason = LlmFailure.AUTHENTICATION
    elif isinstance(error, openai.APIStatusError) and error.status_code >= 500:
        reason = LlmFailure.SERVER_ERROR
    elif isinstance(error, openai.APIResponseValidationError):
        reason = LlmFailure.MALFORMED
    elif isinstance(error, openai.ContentFilterFinishReasonError):
        reason = LlmFailure.CONTENT_FILTER
    elif isinstance(error, openai.LengthFinishReasonError):
        reason = LlmFailure.TRUNCATED
    return LlmUnavailableError(reason, str(error))
