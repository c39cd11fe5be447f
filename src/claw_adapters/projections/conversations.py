"""The conversation list: who, when, what they last said, what claw last decided, what is unread."""

from __future__ import annotations

from claw_adapters.projections.base import outbox_item, remember_outbox_item
from claw_adapters.projections.events import (
    DECISION_EVENTS,
    EventName,
    RecordedEvent,
    iso,
    mask_number,
    settles_text,
)
from claw_adapters.projections.store import Document, Documents
from claw_domain.decisions import Decision

CONVERSATIONS = "conversations"


def _later(current: str | None, candidate: str) -> str:
    return candidate if current is None or candidate > current else current


class ConversationsProjection:
    name = CONVERSATIONS
    events: frozenset[str] = frozenset(
        DECISION_EVENTS
        | {
            EventName.CONVERSATION_STARTED,
            EventName.TEXT_RECEIVED,
            EventName.TEXTS_PROCESSED,
            EventName.STAFF_TEXT_SENT,
            EventName.OPTED_OUT,
            EventName.OPTED_IN,
            EventName.REPLY_SENT,
            EventName.TEXT_QUEUED,
            EventName.TEXT_SENT,
            EventName.TEXT_FAILED,
            EventName.TEXT_WITHHELD,
        }
    )

    def apply(self, event: RecordedEvent, documents: Documents) -> None:
        key = str(event.originator_id)
        recorded = event.event
        if event.name is EventName.TEXT_QUEUED:
            remember_outbox_item(event, documents)
            return
        if event.name in (EventName.TEXT_SENT, EventName.TEXT_FAILED, EventName.TEXT_WITHHELD):
            # A text's conversation is on its first event; the last (sent or given up)
            # forgets it. A text claw retries keeps it.
            settled = settles_text(event.name, recorded)
            item = outbox_item(documents, event.originator_id, settled=settled)
            if item is None or event.name is not EventName.TEXT_SENT:
                return
            key = item["conversation_id"]
        if event.name is EventName.CONVERSATION_STARTED:
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
            return
        row = documents.get(key)
        if row is None:
            return
        self._update(event, row)
        row["unprocessed"] = row["texts"] - row["processed"]
        documents.put(key, row)

    @staticmethod
    def _update(event: RecordedEvent, row: Document) -> None:
        recorded = event.event
        name = event.name
        if name is EventName.TEXT_RECEIVED:
            at = iso(recorded.text.sent_at)
            row["texts"] += 1
            if row["last_inbound_at"] is None or at >= row["last_inbound_at"]:
                row["last_text"] = recorded.text.body
            row["last_inbound_at"] = _later(row["last_inbound_at"], at)
            row["last_message_at"] = _later(row["last_message_at"], at)
        elif name is EventName.TEXTS_PROCESSED:
            row["processed"] = max(row["processed"], recorded.through)
        elif name in DECISION_EVENTS:
            decision: Decision = recorded.decision
            row["processed"] = max(row["processed"], recorded.through)
            row["decisions"] = row.get("decisions", 0) + 1
            row.update(
                last_decision=decision.kind.value,
                last_reason=decision.reason.value,
                last_intent=decision.intent.value,
                last_decision_at=iso(recorded.at),
            )
        elif name is EventName.STAFF_TEXT_SENT:
            row["staff_active_until"] = _later(
                row["staff_active_until"], iso(recorded.paused_until)
            )
            row["last_message_at"] = _later(row["last_message_at"], iso(recorded.at))
        elif name in (EventName.OPTED_OUT, EventName.OPTED_IN):
            row["opted_out"] = name is EventName.OPTED_OUT
        elif name in (EventName.REPLY_SENT, EventName.TEXT_SENT):
            row["last_message_at"] = _later(row["last_message_at"], iso(recorded.at))
