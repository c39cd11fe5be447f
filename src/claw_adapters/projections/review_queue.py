"""Suggestions waiting for staff: approve, edit and send, or reject.

One row per waiting suggestion, keyed ``<conversation>:<decision number>``;
the row goes when staff decide.
"""

from __future__ import annotations

from claw_adapters.projections.base import (
    conversation_state,
    remember_customer,
    remember_text,
    text_of_decision,
)
from claw_adapters.projections.events import EventName, RecordedEvent, iso
from claw_adapters.projections.store import Documents
from claw_domain.decisions import Decision

REVIEW_QUEUE = "review_queue"


def suggestion_key(conversation_id: object, number: int) -> str:
    return f"{conversation_id}:{number}"


class ReviewQueueProjection:
    name = REVIEW_QUEUE
    events: frozenset[str] = frozenset(
        {
            EventName.CONVERSATION_STARTED,
            EventName.TEXT_RECEIVED,
            EventName.TEXT_CLASSIFIED,
            EventName.DECIDED_TO_SUGGEST,
            EventName.SUGGESTION_DRAFTED,
            EventName.SUGGESTION_APPROVED,
            EventName.SUGGESTION_EDITED,
            EventName.SUGGESTION_REJECTED,
        }
    )

    def apply(self, event: RecordedEvent, documents: Documents) -> None:
        recorded = event.event
        if event.name is EventName.CONVERSATION_STARTED:
            remember_customer(event, documents)
        elif event.name in (EventName.TEXT_RECEIVED, EventName.TEXT_CLASSIFIED):
            remember_text(event, documents)
        elif event.name is EventName.DECIDED_TO_SUGGEST:
            decision: Decision = recorded.decision
            documents.put(
                suggestion_key(event.originator_id, recorded.number),
                {
                    "conversation_id": str(event.originator_id),
                    "number": recorded.number,
                    "customer": conversation_state(documents, event.originator_id)["customer"],
                    "text": text_of_decision(documents, event.originator_id),
                    "at": iso(event.at),
                    # The aggregate drafts from the recorded reply, else the policy's.
                    "draft": recorded.reply if recorded.reply is not None else decision.reply,
                    "intent": decision.intent.value,
                    "reason": decision.reason.value,
                    "confidence": decision.confidence,
                    "action": decision.action.value if decision.action else None,
                    "drafted_by": None,  # the model's name when a language model drafted it
                },
            )
        elif event.name is EventName.SUGGESTION_DRAFTED:
            key = suggestion_key(event.originator_id, recorded.decision_number)
            waiting = documents.get(key)
            if waiting is not None:
                waiting.update(draft=recorded.draft, drafted_by=recorded.usage.model)
                documents.put(key, waiting)
        else:
            documents.delete(suggestion_key(event.originator_id, recorded.decision_number))
