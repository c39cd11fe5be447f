"""The OpenAI adapter against a local fake that speaks the chat-completions contract."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from claw_adapters.knowledge import load_venue_knowledge
from claw_adapters.llm import (
    LlmFailure,
    LlmSettings,
    LlmUnavailableError,
    ModelPrice,
    OpenAILanguageModel,
    estimate_cost_usd,
    price_for,
)
from claw_domain.errors import ConfigurationError, TransientEffectError
from claw_domain.values import Intent
from fakes.openai import FakeOpenAIServer, IntentRule, OpenAIFault

OFFERED = [Intent.HOURS, Intent.TRACKMAN_RESET, Intent.DOOR_ACCESS]
LOCATIONS = {"bedford": ["bedford", "bedfrod"], "dartmouth": ["dartmouth", "dartmoth"]}


class SteppingClock:
    """A monotonic clock that moves 250 ms per reading: latency without real waiting."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.25
        return self.now


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAIServer]:
    rules = [
        IntentRule("frozen", "trackman_reset", confidence=0.93),
        IntentRule("hours", "hours", confidence=0.88),
        IntentRule("wifi", "wifi", confidence=0.9),
    ]
    answers = {"parking": "Parking is free at both locations."}
    async with FakeOpenAIServer(rules=rules, answers=answers) as fake:
        yield fake


def settings_for(server: FakeOpenAIServer, **overrides: object) -> LlmSettings:
    values: dict[str, object] = {
        "api_key": server.api_key,
        "base_url": server.base_url,
        "model": "gpt-4o-mini",
        "timeout_seconds": 5.0,
        "max_retries": 0,
    }
    values.update(overrides)
    return LlmSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def model(server: FakeOpenAIServer) -> AsyncIterator[OpenAILanguageModel]:
    async with OpenAILanguageModel(
        settings_for(server), locations=LOCATIONS, monotonic=SteppingClock()
    ) as adapter:
        yield adapter


async def failure_of(
    model: OpenAILanguageModel, text: str = "are you open?"
) -> LlmUnavailableError:
    with pytest.raises(LlmUnavailableError) as caught:
        await model.classify(text, OFFERED)
    return caught.value


async def test_classifies_with_entities_and_records_usage(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    result = await model.classify("The sim is frozen in box 2 at Bedford", OFFERED)

    assert result.intent is Intent.TRACKMAN_RESET
    assert result.confidence == pytest.approx(0.93)
    assert (result.entities.location, result.entities.box) == ("bedford", 2)
    usage = result.usage
    assert usage.model == server.model
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0
    expected = estimate_cost_usd(
        price_for("gpt-4o-mini"), usage.prompt_tokens, usage.completion_tokens
    )
    assert usage.cost_usd == pytest.approx(expected)
    assert usage.cost_usd > 0
    assert usage.latency_ms == pytest.approx(250.0)


async def test_sends_a_strict_schema_limited_to_the_offered_intents(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    await model.classify("what are your hours", OFFERED)

    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == f"Bearer {server.api_key}"
    assert request.body["model"] == "gpt-4o-mini"
    response_format = request.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert schema["properties"]["intent"]["enum"] == [*map(str, OFFERED), "other"]
    assert schema["additionalProperties"] is False
    assert request.user_text == "what are your hours"
    assert "bedfrod" in request.system_text


async def test_a_location_is_reported_by_its_key_or_not_at_all(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    # A server that ignores the schema may echo the customer's spelling or invent a place.
    server.rules.insert(0, IntentRule("stuck", "door_access", location="Dartmoth"))
    server.rules.insert(0, IntentRule("narnia", "door_access", location="narnia"))

    spelled = await model.classify("stuck outside", OFFERED)
    invented = await model.classify("let me in at narnia", OFFERED)

    assert spelled.entities.location == "dartmouth"
    assert invented.entities.location is None


async def test_an_intent_the_caller_did_not_offer_comes_back_as_other(
    model: OpenAILanguageModel,
) -> None:
    result = await model.classify("wifi password?", OFFERED)

    assert result.intent is Intent.OTHER


async def test_a_refusal_is_unavailable_and_keeps_the_cost(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    server.inject(OpenAIFault.REFUSAL)

    error = await failure_of(model)

    assert error.reason is LlmFailure.REFUSAL
    assert not error.retryable
    assert error.usage is not None
    assert error.usage.completion_tokens > 0


async def test_a_hung_server_times_out(server: FakeOpenAIServer) -> None:
    server.inject(OpenAIFault.HANG)
    async with OpenAILanguageModel(settings_for(server, timeout_seconds=0.2)) as model:
        error = await failure_of(model)

    assert error.reason is LlmFailure.TIMEOUT
    assert error.retryable
    assert isinstance(error, TransientEffectError)


@pytest.mark.parametrize(
    ("fault", "reason", "retryable"),
    [
        (OpenAIFault.SERVER_ERROR, LlmFailure.SERVER_ERROR, True),
        (OpenAIFault.RATE_LIMIT, LlmFailure.RATE_LIMITED, True),
        (OpenAIFault.UNAUTHORIZED, LlmFailure.AUTHENTICATION, False),
        (OpenAIFault.MALFORMED_JSON, LlmFailure.MALFORMED, False),
        (OpenAIFault.INTENT_NOT_IN_LIST, LlmFailure.OUT_OF_LIST, False),
        (OpenAIFault.CONTENT_FILTER, LlmFailure.CONTENT_FILTER, False),
    ],
)
async def test_faults_become_typed_unavailability(
    server: FakeOpenAIServer,
    model: OpenAILanguageModel,
    fault: OpenAIFault,
    reason: LlmFailure,
    retryable: bool,
) -> None:
    server.inject(fault)

    error = await failure_of(model)

    assert error.reason is reason
    assert error.retryable is retryable
    assert error.code == str(reason)


async def test_output_that_arrived_keeps_its_cost_even_when_unusable(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    server.inject(OpenAIFault.INTENT_NOT_IN_LIST)

    error = await failure_of(model)

    assert error.usage is not None
    assert error.usage.prompt_tokens > 0


async def test_the_sdk_retries_a_5xx_when_retries_are_configured(server: FakeOpenAIServer) -> None:
    server.inject(OpenAIFault.SERVER_ERROR)
    async with OpenAILanguageModel(settings_for(server, max_retries=1)) as model:
        result = await model.classify("what are your hours", OFFERED)

    assert result.intent is Intent.HOURS
    assert len(server.requests) == 2


async def test_a_refused_connection_is_unavailable() -> None:
    # A port that was free a moment ago: nothing listens on it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = LlmSettings(api_key="k", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    async with OpenAILanguageModel(settings) as model:
        error = await failure_of(model)

    assert error.reason is LlmFailure.CONNECTION
    assert error.retryable


async def test_drafts_are_grounded_in_the_reference_text(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    knowledge = load_venue_knowledge().reference_text()

    draft = await model.draft_answer("is there parking?", knowledge)

    assert draft.text == "Parking is free at both locations."
    assert draft.usage.cost_usd > 0
    (request,) = server.requests
    assert knowledge in request.system_text
    assert request.schema_name == "grounded_answer"


async def test_a_question_the_reference_does_not_answer_goes_to_staff(
    model: OpenAILanguageModel,
) -> None:
    with pytest.raises(LlmUnavailableError) as caught:
        await model.draft_answer("can I bring my dog?", "Venue: Test Golf")

    assert caught.value.reason is LlmFailure.NOT_IN_KNOWLEDGE
    assert caught.value.usage is not None


async def test_a_draft_refusal_is_unavailable(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    server.inject(OpenAIFault.REFUSAL)

    with pytest.raises(LlmUnavailableError) as caught:
        await model.draft_answer("is there parking?", "Parking is free.")

    assert caught.value.reason is LlmFailure.REFUSAL


def test_prices_find_dated_snapshots_and_unknown_models_cost_nothing() -> None:
    assert price_for("gpt-4o-mini-2024-07-18") == price_for("gpt-4o-mini")
    assert price_for("gpt-4o-2024-08-06") == price_for("gpt-4o")
    assert price_for("llama3.1:8b") is None
    assert estimate_cost_usd(None, 1000, 1000) == 0.0
    assert estimate_cost_usd(ModelPrice(1.0, 2.0), 1_000_000, 500_000) == pytest.approx(2.0)


def test_settings_from_the_environment() -> None:
    assert LlmSettings.from_env({}) is None
    local = LlmSettings.from_env(
        {"CLAW_OPENAI_BASE_URL": "http://127.0.0.1:8080/v1", "CLAW_OPENAI_MODEL": "llama3"}
    )
    assert local is not None
    assert (local.base_url, local.model, local.api_key) == (
        "http://127.0.0.1:8080/v1",
        "llama3",
        "unused",
    )
    tuned = LlmSettings.from_env(
        {
            "CLAW_OPENAI_API_KEY": "sk-test",
            "CLAW_OPENAI_TIMEOUT_SECONDS": "3.5",
            "CLAW_OPENAI_MAX_RETRIES": "0",
        }
    )
    assert tuned is not None
    assert (tuned.timeout_seconds, tuned.max_retries) == (3.5, 0)
    assert "sk-test" not in repr(tuned)
    with pytest.raises(ConfigurationError):
        LlmSettings.from_env({"CLAW_OPENAI_MAX_RETRIES": "lots", "CLAW_OPENAI_API_KEY": "k"})
