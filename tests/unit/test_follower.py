"""The one way claw follows its log: after a position, decoded once, routed by class.

The dispatcher, the timers and the projector read through ``LogFollower``; an
event the mapper cannot rebuild comes back as ``Unreadable`` of the class it was
recorded as. No module past the mapper routes by a topic or an event's name.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_adapters.projections.events import Unreadable
from claw_adapters.projections.failures import ProjectionFailureLog, ReportState
from claw_adapters.projections.memory import MemoryProjectionStore
from claw_domain import events
from claw_domain.identity import conversation_id
from claw_domain.ports import AlertSeverity
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.values import Classification, ClassificationSource, InboundText, Intent
from claw_entrypoints.bootstrap import effect_ports
from claw_service.application import ClawApplication, TextToUnderstand
from claw_service.dispatcher import UNREADABLE_EFFECT, EffectDispatcher
from claw_service.follower import LogFollower
from fakes.venue import InMemoryVenue

SRC = Path(__file__).resolve().parents[2] / "src"
# The only modules that may name a stored topic or an event by its name: the mapper
# (topics are its business) and the domain, whose @event("Name") decorators and
# events.py name every class once.
ALLOWED = {Path("claw_adapters/persistence/mapper.py")}
ALLOWED_PACKAGES = {"claw_domain"}
LINE = "+19025550000"
ANN = "+19025551111"
HOURS = Classification(Intent.HOURS, 0.95, ClassificationSource.PATTERN)


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if relative in ALLOWED or relative.parts[0] in ALLOWED_PACKAGES:
            continue
        yield relative, ast.parse(path.read_text(), filename=str(path))


def test_nothing_past_the_mapper_routes_by_topic_or_event_name() -> None:
    names = {event_class.__name__ for event_class in events.EVERY_EVENT}
    found = []
    for relative, module in _modules():
        # The library is told which mapper class to use by its topic: not an event's.
        mapper_topics = {
            id(node.func)
            for node in ast.walk(module)
            if isinstance(node, ast.Call)
            and [ast.unparse(argument) for argument in node.args] == ["CattrsMapper"]
        }
        for node in ast.walk(module):
            if id(node) in mapper_topics:
                continue
            if isinstance(node, ast.Attribute) and node.attr == "topic":
                found.append(f"{relative}:{node.lineno} reads .topic")
            elif isinstance(node, ast.Name | ast.Attribute) and (
                getattr(node, "id", None) in {"get_topic", "resolve_topic"}
                or getattr(node, "attr", None) in {"get_topic", "resolve_topic"}
            ):
                found.append(f"{relative}:{node.lineno} makes or parses a topic")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value in names or node.value.startswith("DecidedTo"):
                    found.append(f"{relative}:{node.lineno} names an event: {node.value!r}")
                elif node.value.endswith(tuple(f".{name}" for name in names)):
                    found.append(f"{relative}:{node.lineno} holds a topic: {node.value!r}")
    assert found == []


def test_the_check_above_would_see_a_module_that_routes_by_name(tmp_path: Path) -> None:
    routing = ast.parse(
        "def f(n):\n    if n.topic.endswith('TextReceived'):\n        return 'DecidedToRespond'\n"
    )
    seen = [
        node
        for node in ast.walk(routing)
        if (isinstance(node, ast.Attribute) and node.attr == "topic")
        or (isinstance(node, ast.Constant) and node.value in {"TextReceived", "DecidedToRespond"})
    ]
    assert len(seen) == 3


@pytest.fixture
def app() -> Iterator[ClawApplication]:
    opened = ClawApplication(InMemoryVenue(), env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    opened.ensure_settings(
        {Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO)},
        GlobalSettings(),
        "owner",
        SettableClock().now(),
    )
    yield opened
    opened.close()


def _text(app: ClawApplication, clock: SettableClock, n: int, body: str) -> None:
    customer = f"+1902555{n + 2000:04d}"
    app.receive_text(
        InboundText(f"AC{uuid4().hex}", LINE, customer, body, clock.now()), clock.now()
    )


def _decide(app: ClawApplication, clock: SettableClock, n: int) -> None:
    """The customer's texts, understood as a question about hours and answered."""
    conversation = conversation_id(LINE, f"+1902555{n + 2000:04d}")
    work = app.begin_processing(conversation, clock.now())
    assert isinstance(work, TextToUnderstand)
    app.decide_on_text(conversation, HOURS, work.text, work.through, clock.now())


def _broken(app: ClawApplication, event_class: type) -> int:
    """A stored event of ``event_class`` that no longer decodes; its notification id."""
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=uuid4(),
                originator_version=1,
                topic=get_topic(event_class),
                state=b"{broken",
            )
        ]
    )
    return app.recorder.max_notification_id() or 0


def test_a_follower_reads_only_its_classes_decoded_once_and_says_how_far_it_read(
    app: ClawApplication,
) -> None:
    clock = SettableClock()
    _text(app, clock, 0, "what are your hours")
    _text(app, clock, 1, "and tomorrow?")
    head = app.recorder.max_notification_id() or 0
    follower = LogFollower(app, [events.TextReceived])

    batch = follower.read(0, limit=10)

    assert [type(event.event) for event in batch.events] == [events.TextReceived] * 2
    assert batch.reached == head  # the starts and settings in between were passed over
    assert not follower.read(batch.reached, limit=10).events
    first = follower.read(0, limit=1)
    assert (len(first.events), first.reached) == (1, first.events[0].position)


def test_an_event_that_no_longer_decodes_is_handed_on_as_unreadable_of_its_class(
    app: ClawApplication,
) -> None:
    broken = _broken(app, events.TextReceived)

    [event] = LogFollower(app, [events.TextReceived]).read(0, limit=10).events

    assert event.position == broken
    assert isinstance(event.event, Unreadable)
    assert event.event_class is events.TextReceived
    assert event.name == "TextReceived"


async def _no_sleep(_seconds: float) -> None:
    return None


def test_the_dispatcher_records_an_unreadable_effect_tells_staff_and_goes_on(
    app: ClawApplication,
) -> None:
    """Before: the dispatcher raised on it on every tick, and no reply after it went out."""
    clock = SettableClock()
    staff = MemoryStaff()
    messenger = MemoryMessenger()
    store = MemoryProjectionStore()
    failures = ProjectionFailureLog(store)
    counted: list[tuple[str, str]] = []
    dispatcher = EffectDispatcher(
        app,
        effect_ports(messenger, MemoryDevices(), MemoryDoors(), staff),
        clock,
        sleep=_no_sleep,
        on_effect=lambda effect, outcome: counted.append((effect, outcome)),
        failures=failures,
    )
    broken = _broken(app, events.TextQueued)
    _text(app, clock, 0, "what are your hours")
    clock.advance(timedelta(seconds=10))
    _decide(app, clock, 0)

    while asyncio.run(dispatcher.run_once()):
        pass

    assert dispatcher.position() == app.recorder.max_notification_id()
    assert len(messenger.sent) == 1  # the reply after the broken event still went out
    [alert] = staff.alerts
    assert alert.severity is AlertSeverity.URGENT
    assert f"event {broken} (TextQueued)" in alert.body
    [failure] = failures.recorded()
    assert (failure.projection, failure.position, failure.event) == (
        dispatcher.name,
        broken,
        "TextQueued",
    )
    assert failure.reported is ReportState.SENT
    assert (UNREADABLE_EFFECT, "skipped") in counted
