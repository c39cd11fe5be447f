"""The audit trail: one row per decision, effect, staff action and settings change.

Rows are keyed by their notification id, so they list in the order claw
recorded them and a rebuild gives every row the same key. Customer numbers
are masked; reply texts are kept because an audit must show what was sent.
"""

from __future__ import annotations

import enum
from typing import Any
from uuid import UUID

import attrs

from claw_adapters.projections.base import (
    action_state_key,
    conversation_state,
    conversation_state_key,
    outbox_item,
    remember_customer,
    remember_outbox_item,
)
from claw_adapters.projections.events import (
    ACTION_CLOSING_EVENTS,
    ALERT_OUTCOMES,
    DECISION_EVENTS,
    SETTINGS_EVENTS,
    TEXT_OUTCOMES,
    EventName,
    RecordedEvent,
    iso,
    settles_text,
)
from claw_adapters.projections.replies import REPLY_OUTCOMES, follow_replies
from claw_adapters.projections.store import Document, Documents
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
        document = attrs.asdict(self)
        document["category"] = self.category.value
        return document


_CUSTOMER_EVENTS = {
    EventName.OPTED_OUT: "opted out",
    EventName.OPTED_IN: "opted back in",
    EventName.CUSTOMER_CONFIRMED: "confirmed the action",
    EventName.CUSTOMER_DECLINED: "declined the action",
}


class AuditProjection:
    name = AUDIT
    events: frozenset[str] = frozenset(
        DECISION_EVENTS
        | SETTINGS_EVENTS
        | ACTION_CLOSING_EVENTS
        | TEXT_OUTCOMES
        | ALERT_OUTCOMES
        | {
            EventName.TEXT_QUEUED,
            EventName.ALERT_RAISED,
            EventName.CONVERSATION_STARTED,
            EventName.STAFF_TEXT_SENT,
            EventName.OPTED_OUT,
            EventName.OPTED_IN,
            EventName.FEEDBACK_RECEIVED,
            EventName.NOTICE_QUEUED,
            EventName.SUGGESTION_DRAFTED,
            EventName.REPLY_SENT,
            EventName.REPLY_FAILED,
            EventName.REPLY_OUTCOME_UNKNOWN,
            EventName.REPLY_WITHHELD,
            EventName.SUGGESTION_APPROVED,
            EventName.SUGGESTION_EDITED,
            EventName.SUGGESTION_REJECTED,
            EventName.TICKET_RESOLVED,
            EventName.STAFF_ALERT_RECORDED,
            EventName.CUSTOMER_FORGOTTEN,
            EventName.ACTION_REQUESTED,
            EventName.CUSTOMER_CONFIRMED,
            EventName.STAFF_APPROVED,
            EventName.STAFF_APPROVAL_IGNORED,
            EventName.EXECUTION_STARTED,
        }
    )

    def apply(self, event: RecordedEvent, documents: Documents) -> None:
        name = event.name
        if name is EventName.CONVERSATION_STARTED:
            remember_customer(event, documents)
        elif name in SETTINGS_EVENTS:
            self._write(documents, event, AuditCategory.SETTINGS, None, **_settings_fields(event))
        elif name in _ACTION_EVENTS:
            self._action(event, documents)
        elif name in (EventName.TEXT_QUEUED, EventName.ALERT_RAISED):
            remember_outbox_item(event, documents, with_words=True)
        elif name in TEXT_OUTCOMES or name in ALERT_OUTCOMES:
            self._outbox(event, documents)
        else:
            self._conversation(event, documents)

    @staticmethod
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
            event=event.name.value,
            category=category,
            conversation_id=str(conversation_id) if conversation_id else None,
            customer=conversation.get("customer") if conversation else None,
            **fields,
        )
        documents.put(f"{event.position:012d}", row.to_document())

    def _conversation(self, event: RecordedEvent, documents: Documents) -> None:
        key = conversation_state_key(event.originator_id)
        state = conversation_state(documents, event.originator_id)
        if event.name in DECISION_EVENTS:
            row: tuple[AuditCategory, dict[str, Any]] | None = _decision_fields(event, state)
        elif event.name in _REPLY_EVENTS:
            row = _reply_fields(event, state)
        else:
            row = _other_fields(event, state)
        documents.put(key, state)
        if row is not None:
            category, fields = row
            self._write(documents, event, category, state, event.originator_id, **fields)

    def _outbox(self, event: RecordedEvent, documents: Documents) -> None:
        """A row for what became of a text or an alert, under its conversation."""
        recorded = event.event
        name = event.name
        item = outbox_item(
            documents,
            event.originator_id,
            settled=name in ALERT_OUTCOMES or settles_text(name, recorded),
        )
        if item is None:
            return  # its creation was never folded (a projection started mid-log)
        conversation_id = UUID(item["conversation_id"])
        state = conversation_state(documents, conversation_id)
        fields: dict[str, Any]
        category = AuditCategory.REPLY
        if name is EventName.TEXT_SENT:
            fields = {"reply": item["body"], "detail": recorded.vendor_message_id}
        elif name is EventName.TEXT_WITHHELD:
            fields = {"reply": item["body"], "reason": recorded.reason.value}
        elif name in TEXT_OUTCOMES:
            fields = {"reply": item["body"], "detail": recorded.error}
        else:
            category = AuditCategory.ALERT
            outcome = {
                EventName.ALERT_DELIVERED: "sent",
                EventName.ALERT_FAILED: "failed",
                EventName.ALERT_DROPPED: "dropped",
            }[name]
            why = getattr(recorded, "detail", None) or getattr(recorded, "error", None)
            why = why or getattr(recorded, "reason", None)
            detail = f"{item['title']}: {outcome}"
            fields = {"detail": f"{detail} ({why})" if why else detail}
        self._write(documents, event, category, state, conversation_id, **fields)

    def _action(self, event: RecordedEvent, documents: Documents) -> None:
        action_id = event.originator_id
        key = action_state_key(action_id)
        recorded = event.event
        detail: str | None
        if event.name is EventName.ACTION_REQUESTED:
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
        if event.name in ACTION_CLOSING_EVENTS:
            documents.delete(key)
        conversation = state.get("conversation_id")
        self._write(
            documents,
            event,
            AuditCategory.CUSTOMER if event.name in _CUSTOMER_EVENTS else AuditCategory.ACTION,
            state,
            UUID(conversation) if conversation else None,
            action_id=str(action_id),
            intent=state.get("intent"),
            actor=getattr(recorded, "actor", None),
            detail=detail,
        )


_ACTION_EVENTS = ACTION_CLOSING_EVENTS | {
    EventName.ACTION_REQUESTED,
    EventName.CUSTOMER_CONFIRMED,
    EventName.STAFF_APPROVED,
    EventName.STAFF_APPROVAL_IGNORED,
    EventName.EXECUTION_STARTED,
}


def _action_detail(event: RecordedEvent) -> str | None:
    recorded = event.event
    for field in ("detail", "error", "reason"):
        value = getattr(recorded, field, None)
        if isinstance(value, str) and value:
            return value
    if event.name is EventName.ACTION_EXPIRED:
        return "no answer before the deadline"
    return _CUSTOMER_EVENTS.get(event.name)


def _settings_fields(event: RecordedEvent) -> dict[str, Any]:
    recorded = event.event
    name = event.name
    detail: str
    if name is EventName.FEATURE_SETTINGS_CHANGED:
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
    if name is EventName.GLOBAL_SETTINGS_CHANGED:
        rails = recorded.settings
        detail = (
            f"send={rails.send_automatic_responses} execute={rails.execute_actions}"
            f" per_hour={rails.messages_per_hour}"
        )
    elif name in (EventName.EMERGENCY_STOP_ENGAGED, EventName.EMERGENCY_STOP_RELEASED):
        detail = recorded.reason
    else:
        detail = "settings initialised"
    return {"actor": recorded.actor, "settings_version": event.originator_version, "detail": detail}


_REPLY_EVENTS = REPLY_OUTCOMES | {
    EventName.NOTICE_QUEUED,
    EventName.SUGGESTION_DRAFTED,
    EventName.SUGGESTION_APPROVED,
    EventName.SUGGESTION_EDITED,
    EventName.SUGGESTION_REJECTED,
}
Fields = tuple[AuditCategory, dict[str, Any]]


def _decision_fields(event: RecordedEvent, state: Document) -> Fields:
    recorded = event.event
    follow_replies(event.name, recorded, state)
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


def _reply_fields(event: RecordedEvent, state: Document) -> Fields | None:
    recorded = event.event
    name = event.name
    body = follow_replies(name, recorded, state)
    if name is EventName.NOTICE_QUEUED:
        return None
    if name is EventName.SUGGESTION_DRAFTED:
        return AuditCategory.DECISION, {
            "reply": recorded.draft,
            "detail": f"suggestion {recorded.decision_number} drafted by {recorded.usage.model}",
        }
    if name in (EventName.SUGGESTION_APPROVED, EventName.SUGGESTION_EDITED):
        return AuditCategory.STAFF, {"actor": recorded.actor, "reply": body}
    if name is EventName.SUGGESTION_REJECTED:
        return AuditCategory.STAFF, {"actor": recorded.actor, "detail": recorded.reason}
    if name is EventName.REPLY_SENT:
        return AuditCategory.REPLY, {"reply": body, "detail": recorded.vendor_message_id}
    if name is EventName.REPLY_WITHHELD:
        return AuditCategory.REPLY, {"reply": body, "reason": recorded.reason.value}
    return AuditCategory.REPLY, {"reply": body, "detail": recorded.error}


def _other_fields(event: RecordedEvent, state: Document) -> Fields | None:
    recorded = event.event
    name = event.name
    if name in (EventName.OPTED_OUT, EventName.OPTED_IN):
        follow_replies(name, recorded, state)
        return AuditCategory.CUSTOMER, {"detail": _CUSTOMER_EVENTS[name]}
    if name is EventName.FEEDBACK_RECEIVED:
        return AuditCategory.CUSTOMER, {"detail": "positive" if recorded.positive else "negative"}
    if name is EventName.STAFF_TEXT_SENT:
        return AuditCategory.STAFF, {"detail": f"claw paused until {iso(recorded.paused_until)}"}
    if name is EventName.TICKET_RESOLVED:
        return AuditCategory.STAFF, {
            "actor": recorded.actor,
            "detail": f"ticket {recorded.decision_number} resolved",
        }
    if name is EventName.CUSTOMER_FORGOTTEN:
        state["customer"] = FORGOTTEN
        return AuditCategory.CUSTOMER, {
            "actor": recorded.actor,
            "detail": f"personal data forgotten: {recorded.reason}",
        }
    if name is EventName.STAFF_ALERT_RECORDED:
        detail = f"{recorded.subject}: {recorded.outcome.value}"
        return AuditCategory.ALERT, {
            "detail": f"{detail} ({recorded.detail})" if recorded.detail else detail
        }
    return None
