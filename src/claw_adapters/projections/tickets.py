"""Escalations handed to staff, open until someone resolves them."""

from __future__ import annotations

from collections.abc import Mapping

from claw_adapters.projections.base import (
    CUSTOMER_AND_TEXT,
    Fold,
    decision_key,
    open_row,
    opened_at,
)
from claw_adapters.projections.events import RecordedEvent, iso
from claw_adapters.projections.store import Documents
from claw_domain import events
from claw_domain.decisions import Decision

TICKETS = "tickets"


def ticket_key(conversation_id: object, number: int) -> str:
    return decision_key(conversation_id, number)


def _escalated(event: RecordedEvent, documents: Documents) -> None:
    recorded = event.event
    decision: Decision = recorded.decision
    open_row(
        event,
        documents,
        status="open",
        opened_at=opened_at(event),
        reason=decision.reason.value,
        intent=decision.intent.value,
        summary=recorded.reply or "",
        resolved_at=None,
        resolved_by=None,
    )


def _resolved(event: RecordedEvent, documents: Documents) -> None:
    recorded = event.event
    key = ticket_key(event.originator_id, recorded.decision_number)
    ticket = documents.get(key)
    if ticket is not None:
        ticket.update(status="resolved", resolved_at=iso(recorded.at), resolved_by=recorded.actor)
        documents.put(key, ticket)


class TicketsProjection:
    name = TICKETS
    folds: Mapping[type, Fold] = {
        **CUSTOMER_AND_TEXT,
        events.DecidedToEscalate: _escalated,
        events.TicketResolved: _resolved,
    }
