"""Texts the local stages cannot read go to the language model, through the real SDK.

The model only reads; the policy decides. Its usage is recorded so replay never
calls it again, and a failing model hands the text to staff.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from claw_adapters.fakes.memory import SettableClock
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.identity import conversation_id
from claw_domain.values import ClassificationSource, InboundText, Intent
from claw_entrypoints.bootstrap import bootstrap
from claw_entrypoints.config import load_config
from claw_entrypoints.runtime import Runtime
from fakes.openai import FakeOpenAIServer, IntentRule, OpenAIFault

CONVERSATION = conversation_id("+19025550100", "+19025558888")
PUZZLING = "how do I work the thingamajig by the tee"


@pytest.fixture
async def model_server() -> AsyncIterator[FakeOpenAIServer]:
    server = FakeOpenAIServer(rules=[IntentRule("thingamajig", Intent.EQUIPMENT.value, 0.91)])
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def runtime(model_server: FakeOpenAIServer, tmp_path: Path) -> AsyncIterator[Runtime]:
    config = load_config(
        {
            "CLAW_DATABASE_URL": f"sqlite:///{tmp_path / 'claw.db'}",
            "CLAW_OPENAI_BASE_URL": model_server.base_url,
            "CLAW_OPENAI_API_KEY": model_server.api_key,
            "CLAW_OPENAI_MAX_RETRIES": "0",
            "CLAW_OPENAI_TIMEOUT_SECONDS": "5",
        }
    )
    built = await bootstrap(config, clock=SettableClock())
    try:
        yield built
    finally:
        await built.aclose()


async def a_customer_texts(runtime: Runtime, body: str) -> Decision | None:
    now = runtime.clock.now()
    text = InboundText("AC1", "+19025550100", "+19025558888", body, now)
    result = runtime.app.receive_text(text, now)
    return await runtime.processor.process(result.conversation_id)


async def test_the_model_reads_what_the_patterns_cannot_and_the_policy_decides(
    runtime: Runtime, model_server: FakeOpenAIServer
) -> None:
    decision = await a_customer_texts(runtime, PUZZLING)

    assert decision is not None
    assert decision.kind is DecisionKind.SUGGEST  # equipment is a suggest-mode feature
    classification = runtime.app.conversation(CONVERSATION).last_classification
    assert classification is not None
    assert classification.source is ClassificationSource.LLM
    assert classification.intent is Intent.EQUIPMENT
    assert classification.llm_usage is not None
    assert classification.llm_usage.prompt_tokens > 0
    assert len(model_server.requests) == 1


async def test_a_failing_model_hands_the_text_to_staff(
    runtime: Runtime, model_server: FakeOpenAIServer
) -> None:
    model_server.inject_always(OpenAIFault.SERVER_ERROR)

    decision = await a_customer_texts(runtime, PUZZLING)

    assert decision is not None
    assert (decision.kind, decision.reason) == (DecisionKind.ESCALATE, Reason.UNKNOWN_INTENT)
