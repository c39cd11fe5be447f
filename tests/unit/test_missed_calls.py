"""Missed calls: a caller nobody answered can get a text, within every rail."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from test_application import CUSTOMER, VENUE_LINE, Venue
from test_policy import NOW, SETTINGS

from claw_domain.conversation import Conversation
from claw_domain.decisions import DecisionKind, Reason
from claw_domain.errors import InvariantError
from claw_domain.missed_calls import A_MISSED_CALL, TEXT_BACK_EVERY
from claw_domain.policy import ConversationFacts, Situation, Trigger, decide
from claw_domain.privacy import FORGOTTEN
from claw_domain.settings import EmergencyStop, FeatureMode, FeatureSettings, SettingsSnapshot
from claw_domain.values import Intent

SORRY = "Sorry we missed your call, how can we help?"


def _with_missed_calls(mode: FeatureMode, **more: object) -> SettingsSnapshot:
    feature = FeatureSettings(mode=mode, **more)  # type: ignore[arg-type]
    return attrs.evolve(SETTINGS, features={**SETTINGS.features, Intent.MISSED_CALL: feature})


def _call(**changes: object) -> Situation:
    situation = Situation(
        trigger=Trigger.MISSED_CALL,
        now=NOW,
        conversation=ConversationFacts(),
        classification=A_MISSED_CALL,
    )
    return attrs.evolve(situation, **changes)


def test_on_auto_claw_texts_the_caller_back() -> None:
    decision = decide(_call(), _with_missed_calls(FeatureMode.AUTO))

    assert (decision.kind, decision.reason) == (DecisionKind.RESPOND, Reason.MISSED_CALL)
    assert decision.intent is Intent.MISSED_CALL
    assert decision.reply == SORRY
    assert decision.sends_text
    assert decision.alert is None


def test_each_mode_does_what_it_says() -> None:
    told = {
        mode: decide(_call(), _with_missed_calls(mode))
        for mode in (FeatureMode.OFF, FeatureMode.SHADOW, FeatureMode.SUGGEST)
    }

    assert (told[FeatureMode.OFF].kind, told[FeatureMode.OFF].reason) == (
        DecisionKind.IGNORE,
        Reason.FEATURE_OFF,
    )
    assert told[FeatureMode.SHADOW].reason is Reason.SHADOW_MODE
    assert told[FeatureMode.SUGGEST].kind is DecisionKind.SUGGEST
    assert told[FeatureMode.SUGGEST].reply == SORRY  # the draft staff approve
    assert not any(decision.sends_text for decision in told.values())
    # A venue that never set the feature is not texted back either.
    assert decide(_call(), SETTINGS).reason is Reason.FEATURE_OFF


def test_the_rails_hold_it() -> None:
    auto = _with_missed_calls(FeatureMode.AUTO, max_auto_replies=2)
    stopped = attrs.evolve(auto, emergency_stop=EmergencyStop("ada", "flood", NOW))

    under_stop = decide(_call(), stopped)
    opted_out = decide(_call(conversation=ConversationFacts(opted_out=True)), auto)
    staff_on_it = decide(
        _call(conversation=ConversationFacts(staff_active_until=NOW + timedelta(minutes=5))), auto
    )
    hour_full = decide(_call(sent_this_hour=10), auto)
    limit = decide(
        _call(conversation=ConversationFacts(auto_replies_by_intent={Intent.MISSED_CALL: 2})),
        auto,
    )

    assert (under_stop.kind, under_stop.reason) == (DecisionKind.SUGGEST, Reason.EMERGENCY_STOP)
    assert (opted_out.kind, opted_out.reason) == (DecisionKind.IGNORE, Reason.OPTED_OUT)
    assert staff_on_it.reason is Reason.STAFF_ACTIVE
    assert (hour_full.kind, hour_full.reason) == (DecisionKind.SUGGEST, Reason.HOURLY_LIMIT)
    assert (limit.kind, limit.reason) == (DecisionKind.SUGGEST, Reason.REPLY_LIMIT)
    sent = [under_stop, opted_out, staff_on_it, hour_full, limit]
    assert not any(decision.sends_text for decision in sent)


def test_a_caller_who_rings_again_within_the_hour_is_texted_once() -> None:
    auto = _with_missed_calls(FeatureMode.AUTO)

    def texted(ago: timedelta) -> Situation:
        return _call(conversation=ConversationFacts(missed_call_texted_at=NOW - ago))

    again = decide(texted(timedelta(minutes=10)), auto)
    later = decide(texted(TEXT_BACK_EVERY), auto)

    assert (again.kind, again.reason) == (DecisionKind.IGNORE, Reason.MISSED_CALL_ALREADY_TEXTED)
    assert later.reason is Reason.MISSED_CALL


def test_a_missed_call_is_recorded_decided_sent_and_replays_the_same() -> None:
    venue = Venue()
    venue.app.change_feature(
        Intent.MISSED_CALL, FeatureSettings(mode=FeatureMode.AUTO), "owner", venue.clock.now()
    )
    first = venue.app.receive_missed_call(VENUE_LINE, CUSTOMER, "ACcall1", venue.clock.now())
    redelivered = venue.app.receive_missed_call(VENUE_LINE, CUSTOMER, "ACcall1", venue.clock.now())
    venue.time_passes(5)
    second = venue.app.receive_missed_call(VENUE_LINE, CUSTOMER, "ACcall2", venue.clock.now())
    venue.claw_dispatches()

    assert first is not None
    assert first.decision is not None
    assert first.decision.reason is Reason.MISSED_CALL
    assert redelivered is None
    assert second is not None
    assert second.decision is not None
    assert second.decision.reason is Reason.MISSED_CALL_ALREADY_TEXTED
    assert venue.texts_to() == [SORRY]
    rebuilt = venue.app.repository.get(venue.conversation().id)
    assert rebuilt.missed_call_texted_at == venue.conversation().missed_call_texted_at
    assert rebuilt.auto_replies_by_intent == {Intent.MISSED_CALL: 1}

    # The caller texts back: an ordinary conversation from here on.
    assert rebuilt.texts_received == 0


def test_a_forgotten_caller_teaches_the_conversation_their_number_again() -> None:
    forgotten = Conversation(venue_line=VENUE_LINE, customer_number=FORGOTTEN, at=NOW)

    assert forgotten.record_missed_call("ACcall9", CUSTOMER, NOW)

    assert forgotten.customer_number == CUSTOMER
    with pytest.raises(InvariantError):
        forgotten.record_missed_call("ACcall10", "+19025559999", NOW)
