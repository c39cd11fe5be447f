"""Receipt-to-decision latency as one customer's conversation grows.

A regular texts the venue for months: questions answered from the knowledge
base, thanks, simulator resets confirmed with "yes", questions staff answer
from the review queue, escalations staff resolve, staff texting by hand. Each
of those events lands on the customer's ``Conversation`` stream. The figure is
how long claw takes, in-process, from receiving one more text to recording its
decision (``receive_text``, then the conversation processor: begin processing,
understand, decide) when that stream already holds 10, 1,000 or 5,000 events.

The stream is built through the real use cases, the way the worker and staff
would have produced it, by a *builder* application with an aggregate cache (so
building is not itself quadratic). The timed text goes through the composition
root's application and processor (``bootstrap``), exactly as ``claw serve``
builds them. After each timed text the builder settles it as the worker and
staff would (replies sent, suggestion reviewed), untimed, so the stream stays
what a real customer's looks like. A stream is reused while it has grown by at
most 5 % past its size; past that, a new customer's stream is built.

The count of ``Conversation`` loads per text (and of its events decoded) comes
from one extra, untimed text with the application's repository and mapper
wrapped (the wrapping lives here only); staff then approve that text's
suggestion, and the loads the composition root's dispatcher makes to send the
reply are counted too.
"""

from __future__ import annotations

import asyncio
import base64
import enum
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError

from benchmarks.common import Database, median
from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_adapters.knowledge import load_venue_knowledge
from claw_adapters.persistence.keyring import install_data_keys
from claw_domain.conversation import SuggestionStatus
from claw_domain.identity import conversation_id
from claw_domain.values import InboundText
from claw_entrypoints.bootstrap import bootstrap, build_understanding, effect_ports
from claw_entrypoints.config import load_config
from claw_entrypoints.runtime import Runtime
from claw_service.application import ClawApplication
from claw_service.dispatcher import EffectDispatcher, EffectPorts
from claw_service.processor import ConversationProcessor

VENUE_LINE = "+19025550100"
STAFF = "bench-staff"
# Same decision at every length (pricing is in suggest mode: SUGGEST, suggest_mode),
# so the sizes compare like with like; a reply-limited "hours" question would not.
TIMED_TEXT = "how much is a bay for an hour"
# Before each timed text: long enough for staff's back-off (60 min) to be over.
TIMED_GAP = timedelta(hours=3)
REUSE_GROWTH = 0.05
TARGET_RATIO = 1.5
PREFIX = "long_conversation_"


# The builder keeps aggregates in memory and brings them up to date from the log, so
# building is not itself quadratic. Without the copy on every get: copying a
# 5,000-event Conversation costs more than the rest of a step (the builder's
# commands never fail half-way, so nothing can corrupt the cached object).
BUILDER_CACHE = {"AGGREGATE_CACHE_MAXSIZE": "16", "DEEPCOPY_FROM_AGGREGATE_CACHE": "n"}


class Act(enum.Enum):
    TEXT = "text"  # the customer texts
    STAFF_TEXT = "staff_text"  # staff text the customer by hand from the venue line


# One visit of a regular, repeated with a day between visits; minutes since the last step.
VISIT: tuple[tuple[int, Act, str], ...] = (
    (0, Act.TEXT, "what are your hours?"),
    (2, Act.TEXT, "thanks!"),
    (30, Act.TEXT, "Do you sell gift cards?"),
    (3, Act.TEXT, "how much is a bay for an hour"),
    (60, Act.TEXT, "Trackman is not working in box 2 at Bedford"),
    (1, Act.TEXT, "yes"),
    (20, Act.TEXT, "can I bring my own clubs"),
    (5, Act.TEXT, "Who is this"),
    (10, Act.STAFF_TEXT, "Hi, it's the front desk. See you Saturday!"),
    (90, Act.TEXT, "Thanks, had a great time!"),
)
VISIT_GAP = timedelta(days=1)


@attrs.define
class Stream:
    """One customer's conversation, and where their script has got to."""

    customer: str
    conversation: UUID
    step: int = 0
    texts: int = 0

    def message_id(self) -> str:
        self.texts += 1
        return f"ACbenchlong{self.customer[-6:]}{self.texts:06d}"


class Builder:
    """The worker and the staff, on an application with an aggregate cache."""

    def __init__(self, app: ClawApplication, clock: SettableClock) -> None:
        knowledge = load_venue_knowledge(None)
        self.app = app
        self.clock = clock
        self.processor = ConversationProcessor(app, build_understanding(knowledge, None), clock)
        self.dispatcher = EffectDispatcher(app, memory_ports(), clock)
        self.reviewed = 0
        self.customers = 0

    def new_stream(self) -> Stream:
        self.customers += 1
        customer = f"+1902799{self.customers:04d}"
        return Stream(customer, conversation_id(VENUE_LINE, customer))

    def events(self, stream: Stream) -> int:
        try:
            return self.app.conversation(stream.conversation).version
        except AggregateNotFoundError:
            return 0

    async def grow(self, stream: Stream, target_events: int) -> int:
        """Play the customer's visits until the stream holds at least ``target_events``."""
        while (events := self.events(stream)) < target_events:
            minutes, act, body = VISIT[stream.step % len(VISIT)]
            if stream.step and stream.step % len(VISIT) == 0:
                self.clock.advance(VISIT_GAP)
            self.clock.advance(timedelta(minutes=minutes))
            stream.step += 1
            if act is Act.STAFF_TEXT:
                await asyncio.to_thread(
                    self.app.record_outbound_text,
                    VENUE_LINE,
                    stream.customer,
                    f"PNbenchstaff{stream.customer[-6:]}{stream.step:06d}",
                    body,
                    self.clock.now(),
                )
                continue
            now = self.clock.now()
            await asyncio.to_thread(self.app.receive_text, text(stream, body, now), now)
            await self.processor.process(stream.conversation)
            await self.settle(stream)
        return events

    async def settle(self, stream: Stream) -> None:
        """What follows a decision: staff review the queue, the dispatcher carries out."""
        await asyncio.to_thread(self.review, stream.conversation)
        while await self.dispatcher.run_once() > 0:
            pass

    def review(self, conversation: UUID, *, may_reject: bool = True) -> None:
        """Staff work the queue: one suggestion in five rejected (unless ``may_reject`` is off)."""
        now = self.clock.now()
        conv = self.app.conversation(conversation)
        for number, suggestion in list(conv.suggestions.items()):
            if suggestion.status is not SuggestionStatus.WAITING:
                continue
            self.reviewed += 1
            if may_reject and self.reviewed % 5 == 0:
                self.app.reject_suggestion(conversation, number, STAFF, "answered by phone", now)
            elif suggestion.draft:
                self.app.approve_suggestion(conversation, number, STAFF, now)
            else:
                self.app.edit_and_send_suggestion(
                    conversation, number, "Yes, bring them along!", STAFF, now
                )
        for number, ticket in list(conv.tickets.items()):
            if ticket.resolved_at is None:
                self.app.resolve_ticket(conversation, number, STAFF, now)


def memory_ports() -> EffectPorts:
    """The vendors as the dry run has them: effects recorded in memory, nothing sent."""
    return effect_ports(
        messenger=MemoryMessenger(),
        devices=MemoryDevices(),
        doors=MemoryDoors(),
        staff=MemoryStaff(),
    )


def text(stream: Stream, body: str, at: datetime) -> InboundText:
    return InboundText(
        message_id=stream.message_id(),
        venue_line=VENUE_LINE,
        customer_number=stream.customer,
        body=body,
        sent_at=at,
    )


# Counting loads -------------------------------------------------------------------------------


@attrs.define
class Loads:
    conversation_loads: int = 0
    conversation_events_decoded: int = 0
    loads_by_kind: Counter[str] = attrs.Factory(Counter)


@contextmanager
def counting_loads(app: ClawApplication, conversation: UUID) -> Iterator[Loads]:
    """Count repository gets and decoded events of one conversation, by wrapping instances."""
    loads = Loads()
    repository_get = app.repository.get
    to_domain_event = app.mapper.to_domain_event

    def get(aggregate_id: UUID, **kwargs: Any) -> Any:
        aggregate = repository_get(aggregate_id, **kwargs)
        loads.loads_by_kind[type(aggregate).__name__] += 1
        if aggregate_id == conversation:
            loads.conversation_loads += 1
        return aggregate

    def decode(stored: Any) -> Any:
        if stored.originator_id == conversation:
            loads.conversation_events_decoded += 1
        return to_domain_event(stored)

    app.repository.get = get  # type: ignore[method-assign]
    app.mapper.to_domain_event = decode  # type: ignore[method-assign,assignment]
    try:
        yield loads
    finally:
        del app.repository.get
        del app.mapper.to_domain_event


async def _reply_loads(runtime: Runtime, builder: Builder, stream: Stream) -> int | None:
    """Conversation loads by ``claw serve``'s dispatcher to send one reply staff approved.

    The timed text is a suggestion: staff approve it (the builder, uncounted), then
    the composition root's dispatcher sends it, counted. None if it was not sent.
    """
    messenger = runtime.ports.messenger
    if not isinstance(messenger, MemoryMessenger):
        return None
    # Whatever the stream's building queued is sent first, uncounted: the count is of
    # the one approved reply.
    while await runtime.dispatcher.run_once() > 0:
        pass
    before = messenger.sent_count
    await asyncio.to_thread(partial(builder.review, may_reject=False), stream.conversation)
    with counting_loads(runtime.app, stream.conversation) as loads:
        while await runtime.dispatcher.run_once() > 0:
            pass
    return loads.conversation_loads if messenger.sent_count == before + 1 else None


# The measure ----------------------------------------------------------------------------------


@attrs.frozen
class Timing:
    seconds: float  # wall clock, receipt to decision recorded
    cpu_seconds: float  # this process's CPU meanwhile, all threads: less moved by neighbours


async def _timed_text(runtime: Runtime, stream: Stream, clock: SettableClock) -> Timing:
    clock.advance(TIMED_GAP)
    arrival = text(stream, TIMED_TEXT, clock.now())
    cpu = time.process_time()
    began = time.perf_counter()
    intake = await asyncio.to_thread(runtime.app.receive_text, arrival, clock.now())
    decision = await runtime.processor.process(stream.conversation)
    timing = Timing(time.perf_counter() - began, time.process_time() - cpu)
    if not intake.accepted or decision is None:
        msg = f"the timed text was not decided (accepted={intake.accepted})"
        raise RuntimeError(msg)
    return timing


def _load_seconds(app: ClawApplication, conversation: UUID, runs: int) -> float:
    """One replay of the conversation, as every use case does it (median)."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        app.conversation(conversation)
        times.append(time.perf_counter() - began)
    return median(times)


async def _measure(
    database: Database, sizes: Sequence[int], repeats: int, say: Callable[[str], None]
) -> dict[str, Any]:
    env = {
        "CLAW_DATABASE_URL": database.url,
        "CLAW_DEBOUNCE_SECONDS": "0",
        # No webhook is posted here; a key only keeps bootstrap's warning off the table.
        "CLAW_OPENPHONE_WEBHOOK_KEY": base64.b64encode(b"bench: no webhook is posted").decode(),
    }
    config = load_config(env)
    clock = SettableClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    runtime = await bootstrap(config, clock=clock, ports=memory_ports())  # tables, settings
    builder_app = ClawApplication(
        load_venue_knowledge(None),
        env={**config.database.eventsourcing_env(), **BUILDER_CACHE},
    )
    # Sealed with the same keys as the composition root's application, as in production.
    install_data_keys(builder_app.mapper, builder_app.recorder, None)
    builder = Builder(builder_app, clock)
    results: dict[str, Any] = {f"{PREFIX}sizes": list(sizes), f"{PREFIX}repeats": repeats}
    try:
        warm = builder.new_stream()  # connections, statement caches, the classifier
        await builder.grow(warm, 10)
        await _timed_text(runtime, warm, clock)
        # Every size is timed in turn (10, 1,000, 5,000, 10, ...), so that all sizes see
        # the same load on a shared machine; timed one size after another, minutes
        # apart, the ratio measured the neighbours as much as claw.
        streams: dict[int, Stream] = {}
        built: dict[int, float] = {}
        for size in sizes:
            began = time.perf_counter()
            streams[size] = builder.new_stream()
            await builder.grow(streams[size], size)
            built[size] = time.perf_counter() - began
        latencies: dict[int, list[Timing]] = {size: [] for size in sizes}
        lengths: dict[int, list[int]] = {size: [] for size in sizes}
        for _ in range(repeats):
            for size in sizes:
                events = builder.events(streams[size])
                if events > size * (1 + REUSE_GROWTH):
                    streams[size] = builder.new_stream()
                    events = await builder.grow(streams[size], size)
                lengths[size].append(events)
                latencies[size].append(await _timed_text(runtime, streams[size], clock))
                await builder.settle(streams[size])
        for size in sizes:
            stream = streams[size]
            with counting_loads(runtime.app, stream.conversation) as loads:
                await _timed_text(runtime, stream, clock)
            replies = await _reply_loads(runtime, builder, stream)
            await builder.settle(stream)
            timed = latencies[size]
            ms = median([t.seconds for t in timed]) * 1000
            cpu_ms = median([t.cpu_seconds for t in timed]) * 1000
            load_ms = await asyncio.to_thread(_load_seconds, runtime.app, stream.conversation, 5)
            load_ms *= 1000
            say(
                f"    {size:>5} events: median {ms:.1f} ms ({cpu_ms:.1f} ms CPU) over {repeats} "
                f"texts (streams of {min(lengths[size])}-{max(lengths[size])} events, built in "
                f"{built[size]:.1f}s); one Conversation load {load_ms:.1f} ms; "
                f"{loads.conversation_loads} loads, "
                f"{loads.conversation_events_decoded} of its events decoded per text; "
                f"{replies} more to send the approved reply"
            )
            results[f"receipt_to_decision_{size}_ms"] = ms
            results.update(
                {
                    f"{PREFIX}{size}_min_ms": min(t.seconds for t in timed) * 1000,
                    f"{PREFIX}{size}_cpu_ms": cpu_ms,
                    f"{PREFIX}{size}_one_load_ms": load_ms,
                    f"{PREFIX}{size}_stream_events": median(lengths[size]),
                    f"{PREFIX}{size}_conversation_loads": loads.conversation_loads,
                    f"{PREFIX}{size}_events_decoded": loads.conversation_events_decoded,
                    f"{PREFIX}{size}_loads_by_aggregate": dict(loads.loads_by_kind),
                    f"{PREFIX}{size}_build_seconds": built[size],
                    f"{PREFIX}{size}_loads_per_reply_sent": replies,
                }
            )
    finally:
        builder_app.close()
        await runtime.aclose()
    first, last = sizes[0], sizes[-1]
    results["long_conversation_ratio"] = (
        results[f"receipt_to_decision_{last}_ms"] / results[f"receipt_to_decision_{first}_ms"]
    )
    results[f"{PREFIX}cpu_ratio"] = (
        results[f"{PREFIX}{last}_cpu_ms"] / results[f"{PREFIX}{first}_cpu_ms"]
    )
    results[f"{PREFIX}one_load_ms"] = results[f"{PREFIX}{last}_one_load_ms"]
    results[f"{PREFIX}loads_per_text"] = results[f"{PREFIX}{last}_conversation_loads"]
    results[f"{PREFIX}loads_per_reply"] = results[f"{PREFIX}{last}_loads_per_reply_sent"]
    return results


def long_conversation(
    database: Database, sizes: Sequence[int], repeats: int, say: Callable[[str], None]
) -> dict[str, Any]:
    """The phase's figures for one database; keys name the stream sizes."""
    return asyncio.run(_measure(database, sizes, repeats, say))


def is_phase_key(key: str) -> bool:
    """Whether a results key is this phase's: a rerun replaces all of them."""
    return key.startswith((PREFIX, "receipt_to_decision_"))


# name, JSON key, format, target (callable -> bool) and its words, as in ``run.ROWS``
def long_conversation_rows(
    sizes: Sequence[int],
) -> list[tuple[str, str, str, Callable[[float], bool] | None, str]]:
    first, last = sizes[0], sizes[-1]
    return [
        *(
            (
                f"receipt to decision, {size:,}-event conversation (ms)",
                f"receipt_to_decision_{size}_ms",
                "{:.1f}",
                None,
                "",
            )
            for size in sizes
        ),
        (
            f"  {last:,} events / {first} events",
            f"{PREFIX}ratio",
            "{:.2f}",
            lambda v: v <= TARGET_RATIO,
            f"<= {TARGET_RATIO:g}",
        ),
        (
            "  same, CPU of claw's process",
            f"{PREFIX}cpu_ratio",
            "{:.2f}",
            lambda v: v <= TARGET_RATIO,
            f"<= {TARGET_RATIO:g}",
        ),
        (
            f"  one Conversation load, {last:,} events (ms)",
            f"{PREFIX}one_load_ms",
            "{:.1f}",
            None,
            "",
        ),
        ("  Conversation loads per text decided", f"{PREFIX}loads_per_text", "{:.0f}", None, ""),
        ("  Conversation loads per reply sent", f"{PREFIX}loads_per_reply", "{:.0f}", None, ""),
    ]
