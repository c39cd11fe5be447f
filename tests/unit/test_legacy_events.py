"""A database written before the outbox still opens, replays and reads as before.

Given a conversation whose stream holds what the dispatcher used to record on it
(``ReplySent``, ``StaffAlertRecorded``, ``ActionResultNoted``...), and a conversation
answered the new way (``TextQueued``/``TextSent`` on its own ``OutboundText``), then
both replay, the audit trail, the statistics and the incident timeline show each
reply with its text, and the totals count both.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_adapters.projections.catalogue import all_projections
from claw_adapters.projections.memory import MemoryProjectionStore
from claw_adapters.projections.statistics import read_totals
from claw_domain.conversation import AlertOutcome, Conversation
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.identity import conversation_id
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.values import Classification, ClassificationSource, InboundText, Intent
from claw_domain.wording import Message, Template
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application, effect_ports
from claw_service.application import ClawApplication, TextToUnderstand
from claw_service.audit import timeline
from claw_service.dispatcher import EffectDispatcher
from claw_service.projector import Projector
from fakes.venue import InMemoryVenue

LINE = "+19025550000"
OLD, NEW = "+19025551111", "+19025552222"
ANSWER = "We're open 24/7."
HOURS = Classification(Intent.HOURS, 0.97, ClassificationSource.PATTERN)


def _the_old_way(app: ClawApplication, clock: SettableClock) -> None:
    """What the dispatcher recorded on the conversation before the outbox existed."""
    now = clock.now()
    conversation = Conversation(venue_line=LINE, customer_number=OLD, at=now)
    conversation.receive_text(InboundText("AC-old", LINE, OLD, "what are your hours", now))
    decision = Decision(
        kind=DecisionKind.RESPOND,
        reason=Reason.ANSWERED_FROM_KNOWLEDGE,
        intent=Intent.HOURS,
        confidence=0.97,
        settings_version=1,
        message=Message(Template.KNOWLEDGE_ANSWER, text=ANSWER),
    )
    conversation.record_decision(decision, at=now, through=1, reply=ANSWER)
    legacy = Conversation
    conversation.trigger_event(legacy.ReplySent, number=1, vendor_message_id="PN-old", at=now)
    conversation.trigger_event(
        legacy.StaffAlertRecorded,
        subject="Customer needs staff",
        outcome=AlertOutcome.SENT,
        detail="",
        at=now,
    )
    conversation.trigger_event(legacy.ActionResultNoted, action_id=uuid4(), succeeded=False, at=now)
    app.save(conversation)


def test_old_and_new_replies_read_the_same_everywhere() -> None:
    clock = SettableClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    app.ensure_settings(
        {Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO)},
        GlobalSettings(),
        "owner",
        clock.now(),
    )
    _the_old_way(app, clock)
    clock.advance(timedelta(minutes=1))
    app.receive_text(InboundText("AC-new", LINE, NEW, "hours?", clock.now()), clock.now())
    new_conversation = conversation_id(LINE, NEW)
    work = app.begin_processing(new_conversation, clock.now())
    assert isinstance(work, TextToUnderstand)
    app.decide_on_text(new_conversation, HOURS, work.text, work.through, clock.now())
    ports = effect_ports(MemoryMessenger(), MemoryDevices(), MemoryDoors(), MemoryStaff())
    asyncio.run(EffectDispatcher(app, ports, clock).run_once())

    # The old stream replays: the legacy events change nothing.
    old = app.conversation(conversation_id(LINE, OLD))
    assert (old.version, old.decision_count) == (6, 1)
    assert app.texts_of(old) == []  # nothing of it moved to the outbox

    store = MemoryProjectionStore()
    Projector(app, store, all_projections()).catch_up_fully()
    audit = [row.document for row in store.rows("audit")]
    sent = [
        (row["event"], row["reply"], row["customer"]) for row in audit if row["category"] == "reply"
    ]
    assert sent == [
        ("ReplySent", ANSWER, "+*******1111"),
        ("TextSent", ANSWER, "+*******2222"),
    ]
    alerts = [row["detail"] for row in audit if row["category"] == "alert"]
    assert alerts == ["Customer needs staff: sent"]
    assert read_totals(store).replies_sent == 2

    for customer, name in ((OLD, "ReplySent"), (NEW, "TextSent")):
        entries = timeline(app, conversation_id=conversation_id(LINE, customer))
        [reply] = [entry for entry in entries if entry.event == name]
        assert reply.body == ANSWER
        assert reply.conversation_id == conversation_id(LINE, customer)
