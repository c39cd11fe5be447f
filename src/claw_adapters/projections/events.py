"""The vocabulary projections read: event names, decoded events, and JSON-friendly values."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import attrs

from claw_domain.privacy import FORGOTTEN

# Fixed width and always UTC, so ISO strings sort in time order in every backend.


class EventName(enum.StrEnum):
    """Every recorded event the read side understands, by its class name.

    ``tests/unit/test_audit_projections.py`` checks each name against the
    aggregates, so a renamed event fails a test instead of silently vanishing.
    """

    # Conversation
    CONVERSATION_STARTED = "ConversationStarted"
    TEXT_RECEIVED = "TextReceived"
    STAFF_TEXT_SENT = "StaffTextSent"
    OPTED_OUT = "OptedOut"
    OPTED_IN = "OptedIn"
    TEXTS_PROCESSED = "TextsProcessed"
    TEXT_CLASSIFIED = "TextClassified"
    FEEDBACK_RECEIVED = "FeedbackReceived"
    DECIDED_TO_RESPOND = "DecidedToRespond"
    DECIDED_TO_SUGGEST = "DecidedToSuggest"
    DECIDED_TO_REQUEST_CONFIRMATION = "DecidedToRequestConfirmation"
    DECIDED_TO_EXECUTE = "DecidedToExecute"
    DECIDED_TO_ESCALATE = "DecidedToEscalate"
    DECIDED_TO_IGNORE = "DecidedToIgnore"
    SUGGESTION_DRAFTED = "SuggestionDrafted"
    SUGGESTION_APPROVED = "SuggestionApproved"
    SUGGESTION_EDITED = "SuggestionEdited"
    SUGGESTION_REJECTED = "SuggestionRejected"
    TICKET_RESOLVED = "TicketResolved"
    AWAITED_ACTION_CLOSED = "AwaitedActionClosed"
    CUSTOMER_FORGOTTEN = "CustomerForgotten"
    # Conversation, legacy: older databases hold these; nothing records them any more
    NOTICE_QUEUED = "NoticeQueued"
    REPLY_SENT = "ReplySent"
    REPLY_FAILED = "ReplyFailed"
    REPLY_OUTCOME_UNKNOWN = "ReplyOutcomeUnknown"
    REPLY_WITHHELD = "ReplyWithheld"
    ACTION_RESULT_NOTED = "ActionResultNoted"
    STAFF_ALERT_RECORDED = "StaffAlertRecorded"
    # Outbound text (outbox)
    TEXT_QUEUED = "TextQueued"
    TEXT_SENT = "TextSent"
    TEXT_FAILED = "TextFailed"
    TEXT_OUTCOME_UNKNOWN = "TextOutcomeUnknown"
    TEXT_WITHHELD = "TextWithheld"
    # Outbound alert (outbox)
    ALERT_RAISED = "AlertRaised"
    ALERT_DELIVERED = "AlertDelivered"
    ALERT_FAILED = "AlertFailed"
    ALERT_DROPPED = "AlertDropped"
    # Pending action
    ACTION_REQUESTED = "ActionRequested"
    CUSTOMER_CONFIRMED = "CustomerConfirmed"
    CUSTOMER_DECLINED = "CustomerDeclined"
    STAFF_APPROVED = "StaffApproved"
    APPROVAL_REQUESTED = "ApprovalRequested"
    STAFF_APPROVAL_IGNORED = "StaffApprovalIgnored"
    STAFF_REJECTED = "StaffRejected"
    ACTION_CANCELLED = "ActionCancelled"
    ACTION_EXPIRED = "ActionExpired"
    EXECUTION_STARTED = "ExecutionStarted"
    ACTION_SUCCEEDED = "ActionSucceeded"
    ACTION_FAILED = "ActionFailed"
    ACTION_OUTCOME_UNKNOWN = "ActionOutcomeUnknown"
    # Automation settings
    SETTINGS_INITIALISED = "SettingsInitialised"
    FEATURE_SETTINGS_CHANGED = "FeatureSettingsChanged"
    GLOBAL_SETTINGS_CHANGED = "GlobalSettingsChanged"
    EMERGENCY_STOP_ENGAGED = "EmergencyStopEngaged"
    EMERGENCY_STOP_RELEASED = "EmergencyStopReleased"


DECISION_EVENTS = frozenset(
    {
        EventName.DECIDED_TO_RESPOND,
        EventName.DECIDED_TO_SUGGEST,
        EventName.DECIDED_TO_REQUEST_CONFIRMATION,
        EventName.DECIDED_TO_EXECUTE,
        EventName.DECIDED_TO_ESCALATE,
        EventName.DECIDED_TO_IGNORE,
    }
)
SETTINGS_EVENTS = frozenset(
    {
        EventName.SETTINGS_INITIALISED,
        EventName.FEATURE_SETTINGS_CHANGED,
        EventName.GLOBAL_SETTINGS_CHANGED,
        EventName.EMERGENCY_STOP_ENGAGED,
        EventName.EMERGENCY_STOP_RELEASED,
    }
)
# What became of a text to a customer (the outbox): each names the text, not its conversation.
TEXT_OUTCOMES = frozenset(
    {
        EventName.TEXT_SENT,
        EventName.TEXT_FAILED,
        EventName.TEXT_OUTCOME_UNKNOWN,
        EventName.TEXT_WITHHELD,
    }
)
ALERT_OUTCOMES = frozenset(
    {EventName.ALERT_DELIVERED, EventName.ALERT_FAILED, EventName.ALERT_DROPPED}
)


def settles_text(name: EventName, recorded: Any) -> bool:
    """Whether an outcome is a text's last: all but a failure claw will retry."""
    return name is not EventName.TEXT_FAILED or not recorded.retryable


# Pending-action events that close the action for good.
ACTION_CLOSING_EVENTS = frozenset(
    {
        EventName.CUSTOMER_DECLINED,
        EventName.STAFF_REJECTED,
        EventName.ACTION_CANCELLED,
        EventName.ACTION_EXPIRED,
        EventName.ACTION_SUCCEEDED,
        EventName.ACTION_FAILED,
        EventName.ACTION_OUTCOME_UNKNOWN,
    }
)


def event_name_of(topic: str) -> EventName | None:
    """The event name in a stored topic such as ``claw_domain.conversation:Conversation.X``."""
    name = topic.rsplit(".", 1)[-1].rsplit(":", 1)[-1]
    try:
        return EventName(name)
    except ValueError:
        return None  # events the read side has no use for, e.g. the hourly budget's


@attrs.frozen
class RecordedEvent:
    """A decoded domain event with its place in the log.

    ``event`` is the library's event object; its fields are the keyword
    arguments of the ``@event`` method that recorded it.
    """

    position: int
    name: EventName
    originator_id: UUID
    originator_version: int
    event: Any

    @property
    def at(self) -> datetime:
        """Domain time: the event's ``at``, a text's ``sent_at``, or when it was recorded."""
        at = getattr(self.event, "at", None)
        if isinstance(at, datetime):
            return at
        text = getattr(self.event, "text", None)
        sent_at = getattr(text, "sent_at", None)
        if isinstance(sent_at, datetime):
            return sent_at
        timestamp: datetime = self.event.timestamp
        return timestamp


def iso(moment: datetime) -> str:
    """UTC with microseconds and a Z, e.g. 2026-11-25T12:00:00.000000Z: sorts as text."""
    # isoformat is several times faster than strftime, and rebuilds call this per event.
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=UTC)


def mask_number(number: str) -> str:
    """All but the last four digits hidden: enough to recognise, not enough to text."""
    if number == FORGOTTEN:
        return number
    digits = [char for char in number if char.isdigit()]
    if len(digits) <= 4:
        return "*" * len(digits)
    prefix = "+" if number.startswith("+") else ""
    return prefix + "*" * (len(digits) - 4) + "".join(digits[-4:])
