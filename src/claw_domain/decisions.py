"""What claw decided and why: the vocabulary every decision is written in."""

from __future__ import annotations

import enum

import attrs

from claw_domain.values import ActionKind, Intent, unit_interval


class DecisionKind(enum.StrEnum):
    RESPOND = "respond"  # send an automatic answer
    SUGGEST = "suggest"  # queue a draft for staff review
    REQUEST_CONFIRMATION = "request_confirmation"  # open a pending action
    EXECUTE = "execute"  # perform a pending action now
    ESCALATE = "escalate"  # hand to staff: ticket and alert
    IGNORE = "ignore"  # record, do nothing


class Reason(enum.StrEnum):
    """Every reason claw can give for a decision. The policy is the only producer."""

    # Respond
    ANSWERED_FROM_KNOWLEDGE = "answered_from_knowledge"
    DETAILS_NEEDED = "details_needed"
    ALREADY_IN_PROGRESS = "already_in_progress"
    CUSTOMER_DECLINED = "customer_declined"
    # Request confirmation
    CONFIRMATION_REQUIRED = "confirmation_required"
    APPROVAL_REQUIRED = "approval_required"
    # Execute
    CUSTOMER_CONFIRMED = "customer_confirmed"
    APPROVED_BY_STAFF = "approved_by_staff"
    NO_CONFIRMATION_NEEDED = "no_confirmation_needed"
    # Suggest
    LOW_CONFIDENCE = "low_confidence"
    SUGGEST_MODE = "suggest_mode"
    NO_ANSWER_AVAILABLE = "no_answer_available"
    AUTOMATIC_RESPONSES_DISABLED = "automatic_responses_disabled"
    ACTIONS_DISABLED = "actions_disabled"
    REPLY_LIMIT = "reply_limit"
    HOURLY_LIMIT = "hourly_limit"
    QUIET_HOURS = "quiet_hours"
    EMERGENCY_STOP = "emergency_stop"
    # Escalate
    FEATURE_OFF = "feature_off"
    UNKNOWN_INTENT = "unknown_intent"
    BLACKLISTED_TOPIC = "blacklisted_topic"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    REPEATED_FAILURE = "repeated_failure"
    RAPID_MESSAGES = "rapid_messages"
    DOOR_NOT_AUTHORISED = "door_not_authorised"
    # Ignore
    OWN_NUMBER = "own_number"
    OPTED_OUT = "opted_out"
    CONVERSATION_LOOP = "conversation_loop"
    STAFF_ACTIVE = "staff_active"
    SHADOW_MODE = "shadow_mode"
    ACKNOWLEDGEMENT = "acknowledgement"
    DEADLINE_PASSED = "deadline_passed"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    AWAITING_APPROVAL = "awaiting_approval"


@attrs.frozen
class Decision:
    """Exactly one decision, with its reason and the settings version it used.

    ``reply`` is the text claw would send (or suggest); ``action`` the hardware
    action it concerns, if any.
    """

    kind: DecisionKind
    reason: Reason
    intent: Intent
    confidence: float = attrs.field(validator=unit_interval)
    settings_version: int
    reply: str | None = None
    action: ActionKind | None = None

    @property
    def staff_alert_is_urgent(self) -> bool:
        """Whether the staff alert this escalation raises must wake someone.

        Safety topics (fire, injury, police, medical) and a customer who cannot get
        through a door are urgent; a question claw could not answer is not.
        """
        if self.kind is not DecisionKind.ESCALATE:
            return False
        return (
            self.reason in (Reason.BLACKLISTED_TOPIC, Reason.DOOR_NOT_AUTHORISED)
            or self.action is ActionKind.UNLOCK_DOOR
        )

    @property
    def sends_text(self) -> bool:
        """Whether carrying out this decision texts the customer automatically."""
        return self.kind in (
            DecisionKind.RESPOND,
            DecisionKind.REQUEST_CONFIRMATION,
            DecisionKind.EXECUTE,
        )
