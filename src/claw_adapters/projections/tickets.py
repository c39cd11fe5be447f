"""Escalations handed to staff, open until someone resolves them."""

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

TICKETS = "tickets"


def ticket_key(conversation_id: object, number: int) -> str:
    return f"{conversation_id}:{number}"


class TicketsProjection:
    name = TICKETS
    events: frozenset[str] = frozenset(
        {
            EventName.CONVERSATION_STARTED,
            EventName.TEXT_RECEIVED,
            EventName.TEXT_CLASSIFIED,
            EventName.DECIDED_TO_ESCALATE,
            EventName.TICKET_RESOLVED,
        }
    )

    def apply(self, event: RecordedEvent, documents: Documents) -> None:
        recorded = event.event
        if event.name is EventName.CONVERSATION_STARTED:
            remember_customer(event, documents)
        elif event.name in (EventName.TEXT_RECEIVED, EventName.TEXT_CLASSIFIED):
            remember_text(event, documents)
        elif event.name is EventName.DECIDED_TO_ESCALATE:
            decision: Decision = recorded.decision
            documents.put(
                ticket_key(event.originator_id, recorded.number),
                {
                    "conversation_id": str(event.originator_id),
                    "number": recorded.number,
                    "customer": conversation_state(documents, event.originator_id)["customer"],
                    "text": text_of_decision(documents, event.originator_id),
                    "status": "open",
                    "opened_at": iso(event.at),
                    "reason": decision.reason.value,
                    "intent": decision.intent.value,
                    "summary": recorded.reply or "",
                    "resolved_at": None,
                    "resolved_by": None,
                },
            )
        else:
            key = ticket_key(event.originator_id, recorded.decision_number)
            ticket = documents.get(key)
            if ticket is not None:
                ticket.update(status="resolved", resolved_at=iso(recorded.at))
                ticket["resolved_by"] = recorded.actor
                documents.put(key, ticket)
