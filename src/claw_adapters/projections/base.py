"""What every projection is (a name and its folds by event class), and the folds they share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
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


# Every fold of a rebuild asks for these keys; formatting a UUID each time added up.
_RECENT_KEYS = 4096


@lru_cache(maxsize=_RECENT_KEYS)
def conversation_state_key(conversation_id: UUID) -> str:
    return f"~conversation:{conversation_id}"


@lru_cache(maxsize=_RECENT_KEYS)
def action_state_key(action_id: UUID) -> str:
    return f"~action:{action_id}"


@lru_cache(maxsize=_RECENT_KEYS)
def outbox_state_key(item_id: UUID) -> str:
    return f"~outbox:{item_id}"


def remember_outbox_item(
    event: RecordedEvent, documents: Documents, *, with_words: bool = False
) -> Document:
    """On ``TextQueued`` or ``AlertRaised``: which conversation the item is about.

    Its later events (sent, failed, delivered...) name only the item; a projection
    finds the conversation here, and ``with_words`` the text or the alert's title.
    """
    recorded = event.event
    state: Document = {"conversation_id": str(recorded.conversation_id)}
    if with_words:
        # A text's words; an alert's title only (its body names the customer).
        title = getattr(recorded, "title", None)
        state.update({"title": title} if title is not None else {"body": recorded.body})
    documents.put(outbox_state_key(event.originator_id), state)
    return state


def outbox_item(documents: Documents, item_id: UUID, *, settled: bool) -> Document | None:
    """What ``remember_outbox_item`` kept; forgotten once the item is ``settled``."""
    key = outbox_state_key(item_id)
    state = documents.get(key)
    if settled and state is not None:
        documents.delete(key)
    return state


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
