"""The conversation list: who, when, what they last said, what claw last decided, what is unread."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from claw_adapters.projections.base import (
    Fold,
    outbox_item,
    remember_outbox_item,
    updating_row,
)
from claw_adapters.projections.events import (
    DECISIONS,
    RecordedEvent,
    iso,
    mask_number,
    settles_text,
)
from claw_adapters.projections.store import Document, Documents
from claw_domain import events
from claw_domain.decisions import Decision

CONVERSATIONS = "conversations"

Update = Callable[[RecordedEvent, Document], None]


def _later(current: str | None, candidate: str) -> str:
    return candidate if current is None or candidate > current else current


def _started(event: RecordedEvent, documents: Documents) -> None:
    key = str(event.originator_id)
    recorded = event.event
    documents.put(
        key,
        {
            "conversation_id": key,
            "customer": mask_number(recorded.customer_number),
            "venue_line": recorded.venue_line,
            "started_at": iso(recorded.at),
            "last_message_at": None,
            "last_inbound_at": None,
            "last_text": None,
            "last_decision": None,
            "last_reason": None,
            "last_intent": None,
            "last_decision_at": None,
            "decisions": 0,
            "opted_out": False,
            "staff_active_until": None,
            "texts": 0,
            "processed": 0,
            "unprocessed": 0,
        },
    )


def _text_received(event: RecordedEvent, row: Document) -> None:
    text = event.event.text
    at = iso(text.sent_at)
    row["texts"] += 1
    if row["last_inbound_at"] is None or at >= row["last_inbound_at"]:
        row["last_text"] = text.body
    row["last_inbound_at"] = _later(row["last_inbound_at"], at)
    row["last_message_at"] = _later(row["last_message_at"], at)


def _texts_processed(event: RecordedEvent, row: Document) -> None:
    row["processed"] = max(row["processed"], event.event.through)


def _decided(event: RecordedEvent, row: Document) -> None:
    recorded = event.event
    decision: Decision = recorded.decision
    row["processed"] = max(row["processed"], recorded.through)
    row["decisions"] = row.get("decisions", 0) + 1
    row.update(
        last_decision=decision.kind.value,
        last_reason=decision.reason.value,
        last_intent=decision.intent.value,
        last_decision_at=iso(recorded.at),
    )


def _staff_texted(event: RecordedEvent, row: Document) -> None:
    recorded = event.event
    row["staff_active_until"] = _later(row["staff_active_until"], iso(recorded.paused_until))
    row["last_message_at"] = _later(row["last_message_at"], iso(recorded.at))


def _opted_out(_event: RecordedEvent, row: Document) -> None:
    row["opted_out"] = True


def _opted_in(_event: RecordedEvent, row: Document) -> None:
    row["opted_out"] = False


def _reply_sent(event: RecordedEvent, row: Document) -> None:
    row["last_message_at"] = _later(row["last_message_at"], iso(event.event.at))


def _recount(_event: RecordedEvent, row: Document) -> None:
    row["unprocessed"] = row["texts"] - row["processed"]


def _on_row(update: Update) -> Fold:
    """A fold that changes the conversation's row, if it has one, and recounts what is unread."""
    return updating_row(update, _recount)


def _text_queued(event: RecordedEvent, documents: Documents) -> None:
    remember_outbox_item(event, documents)


def _text_outcome(event: RecordedEvent, documents: Documents) -> None:
    """A text's conversation is on its first event; the last (sent or given up) forgets it.

    A text claw retries keeps it. Only a text sent changes the conversation's row.
    """
    item = outbox_item(documents, event.originator_id, settled=settles_text(event.event))
    if item is None or event.event_class is not events.TextSent:
        return
    key = item["conversation_id"]
    row = documents.get(key)
    if row is None:
        return
    _reply_sent(event, row)
    _recount(event, row)
    documents.put(key, row)


class ConversationsProjection:
    name = CONVERSATIONS
    folds: Mapping[type, Fold] = {
        events.ConversationStarted: _started,
        events.TextReceived: _on_row(_text_received),
        events.TextsProcessed: _on_row(_texts_processed),
        **dict.fromkeys(DECISIONS, _on_row(_decided)),
        events.StaffTextSent: _on_row(_staff_texted),
        events.OptedOut: _on_row(_opted_out),
        events.OptedIn: _on_row(_opted_in),
        events.ReplySent: _on_row(_reply_sent),
        events.TextQueued: _text_queued,
        events.TextSent: _text_outcome,
        events.TextFailed: _text_outcome,
        events.TextWithheld: _text_outcome,
    }
