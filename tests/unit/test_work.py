"""Timers derived from the log: which conversations are due, whatever the interleaving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from claw_adapters.fakes.memory import SettableClock
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.values import Classification, ClassificationSource, InboundText, Intent
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application
from claw_service.application import ClawApplication, TextToUnderstand
from claw_service.work import LogDerivedWork
from fakes.venue import InMemoryVenue

HOURS = Classification(Intent.HOURS, 0.95, ClassificationSource.PATTERN)


def a_claw() -> tuple[ClawApplication, SettableClock]:
    clock = SettableClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    app.ensure_settings(
        {Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO)}, GlobalSettings(), "t", clock.now()
    )
    return app, clock


def texts(app: ClawApplication, clock: SettableClock, number: int, body: str) -> UUID:
    text = InboundText(f"AC{number}", "+19025550000", "+19025554444", body, clock.now())
    return app.receive_text(text, clock.now()).conversation_id


def test_a_text_that_arrives_while_the_previous_is_decided_stays_due() -> None:
    app, clock = a_claw()
    work = LogDerivedWork(app, debounce_seconds=0)
    conversation = texts(app, clock, 1, "what are your hours")
    first = app.begin_processing(conversation, clock.now())
    assert isinstance(first, TextToUnderstand)
    app.decide_on_text(conversation, HOURS, first.text, first.through, clock.now())

    clock.advance(timedelta(minutes=5))
    texts(app, clock, 2, "and on sunday?")
    second = app.begin_processing(conversation, clock.now())
    assert isinstance(second, TextToUnderstand)
    clock.advance(timedelta(seconds=20))
    texts(app, clock, 3, "also do you rent clubs")  # arrives while the second is decided
    app.decide_on_text(conversation, HOURS, second.text, second.through, clock.now())

    work.catch_up()
    # The debounce counts from when the store recorded the text, on the wall clock.
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert work.due_conversations(later) == [conversation]
    assert app.conversation(conversation).unprocessed()[0].body == "also do you rent clubs"


def test_a_restart_derives_the_same_timers_from_the_log() -> None:
    app, clock = a_claw()
    conversation = texts(app, clock, 1, "hours?")
    before = LogDerivedWork(app, debounce_seconds=3)
    before.catch_up()

    after_restart = LogDerivedWork(app, debounce_seconds=3)
    after_restart.catch_up()

    recorded = datetime.now(UTC)
    too_soon, due = recorded - timedelta(seconds=1), recorded + timedelta(seconds=4)
    assert after_restart.due_conversations(too_soon) == before.due_conversations(too_soon) == []
    assert after_restart.due_conversations(due) == before.due_conversations(due) == [conversation]
