"""Holding replies: a customer claw hands to staff is told a person will answer."""

from __future__ import annotations

from datetime import timedelta

import attrs
from test_application import CUSTOMER, Venue
from test_policy import NOW, SETTINGS, text_about, with_globals

from claw_adapters.knowledge.document import demo_document, venue_of_document
from claw_domain.decisions import DecisionKind, Reason
from claw_domain.holding import HOLDING_REPLY_EVERY
from claw_domain.outbox import ReplyPurpose
from claw_domain.policy import ConversationFacts, decide
from claw_domain.settings import EmergencyStop, FeatureMode, FeatureSettings
from claw_domain.values import Classification, ClassificationSource, Entities, Intent
from claw_domain.wording import Message, Template
from claw_service.holding_replies import with_holding_reply

HOLDING = "Thanks, a staff member will text you back shortly."
SOMETHING_ELSE = Classification(
    intent=Intent.OTHER, confidence=0.2, source=ClassificationSource.FALLBACK, entities=Entities()
)


def test_an_escalated_customer_gets_the_holding_reply_by_default() -> None:
    decision = decide(text_about(Intent.OTHER), SETTINGS)

    assert (decision.kind, decision.reason) == (DecisionKind.ESCALATE, Reason.UNKNOWN_INTENT)
    assert decision.message == Message(Template.HOLDING_REPLY)
    assert decision.reply == HOLDING
    assert decision.sends_text
    assert decision.alert is not None  # staff are told as before


def test_a_topic_can_turn_its_holding_reply_off() -> None:
    quiet_refunds = attrs.evolve(
        SETTINGS,
        features={
            **SETTINGS.features,
            Intent.REFUND_COMPLAINT: FeatureSettings(mode=FeatureMode.OFF, holding_reply=False),
        },
    )
    refund = decide(text_about(Intent.REFUND_COMPLAINT), quiet_refunds)
    other = decide(text_about(Intent.OTHER), quiet_refunds)

    assert (refund.kind, refund.message) == (DecisionKind.ESCALATE, None)
    assert not refund.sends_text
    assert other.message == Message(Template.HOLDING_REPLY)


def test_never_during_the_emergency_stop() -> None:
    stopped = attrs.evolve(SETTINGS, emergency_stop=EmergencyStop("ada", "flood", NOW))

    decision = decide(text_about(Intent.OTHER), stopped)

    assert decision.kind is DecisionKind.ESCALATE  # staff still hear about it
    assert decision.message is None


def test_never_after_an_opt_out_even_for_a_safety_topic() -> None:
    injury = text_about(
        Intent.OTHER,
        conversation=ConversationFacts(opted_out=True),
        classification=attrs.evolve(
            text_about(Intent.OTHER).classification, blacklisted_topic="injury"
        ),
    )

    decision = decide(injury, SETTINGS)

    assert (decision.kind, decision.reason) == (DecisionKind.ESCALATE, Reason.BLACKLISTED_TOPIC)
    assert decision.message is None


def test_at_most_once_per_conversation_per_hour() -> None:
    def told(ago: timedelta) -> ConversationFacts:
        return ConversationFacts(holding_reply_at=NOW - ago)

    within = decide(text_about(Intent.OTHER, conversation=told(timedelta(minutes=59))), SETTINGS)
    after = decide(text_about(Intent.OTHER, conversation=told(HOLDING_REPLY_EVERY)), SETTINGS)

    assert within.message is None
    assert after.message == Message(Template.HOLDING_REPLY)


def test_the_sending_rails_hold_it_like_any_automatic_text() -> None:
    full_hour = decide(text_about(Intent.OTHER, sent_this_hour=10), SETTINGS)
    no_automatic = decide(text_about(Intent.OTHER), with_globals(send_automatic_responses=False))

    assert full_hour.message is None
    assert no_automatic.message is None


def test_the_holding_reply_goes_out_once_an_hour_and_replays_the_same() -> None:
    venue = Venue()
    first = venue.customer_texts("asdf qwerty", SOMETHING_ELSE)
    second = venue.customer_texts("hello??", SOMETHING_ELSE)
    venue.claw_dispatches()

    assert first is not None
    assert second is not None
    assert (first.reply, second.reply) == (HOLDING, None)
    assert venue.texts_to() == [HOLDING]
    [queued] = venue.texts()
    assert queued.purpose is ReplyPurpose.HOLDING_REPLY
    assert venue.staff_alerts() == ["Customer needs staff", "Customer needs staff"]

    # Replayed from its events, the conversation remembers when it was told.
    rebuilt = venue.app.repository.get(venue.conversation().id)
    assert rebuilt.holding_reply_at is not None
    assert rebuilt.holding_reply_at == venue.conversation().holding_reply_at
    # It answered nothing, so the tickets keep no holding text as their summary.
    assert all(ticket.summary != HOLDING for ticket in rebuilt.tickets.values())

    venue.time_passes(61)
    third = venue.customer_texts("anyone there?", SOMETHING_ELSE, customer=CUSTOMER)
    assert third is not None
    assert third.reply == HOLDING


# The venue's own words per topic (issue #11: holding replies live in the knowledge) -----

REFUND_WORDS = "Thanks, the manager reads refund texts every morning and will reply by 10am."


def test_a_topic_with_its_own_holding_reply_says_it() -> None:
    refund = attrs.evolve(text_about(Intent.REFUND_COMPLAINT), holding_reply=REFUND_WORDS)

    decision = decide(refund, SETTINGS)

    assert decision.kind is DecisionKind.ESCALATE
    assert decision.message == Message(Template.HOLDING_REPLY, text=REFUND_WORDS)
    assert decision.reply == REFUND_WORDS


def test_without_its_own_words_a_topic_gets_the_standard_sentence() -> None:
    decision = decide(attrs.evolve(text_about(Intent.OTHER), holding_reply=None), SETTINGS)

    assert decision.message == Message(Template.HOLDING_REPLY)
    assert decision.reply == HOLDING


def test_the_venue_words_are_read_for_the_decisions_topic_with_placeholders_filled() -> None:
    document = demo_document()
    document["holding_replies"] = {"refund_complaint": "Thanks! {venue_name} staff will reply."}
    venue = venue_of_document(document)

    refund = with_holding_reply(text_about(Intent.REFUND_COMPLAINT), venue)
    other = with_holding_reply(text_about(Intent.OTHER), venue)

    assert refund.holding_reply == "Thanks! Harbourside Golf Club staff will reply."
    assert decide(refund, SETTINGS).reply == "Thanks! Harbourside Golf Club staff will reply."
    assert other.holding_reply is None
    assert decide(other, SETTINGS).reply == HOLDING
