"""The worker's durable timers, read from the log instead of held in memory.

Two kinds of row: a conversation with texts newer than its last decision,
due one debounce after its latest text (customers split a message over
several texts); and an open pending action, due at its deadline.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from claw_adapters.projections.base import conversation_state_key
from claw_adapters.projections.events import (
    ACTION_CLOSING_EVENTS,
    DECISION_EVENTS,
    EventName,
    RecordedEvent,
    iso,
    parse_iso,
)
from claw_adapters.projections.store import Documents, ProjectionStore

WORK = "work"
DEFAULT_DEBOUNCE_SECONDS = 8.0


class WorkKind(enum.StrEnum):
    CONVERSATION = "conversation"  # texts to understand and decide on
    ACTION_DEADLINE = "action_deadline"  # an open pending action to expire


@attrs.frozen
class WorkItem:
    kind: WorkKind
    id: UUID  # the conversation or the pending action
    due_at: datetime


def _later(current: str | None, candidate: str) -> str:
    return candidate if current is None or candidate > current else current


@attrs.frozen
class WorkProjection:
    """``debounce_seconds`` is part of the projection: change it, then rebuild."""

    debounce_seconds: float = DEFAULT_DEBOUNCE_SECONDS
    name: str = WORK
    events: frozenset[str] = frozenset(
        DECISION_EVENTS
        | ACTION_CLOSING_EVENTS
        | {
            EventName.TEXT_RECEIVED,
            EventName.TEXTS_PROCESSED,
            EventName.ACTION_REQUESTED,
            EventName.EXECUTION_STARTED,
        }
    )

    def apply(self, event: RecordedEvent, documents: Documents) -> None:
        recorded = event.event
        if event.name is EventName.ACTION_REQUESTED:
            documents.put(
                f"action:{event.originator_id}",
                {
                    "kind": WorkKind.ACTION_DEADLINE.value,
                    "id": str(event.originator_id),
                    "due_at": iso(recorded.deadline),
                },
            )
        elif event.name is EventName.EXECUTION_STARTED or event.name in ACTION_CLOSING_EVENTS:
            # Once started, the dispatcher owns it; once closed, nothing is left to time.
            documents.delete(f"action:{event.originator_id}")
        else:
            self._conversation(event, documents)

    def _conversation(self, event: RecordedEvent, documents: Documents) -> None:
        state_key = conversation_state_key(event.originator_id)
        state = documents.get(state_key) or {"texts": 0, "processed": 0, "last_text_at": None}
        recorded = event.event
        if event.name is EventName.TEXT_RECEIVED:
            state["texts"] += 1
            state["last_text_at"] = _later(state["last_text_at"], iso(recorded.text.sent_at))
        else:  # a decision or TextsProcessed: both carry how far the texts were handled
            state["processed"] = max(state["processed"], recorded.through)
        documents.put(state_key, state)
        key = f"conversation:{event.originator_id}"
        if state["texts"] > state["processed"] and state["last_text_at"] is not None:
            due = parse_iso(state["last_text_at"]) + timedelta(seconds=self.debounce_seconds)
            documents.put(
                key,
                {
                    "kind": WorkKind.CONVERSATION.value,
                    "id": str(event.originator_id),
                    "due_at": iso(due),
                    "unprocessed": state["texts"] - state["processed"],
                },
            )
        else:
            documents.delete(key)


def due_work(store: ProjectionStore, now: datetime, limit: int = 100) -> list[WorkItem]:
    """What the worker should do now, earliest first.

    An action is due at its deadline, but ``expire_action`` needs ``now`` past
    it: an item found exactly on time simply comes up again on the next tick.
    """
    cutoff = iso(now)
    items = []
    for row in store.rows(WORK, order_by="due_at", limit=limit):
        if row.document["due_at"] > cutoff:
            break
        items.append(
            WorkItem(
                kind=WorkKind(row.document["kind"]),
                id=UUID(row.document["id"]),
                due_at=parse_iso(row.document["due_at"]),
            )
        )
    return items


def next_due(store: ProjectionStore) -> datetime | None:
    """When the earliest item falls due, so the worker can sleep until then."""
    rows = store.rows(WORK, order_by="due_at", limit=1)
    return parse_iso(rows[0].document["due_at"]) if rows else None
