"""The audit trail: one row per decision, effect, staff action and settings change.

Rows are keyed by their notification id, so they list in the order claw
recorded them and a rebuild gives every row the same key. Customer numbers
are masked; reply texts are kept because an audit must show what was sent.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

import attrs

from claw_adapters.projections.base import (
    Fold,
    action_state_key,
    conversation_state,
    conversation_state_key,
    outbox_item,
    remember_customer,
    remember_outbox_item,
)
from claw_adapters.projections.events import (
    ACTION_CLOSINGS,
    ALERT_OUTCOMES,
    DECISIONS,
    SETTINGS_CHANGES,
    TEXT_OUTCOMES,
    RecordedEvent,
    iso,
    settles_text,
)
from claw_adapters.projections.replies import follow_replies
from claw_adapters.projections.store import Document, Documents
from claw_domain import events
from claw_domain.decisions import Decision
from claw_domain.privacy import FORGOTTEN

AUDIT = "audit"


class AuditCategory(enum.StrEnum):
    DECISION = "decision"
    REPLY = "reply"
    ACTION = "action"
    CUSTOMER = "customer"
    STAFF = "staff"
    ALERT = "alert"
    SETTINGS = "settings"


@attrs.frozen
class AuditRow:
    at: str
    position: int
    event: str
    category: AuditCategory
    conversation_id: str | None = None
    customer: str | None = None
    decision: str | None = None
    reason: str | None = None
    intent: str | None = None
    confidence: float | None = None
    source: str | None = None
    settings_version: int | None = None
    reply: str | None = None
    action_id: str | None = None
    actor: str | None = None
    detail: str | None = None

    def to_document(self) -> Document:
        # Field by field rather than attrs.asdict, which looks for nested attrs
        # classes in every value: a third of a rebuild's audit time went there.
        document: Document = {name: getattr(self, name) for name in _ROW_FIELDS}
        document["category"] = self.category.value
        return document


_ROW_FIELDS = tuple(field.name for field in attrs.fields(AuditRow))


_CUSTOMER_DETAIL: Mapping[type, str] = {
    events.OptedOut: "opted out",
    events.OptedIn: "opted back in",
    events.CustomerConfirmed: "confirmed the action",
    events.CustomerDeclined: "declined the action",
}
Fields = tuple[AuditCategory, dict[str, Any]]
# What a conversation event's row says, given the conversation's private notes.
RowOf = Callable[[RecordedEvent, Document], Fields | None]


def _write(
    documents: Documents,
    event: RecordedEvent,
    category: AuditCategory,
    conversation: Document | None,
    conversation_id: UUID | None = None,
    **fields: Any,
) -> None:
    row = AuditRow(
        at=iso(event.at),
        position=event.position,
        event=event.name,
        category=category,
        conversation_id=str(conversation_id) if conversation_id else None,
        customer=conversation.get("customer") if conversation else None,
        **fields,
    )
    documents.put(f"{event.position:012d}", row.to_document())


def _on_conversation(row_of: RowOf) -> Fold:
    """A fold for a conversation event: its notes kept, its row written (if it has one)."""

    def fold(event: RecordedEvent, documents: Documents) -> None:
        key = conversation_state_key(event.originator_id)
        state = conversation_state(documents, event.originator_id)
        row = row_of(event, state)
        documents.put(key, state)
        if row is not None:
            category, fields = row
            _write(documents, event, category, state, event.originator_id, **fields)

    return fold


def _remember_outbox_item(event: RecordedEvent, documents: Documents) -> None:
    remember_outbox_item(event, documents, with_words=True)


def _outbox_item_and_notes(
    event: RecordedEvent, documents: Documents, *, settled: bool
) -> tuple[Document, Document, UUID] | None:
    """The outbox item an outcome names, its conversation's notes, and the conversation."""
    item = outbox_item(documents, event.originator_id, settled=settled)
    if item is None:
        return None  # its creation was never folded (a projection started mid-log)
    conversation_id = UUID(item["conversation_id"])
    return item, conversation_state(documents, conversation_id), conversation_id


def _text_outcome(event: RecordedEvent, documents: Documents) -> None:
    """A row for what became of a text to a customer."""
    recorded = event.event
    found = _outbox_item_and_notes(event, documents, settled=settles_text(recorded))
    if found is None:
        return
    item, state, conversation_id = found
    fields: dict[str, Any]
    if event.event_class is events.TextSent:
        fields = {"reply": item["body"], "detail": recorded.vendor_message_id}
    elif event.event_class is events.TextWithheld:
        fields = {"reply": item["body"], "reason": recorded.reason.value}
    else:
        fields = {"reply": item["body"], "detail": recorded.error}
    _write(documents, event, AuditCategory.REPLY, state, conversation_id, **fields)


_ALERT_OUTCOME: Mapping[type, str] = {
    events.AlertDelivered: "sent",
    events.AlertFailed: "failed",
    events.AlertDropped: "dropped",
}


def _alert_outcome(event: RecordedEvent, documents: Documents) -> None:
    """A row for what became of an alert to staff."""
    found = _outbox_item_and_notes(event, documents, settled=True)
    if found is None:
        return
    item, state, conversation_id = found
    recorded = event.event
    why = getattr(recorded, "detail", None) or getattr(recorded, "error", None)
    why = why or getattr(recorded, "reason", None)
    detail = f"{item['title']}: {_ALERT_OUTCOME[event.event_class]}"
    _write(
        documents,
        event,
        AuditCategory.ALERT,
        state,
        conversation_id,
        detail=f"{detail} ({why})" if why else detail,
    )


def _settings(event: RecordedEvent, documents: Documents) -> None:
    _write(documents, event, AuditCategory.SETTINGS, None, **_settings_fields(event))


def _action(event: RecordedEvent, documents: Documents) -> None:
    action_id = event.originator_id
    key = action_state_key(action_id)
    recorded = event.event
    detail: str | None
    if event.event_class is events.ActionRequested:
        state: Document = {
            "conversation_id": str(recorded.conversation_id),
            "customer": conversation_state(documents, recorded.conversation_id)["customer"],
            "kind": recorded.kind.value,
            "intent": recorded.intent.value,
        }
        documents.put(key, state)
        needs = [
            need
            for need, required in (
                ("customer confirmation", recorded.requires_confirmation),
                ("staff approval", recorded.requires_approval),
            )
            if required
        ]
        detail = f"{recorded.kind.value}, needs {' and '.join(needs) or 'nothing more'}"
    else:
        state = documents.get(key) or {"conversation_id": None, "customer": None}
        detail = _action_detail(event)
    if event.event_class in _CLOSING:
        documents.delete(key)
    conversation = state.get("conversation_id")
    customer_event = event.event_class in _CUSTOMER_DETAIL
    _write(
        documents,
        event,
        AuditCategory.CUSTOMER if customer_event else AuditCategory.ACTION,
        state,
        UUID(conversation) if conversation else None,
        action_id=str(action_id),
        intent=state.get("intent"),
        actor=getattr(recorded, "actor", None),
        detail=detail,
    )


_CLOSING = frozenset(ACTION_CLOSINGS)


def _action_detail(event: RecordedEvent) -> str | None:
    recorded = event.event
    for field in ("detail", "error", "reason"):
        value = getattr(recorded, field, None)
        if isinstance(value, str) and value:
            return value
    if event.event_class is events.ActionExpired:
        return "no answer before the deadline"
    return _CUSTOMER_DETAIL.get(event.event_class)


def _settings_fields(event: RecordedEvent) -> dict[str, Any]:
    recorded = event.event
    detail: str
    if event.event_class is events.FeatureSettingsChanged:
        feature = recorded.settings
        detail = (
            f"mode={feature.mode.value} threshold={feature.confidence_threshold}"
            f" max_auto_replies={feature.max_auto_replies}"
            f" confirmation={feature.requires_confirmation} approval={feature.requires_approval}"
        )
        return {
            "actor": recorded.actor,
            "intent": recorded.intent.value,
            "settings_version": event.originator_version,
            "detail": detail,
        }
    if event.event_class is events.GlobalSettingsChanged:
        rails = recorded.settings
        detail = (
            f"send={rails.send_automatic_responses} execute={rails.execute_actions}"
            f" per_hour={rails.messages_per_hour}"
        )
    elif event.event_class in (events.EmergencyStopEngaged, events.EmergencyStopReleased):
        detail = recorded.reason
    else:
        detail = "settings initialised"
    return {"actor": recorded.actor, "settings_version": event.originator_version, "detail": detail}


def _decision(event: RecordedEvent, state: Document) -> Fields:
    recorded = event.event
    follow_replies(recorded, state)
    decision: Decision = recorded.decision
    situation = recorded.situation
    classification = situation.classification if situation is not None else None
    action_id = recorded.pending_action_id
    return AuditCategory.DECISION, {
        "decision": decision.kind.value,
        "reason": decision.reason.value,
        "intent": decision.intent.value,
        "confidence": decision.confidence,
        "source": classification.source.value if classification else None,
        "settings_version": decision.settings_version,
        "reply": recorded.reply if recorded.reply is not None else decision.reply,
        "action_id": str(action_id) if action_id else None,
    }


def _notice_queued(event: RecordedEvent, state: Document) -> None:
    follow_replies(event.event, state)


def _suggestion_drafted(event: RecordedEvent, state: Document) -> Fields:
    recorded = event.event
    follow_replies(recorded, state)
    return AuditCategory.DECISION, {
        "reply": recorded.draft,
        "detail": f"suggestion {recorded.decision_number} drafted by {recorded.usage.model}",
    }


def _suggestion_sent(event: RecordedEvent, state: Document) -> Fields:
    body = follow_replies(event.event, state)
    return AuditCategory.STAFF, {"actor": event.event.actor, "reply": body}


def _suggestion_rejected(event: RecordedEvent, state: Document) -> Fields:
    recorded = event.event
    follow_replies(recorded, state)
    return AuditCategory.STAFF, {"actor": recorded.actor, "detail": recorded.reason}


def _reply_sent(event: RecordedEvent, state: Document) -> Fields:
    body = follow_replies(event.event, state)
    return AuditCategory.REPLY, {"reply": body, "detail": event.event.vendor_message_id}


def _reply_withheld(event: RecordedEvent, state: Document) -> Fields:
    body = follow_replies(event.event, state)
    return AuditCategory.REPLY, {"reply": body, "reason": event.event.reason.value}


def _reply_not_sent(event: RecordedEvent, state: Document) -> Fields:
    body = follow_replies(event.event, state)
    return AuditCategory.REPLY, {"reply": body, "detail": event.event.error}


def _opted(event: RecordedEvent, state: Document) -> Fields:
    follow_replies(event.event, state)
    return AuditCategory.CUSTOMER, {"detail": _CUSTOMER_DETAIL[event.event_class]}


def _feedback(event: RecordedEvent, _state: Document) -> Fields:
    return AuditCategory.CUSTOMER, {"detail": "positive" if event.event.positive else "negative"}


def _staff_texted(event: RecordedEvent, _state: Document) -> Fields:
    return AuditCategory.STAFF, {"detail": f"claw paused until {iso(event.event.paused_until)}"}


def _ticket_resolved(event: RecordedEvent, _state: Document) -> Fields:
    recorded = event.event
    return AuditCategory.STAFF, {
        "actor": recorded.actor,
        "detail": f"ticket {recorded.decision_number} resolved",
    }


def _forgotten(event: RecordedEvent, state: Document) -> Fields:
    recorded = event.event
    state["customer"] = FORGOTTEN
    return AuditCategory.CUSTOMER, {
        "actor": recorded.actor,
        "detail": f"personal data forgotten: {recorded.reason}",
    }


def _staff_alert(event: RecordedEvent, _state: Document) -> Fields:
    recorded = event.event
    detail = f"{recorded.subject}: {recorded.outcome.value}"
    return AuditCategory.ALERT, {
        "detail": f"{detail} ({recorded.detail})" if recorded.detail else detail
    }


class AuditProjection:
    name = AUDIT
    folds: Mapping[type, Fold] = {
        events.ConversationStarted: remember_customer,
        **dict.fromkeys(SETTINGS_CHANGES, _settings),
        # Pending actions
        events.ActionRequested: _action,
        events.CustomerConfirmed: _action,
        events.StaffApproved: _action,
        events.StaffApprovalIgnored: _action,
        events.ExecutionStarted: _action,
        **dict.fromkeys(ACTION_CLOSINGS, _action),
        # Conversations
        **dict.fromkeys(DECISIONS, _on_conversation(_decision)),
        events.NoticeQueued: _on_conversation(_notice_queued),
        events.SuggestionDrafted: _on_conversation(_suggestion_drafted),
        events.SuggestionApproved: _on_conversation(_suggestion_sent),
        events.SuggestionEdited: _on_conversation(_suggestion_sent),
        events.SuggestionRevised: _on_conversation(_suggestion_sent),
        events.SuggestionRejected: _on_conversation(_suggestion_rejected),
        events.ReplySent: _on_conversation(_reply_sent),
        events.ReplyWithheld: _on_conversation(_reply_withheld),
        events.ReplyFailed: _on_conversation(_reply_not_sent),
        events.ReplyOutcomeUnknown: _on_conversation(_reply_not_sent),
        events.OptedOut: _on_conversation(_opted),
        events.OptedIn: _on_conversation(_opted),
        events.FeedbackReceived: _on_conversation(_feedback),
        events.StaffTextSent: _on_conversation(_staff_texted),
        events.TicketResolved: _on_conversation(_ticket_resolved),
        events.CustomerForgotten: _on_conversation(_forgotten),
        events.StaffAlertRecorded: _on_conversation(_staff_alert),
        # The outbox: texts to customers and alerts to staff, each its own aggregate
        events.TextQueued: _remember_outbox_item,
        events.AlertRaised: _remember_outbox_item,
        **dict.fromkeys(TEXT_OUTCOMES, _text_outcome),
        **dict.fromkeys(ALERT_OUTCOMES, _alert_outcome),
    }
