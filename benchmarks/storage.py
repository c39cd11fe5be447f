"""In-process measures on the database ``claw serve`` just filled.

* the raw eventsourcing append rate: a bare library ``Application`` with a
  trivial aggregate, one event per save, on the same engine and settings;
* projection rebuild (``Projector.rebuild``) against the library's own
  read-and-decode rate (``select_notifications`` + ``mapper.to_domain_event``)
  over the same events;
* the audit replay of a 1,000-event conversation (``audit.timeline``).

Measures that are compared are taken back to back, alternating, so a noisy
neighbour hurts both sides of a ratio alike.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from benchmarks.common import Database, bench_venue_file, median
from claw_adapters.clock import SystemClock
from claw_adapters.knowledge import load_venue_knowledge
from claw_adapters.persistence.database import parse_database_url
from claw_adapters.projections.backends import open_projection_store
from claw_adapters.projections.catalogue import all_projections
from claw_domain.identity import conversation_id
from claw_domain.values import InboundText
from claw_entrypoints.bootstrap import build_understanding, open_application
from claw_entrypoints.config import load_config
from claw_service.application import ClawApplication
from claw_service.audit import timeline
from claw_service.processor import ConversationProcessor
from claw_service.projector import DEFAULT_BATCH, Projector

READ_BATCH = DEFAULT_BATCH  # the projector's batch, so both sides read alike


class Tick(Aggregate):
    """The least an aggregate can be: created, nothing else."""


class RawAppend(Application[UUID]):
    name = "rawappend"
    env = {"IS_SNAPSHOTTING_ENABLED": "n"}  # noqa: RUF012 - the library reads it


def raw_append_rate(database: Database, seconds: float, max_saves: int) -> float:
    """Saves per second of one new one-event aggregate each, sequentially, for ``seconds``."""
    env = parse_database_url(database.sibling_url("rawappend")).eventsourcing_env()
    app = RawAppend(env=env)
    try:
        app.save(Tick())  # tables, connection and statement caches warm
        saves = 0
        began = time.perf_counter()
        stop_at = began + seconds
        while saves < max_saves and time.perf_counter() < stop_at:
            app.save(Tick())
            saves += 1
        return saves / (time.perf_counter() - began)
    finally:
        app.close()


def raw_read_rate(app: ClawApplication) -> tuple[int, float]:
    """The library alone: read every notification in batches and decode each event."""
    last = app.recorder.max_notification_id() or 0
    position = read = 0
    began = time.perf_counter()
    while position < last:
        notifications = app.recorder.select_notifications(
            start=position + 1, limit=READ_BATCH, stop=last
        )
        if not notifications:
            break
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        position, read = notifications[-1].id, read + len(notifications)
    seconds = time.perf_counter() - began
    return read, read / seconds if seconds > 0 else float("nan")


def _timed(function: Callable[[], Any]) -> float:
    began = time.perf_counter()
    function()
    return time.perf_counter() - began


def rebuild_and_read(env: Mapping[str, str], runs: int) -> dict[str, Any]:
    config = load_config(env)
    app = open_application(config)
    store = open_projection_store(config.database)
    try:
        projector = Projector(app, store, all_projections())
        rebuilds: list[float] = []
        reads: list[float] = []
        events = 0
        for _ in range(runs):
            events, rate = raw_read_rate(app)
            reads.append(rate)
            report = projector.rebuild()
            rebuilds.append(report.events_per_second)
        ratios = [r / w for r, w in zip(rebuilds, reads, strict=True)]
        return {
            "log_events": events,
            "rebuild_events_per_s": median(rebuilds),
            "raw_read_events_per_s": median(reads),
            "rebuild_ratio_to_raw_read": median(ratios),
        }
    finally:
        store.close()
        app.close()


# The audit replay --------------------------------------------------------------------------

AUDIT_CUSTOMER = "+19027990001"
AUDIT_QUESTIONS = (
    "what are your hours?",
    "Do you sell gift cards?",
    "how much is a bay for an hour",
    "can I bring my own clubs",
    "thanks!",
)


async def _long_conversation(app: ClawApplication, target_events: int) -> tuple[UUID, int]:
    """One customer texting until the conversation holds ``target_events`` events.

    Built through the use cases (receive, understand, decide) as the worker does;
    the clock steps a minute per text so no text is a twin of the one before.
    """
    knowledge = load_venue_knowledge(None)
    processor = ConversationProcessor(app, build_understanding(knowledge, None), SystemClock())
    venue_line = "+19025550100"
    conversation = conversation_id(venue_line, AUDIT_CUSTOMER)
    at = datetime.now(UTC) - timedelta(days=30)
    for index in range(target_events):  # at least one event per text: bounded
        at += timedelta(minutes=1)
        body = f"{AUDIT_QUESTIONS[index % len(AUDIT_QUESTIONS)]} ({index})"
        text = InboundText(f"ACbenchaudit{index:06d}", venue_line, AUDIT_CUSTOMER, body, at)
        await asyncio.to_thread(app.receive_text, text, at)
        await processor.process(conversation)
        version = app.conversation(conversation).version
        if version >= target_events:
            return conversation, version
    return conversation, app.conversation(conversation).version


def audit_replay(env: Mapping[str, str], events: int, runs: int) -> dict[str, Any]:
    config = load_config(env)
    # Built as the server builds it (the composition root: personal fields sealed, each
    # stream registered to its customer); snapshots keep a long build linear.
    builder = open_application(config)
    try:
        began = time.perf_counter()
        conversation, version = asyncio.run(_long_conversation(builder, events))
        built = time.perf_counter() - began
    finally:
        builder.close()
    reader = open_application(config)
    try:
        entries = timeline(reader, conversation_id=conversation)
        times = [
            _timed(lambda: timeline(reader, conversation_id=conversation)) * 1000
            for _ in range(runs)
        ]
    finally:
        reader.close()
    return {
        "replay_1000_events_ms": median(times),
        "replay_min_ms": min(times),
        "replay_conversation_events": version,
        "replay_timeline_entries": len(entries),
        "replay_build_seconds": built,
    }


# The rebuild alone ---------------------------------------------------------------------------

REBUILD_QUESTIONS = (
    "what are your hours?",
    "Do you sell gift cards?",
    "how much is a bay for an hour",
    "thanks!",
)


async def _fill(app: ClawApplication, customers: int, texts_each: int) -> None:
    """A log like the served load's: customers texting, understood, decided, answered."""
    from benchmarks.long_conversation import memory_ports  # noqa: PLC0415
    from claw_service.dispatcher import EffectDispatcher  # noqa: PLC0415

    knowledge = load_venue_knowledge(None)
    clock = SystemClock()
    processor = ConversationProcessor(app, build_understanding(knowledge, None), clock)
    dispatcher = EffectDispatcher(app, memory_ports(), clock)
    venue_line = "+19025550100"
    at = datetime.now(UTC) - timedelta(days=1)
    for round_ in range(texts_each):
        for index in range(customers):
            at += timedelta(seconds=1)
            customer = f"+1902700{index:04d}"
            body = REBUILD_QUESTIONS[(index + round_) % len(REBUILD_QUESTIONS)]
            message = f"ACbenchrebuild{round_:03d}{index:05d}"
            text = InboundText(message, venue_line, customer, f"{body} ({round_})", at)
            await asyncio.to_thread(app.receive_text, text, at)
            await processor.process(conversation_id(venue_line, customer))
        while await dispatcher.run_once():
            pass


def rebuild_alone(database: Database, customers: int, texts_each: int, runs: int) -> dict[str, Any]:
    """``--only rebuild``: a log filled in-process, then the rebuild against the raw read."""
    env = {
        "CLAW_DATABASE_URL": database.url,
        "CLAW_DEBOUNCE_SECONDS": "0",
        "CLAW_KNOWLEDGE_FILE": str(bench_venue_file(database.workdir)),
    }
    app = open_application(load_config(env))
    try:
        asyncio.run(_fill(app, customers, texts_each))
    finally:
        app.close()
    return rebuild_and_read(env, runs)
