"""The background loop: durable timers, processing and effects.

Timers come from the log, not from memory: due conversations (debounce over)
and due deadlines are folded from the events by ``LogDerivedWork``
(``work.py``), so a restart picks up exactly where the last process stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol
from uuid import UUID

import structlog

from claw_domain.errors import DomainError
from claw_domain.ports import Clock
from claw_service.application import ClawApplication
from claw_service.dispatcher import EffectDispatcher
from claw_service.processor import ConversationProcessor

log = structlog.get_logger("claw.worker")

# How long a decision waits for texts being stored before it goes ahead regardless.
# 0.05 s kept acknowledgements ahead until issue #13's readings made each decision
# dearer (SQLite burst: 857-929 acks/s at 0.05, 1,102 at 0.2; decisions/s the same).
INBOUND_FIRST_SECONDS = 0.2


class DueWork(Protocol):
    """Where the timers live: read models kept up to date from the log."""

    def catch_up(self) -> int:
        """Apply new events to the read models; returns how many were applied."""
        ...

    def due_conversations(self, now: datetime) -> list[UUID]: ...

    def due_actions(self, now: datetime) -> list[UUID]: ...


class Lease(Protocol):
    """Only the holder dispatches effects, so two processes never double an effect."""

    def try_acquire(self) -> bool: ...

    def release(self) -> None: ...


class Alarm(Protocol):
    """Tells staff about what the read side had to skip (see ``read_side_alarm``)."""

    async def report(self) -> int: ...


class Worker:
    def __init__(
        self,
        app: ClawApplication,
        processor: ConversationProcessor,
        dispatcher: EffectDispatcher,
        work: DueWork,
        lease: Lease,
        clock: Clock,
        *,
        read_side: Callable[[], int] | None = None,
        alarm: Alarm | None = None,
        idle_seconds: float = 0.25,
        inbound_idle: asyncio.Event | None = None,
    ) -> None:
        self.app = app
        self.processor = processor
        self.dispatcher = dispatcher
        self.work = work
        self.lease = lease
        self.clock = clock
        self.read_side = read_side
        self.alarm = alarm
        self.idle_seconds = idle_seconds
        self.inbound_idle = inbound_idle
        self.wake = asyncio.Event()
        self.effects_wake = asyncio.Event()
        self.ticks = 0

    async def tick(self) -> bool:
        """One pass over everything due, effects included; returns whether anything happened."""
        busy = await self.decide()
        busy |= await self.carry_out()
        self.ticks += 1
        return busy

    async def decide(self) -> bool:
        """Timers, understanding and deciding, the read side: everything but the effects."""
        busy = False
        busy |= await asyncio.to_thread(self.work.catch_up) > 0
        now = self.clock.now()
        for conversation_id in await asyncio.to_thread(self.work.due_conversations, now):
            await self._after_inbound()
            await self._guarded(self.processor.process, conversation_id)
            busy = True
        for action_id in await asyncio.to_thread(self.work.due_actions, now):
            await self._guarded(self._expire, action_id)
            busy = True
        if self.read_side is not None:
            busy |= await self._project() > 0
        if self.alarm is not None:
            await self._raise_alarm(self.alarm)
        return busy

    async def carry_out(self) -> bool:
        """One dispatcher run, by the process that holds the lease."""
        if await asyncio.to_thread(self.lease.try_acquire):
            return await self.dispatcher.run_once() > 0
        return False

    async def _after_inbound(self) -> None:
        """Let texts waiting to be stored go first, for a moment.

        A webhook is acknowledged once its text is stored, and the vendor retries one
        that takes too long; a decision can wait a few milliseconds. Deciding in a burst
        took the event loop and the database from the acknowledgements.
        """
        if self.inbound_idle is None or self.inbound_idle.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.inbound_idle.wait(), INBOUND_FIRST_SECONDS)

    async def _project(self) -> int:
        if self.read_side is None:
            return 0
        try:
            return await asyncio.to_thread(self.read_side)
        except Exception:
            # The read side lags, nothing is lost: it catches up from its position.
            log.exception("projection_catch_up_failed")
            return 0

    async def _raise_alarm(self, alarm: Alarm) -> None:
        try:
            await alarm.report()
        except Exception:
            # The failures stay recorded and pending: the next look reports them.
            log.exception("read_side_alarm_failed")

    async def _expire(self, action_id: UUID) -> None:
        await asyncio.to_thread(self.app.expire_action, action_id, self.clock.now())

    async def _guarded(self, job: Callable[[UUID], Awaitable[object]], item: UUID) -> None:
        try:
            await job(item)
        except DomainError as error:
            # Another process got there first, or the state moved on: not a failure.
            log.info("work_skipped", item=str(item), reason=str(error))

    async def run(self, stop: asyncio.Event) -> None:
        """Decide and carry out until ``stop`` is set, as two loops side by side.

        Sending is paced (OpenPhone takes 10 texts a second), so one dispatcher run
        can take seconds; in one loop, texts that arrived meanwhile waited for it to
        finish before they were even understood. A failing pass is logged and
        retried, never fatal.
        """
        try:
            await asyncio.gather(
                self._loop(self._decide_pass, self.wake, stop),
                self._loop(self.carry_out, self.effects_wake, stop),
            )
        finally:
            await asyncio.to_thread(self.lease.release)

    async def _decide_pass(self) -> bool:
        busy = await self.decide()
        self.ticks += 1
        if busy:
            self.effects_wake.set()  # a decision may have queued an effect
        return busy

    async def _loop(
        self, step: Callable[[], Awaitable[bool]], wake: asyncio.Event, stop: asyncio.Event
    ) -> None:
        while not stop.is_set():
            try:
                busy = await step()
            except Exception:
                log.exception("worker_tick_failed", step=step.__name__)
                busy = False
            if busy:
                continue
            wake.clear()
            waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(
                waiters, timeout=self.idle_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in waiters:
                waiter.cancel()
