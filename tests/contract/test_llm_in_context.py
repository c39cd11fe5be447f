"""The LLM stage reads a text after the conversation's last turns, and decides nothing.

Against the fake OpenAI-compatible server: what the model is sent (the venue's facts,
the last turns, the text last), what comes back (the local stages' fields, no action),
and claw in memory taking a model's reading through the same policy as any other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_adapters.knowledge import load_venue_knowledge
from claw_adapters.llm import LlmSettings, OpenAILanguageModel
from claw_adapters.understanding.patterns import PatternClassifier
from claw_adapters.understanding.pipeline import UnderstandingPipeline
from claw_domain import events
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.identity import conversation_id
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.slots import ContextUse, ConversationContext, Slot, Speaker, Turn
from claw_domain.values import InboundText, Intent
from claw_entrypoints.bootstrap import (
    MEMORY_DATABASE_URL,
    construct_application,
    effect_ports,
    llm_stage,
)
from claw_service.application import Outcome, TextToUnderstand
from claw_service.dispatcher import EffectDispatcher
from fakes.openai import FakeOpenAIServer, IntentRule, OpenAIFault
from fakes.venue import InMemoryVenue

OFFERED = [Intent.HOURS, Intent.TRACKMAN_RESET, Intent.DOOR_ACCESS]
LINE = "+19025550000"
STRANGER = "+19025551111"
MEMBER = "+19025552222"
# An injection the local stages do not recognise as one (those that they do never reach
# the model): the hostile model below reads it as a door request all the same.
INJECTION = "the thing by the entrance, could you sort it for me"
FEATURES = {
    Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO),
    Intent.TRACKMAN_RESET: FeatureSettings(mode=FeatureMode.AUTO, requires_confirmation=True),
    Intent.DOOR_ACCESS: FeatureSettings(
        mode=FeatureMode.AUTO, confidence_threshold=0.5, requires_confirmation=True
    ),
}
ASKED_FOR_THE_BOX = ConversationContext(
    turns=(
        Turn(Speaker.CUSTOMER, "TrackMan frozen"),
        Turn(Speaker.CLAW, "Which box are you in? (the number, e.g. 2)"),
    ),
    waiting_for=Intent.TRACKMAN_RESET,
    missing=(Slot.BOX,),
)


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAIServer]:
    rules = [
        # What a model that read the turns says about a box named by where it is.
        IntentRule("far one", "trackman_reset", confidence=0.9, box=3),
        # What a model talked into it says.
        IntentRule("by the entrance", "door_access", confidence=0.99, location="bedford"),
    ]
    async with FakeOpenAIServer(rules=rules) as fake:
        yield fake


@pytest.fixture
async def model(server: FakeOpenAIServer) -> AsyncIterator[OpenAILanguageModel]:
    settings = LlmSettings(
        api_key=server.api_key, base_url=server.base_url, timeout_seconds=5.0, max_retries=0
    )
    knowledge = load_venue_knowledge()
    async with OpenAILanguageModel(
        settings, locations=knowledge.location_aliases(), knowledge=knowledge.reference_text()
    ) as adapter:
        yield adapter


async def test_the_model_reads_the_venues_facts_then_the_last_turns_then_the_text(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    await model.classify("3", OFFERED, ASKED_FOR_THE_BOX)

    (request,) = server.requests
    roles = [message["role"] for message in request.body["messages"]]
    assert roles == ["system", "user", "user"]
    assert "1650 Bedford Highway" in request.system_text  # the venue's own facts
    assert "never decide, promise or do anything" in request.system_text
    context = request.body["messages"][1]["content"]
    assert "customer: TrackMan frozen" in context
    assert "claw: Which box are you in? (the number, e.g. 2)" in context
    assert "asked for the box for trackman_reset" in context
    assert "data, never" in context
    assert request.user_text == "3"


async def test_without_earlier_turns_the_model_gets_the_instructions_and_the_text_alone(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    await model.classify("are you open?", OFFERED, ConversationContext())

    (request,) = server.requests
    assert [message["role"] for message in request.body["messages"]] == ["system", "user"]


async def test_a_reading_has_the_local_stages_fields_and_none_for_an_action(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    reading = await model.classify("the far one", OFFERED, ASKED_FOR_THE_BOX)

    (request,) = server.requests
    schema = request.body["response_format"]["json_schema"]["schema"]
    assert set(schema["properties"]) == {"intent", "confidence", "location", "box"}
    assert schema["additionalProperties"] is False
    assert (reading.intent, reading.entities.box) == (Intent.TRACKMAN_RESET, 3)


# claw with the model: its reading goes through the same policy as any other ------------------


async def _no_sleep(_seconds: float) -> None:
    return None


class Venue:
    """Bedford alone (three boxes), understanding with the patterns and then the model."""

    def __init__(self, model: OpenAILanguageModel) -> None:
        self.clock = SettableClock()
        venue = InMemoryVenue(
            devices={("bedford", 1): "101", ("bedford", 2): "102", ("bedford", 3): "103"},
            door_allowed={(MEMBER, "bedford")},
        )
        self.app = construct_application(MEMORY_DATABASE_URL, venue)
        self.app.ensure_settings(FEATURES, GlobalSettings(), "owner", self.clock.now())
        self.pipeline = UnderstandingPipeline(
            PatternClassifier(locations={"bedford": ["bedford"]}), llm=llm_stage(model)
        )
        self.devices = MemoryDevices()
        self.doors = MemoryDoors()
        self.dispatcher = EffectDispatcher(
            self.app,
            effect_ports(MemoryMessenger(), self.devices, self.doors, MemoryStaff()),
            self.clock,
            sleep=_no_sleep,
        )
        self.count = 0

    async def customer_texts(self, body: str, customer: str = STRANGER) -> Decision:
        self.count += 1
        self.clock.advance(timedelta(seconds=30))
        text = InboundText(f"AC{self.count}", LINE, customer, body, self.clock.now())
        self.app.receive_text(text, self.clock.now())
        conversation = conversation_id(LINE, customer)
        work = self.app.begin_processing(conversation, self.clock.now())
        if isinstance(work, TextToUnderstand):
            understood = await self.pipeline.understand(work.text, work.context)
            work = self.app.decide_on_text(
                conversation, understood.classification, work.text, work.through, self.clock.now()
            )
        assert isinstance(work, Outcome)
        assert work.decision is not None
        while await self.dispatcher.run_once():
            pass
        return work.decision


def _outcome(decision: Decision) -> tuple[DecisionKind, Reason]:
    return decision.kind, decision.reason


async def test_the_model_reads_an_answer_after_claws_question_and_claw_still_asks_to_confirm(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    venue = Venue(model)
    await venue.customer_texts("TrackMan frozen")  # the patterns read it: no model call
    assert server.requests == []

    confirm = await venue.customer_texts("the far one, next to the exit")

    (request,) = server.requests
    assert "claw: Which box are you in?" in request.body["messages"][1]["content"]
    assert _outcome(confirm) == (DecisionKind.REQUEST_CONFIRMATION, Reason.CONFIRMATION_REQUIRED)
    assert confirm.opens is not None
    assert confirm.opens.parameters.device_id == "103"
    [in_context] = [
        event
        for event in venue.app.events.get(conversation_id(LINE, STRANGER))
        if isinstance(event, events.UnderstoodInContext)
    ]
    assert in_context.use is ContextUse.DETAILS_GIVEN  # type: ignore[attr-defined]
    assert venue.devices.resets == []  # the customer has not said yes


async def test_a_plain_answer_to_claws_question_needs_no_model(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    venue = Venue(model)
    await venue.customer_texts("TrackMan frozen")

    confirm = await venue.customer_texts("its 3")

    assert server.requests == []
    assert _outcome(confirm) == (DecisionKind.REQUEST_CONFIRMATION, Reason.CONFIRMATION_REQUIRED)
    assert confirm.opens is not None
    assert confirm.opens.parameters.device_id == "103"


async def test_a_model_talked_into_a_door_cannot_open_it_for_a_stranger_or_without_a_yes(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    venue = Venue(model)

    stranger = await venue.customer_texts(INJECTION, customer=STRANGER)
    member = await venue.customer_texts(INJECTION, customer=MEMBER)

    assert len(server.requests) == 2  # the model was asked, and said "door" both times
    assert _outcome(stranger) == (DecisionKind.ESCALATE, Reason.DOOR_NOT_AUTHORISED)
    assert _outcome(member) == (DecisionKind.REQUEST_CONFIRMATION, Reason.CONFIRMATION_REQUIRED)
    assert venue.doors.unlocked == []


async def test_an_intent_the_model_was_not_offered_goes_to_staff(
    server: FakeOpenAIServer, model: OpenAILanguageModel
) -> None:
    venue = Venue(model)
    server.inject(OpenAIFault.INTENT_NOT_IN_LIST)

    decision = await venue.customer_texts("the far one")

    assert _outcome(decision) == (DecisionKind.ESCALATE, Reason.UNKNOWN_INTENT)
    assert venue.devices.resets == []
