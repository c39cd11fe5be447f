"""Open pending actions: waiting for the customer, for staff, or about to run.

A row per action from ``ActionRequested`` until it closes (succeeded, failed,
unknown, declined, rejected, expired, cancelled); the audit keeps the history.
"""

from __future__ import annotations

from collections.abc import Mapping

from claw_adapters.projections.base import Fold, updating_row
from claw_adapters.projections.events import ACTION_CLOSINGS, RecordedEvent, iso, mask_number
from claw_adapters.projections.store import Document, Documents
from claw_domain import events
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


def _requested(event: RecordedEvent, documents: Documents) -> None:
    recorded = event.event
    key = str(event.originator_id)
    row: Document = {
        "action_id": key,
        "conversation_id": str(recorded.conversation_id),
        # The request carries the number: no notes on every conversation are needed.
        "customer": mask_number(recorded.customer_number),
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


def _closed(event: RecordedEvent, documents: Documents) -> None:
    documents.delete(str(event.originator_id))


def _confirmed(_event: RecordedEvent, row: Document) -> None:
    row["needs_confirmation"] = False


def _approved(event: RecordedEvent, row: Document) -> None:
    row.update(needs_approval=False, approved_by=event.event.actor, approval_ignored=None)


def _approval_ignored(event: RecordedEvent, row: Document) -> None:
    # Back to waiting for staff, with the reason the approval did not count.
    row.update(needs_approval=True, approved_by=None, approval_ignored=event.event.reason.value)


def _restatus(_event: RecordedEvent, row: Document) -> None:
    row["status"] = _status(row)


def _executing(_event: RecordedEvent, row: Document) -> None:
    row["status"] = "executing"


class PendingActionsProjection:
    name = PENDING_ACTIONS
    folds: Mapping[type, Fold] = {
        events.ActionRequested: _requested,
        events.CustomerConfirmed: updating_row(_confirmed, _restatus),
        events.StaffApproved: updating_row(_approved, _restatus),
        events.StaffApprovalIgnored: updating_row(_approval_ignored, _restatus),
        events.ExecutionStarted: updating_row(_executing),
        **dict.fromkeys(ACTION_CLOSINGS, _closed),
    }
