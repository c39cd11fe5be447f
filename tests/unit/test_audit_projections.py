"""The projections' building blocks, and the review queue's life on the popo backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from claw_adapters.fakes.memory import SettableClock
from claw_adapters.persistence.mapper import EventClasses
from claw_adapters.projections.catalogue import all_projections
from claw_adapters.projections.events import iso, mask_number, parse_iso
from claw_adapters.projections.memory import MemoryProjectionStore
from claw_adapters.projections.statistics import (
    LATENCY_BUCKETS,
    bucket_of,
    percentile,
    read_statistics,
)
from claw_adapters.projections.store import Documents
from claw_domain import events
from claw_domain.budget import HourlyBudget
from claw_domain.conversation import Conversation
from claw_domain.identity import conversation_id
from claw_domain.outbox import OutboundAlert, OutboundText
from claw_domain.pending_action import PendingAction
from claw_domain.settings import AutomationSettings, FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.values import (
    Classification,
    ClassificationSource,
    InboundText,
    Intent,
    LlmUsage,
)
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application
from claw_service.application import TextToUnderstand
from claw_service.projector import Projector
from fakes.venue import InMemoryVenue

LINE = "+19025550000"
ANN = "+19025551111"
ANN_CONVERSATION = conversation_id(LINE, ANN)


def test_every_routed_event_class_is_an_event_the_aggregates_record() -> None:
    recorded = {
        value
        for aggregate in (
            Conversation,
            PendingAction,
            AutomationSettings,
            OutboundText,
            OutboundAlert,
        )
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, DomainEvent)
    }
    assert recorded >= events.EVERY_EVENT
    # What the followers leave out is deliberate: base classes, never recorded themselves.
    assert {value.__name__ for value in recorded - events.EVERY_EVENT} == {
        "Event",
        "Created",
        "DecisionRecorded",
        "LegacyEvent",
    }


def test_a_stored_event_names_its_class_through_the_mapper_alone() -> None:
    classes = EventClasses.of([events.TextReceived])
    stored = StoredEvent(uuid4(), 1, get_topic(events.TextReceived), b"{}")
    assert classes.class_of(stored) is events.TextReceived
    budget = StoredEvent(uuid4(), 1, get_topic(HourlyBudget.Event), b"{}")
    assert classes.class_of(budget) is None


def test_numbers_are_masked_but_for_the_last_four_digits() -> None:
    assert mask_number("+19025551111") == "+*******1111"
    assert mask_number("902-555-1234") == "******1234"
    assert mask_number("123") == "***"


def test_iso_times_sort_as_the_times_do() -> None:
    early = datetime(2026, 1, 1, 9, 59, 59, 999999, tzinfo=UTC)
    later = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert iso(early) < iso(later)
    assert parse_iso(iso(later)) == later
    halifax = later.astimezone(datetime.now(UTC).astimezone().tzinfo)
    assert iso(halifax) == iso(later)


def test_latency_percentiles_read_the_histogram() -> None:
    assert bucket_of(0.5) == 0
    assert bucket_of(12) == LATENCY_BUCKETS.index(15)
    assert bucket_of(1e9) == len(LATENCY_BUCKETS)
    buckets = [0] * (len(LATENCY_BUCKETS) + 1)
    for seconds in [4] * 90 + [100] * 10:
        buckets[bucket_of(seconds)] += 1
    assert percentile(buckets, 0.5) == 5.0
    assert percentile(buckets, 0.95) == 120.0
    assert percentile([0] * len(buckets), 0.5) is None


def test_a_batch_stages_its_writes_on_a_copy_of_what_is_stored() -> None:
    stored = {"a": {"n": 1}}
    documents = Documents(stored.get)
    found = documents.get("a")
    assert found == {"n": 1}
    found["n"] = 99  # the batch's working copy; the stored document is untouched
    assert stored == {"a": {"n": 1}}
    assert documents.changes == {}  # changed but never put: nothing to write
    documents.put("b", {"n": 2})
    documents.delete("a")
    assert documents.get("a") is None
    assert documents.changes == {"a": None, "b": {"n": 2}}
    assert stored == {"a": {"n": 1}}  # nothing written until the store commits


def test_the_review_queue_shows_waiting_suggestions_with_their_draft() -> None:
    clock = SettableClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    app.ensure_settings(
        {Intent.PRICING: FeatureSettings(mode=FeatureMode.SUGGEST)},
        GlobalSettings(),
        "owner",
        clock.now(),
    )
    store = MemoryProjectionStore()
    projector = Projector(app, store, all_projections())

    def ask(number: int, body: str) -> None:
        app.receive_text(InboundText(f"AC{number}", LINE, ANN, body, clock.now()), clock.now())
        clock.advance(timedelta(seconds=10))
        work = app.begin_processing(ANN_CONVERSATION, clock.now())
        assert isinstance(work, TextToUnderstand)
        understood = Classification(Intent.PRICING, 0.9, ClassificationSource.LOCAL_MODEL)
        app.decide_on_text(ANN_CONVERSATION, understood, work.text, work.through, clock.now())

    ask(1, "how much is an hour")
    projector.catch_up_fully()
    [waiting] = [row.document for row in store.rows("review_queue")]
    assert (waiting["intent"], waiting["reason"], waiting["draft"]) == (
        "pricing",
        "suggest_mode",
        None,  # the demo venue has no pricing answer
    )
    assert waiting["customer"] == "+*******1111"

    usage = LlmUsage("gpt-test", prompt_tokens=200, completion_tokens=30, cost_usd=0.001)
    app.record_suggestion_draft(ANN_CONVERSATION, 1, "An hour is $45.", usage, clock.now())
    ask(2, "and for two people?")
    projector.catch_up_fully()
    drafts = {row.document["number"]: row.document for row in store.rows("review_queue")}
    assert drafts[1]["draft"] == "An hour is $45."
    assert drafts[1]["drafted_by"] == "gpt-test"
    assert set(drafts) == {1, 2}

    app.approve_suggestion(ANN_CONVERSATION, 1, "manager", clock.now())
    app.reject_suggestion(ANN_CONVERSATION, 2, "manager", "asked twice", clock.now())
    projector.catch_up_fully()
    assert store.rows("review_queue") == []
    pricing = next(f for f in read_statistics(store).features if f.intent == "pricing")
    assert (pricing.counters["approved"], pricing.counters["rejected"]) == (1, 1)
    assert pricing.counters["llm_calls"] == 1  # the draft, not the classification
    assert pricing.cost_usd == 0.001
    drafted = [row.document for row in store.rows("audit", where={"event": "SuggestionDrafted"})]
    assert [row["reply"] for row in drafted] == ["An hour is $45."]
