"""A conversation keeps bounded state, and a snapshot of it is that state, typed and sealed.

Given a customer who has texted hundreds of times, what their ``Conversation``
holds is no larger than after a few dozen texts; a snapshot stored through claw's
mapper comes back as the same conversation, with the number and words sealed;
and once the customer is forgotten no snapshot carries their words on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.persistence import JSONTranscoder

from claw_adapters.persistence.data_keys import DataKeys
from claw_adapters.persistence.key_tables import MemoryKeyTable
from claw_adapters.persistence.mapper import CattrsMapper
from claw_domain.conversation import (
    NEGATIVE_FEEDBACK_KEPT,
    RECENT_INBOUND_KEPT,
    RECENT_MESSAGE_IDS_KEPT,
    RECENT_TEXTS_KEPT,
    SETTLED_KEPT,
    Conversation,
)
from claw_domain.conversation_snapshot import (
    ConversationSnapshot,
    ConversationState,
    state_attribute_names,
)
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.privacy import FORGOTTEN
from claw_domain.slots import ContextUse, Slot, open_intent
from claw_domain.values import Classification, ClassificationSource, InboundText, Intent
from claw_domain.wording import Message, Template

LINE, ANN = "+19025550100", "+19025551111"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "my locker code is 4471"


def _text(n: int, at: datetime, body: str | None = None) -> InboundText:
    return InboundText(f"AC{n:05d}", LINE, ANN, body or f"{SECRET}, question {n}", at)


def _decision(kind: DecisionKind, reason: Reason, reply: str | None = None) -> Decision:
    message = Message(Template.KNOWLEDGE_ANSWER, text=reply) if reply is not None else None
    return Decision(kind, reason, Intent.HOURS, 0.9, settings_version=1, message=message)


def a_regular(visits: int) -> Conversation:
    """A customer who asks, is answered, has suggestions reviewed and tickets resolved."""
    conversation = Conversation(venue_line=LINE, customer_number=ANN, at=START)
    at = START
    for n in range(visits):
        at += timedelta(minutes=30)
        conversation.receive_text(_text(n, at))
        classification = Classification(Intent.HOURS, 0.9, ClassificationSource.PATTERN)
        conversation.record_classification(classification, f"question {n}", n + 1, at)
        if n % 3 == 0:
            number = conversation.record_decision(
                _decision(DecisionKind.SUGGEST, Reason.SUGGEST_MODE, "We open at 9."),
                at,
                through=n + 1,
            )
            conversation.approve_suggestion(number, "staff", at)
        elif n % 5 == 0:
            number = conversation.record_decision(
                _decision(DecisionKind.ESCALATE, Reason.LOW_CONFIDENCE),
                at,
                through=n + 1,
                reply=f"{SECRET}: needs a person",
            )
            conversation.resolve_ticket(number, "staff", at)
            conversation.record_feedback(positive=False, at=at)
        else:
            conversation.record_decision(
                _decision(DecisionKind.RESPOND, Reason.ANSWERED_FROM_KNOWLEDGE, "We open at 9."),
                at,
                through=n + 1,
                reply="We open at 9.",
            )
        conversation.record_staff_text(f"PNstaff{n}", at, timedelta(minutes=1))
    return conversation


def _sealing_mapper() -> CattrsMapper:
    mapper = CattrsMapper(transcoder=JSONTranscoder())
    mapper.keys = DataKeys(MemoryKeyTable())
    return mapper


def _state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def test_a_snapshot_carries_every_attribute_a_conversation_holds() -> None:
    conversation = a_regular(3)

    assert {field.name for field in attrs.fields(ConversationState)} == state_attribute_names(
        conversation
    )


def test_what_a_conversation_keeps_does_not_grow_with_its_history() -> None:
    conversation = a_regular(400)

    assert conversation.texts_received == 400
    assert conversation.decision_count == 400
    assert conversation.processed_inbound == 400
    assert len(conversation.inbound) == RECENT_TEXTS_KEPT
    assert conversation.inbound[-1].message_id == "AC00399"
    assert len(conversation.recent_inbound_times()) == RECENT_INBOUND_KEPT
    assert conversation.recent_inbound_times()[-1] == conversation.inbound[-1].sent_at
    assert len(conversation.recent_message_ids) == RECENT_MESSAGE_IDS_KEPT
    assert len(conversation.suggestions) == SETTLED_KEPT
    assert len(conversation.tickets) == SETTLED_KEPT
    assert len(conversation.negative_feedback_at) == NEGATIVE_FEEDBACK_KEPT
    assert conversation.last_decision is not None
    assert conversation.next_decision_number == 401


def test_a_redelivered_recent_text_is_still_a_duplicate_and_an_old_one_is_a_new_text() -> None:
    conversation = a_regular(400)
    at = START + timedelta(days=30)

    assert conversation.is_duplicate(_text(399 - RECENT_MESSAGE_IDS_KEPT + 1, at, "other"))
    assert not conversation.is_duplicate(_text(399 - RECENT_MESSAGE_IDS_KEPT, at, "other"))


def test_texts_not_yet_processed_are_all_kept_however_many() -> None:
    conversation = a_regular(10)
    at = START + timedelta(days=1)
    for n in range(10, 10 + RECENT_INBOUND_KEPT * 2):
        conversation.receive_text(_text(n, at + timedelta(seconds=20 * n)))

    assert len(conversation.unprocessed()) == RECENT_INBOUND_KEPT * 2
    assert conversation.unprocessed()[0].message_id == "AC00010"

    conversation.mark_processed(conversation.texts_received, at)
    assert conversation.unprocessed() == []
    assert len(conversation.inbound) == RECENT_TEXTS_KEPT


def test_a_snapshot_through_the_mapper_is_the_same_conversation_with_its_words_sealed() -> None:
    conversation = a_regular(60)
    mapper = _sealing_mapper()

    stored = mapper.to_stored_event(ConversationSnapshot.take(conversation))
    loaded = mapper.to_domain_event(stored).mutate(None)

    assert isinstance(loaded, Conversation)
    assert _state(loaded) == _state(conversation)
    assert isinstance(loaded.id, UUID)
    assert ANN.encode() not in stored.state
    assert SECRET.encode() not in stored.state
    assert b"needs a person" not in stored.state


def test_a_snapshot_taken_before_the_key_is_shredded_reads_as_forgotten_and_still_loads() -> None:
    conversation = a_regular(30)
    mapper = _sealing_mapper()
    stored = mapper.to_stored_event(ConversationSnapshot.take(conversation))
    keys = mapper.keys
    assert keys is not None

    keys.shred(keys.subject_of(ANN))
    loaded = mapper.to_domain_event(stored).mutate(None)

    assert loaded.customer_number == FORGOTTEN
    assert {text.body for text in loaded.inbound} == {FORGOTTEN}
    assert loaded.texts_received == 30
    assert loaded.decision_count == conversation.decision_count


def test_once_forgotten_no_snapshot_carries_the_customers_words_even_with_the_key_at_hand() -> None:
    conversation = a_regular(30)
    conversation.forget_customer("s-ann", "dpo", "request", START + timedelta(days=2))
    mapper = _sealing_mapper()

    snapshot = ConversationSnapshot.take(conversation)
    loaded = mapper.to_domain_event(mapper.to_stored_event(snapshot)).mutate(None)

    for held in (conversation, loaded):
        assert held.customer_number == FORGOTTEN
        assert {text.body for text in held.inbound} == {FORGOTTEN}
        assert {text.customer_number for text in held.inbound} == {FORGOTTEN}
        assert {ticket.summary for ticket in held.tickets.values()} == {FORGOTTEN}
        assert {s.draft for s in held.suggestions.values()} == {FORGOTTEN}
        assert held.last_decision is not None
        assert held.last_decision.reply in (None, FORGOTTEN)


def test_an_open_intent_and_the_last_answer_go_through_the_mapper_in_events_and_snapshots() -> None:
    at = datetime(2026, 5, 2, 21, 0, tzinfo=UTC)
    conversation = Conversation(venue_line=LINE, customer_number=ANN, at=at)
    conversation.receive_text(_text(1, at, "TrackMan frozen"))
    reset = Classification(Intent.TRACKMAN_RESET, 0.9, ClassificationSource.PATTERN)
    conversation.record_understood_in_context(
        reset, ContextUse.DETAILS_NOT_GIVEN, Intent.TRACKMAN_RESET, 1, at
    )
    waiting = open_intent(reset, (Slot.LOCATION, Slot.BOX), 1, at + timedelta(minutes=10))
    conversation.request_details(waiting, at)
    mapper = _sealing_mapper()

    read_back = [
        mapper.to_domain_event(mapper.to_stored_event(event))
        for event in conversation.collect_events()
    ]
    replayed = _replayed(read_back)
    snapshot = mapper.to_domain_event(mapper.to_stored_event(ConversationSnapshot.take(replayed)))
    loaded = snapshot.mutate(None)

    assert replayed.open_intent == waiting
    assert loaded.open_intent == waiting
    assert _state(loaded) == _state(replayed)


def _replayed(read_back: list[Any]) -> Conversation:
    aggregate: Any = None
    for event in read_back:
        aggregate = event.mutate(aggregate)
    assert isinstance(aggregate, Conversation)
    return aggregate
