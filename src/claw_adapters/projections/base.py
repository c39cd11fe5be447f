"""What every projection is (a name and its folds by event class), and the folds they share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol
from uuid import UUID

from claw_adapters.projections.events import RecordedEvent, mask_number
from claw_adapters.projections.store import Document, Documents

Fold = Callable[[RecordedEvent, Documents], None]


class Projection(Protocol):
    """A fold of events into documents, routed by the event's class.

    ``folds`` maps each event class the projection reads to the function that
    folds one in; the projector reads only those classes. A fold must depend
    only on the event and the documents (never on a clock or on the object's
    own attributes changing), so a rebuild from the log gives exactly the
    documents the live projection holds.
    """

    @property
    def name(self) -> str: ...

    @property
    def folds(self) -> Mapping[type, Fold]: ...


def conversation_state_key(conversation_id: UUID) -> str:
    return f"~conversation:{conversation_id}"


def action_state_key(action_id: UUID) -> str:
    return f"~action:{action_id}"


def conversation_state(documents: Documents, conversation_id: UUID) -> Document:
    """A projection's private notes on a conversation (always at least the masked customer)."""
    return documents.get(conversation_state_key(conversation_id)) or {"customer": None}


def remember_customer(event: RecordedEvent, documents: Documents) -> None:
    """On ``ConversationStarted``: keep the masked number for the conversation's later rows."""
    key = conversation_state_key(event.originator_id)
    state = documents.get(key) or {}
    state["customer"] = mask_number(event.event.customer_number)
    documents.put(key, state)


def remember_text(event: RecordedEvent, documents: Documents) -> None:
    """On ``TextReceived`` or ``TextClassified``: keep what the customer last said.

    A decision does not carry the text it was about; the text understood just
    before it (or, for a bare yes/no, the text received) is what staff read.
    """
    key = conversation_state_key(event.originator_id)
    state = documents.get(key) or {"customer": None}
    text = event.event.text
    state["text"] = text if isinstance(text, str) else text.body
    documents.put(key, state)


def text_of_decision(documents: Documents, conversation_id: UUID) -> str:
    """The customer's text the conversation's latest decision was about ("" if none kept)."""
    text = conversation_state(documents, conversation_id).get("text")
    return text if isinstance(text, str) else ""


def updating_row(*updates: Callable[[RecordedEvent, Document], None]) -> Fold:
    """A fold that applies ``updates`` in turn to the row keyed by the event's aggregate, if any."""

    def fold(event: RecordedEvent, documents: Documents) -> None:
        key = str(event.originator_id)
        row = documents.get(key)
        if row is None:
            return
        for update in updates:
            update(event, row)
        documents.put(key, row)

    return fold


def decision_key(conversation_id: object, number: int) -> str:
    """A staff queue row's key: the conversation and the decision that opened it."""
    return f"{conversation_id}:{number}"
