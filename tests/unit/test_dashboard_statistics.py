"""The owner's dashboard numbers, folded from the log by the statistics projection."""

from __future__ import annotations

from datetime import timedelta

from claw_adapters.fakes.memory import SettableClock
from claw_adapters.projections.catalogue import all_projections
from claw_adapters.projections.memory import MemoryProjectionStore
from claw_adapters.projections.statistics import read_dashboard
from claw_domain.identity import conversation_id
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.values import (
    Classification,
    ClassificationSource,
    InboundText,
    Intent,
    LlmUsage,
)
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application
from claw_service.application import ClawApplication, TextToUnderstand
from claw_service.projector import Projector
from fakes.venue import InMemoryVenue

LINE = "+19025550000"
ANN, BOB = "+19025551111", "+19025552222"
QUESTIONS = {Intent.HOURS: "when are you open", Intent.PRICING: "how much is an hour"}


def ask(app: ClawApplication, clock: SettableClock, who: str, n: int, intent: Intent,
        usage: LlmUsage | None = None) -> None:  # fmt: skip
    conversation = conversation_id(LINE, who)
    app.receive_text(InboundText(f"AC{n}", LINE, who, QUESTIONS[intent], clock.now()), clock.now())
    clock.advance(timedelta(seconds=3))  # the debounce wait
    work = app.begin_processing(conversation, clock.now())
    assert isinstance(work, TextToUnderstand)
    clock.advance(timedelta(seconds=1))  # reading it, the language model included
    understood = Classification(intent, 0.95, ClassificationSource.LOCAL_MODEL, llm_usage=usage)
    app.decide_on_text(conversation, understood, work.text, work.through, clock.now())


def send_everything(app: ClawApplication, clock: SettableClock, who: str) -> None:
    conv = app.conversation(conversation_id(LINE, who))
    clock.advance(timedelta(seconds=1))
    for text in app.texts_of(conv):
        if text.is_queued:
            app.record_text_sent(text.id, f"AC-out-{text.id}", clock.now(), None)


def test_the_dashboard_numbers_per_feature_after_answers_a_correction_and_a_review() -> None:
    clock = SettableClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    app.ensure_settings(
        {
            Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO, confidence_threshold=0.5),
            Intent.PRICING: FeatureSettings(mode=FeatureMode.SUGGEST),
        },
        GlobalSettings(),
        "owner",
        clock.now(),
    )
    store = MemoryProjectionStore()
    projector = Projector(app, store, all_projections())

    # Ann: an automatic answer, 5 s after her text (1 s of it claw's own reading), and
    # then a staff member writes to her by hand: a correction.
    ask(app, clock, ANN, 1, Intent.HOURS)
    send_everything(app, clock, ANN)
    clock.advance(timedelta(minutes=2))
    app.record_outbound_text(
        LINE, ANN, "AC-staff-1", "Actually we close at 10 tonight.", clock.now()
    )
    # Bob: an automatic answer nobody corrects, his classification paid for by the LLM.
    usage = LlmUsage(
        "gpt-test", prompt_tokens=100, completion_tokens=10, cost_usd=0.002, latency_ms=500
    )
    ask(app, clock, BOB, 2, Intent.HOURS, usage)
    send_everything(app, clock, BOB)
    # Bob then asks about prices: a suggestion, approved unedited.
    ask(app, clock, BOB, 3, Intent.PRICING)
    bob = conversation_id(LINE, BOB)
    draft_usage = LlmUsage("gpt-test", prompt_tokens=50, completion_tokens=10, cost_usd=0.001)
    app.record_suggestion_draft(bob, 2, "An hour is $45.", draft_usage, clock.now())
    app.approve_suggestion(bob, 2, "manager", clock.now())
    projector.catch_up_fully()

    dashboard = read_dashboard(store)
    hours = dashboard["features"]["hours"]["numbers"]
    assert hours["answered_automatically"] == 2
    assert hours["answer_accuracy"] == 0.5  # Ann's answer was corrected by staff
    assert hours["llm_avoided"] == 0.5
    assert hours["llm_calls"] == 1
    assert hours["llm_cost_usd"] == 0.002
    assert hours["response_p50_seconds"] == 5  # receipt to reply, in the 5 s bucket
    # After the debounce wait: from the decision, less the language model's 0.5 s for Bob.
    assert (hours["work_p50_seconds"], hours["work_p95_seconds"]) == (1, 2)
    pricing = dashboard["features"]["pricing"]["numbers"]
    assert (pricing["suggested"], pricing["suggestions_approved_unedited"]) == (1, 1.0)
    overall = dashboard["overall"]["numbers"]
    assert (overall["answered_automatically"], overall["suggested"], overall["escalated"]) == (
        2,
        1,
        0,
    )
    [today] = dashboard["days"]
    [point] = dashboard["overall"]["days"]
    assert point["day"] == today
    assert point["answered_automatically"] == 2
    assert point["answer_accuracy"] == 0.5
    assert point["llm_cost_usd"] == 0.003  # the classification and the draft


def test_a_rebuild_folds_the_days_to_the_same_numbers() -> None:
    clock = SettableClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    app.ensure_settings(
        {Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO, confidence_threshold=0.5)},
        GlobalSettings(),
        "owner",
        clock.now(),
    )
    store = MemoryProjectionStore()
    projector = Projector(app, store, all_projections())
    for n in range(3):
        ask(app, clock, ANN, n, Intent.HOURS)
        send_everything(app, clock, ANN)
        clock.advance(timedelta(days=1))
        projector.catch_up_fully()
    before = read_dashboard(store)
    assert len(before["days"]) == 3
    rebuilt = MemoryProjectionStore()
    Projector(app, rebuilt, all_projections()).catch_up_fully()
    assert read_dashboard(rebuilt) == before
