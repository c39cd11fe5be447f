"""Staff write to a customer from the console: sent on the venue's line, automation paused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from claw_adapters.fakes.memory import SettableClock
from claw_domain.errors import InvariantError
from claw_domain.identity import conversation_id
from claw_domain.outbox import ReplyPurpose
from claw_domain.settings import GlobalSettings
from claw_domain.values import InboundText
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application
from claw_service.application import ClawApplication
from fakes.venue import InMemoryVenue

LINE, ANN = "+19025550000", "+19025551111"
ANN_CONVERSATION = conversation_id(LINE, ANN)


def started() -> tuple[ClawApplication, SettableClock]:
    clock = SettableClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    app.ensure_settings({}, GlobalSettings(staff_backoff_minutes=30), "owner", clock.now())
    app.receive_text(InboundText("AC1", LINE, ANN, "is bay 2 free?", clock.now()), clock.now())
    return app, clock


def test_a_console_text_is_queued_and_pauses_automation_for_the_back_off() -> None:
    app, clock = started()
    app.write_to_customer(ANN_CONVERSATION, "Yes, from 8pm.", "otto", clock.now())
    conversation = app.conversation(ANN_CONVERSATION)
    assert conversation.staff_active_until == clock.now() + timedelta(minutes=30)
    [text] = app.texts_of(conversation)
    assert (text.body, text.purpose) == ("Yes, from 8pm.", ReplyPurpose.STAFF_MESSAGE)
    assert conversation.staff_message_ids[-1].endswith("-by-otto")
    # OpenPhone echoes the sent text back as an outgoing message: not a second staff text.
    app.record_text_sent(text.id, "AC-vendor-9", clock.now(), None)
    assert app.record_outbound_text(LINE, ANN, "AC-vendor-9", "Yes, from 8pm.", clock.now()) is None


def test_no_console_text_to_an_opted_out_customer_or_under_the_stop() -> None:
    app, clock = started()
    app.engage_emergency_stop("ada", "flood", clock.now())
    with pytest.raises(InvariantError, match="emergency stop"):
        app.write_to_customer(ANN_CONVERSATION, "hello", "otto", clock.now())
    app.release_emergency_stop("ada", "dry", clock.now())
    app.receive_text(InboundText("AC2", LINE, ANN, "STOP", clock.now()), clock.now())
    app.begin_processing(ANN_CONVERSATION, clock.now() + timedelta(seconds=5))
    assert app.conversation(ANN_CONVERSATION).opted_out
    with pytest.raises(InvariantError, match="opted out"):
        app.write_to_customer(ANN_CONVERSATION, "hello", "otto", clock.now())
