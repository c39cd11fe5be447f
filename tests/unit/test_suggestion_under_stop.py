"""A suggestion approved under the emergency stop: refused, so it waits in the queue.

Accepted, it would leave the review queue and its reply be withheld for good; the
customer would never get it, even after the release.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from claw_adapters.fakes.memory import (
    MemoryDevices,
    MemoryDoors,
    MemoryMessenger,
    MemoryStaff,
    SettableClock,
)
from claw_domain.conversation import SuggestionStatus
from claw_domain.errors import InvariantError
from claw_domain.identity import conversation_id
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.values import Classification, ClassificationSource, InboundText, Intent
from claw_entrypoints.bootstrap import MEMORY_DATABASE_URL, construct_application, effect_ports
from claw_service.application import Outcome, TextToUnderstand
from claw_service.dispatcher import EffectDispatcher
from fakes.venue import InMemoryVenue

LINE, CUSTOMER = "+19025550000", "+19025551111"
HOURS = Classification(Intent.HOURS, 0.97, ClassificationSource.PATTERN)


async def _no_sleep(_seconds: float) -> None:
    return None


def test_approving_or_editing_under_the_stop_is_refused_and_works_after_release() -> None:
    clock = SettableClock()
    app = construct_application(MEMORY_DATABASE_URL, InMemoryVenue())
    features = {Intent.HOURS: FeatureSettings(mode=FeatureMode.SUGGEST)}
    app.ensure_settings(features, GlobalSettings(), "owner", clock.now())
    messenger = MemoryMessenger()
    ports = effect_ports(messenger, MemoryDevices(), MemoryDoors(), MemoryStaff())
    dispatcher = EffectDispatcher(app, ports, clock, sleep=_no_sleep)
    conversation = conversation_id(LINE, CUSTOMER)
    app.receive_text(
        InboundText("AC1", LINE, CUSTOMER, "when do you close?", clock.now()), clock.now()
    )
    work = app.begin_processing(conversation, clock.now())
    assert isinstance(work, TextToUnderstand)
    outcome = app.decide_on_text(conversation, HOURS, work.text, work.through, clock.now())
    assert isinstance(outcome, Outcome)
    (number,) = app.conversation(conversation).suggestions
    app.engage_emergency_stop("owner", "smoke", clock.now())

    with pytest.raises(InvariantError, match="emergency stop"):
        app.approve_suggestion(conversation, number, "otto", clock.now())
    with pytest.raises(InvariantError, match="emergency stop"):
        app.edit_and_send_suggestion(conversation, number, "We close at 11.", "otto", clock.now())
    assert app.conversation(conversation).suggestions[number].status is SuggestionStatus.WAITING

    clock.advance(timedelta(minutes=5))
    app.release_emergency_stop("owner", "all clear", clock.now())
    app.approve_suggestion(conversation, number, "otto", clock.now())
    asyncio.run(dispatcher.run_once())
    assert [to for to, _body in messenger.sent] == [CUSTOMER]
