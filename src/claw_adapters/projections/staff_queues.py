"""The two queues staff work through, one implementation: suggestions to review, tickets to resolve.

Each is a row per decision that handed something to staff, keyed
``<conversation>:<decision number>``, showing who the customer is and what they
last said; what opens, changes and closes a row is all that differs.

- ``review_queue``: suggestions waiting for staff (approve, edit and send, or
  reject); the row goes when staff decide.
- ``tickets``: escalations, open until someone resolves them.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from claw_adapters.projections.base import (
    Fold,
    conversation_state,
    decision_key,
    remember_customer,
    remember_text,
    text_of_decision,
)
from claw_adapters.projections.events import RecordedEvent, iso
from claw_adapters.projections.store import Documents
from claw_domain import events
from claw_domain.decisions import Decision

REVIEW_QUEUE = "review_queue"
TICKETS = "tickets"


@attrs.frozen
class StaffQueue:
    """A projection of rows staff work through: ``row_folds`` open, change and close them."""

    name: str
    row_folds: Mapping[type, Fold]

    folds: Mapping[type, Fold] = attrs.field(init=False)

    @folds.default
    def _with_customer_and_text(self) -> Mapping[type, Fold]:
        # Every queue remembers who the customer is and what they last said.
        return {
            events.ConversationStarted: remember_customer,
            events.TextReceived: remember_text,
            events.TextClassified: remember_text,
            **self.row_folds,
        }


def _open_row(event: RecordedEvent, documents: Documents, **fields: object) -> None:
    """A decision hands something to staff: who, what they said, why, and ``fields``."""
    recorded = event.event
    decision: Decision = recorded.decision
    documents.put(
        decision_key(event.originator_id, recorded.number),
        {
            "conversation_id": str(event.originator_id),
            "number": recorded.number,
            "customer": conversation_state(documents, event.originator_id)["customer"],
            "text": text_of_decision(documents, event.originator_id),
            "intent": decision.intent.value,
            "reason": decision.reason.value,
            **fields,
        },
    )


# The review queue ------------------------------------------------------------------------


def _suggested(event: RecordedEvent, documents: Documents) -> None:
    recorded = event.event
    decision: Decision = recorded.decision
    _open_row(
        event,
        documents,
        at=iso(event.at),
        # The aggregate drafts from the recorded reply, else the policy's.
        draft=recorded.reply if recorded.reply is not None else decision.reply,
        confidence=decision.confidence,
        action=decision.action.value if decision.action else None,
        drafted_by=None,  # the model's name when a language model drafted it
    )


def _drafted(event: RecordedEvent, documents: Documents) -> None:
    recorded = event.event
    key = decision_key(event.originator_id, recorded.decision_number)
    waiting = documents.get(key)
    if waiting is not None:
        waiting.update(draft=recorded.draft, drafted_by=recorded.usage.model)
        documents.put(key, waiting)


def _decided_by_staff(event: RecordedEvent, documents: Documents) -> None:
    documents.delete(decision_key(event.originator_id, event.event.decision_number))


def review_queue() -> StaffQueue:
    staff_decisions = (
        events.SuggestionApproved,
        events.SuggestionEdited,
        events.SuggestionRevised,
        events.SuggestionRejected,
    )
    return StaffQueue(
        REVIEW_QUEUE,
        {
            events.DecidedToSuggest: _suggested,
            events.SuggestionDrafted: _drafted,
            **dict.fromkeys(staff_decisions, _decided_by_staff),
        },
    )


# Tickets -----------------------------------------------------------------------------------


def _escalated(event: RecordedEvent, documents: Documents) -> None:
    _open_row(
        event,
        documents,
        status="open",
        opened_at=iso(event.at),
        summary=event.event.reply or "",
        resolved_at=None,
        resolved_by=None,
    )


def _resolved(event: RecordedEvent, documents: Documents) -> None:
    recorded = event.event
    key = decision_key(event.originator_id, recorded.decision_number)
    ticket = documents.get(key)
    if ticket is not None:
        ticket.update(status="resolved", resolved_at=iso(recorded.at), resolved_by=recorded.actor)
        documents.put(key, ticket)


def tickets() -> StaffQueue:
    return StaffQueue(
        TICKETS, {events.DecidedToEscalate: _escalated, events.TicketResolved: _resolved}
    )
