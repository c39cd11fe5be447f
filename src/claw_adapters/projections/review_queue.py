"""Suggestions waiting for staff: approve, edit and send, or reject.

One row per waiting suggestion, keyed ``<conversation>:<decision number>``;
the row goes when staff decide.
"""

from __future__ import annotations

from collections.abc import Mapping

from claw_adapters.projections.base import (
    CUSTOMER_AND_TEXT,
    Fold,
    decision_key,
    open_row,
    opened_at,
)
from claw_adapters.projections.events import RecordedEvent
from claw_adapters.projections.store import Documents
from claw_domain import events
from claw_domain.decisions import Decision

REVIEW_QUEUE = "review_queue"


def suggestion_key(conversation_id: object, number: int) -> str:
    return decision_key(conversation_id, number)


def _suggested(event: RecordedEvent, documents: Documents) -> None:
    recorded = event.event
    decision: Decision = recorded.decision
    open_row(
        event,
        documents,
        at=opened_at(event),
        # The aggregate drafts from the recorded reply, else the policy's.
        draft=recorded.reply if recorded.reply is not None else decision.reply,
        intent=decision.intent.value,
        reason=decision.reason.value,
        confidence=decision.confidence,
        action=decision.action.value if decision.action else None,
        drafted_by=None,  # the model's name when a language model drafted it
    )


def _drafted(event: RecordedEvent, documents: Documents) -> None:
    recorded = event.event
    key = suggestion_key(event.originator_id, recorded.decision_number)
    waiting = documents.get(key)
    if waiting is not None:
        waiting.update(draft=recorded.draft, drafted_by=recorded.usage.model)
        documents.put(key, waiting)


def _decided_by_staff(event: RecordedEvent, documents: Documents) -> None:
    documents.delete(suggestion_key(event.originator_id, event.event.decision_number))


class ReviewQueueProjection:
    name = REVIEW_QUEUE
    folds: Mapping[type, Fold] = {
        **CUSTOMER_AND_TEXT,
        events.DecidedToSuggest: _suggested,
        events.SuggestionDrafted: _drafted,
        events.SuggestionApproved: _decided_by_staff,
        events.SuggestionEdited: _decided_by_staff,
        events.SuggestionRejected: _decided_by_staff,
    }
