"""The persistence contract: claw's event store behaves the same on SQLite and PostgreSQL.

Every test here runs once per backend, with the application built exactly as
production builds it: from a ``CLAW_DATABASE_URL`` through ``parse_database_url``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Tracking

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_adapters.persistence.database import parse_database_url
from claw_domain.conversation import Conversation
from claw_domain.decisions import DecisionKind
from claw_domain.errors import ConfigurationError
from claw_domain.identity import conversation_id
from claw_domain.outbox import Cause, HoldReason, OutboundText, ReplyStatus
from claw_domain.pending_action import ActionStatus
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings, QuietHours
from claw_domain.values import (
    Classification,
    ClassificationSource,
    Entities,
    InboundText,
    Intent,
)
from claw_entrypoints.bootstrap import effect_ports
from claw_service.application import ClawApplication, Outcome, TextToUnderstand
from claw_service.dispatcher import DISPATCHER_NAME, EffectDispatcher
from claw_service.history import conversation_history
from fakes.venue import InMemoryVenue

VENUE_LINE = "+19025550000"
CUSTOMER = "+19025551111"
CONVERSATION = conversation_id(VENUE_LINE, CUSTOMER)
RESET_BOX_2 = Classification(
    Intent.TRACKMAN_RESET, 0.95, ClassificationSource.PATTERN, Entities("bedford", 2)
)
HOURS = Classification(Intent.HOURS, 0.97, ClassificationSource.PATTERN)
FEATURES = {
    Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO),
    Intent.TRACKMAN_RESET: FeatureSettings(mode=FeatureMode.AUTO, requires_confirmation=True),
}

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


class KeepingClaw(ClawApplication):
    """Remembers the live aggregates and the events it saved, to compare with what is read back."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.live: dict[UUID, Aggregate] = {}
        self.saved_events: list[Any] = []

    def _store(self, *aggregates: Aggregate | None, tracking: Tracking | None = None) -> int | None:
        for aggregate in aggregates:
            if aggregate is not None:
                self.live[aggregate.id] = aggregate
                self.saved_events.extend(aggregate.pending_events)
        return super()._store(*aggregates, tracking=tracking)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/claw.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


OpenApp = Callable[..., KeepingClaw]


@pytest.fixture
def open_app() -> Iterator[OpenApp]:
    """Opens applications the way production does; closes them all afterwards."""
    opened: list[KeepingClaw] = []

    def open_(url: str, venue: InMemoryVenue | None = None) -> KeepingClaw:
        env = parse_database_url(url).eventsourcing_env()
        app = KeepingClaw(venue or InMemoryVenue(), env=env)
        opened.append(app)
        return app

    yield open_
    for app in opened:
        app.close()


class Story:
    """One venue on one database: a clock, the memory ports and a dispatcher."""

    def __init__(self, app: KeepingClaw) -> None:
        self.app = app
        self.clock = SettableClock()
        self.messenger = MemoryMessenger()
        self.devices = MemoryDevices()
        self.dispatcher = EffectDispatcher(
            app,
            effect_ports(self.messenger, self.devices, MemoryDoors(), MemoryStaff()),
            self.clock,
            sleep=_no_sleep,
        )
        self.count = 0

    def settings_are_initialised(self) -> None:
        self.app.ensure_settings(FEATURES, GlobalSettings(), "test", self.clock.now())

    def text(self, body: str, message_id: str | None = None) -> bool:
        self.count += 1
        inbound = InboundText(
            message_id=message_id or f"AC{self.count}",
            venue_line=VENUE_LINE,
            customer_number=CUSTOMER,
            body=body,
            sent_at=self.clock.now(),
        )
        return self.app.receive_text(inbound, self.clock.now()).accepted

    def process(self, classification: Classification | None = None) -> Outcome:
        work = self.app.begin_processing(CONVERSATION, self.clock.now())
        if isinstance(work, TextToUnderstand):
            assert classification is not None, f"claw needs a classification for {work.text!r}"
            return self.app.decide_on_text(
                CONVERSATION, classification, work.text, work.through, self.clock.now()
            )
        return work

    def dispatch_until_quiet(self) -> None:
        for _ in range(5):
            if asyncio.run(self.dispatcher.run_once()) == 0:
                return
        pytest.fail("the dispatcher never caught up")

    def full_reset_conversation(self) -> None:
        self.settings_are_initialised()
        self.text("trackman frozen box 2")
        asked = self.process(RESET_BOX_2)
        assert asked.decision is not None
        assert asked.decision.kind is DecisionKind.REQUEST_CONFIRMATION
        self.clock.advance(timedelta(seconds=30))
        self.text("yes")
        confirmed = self.process()
        assert confirmed.decision is not None
        assert confirmed.decision.kind is DecisionKind.EXECUTE
        self.dispatch_until_quiet()


async def _no_sleep(_seconds: float) -> None:
    return None


def _state(aggregate: Aggregate) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


# A full conversation, stored and read back --------------------------------------------


def test_a_full_conversation_reloads_to_the_same_state(
    database_url: str, open_app: OpenApp
) -> None:
    story = Story(open_app(database_url))
    story.full_reset_conversation()

    assert story.devices.resets == ["102"]
    assert [body for _to, body in story.messenger.sent][-1].startswith("Restarting")
    reopened = open_app(database_url)
    # Settings, conversation, pending action, hourly budget, and two texts in the outbox:
    # the confirmation question and "restarting now".
    assert len(story.app.live) == 6
    for aggregate_id, live in story.app.live.items():
        assert _state(reopened.repository.get(aggregate_id)) == _state(live)


def test_events_read_back_through_the_mapper_equal_the_originals(
    database_url: str, open_app: OpenApp
) -> None:
    story = Story(open_app(database_url))
    story.full_reset_conversation()

    notifications = story.app.recorder.select_notifications(start=1, limit=10_000)
    read_back = [story.app.mapper.to_domain_event(n) for n in notifications]
    assert read_back == story.app.saved_events


def test_many_streams_read_in_one_call_equal_their_streams_read_one_by_one(
    database_url: str, open_app: OpenApp
) -> None:
    story = Story(open_app(database_url))
    story.full_reset_conversation()
    reopened = open_app(database_url)
    ids = list(story.app.live)
    missing = OutboundText.create_id(CONVERSATION, Cause.decision(999))

    streams = reopened.read_streams([*ids, missing, ids[0]])

    assert set(streams) == set(ids)  # a stream that was never written is left out
    for aggregate_id in ids:
        one_by_one = list(reopened.events.get(aggregate_id))
        assert streams[aggregate_id] == one_by_one


def test_a_conversations_texts_and_alerts_are_found_through_their_causes(
    database_url: str, open_app: OpenApp
) -> None:
    story = Story(open_app(database_url))
    story.full_reset_conversation()
    reopened = open_app(database_url)
    conversation = reopened.conversation(CONVERSATION)

    texts = reopened.texts_of(conversation)

    assert [text.id for text in texts] == sorted(
        (a.id for a in story.app.live.values() if isinstance(a, OutboundText)),
        key=lambda id_: reopened.outbound_text(id_).queued_at,
    )
    assert set(reopened.outbox_streams(conversation)) == {text.id for text in texts}


def test_notification_ids_increase_and_page(database_url: str, open_app: OpenApp) -> None:
    story = Story(open_app(database_url))
    story.full_reset_conversation()
    recorder = story.app.recorder

    everything = recorder.select_notifications(start=1, limit=10_000)
    ids = [n.id for n in everything]
    assert ids == sorted(set(ids))
    paged: list[int] = []
    start = 1
    while page := recorder.select_notifications(start=start, limit=3):
        assert len(page) <= 3
        paged.extend(n.id for n in page)
        start = page[-1].id + 1
    assert paged == ids


# Intake -------------------------------------------------------------------------------


def test_a_duplicate_inbound_text_is_dropped(database_url: str, open_app: OpenApp) -> None:
    story = Story(open_app(database_url))
    story.settings_are_initialised()

    assert story.text("what are your hours", message_id="AC-received")
    assert not story.text("what are your hours", message_id="AC-received")
    # OpenPhone's twin: same text, same sender, another id, moments later.
    story.clock.advance(timedelta(seconds=5))
    assert not story.text("What are your hours", message_id="AC-created")

    reopened = open_app(database_url)
    assert [t.message_id for t in reopened.conversation(CONVERSATION).inbound] == ["AC-received"]


# Concurrency --------------------------------------------------------------------------


def test_a_stale_writer_conflicts(database_url: str, open_app: OpenApp) -> None:
    first = Story(open_app(database_url))
    first.settings_are_initialised()
    first.text("hello")
    second = open_app(database_url)

    mine = first.app.conversation(CONVERSATION)
    theirs = second.conversation(CONVERSATION)
    mine.record_feedback(positive=True, at=first.clock.now())
    theirs.record_feedback(positive=False, at=first.clock.now())
    first.app.save(mine)

    with pytest.raises(IntegrityError):
        second.save(theirs)
    assert open_app(database_url).consecutive_failures(CONVERSATION) == 0


class InterruptingVenue(InMemoryVenue):
    """Lets another worker write to the conversation while claw is deciding, once."""

    interrupt: Callable[[], None] | None = None

    def answer(self, intent: Intent, entities: Entities) -> str | None:
        if self.interrupt is not None:
            interrupt, self.interrupt = self.interrupt, None
            interrupt()
        return super().answer(intent, entities)


def test_a_use_case_retries_after_a_conflict(database_url: str, open_app: OpenApp) -> None:
    venue = InterruptingVenue()
    deciding = Story(open_app(database_url, venue))
    deciding.settings_are_initialised()
    deciding.text("what are your hours")
    other_worker = Story(open_app(database_url))
    other_worker.count = 100
    venue.interrupt = lambda: other_worker.text("also do you sell gift cards")

    outcome = deciding.process(HOURS)

    assert venue.interrupt is None  # the other worker did write in between
    assert outcome.decision is not None
    assert outcome.decision.kind is DecisionKind.RESPOND
    conversation = open_app(database_url).conversation(CONVERSATION)
    assert [t.body for t in conversation.inbound] == [
        "what are your hours",
        "also do you sell gift cards",
    ]
    assert conversation.decision_count == 1
    # The retried command found its text already keyed by the decision: one, not two.
    assert [t.body for t in open_app(database_url).texts_of(conversation)] == ["We're open 24/7."]


# The dispatcher's position ------------------------------------------------------------


def test_the_dispatcher_position_is_stored_with_its_outcomes(
    database_url: str, open_app: OpenApp
) -> None:
    story = Story(open_app(database_url))
    story.full_reset_conversation()

    last = story.app.recorder.max_notification_id()
    assert story.app.process_recorder.max_tracking_id(DISPATCHER_NAME) == last
    assert story.dispatcher.position() == last


def test_an_outcome_that_fails_to_save_does_not_move_the_position(
    database_url: str, open_app: OpenApp
) -> None:
    story = Story(open_app(database_url))
    story.settings_are_initialised()
    story.text("what are your hours")
    story.process(HOURS)
    position_before = story.app.process_recorder.max_tracking_id(DISPATCHER_NAME)
    answer = OutboundText.create_id(CONVERSATION, Cause.decision(1))
    stale = story.app.outbound_text(answer)
    # Another writer moves the text on first.
    story.app.withhold_text(answer, HoldReason.EMERGENCY_STOP, story.clock.now(), None)

    stale.record_sent("PN-1", story.clock.now())
    last = story.app.recorder.max_notification_id()
    assert last is not None
    with pytest.raises(IntegrityError):
        story.app.events.put(
            stale.collect_events(),
            tracking=Tracking(application_name=DISPATCHER_NAME, notification_id=last),
        )

    assert story.app.process_recorder.max_tracking_id(DISPATCHER_NAME) == position_before
    assert story.app.outbound_text(answer).status is ReplyStatus.WITHHELD


# Opening a database -------------------------------------------------------------------


def test_a_fresh_sqlite_file_is_created_with_its_folder(tmp_path: Path, open_app: OpenApp) -> None:
    path = tmp_path / "var" / "claw" / "venue.db"
    app = open_app(f"sqlite:///{path}")
    Story(app).settings_are_initialised()

    assert path.is_file()
    assert app.settings().version == 1


def test_a_reopened_application_sees_everything(database_url: str, open_app: OpenApp) -> None:
    story = Story(open_app(database_url))
    story.full_reset_conversation()
    quiet = GlobalSettings(quiet_hours=QuietHours(start=time(23), end=time(6)))
    story.app.change_globals(quiet, "owner", story.clock.now())
    everything = story.app.recorder.select_notifications(start=1, limit=10_000)
    position = story.dispatcher.position()
    story.app.close()

    reopened = open_app(database_url)

    assert reopened.settings().globals == quiet
    conversation = reopened.conversation(CONVERSATION)
    assert isinstance(conversation, Conversation)
    assert [t.body for t in conversation.inbound] == ["trackman frozen box 2", "yes"]
    texts = reopened.texts_of(conversation)
    assert texts
    assert all(t.status is ReplyStatus.SENT for t in texts)
    (action_id,) = conversation_history(reopened, CONVERSATION).action_ids
    action = reopened.pending_action(action_id)
    assert action.status is ActionStatus.SUCCEEDED
    assert reopened.recorder.select_notifications(start=1, limit=10_000) == everything
    assert reopened.process_recorder.max_tracking_id(DISPATCHER_NAME) == position


# Bad URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("", "sqlite:///path/claw.db"),
        ("claw.db", "sqlite:///path/claw.db"),
        ("mysql://claw@db/claw", "postgresql://"),
        ("sqlite://", "names no file"),
        ("sqlite:///", "names no file"),
        ("postgresql://claw@db", "add /dbname"),
        ("postgresql://claw@db:port/claw", "port"),
    ],
)
def test_a_bad_database_url_gives_a_one_line_error(url: str, hint: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_database_url(url)

    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("CLAW_DATABASE_URL=")
    assert hint in message


@pytest.mark.parametrize(
    "url", ["postgresql://claw:s3cret@db", "mysql://claw:s3cret@db/claw", "pg://claw:s3cret@db/x"]
)
def test_a_bad_database_url_error_never_shows_the_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_database_url(url)

    assert "s3cret" not in str(raised.value)
