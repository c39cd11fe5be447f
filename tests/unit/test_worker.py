"""The worker: deciding does not wait for effects that take their time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from uuid import UUID

import pytest

from claw_adapters.clock import SystemClock
from claw_adapters.fakes.memory import MemoryDevices, MemoryDoors, MemoryMessenger, MemoryStaff
from claw_adapters.persistence.lease import AlwaysLease
from claw_domain.decisions import DecisionKind
from claw_domain.ports import SentText
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.slots import ConversationContext
from claw_domain.values import Classification, ClassificationSource, InboundText, Intent
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application, effect_ports
from claw_service import worker as worker_module
from claw_service.application import ClawApplication
from claw_service.dispatcher import EffectDispatcher
from claw_service.processor import ConversationProcessor
from claw_service.work import LogDerivedWork
from claw_service.worker import Worker
from fakes.venue import InMemoryVenue

HOURS = Classification(Intent.HOURS, 0.95, ClassificationSource.PATTERN)


class HoursUnderstanding:
    async def understand(
        self, text: str, context: ConversationContext | None = None
    ) -> Classification:
        return HOURS


class HeldMessenger:
    """Sends nothing until released: a send paced by the vendor's rate limit, stretched out."""

    def __init__(self) -> None:
        self.delivered = MemoryMessenger()
        self.release = asyncio.Event()
        self.waiting = 0

    @property
    def sent(self) -> list[tuple[str, str]]:
        return self.delivered.sent

    async def send_text(self, *, to: str, body: str) -> SentText:
        self.waiting += 1
        await self.release.wait()
        return await self.delivered.send_text(to=to, body=body)


def a_text(app: ClawApplication, clock: SystemClock, customer: str) -> UUID:
    text = InboundText(f"AC{customer}", "+19025550000", customer, "when are you open", clock.now())
    return app.receive_text(text, clock.now()).conversation_id


def decided(app: ClawApplication, conversation: UUID) -> bool:
    last = app.conversation(conversation).last_decision
    return last is not None and last.kind is DecisionKind.RESPOND


async def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.01)


async def test_a_text_is_decided_while_an_earlier_reply_is_still_being_sent() -> None:
    # The timers debounce from when the log recorded a text: the real clock.
    clock = SystemClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    features = {Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO)}
    app.ensure_settings(features, GlobalSettings(), "test", clock.now())
    messenger = HeldMessenger()
    dispatcher = EffectDispatcher(
        app, effect_ports(messenger, MemoryDevices(), MemoryDoors(), MemoryStaff()), clock
    )
    worker = Worker(
        app,
        ConversationProcessor(app, HoursUnderstanding(), clock),
        dispatcher,
        LogDerivedWork(app, debounce_seconds=0),
        AlwaysLease(),
        clock,
        idle_seconds=0.01,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        first = a_text(app, clock, "+19025551111")
        await wait_for(lambda: messenger.waiting == 1, "the first reply to be on its way")

        second = a_text(app, clock, "+19025552222")
        worker.wake.set()
        await wait_for(lambda: decided(app, second), "the second text to be decided")

        # The first reply is still held: deciding did not wait for it.
        assert messenger.sent == []
        assert decided(app, first)
        messenger.release.set()
        await wait_for(lambda: len(messenger.sent) == 2, "both replies to go out")
    finally:
        messenger.release.set()
        stop.set()
        await running


async def test_a_decision_lets_texts_being_stored_go_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker_module, "INBOUND_FIRST_SECONDS", 30.0)  # no race with the clock
    clock = SystemClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    features = {Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO)}
    app.ensure_settings(features, GlobalSettings(), "test", clock.now())
    inbound_idle = asyncio.Event()  # a webhook's text is waiting to be stored
    worker = Worker(
        app,
        ConversationProcessor(app, HoursUnderstanding(), clock),
        EffectDispatcher(
            app,
            effect_ports(MemoryMessenger(), MemoryDevices(), MemoryDoors(), MemoryStaff()),
            clock,
        ),
        LogDerivedWork(app, debounce_seconds=0),
        AlwaysLease(),
        clock,
        inbound_idle=inbound_idle,
    )
    conversation = a_text(app, clock, "+19025551111")

    deciding = asyncio.create_task(worker.decide())
    await wait_for(lambda: worker.work.due_conversations(clock.now()) != [], "the text to be due")
    for _ in range(20):
        await asyncio.sleep(0)
    assert not decided(app, conversation)  # held while the intake works

    inbound_idle.set()
    await deciding
    assert decided(app, conversation)
