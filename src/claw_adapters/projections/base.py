"""What every projection is: a name, the events it reads, and how it folds one in."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from claw_adapters.projections.events import RecordedEvent, mask_number
from claw_adapters.projections.store import Document, Documents


class Projection(Protocol):
    """A fold of events into documents.

    ``apply`` must depend only on the events and the documents (never on a
    clock or on the object's own attributes changing), so a rebuild from the
    log gives exactly the documents the live projection holds.
    """

    @property
    def name(self) -> str: ...

    @property
    def events(self) -> frozenset[str]: ...

    def apply(self, event: RecordedEvent, documents: Documents) -> None: ...


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
    recorded = event.event
    text = recorded.text
    state["text"] = text if isinstance(text, str) else text.body
    documents.put(key, state)


def text_of_decision(documents: Documents, conversation_id: UUID) -> str:
    """The customer's text the conversation's latest decision was about ("" if none kept)."""
    text = conversation_state(documents, conversation_id).get("text")
    return text if isinstance(text, str) else ""
