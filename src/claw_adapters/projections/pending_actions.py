"""Open pending actions: waiting for the customer, for staff, or about to run.

A row per action from ``ActionRequested`` until it closes (succeeded, failed,
unknown, declined, rejected, expired, cancelled); the audit keeps the history.
"""

from __future__ import annotations

from claw_adapters.projections.base import conversation_state, remember_customer
from claw_adapters.projections.events import (
    ACTION_CLOSING_EVENTS,
    EventName,
    RecordedEvent,
    iso,
)
from claw_adapters.projections.store import Document, Documents
from claw_domain.values import ActionParameters

PENDING_ACTIONS = "pending_actions"


def describe_target(parameters: ActionParameters) -> str:
    """Where the action applies, from the recorded parameters alone (no venue lookup)."""
    parts = [parameters.location]
    if parameters.box is not None:
        parts.append(f"box {parameters.box}")
    if parameters.door_name:
        parts.append(parameters.door_name)
    return " ".join(parts)


def _status(row: Document) -> str:
    return "awaiting" if row["needs_confirmation"] or row["needs_approval"] else "ready"


class PendingActionsProjection:
    name = PENDING_ACTIONS
    events: frozenset[str] = frozenset(
        ACTION_CLOSING_EVENTS
        | {
            EventName.CONVERSATION_STARTED,
            EventName.ACTION_REQUESTED,
            EventName.CUSTOMER_CONFIRMED,
            EventName.STAFF_APPROVED,
            EventName.STAFF_APPROVAL_IGNORED,
            EventName.EXECUTION_STARTED,
        }
    )

    def apply(self, event: RecordedEvent, documents: Documents) -> None:
        recorded = event.event
        key = str(event.originator_id)
        if event.name is EventName.CONVERSATION_STARTED:
            remember_customer(event, documents)
            return
        if event.name is EventName.ACTION_REQUESTED:
            row: Document = {
                "action_id": key,
                "conversation_id": str(recorded.conversation_id),
                "customer": conversation_state(documents, recorded.conversation_id)["customer"],
                "kind": recorded.kind.value,
                "intent": recorded.intent.value,
                "target": describe_target(recorded.parameters),
                "location": recorded.parameters.location,
                "box": recorded.parameters.box,
                "requested_at": iso(recorded.at),
                "deadline": iso(recorded.deadline),
                "needs_confirmation": recorded.requires_confirmation,
                "needs_approval": recorded.requires_approval,
                "approved_by": None,
                "approval_ignored": None,
            }
            row["status"] = _status(row)
            documents.put(key, row)
            return
        if event.name in ACTION_CLOSING_EVENTS:
            documents.delete(key)
            return
        found = documents.get(key)
        if found is None:
            return
        if event.name is EventName.CUSTOMER_CONFIRMED:
            found["needs_confirmation"] = False
        elif event.name is EventName.STAFF_APPROVED:
            found.update(needs_approval=False, approved_by=recorded.actor, approval_ignored=None)
        elif event.name is EventName.STAFF_APPROVAL_IGNORED:
            # Back to waiting for staff, with the reason the approval did not count.
            found.update(
                needs_approval=True, approved_by=None, approval_ignored=recorded.reason.value
            )
        found["status"] = (
            "executing" if event.name is EventName.EXECUTION_STARTED else _status(found)
        )
        documents.put(key, found)
