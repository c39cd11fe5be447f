"""The webhook's group commit: several texts in one write, each judged as if alone.

``ClawApplication.receive_texts`` appends a batch atomically; ``TextIntake``
batches the texts that queue while a write is in progress, and answers each
request only with its own text's outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Tracking

from claw_domain.identity import conversation_id
from claw_domain.settings import GlobalSettings
from claw_domain.values import InboundText
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application
from claw_service.application import ClawApplication, IntakeResult
from claw_service.intake import TextIntake
from fakes.venue import InMemoryVenue

VENUE_LINE = "+19025550000"
ANN = "+19025551111"
BOB = "+19025552222"
AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _app(database_url: str = MEMORY_DATABASE_URL) -> ClawApplication:
    app = construct_application(database_url, InMemoryVenue())
    app.ensure_settings({}, GlobalSettings(), "owner", AT)
    return app


def _text(message_id: str, customer: str, body: str, seconds: int = 0) -> InboundText:
    return InboundText(message_id, VENUE_LINE, customer, body, AT + timedelta(seconds=seconds))


def _bodies(app: ClawApplication, customer: str) -> list[str]:
    return [text.body for text in app.conversation(conversation_id(VENUE_LINE, customer)).inbound]


def test_a_batch_is_judged_text_by_text_and_written_once() -> None:
    app = _app()
    app.receive_text(_text("AC0", ANN, "hello"), AT)
    head = app.recorder.max_notification_id() or 0

    results = app.receive_texts(
        [
            (_text("AC0", ANN, "hello"), AT),  # already stored
            (_text("AC1", ANN, "what are your hours?", 60), AT),
            (_text("AC2", BOB, "gift cards?"), AT),
            (_text("AC2", BOB, "gift cards?"), AT),  # the same delivery twice in one batch
            (_text("AC3", BOB, "gift  cards?", 5), AT),  # its twin, moments later
            (_text("AC4", BOB, "and your hours?", 90), AT),
        ]
    )

    assert [r.accepted for r in results] == [False, True, True, False, False, True]
    assert [r.conversation_id for r in results] == [
        conversation_id(VENUE_LINE, c) for c in (ANN, ANN, BOB, BOB, BOB, BOB)
    ]
    last = app.recorder.max_notification_id()
    # ANN: TextReceived; BOB: ConversationStarted and two TextReceived
    assert last == head + 4
    assert {r.notification_id for r in results if r.accepted} == {last}
    assert all(r.notification_id is None for r in results if not r.accepted)
    assert _bodies(app, ANN) == ["hello", "what are your hours?"]
    assert _bodies(app, BOB) == ["gift cards?", "and your hours?"]


def test_only_duplicates_write_nothing() -> None:
    app = _app()
    app.receive_text(_text("AC0", ANN, "hello"), AT)
    head = app.recorder.max_notification_id()

    results = app.receive_texts([(_text("AC0", ANN, "hello"), AT)])

    assert results == [IntakeResult(accepted=False, conversation_id=results[0].conversation_id)]
    assert app.recorder.max_notification_id() == head


class _Interrupted(ClawApplication):
    """Another writer appends to Ann's conversation just before this one writes."""

    other: ClawApplication

    def _store(self, *aggregates: Aggregate | None, tracking: Tracking | None = None) -> int | None:
        self.other.receive_text(_text("AC-other", ANN, "meanwhile", 30), AT)
        return super()._store(*aggregates, tracking=tracking)


def test_a_conflicting_batch_saves_nothing(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'claw.db'}"
    other = _app(database_url)
    other.receive_text(_text("AC0", ANN, "hello"), AT)
    app = construct_application(database_url, InMemoryVenue(), kind=_Interrupted)
    assert isinstance(app, _Interrupted)
    app.other = other

    with pytest.raises(IntegrityError):
        app.receive_texts(
            [(_text("AC1", BOB, "gift cards?"), AT), (_text("AC2", ANN, "hours?", 60), AT)]
        )

    assert _bodies(other, ANN) == ["hello", "meanwhile"]
    assert conversation_id(VENUE_LINE, BOB) not in other.repository
    app.close()
    other.close()


class _Counting(ClawApplication):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[int] = []
        self.fail_batches: Exception | None = None
        self.fail_alone: set[str] = set()

    def receive_texts(self, arrivals: Sequence[tuple[InboundText, datetime]]) -> list[IntakeResult]:
        self.batches.append(len(arrivals))
        if self.fail_batches is not None and len(arrivals) > 1:
            raise self.fail_batches
        if any(text.message_id in self.fail_alone for text, _ in arrivals):
            msg = "this text cannot be stored"
            raise RuntimeError(msg)
        return super().receive_texts(arrivals)


def _counting() -> _Counting:
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue(), kind=_Counting)
    assert isinstance(app, _Counting)
    app.ensure_settings({}, GlobalSettings(), "owner", AT)
    return app


async def test_texts_arriving_together_share_a_write_and_get_their_own_answers() -> None:
    app = _counting()
    intake = TextIntake(app)
    texts = [_text(f"AC{i}", f"+1902555{i:04d}", "hours?") for i in range(20)]
    texts.append(_text("AC3", "+19025550003", "hours?"))  # a duplicate delivery

    results = await asyncio.gather(*(intake.receive(text, AT) for text in texts))
    await intake.aclose()

    assert [r.accepted for r in results] == [True] * 20 + [False]
    assert results[3].conversation_id == results[20].conversation_id
    assert sum(app.batches) == 21
    assert len(app.batches) < 21  # they queued behind the first write and shared the next
    assert _bodies(app, "+19025550003") == ["hours?"]


async def test_a_failed_batch_is_retried_text_by_text() -> None:
    app = _counting()
    app.fail_batches = IntegrityError("another writer got there first")
    app.fail_alone = {"AC2"}
    intake = TextIntake(app)
    texts = [_text(f"AC{i}", f"+1902555{i:04d}", "hours?") for i in range(5)]

    results = await asyncio.gather(
        *(intake.receive(text, AT) for text in texts), return_exceptions=True
    )
    await intake.aclose()

    assert [type(r).__name__ for r in results] == [
        "IntakeResult",
        "IntakeResult",
        "RuntimeError",
        "IntakeResult",
        "IntakeResult",
    ]
    assert all(r.accepted for r in results if isinstance(r, IntakeResult))
    for i in (0, 1, 3, 4):
        assert _bodies(app, f"+1902555{i:04d}") == ["hours?"]
    assert conversation_id(VENUE_LINE, "+19025550002") not in app.repository
