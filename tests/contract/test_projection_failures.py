"""A projection never stops the world: the event it cannot fold is recorded, reported
once and skipped, and every projection keeps advancing. On every backend.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from claw_adapters.fakes.memory import MemoryStaff, SettableClock
from claw_adapters.persistence.database import parse_database_url
from claw_adapters.projections.backends import open_projection_store
from claw_adapters.projections.base import Fold, Projection
from claw_adapters.projections.catalogue import all_projections
from claw_adapters.projections.events import RecordedEvent
from claw_adapters.projections.failures import ProjectionFailure, ReportState
from claw_adapters.projections.store import Documents, ProjectionStore
from claw_domain.identity import conversation_id
from claw_domain.settings import GlobalSettings
from claw_domain.values import InboundText
from claw_entrypoints.bootstrap import construct_application
from claw_service.application import ClawApplication
from claw_service.projector import Projector
from claw_service.read_side_alarm import ReadSideAlarm
from fakes.venue import InMemoryVenue

LINE = "+19025550000"
DEBOUNCE = 8.0
BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/claw.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def app(database_url: str) -> Iterator[ClawApplication]:
    opened = construct_application(database_url, InMemoryVenue())
    opened.ensure_settings({}, GlobalSettings(), "owner", datetime.now(UTC))
    yield opened
    opened.close()


@pytest.fixture
def store(database_url: str) -> Iterator[ProjectionStore]:
    opened = open_projection_store(parse_database_url(database_url))
    yield opened
    opened.close()


class Faulty:
    """Wraps a projection and fails on one event, as a bug in a projection would."""

    def __init__(self, inner: Projection, fail_at: int) -> None:
        self.inner = inner
        self.fail_at = fail_at
        self.name = inner.name
        self.folds: Mapping[type, Fold] = {
            event_class: functools.partial(self._fold, fold)
            for event_class, fold in inner.folds.items()
        }

    def _fold(self, fold: Fold, event: RecordedEvent, documents: Documents) -> None:
        if event.position == self.fail_at:
            msg = "projection bug\nsecond line quoting 'a customer text'"
            raise RuntimeError(msg)
        fold(event, documents)


def texts(app: ClawApplication, *bodies: str) -> list[int]:
    """One text per customer; the notification id of each text's write."""
    clock = SettableClock()
    positions = []
    for n, body in enumerate(bodies):
        customer = f"+1902555{n + 1000:04d}"
        text = InboundText(f"AC{uuid4().hex}", LINE, customer, body, clock.now())
        result = app.receive_text(text, clock.now())
        assert result.notification_id is not None
        positions.append(result.notification_id)
        clock.advance(timedelta(seconds=30))
    return positions


def text_then_broken_copy(app: ClawApplication) -> int:
    """A text, then an event of the same class that no longer decodes; its position."""
    before = texts(app, "hours?")
    topic = app.recorder.select_notifications(start=before[0], limit=1)[0].topic
    app.recorder.insert_events(
        [StoredEvent(originator_id=uuid4(), originator_version=1, topic=topic, state=b"{broken")]
    )
    return head(app)


def head(app: ClawApplication) -> int:
    return app.recorder.max_notification_id() or 0


def texts_shown(store: ProjectionStore, n: int) -> int:
    """How many texts the conversations projection shows for the n-th customer."""
    row = store.get("conversations", str(conversation_id(LINE, f"+1902555{n + 1000:04d}")))
    assert row is not None
    return int(row["texts"])


def faulty_projector(
    app: ClawApplication, store: ProjectionStore, fail_at: int, seen: list[ProjectionFailure]
) -> Projector:
    projections = [
        Faulty(p, fail_at) if p.name == "conversations" else p for p in all_projections()
    ]
    return Projector(app, store, projections, on_failure=seen.append)


def test_a_projection_that_raises_on_one_event_records_it_once_and_moves_on(
    app: ClawApplication, store: ProjectionStore
) -> None:
    positions = texts(app, "what are your hours", "is the bar open", "gift cards?")
    seen: list[ProjectionFailure] = []
    projector = faulty_projector(app, store, positions[1], seen)

    projector.catch_up_fully()

    assert set(projector.positions().values()) == {head(app)}
    assert [texts_shown(store, n) for n in range(3)] == [1, 0, 1]  # the skipped text
    recorded = projector.failures.recorded()
    assert [(f.projection, f.position, f.event, f.reason) for f in recorded] == [
        ("conversations", positions[1], "TextReceived", "RuntimeError: projection bug")
    ]
    assert seen == recorded

    # Another process meets the same event, and a rebuild does too: still recorded once.
    texts(app, "one more")
    other = faulty_projector(app, store, positions[1], seen)
    other.catch_up_fully()
    other.rebuild("conversations")
    assert set(other.positions().values()) == {head(app)}
    assert len(other.failures.recorded()) == 1
    assert len(seen) == 1


def test_a_rebuild_skips_a_failing_event_records_it_and_finishes(
    app: ClawApplication, store: ProjectionStore
) -> None:
    positions = texts(app, "hours?", "door code", "thanks")
    Projector(app, store, all_projections()).catch_up_fully()
    seen: list[ProjectionFailure] = []

    report = faulty_projector(app, store, positions[2], seen).rebuild()

    assert "conversations" in report.projections
    assert store.position("conversations") == head(app)
    assert [texts_shown(store, n) for n in range(3)] == [1, 1, 0]
    assert [(f.projection, f.position) for f in seen] == [("conversations", positions[2])]


def test_an_event_that_no_longer_decodes_is_skipped_by_every_projection_reading_it(
    app: ClawApplication, store: ProjectionStore
) -> None:
    broken = text_then_broken_copy(app)
    after = texts(app, "is the bar open")
    seen: list[ProjectionFailure] = []
    projector = Projector(app, store, all_projections(), on_failure=seen.append)

    projector.catch_up_fully()

    assert set(projector.positions().values()) == {head(app)}
    assert seen
    assert {f.position for f in seen} == {broken}
    assert len({f.projection for f in seen}) == len(seen)  # once per projection
    assert after[0] > broken
    assert texts_shown(store, 0) == 2  # both texts, either side of the broken event


@pytest.mark.postgres
def test_a_nul_stored_before_the_fix_is_shown_without_it_on_postgres(postgres_url: str) -> None:
    app = construct_application(postgres_url, InMemoryVenue())
    store = open_projection_store(parse_database_url(postgres_url))
    try:
        # As the intake recorded it before texts were cleaned at the boundary.
        texts(app, "hello\u0000 what are your hours?", "is the bar open")
        seen: list[ProjectionFailure] = []
        projector = Projector(app, store, all_projections(), on_failure=seen.append)

        projector.catch_up_fully()

        assert set(projector.positions().values()) == {head(app)}
        assert seen == []
        row = store.get("conversations", str(conversation_id(LINE, "+19025551000")))
        assert row is not None
        assert row["last_text"] == "hello what are your hours?"
        assert texts_shown(store, 1) == 1
    finally:
        store.close()
        app.close()


def test_staff_hear_of_each_skipped_event_once_even_from_two_processes(
    app: ClawApplication, store: ProjectionStore
) -> None:
    positions = texts(app, "hours?", "door")
    staff = MemoryStaff()
    counted: list[str] = []
    projector = faulty_projector(app, store, positions[0], [])
    alarms = [ReadSideAlarm(app, projector.failures, staff, count=counted.append) for _ in range(2)]
    projector.on_failure = alarms[0].recorded

    projector.catch_up_fully()
    reported = [asyncio.run(alarm.report()) for alarm in alarms]
    reported += [asyncio.run(alarm.report()) for alarm in alarms]

    assert sum(reported) == 1
    assert counted == ["conversations"]
    assert len(staff.alerts) == 1
    assert f"conversations skipped event {positions[0]} (TextReceived)" in staff.alerts[0].body
    assert [f.reported for f in projector.failures.recorded()] == [ReportState.SENT]


def test_the_emergency_stop_holds_the_report_until_it_is_released(
    app: ClawApplication, store: ProjectionStore
) -> None:
    positions = texts(app, "hours?")
    app.engage_emergency_stop("owner", "drill", datetime.now(UTC))
    staff = MemoryStaff()
    projector = faulty_projector(app, store, positions[0], [])
    alarm = ReadSideAlarm(app, projector.failures, staff, look_every_seconds=0)

    projector.catch_up_fully()
    asyncio.run(alarm.report())

    assert staff.alerts == []
    assert [f.reported for f in projector.failures.recorded()] == [ReportState.PENDING]

    app.release_emergency_stop("owner", "drill over", datetime.now(UTC))
    asyncio.run(alarm.report())
    asyncio.run(alarm.report())

    assert len(staff.alerts) == 1
    assert [f.reported for f in projector.failures.recorded()] == [ReportState.SENT]


class Blip:
    """The store, with the connection dropping under one projection's next two commits."""

    def __init__(self, inner: ProjectionStore, projection: str) -> None:
        self.inner = inner
        self.projection = projection
        self.drops = 2

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def commit(self, projection: str, changes: Any, *, expected: int, position: int) -> None:
        if projection == self.projection and self.drops:
            self.drops -= 1
            msg = "database is locked"
            raise sqlite3.OperationalError(msg)
        self.inner.commit(projection, changes, expected=expected, position=position)


def test_a_database_blip_is_retried_never_recorded_or_skipped(
    app: ClawApplication, store: ProjectionStore
) -> None:
    texts(app, "hours?", "door code")
    seen: list[ProjectionFailure] = []
    blip = Blip(store, "conversations")
    projector = Projector(app, blip, all_projections(), on_failure=seen.append)  # type: ignore[arg-type]

    for _drop in range(2):
        with pytest.raises(sqlite3.OperationalError):
            projector.catch_up_fully()
    projector.catch_up_fully()

    assert set(projector.positions().values()) == {head(app)}
    assert seen == []
    assert projector.failures.recorded() == []
    assert [texts_shown(store, n) for n in range(2)] == [1, 1]


def test_a_rebuild_passes_over_an_event_that_no_longer_decodes_in_one_pass(
    app: ClawApplication, store: ProjectionStore
) -> None:
    broken = text_then_broken_copy(app)
    texts(app, "is the bar open")
    seen: list[ProjectionFailure] = []

    report = Projector(app, store, all_projections(), on_failure=seen.append).rebuild()

    assert set(report.projections) == {p.name for p in all_projections()}
    assert {store.position(name) for name in report.projections} == {head(app)}
    assert {f.position for f in seen} == {broken}
    assert texts_shown(store, 0) == 2  # both texts, either side of the broken event
