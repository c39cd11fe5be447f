"""What claw decided and why: the vocabulary every decision is written in."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from claw_domain.actions import action_spec
from claw_domain.values import ActionKind, ActionParameters, Intent, aware_datetime, unit_interval
from claw_domain.wording import Message, render


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
    MISSED_CALL = "missed_call"
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
    # Something went wrong with a topic claw only has a how-to answer for.
    PROBLEM_REPORT = "problem_report"
    # Written in another language: claw's answers are in English, a person answers.
    OTHER_LANGUAGE = "other_language"
    DETAILS_NOT_GIVEN = "details_not_given"  # asked twice for the box or location, in vain
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
    MISSED_CALL_ALREADY_TEXTED = "missed_call_already_texted"


class Consent(enum.StrEnum):
    """What a customer's yes or no does to the action it answers."""

    CONFIRMED = "confirmed"
    DECLINED = "declined"


class StaffApproval(enum.StrEnum):
    """What becomes of a staff approval the policy does not act on now."""

    # Kept: the action runs once the customer says yes too.
    KEPT_UNTIL_CONFIRMED = "kept_until_confirmed"
    # Taken back: a later yes must not run the action with nobody approving it again.
    SET_ASIDE = "set_aside"


@attrs.frozen
class ActionToOpen:
    """A pending action a decision opens: what, where, which consents, until when."""

    kind: ActionKind
    parameters: ActionParameters
    requires_confirmation: bool
    requires_approval: bool
    deadline: datetime = attrs.field(validator=aware_datetime)


@attrs.frozen
class AlertForStaff:
    """What staff are told when a decision needs them."""

    title: str
    body: str
    urgent: bool = False


@attrs.frozen
class Decision:
    """Exactly one decision, with its reason and the settings version it used.

    It carries everything claw does and says because of it: ``action`` the hardware
    action it concerns, if any; ``opens`` the pending action it opens; ``consent``
    what the customer's answer does to the pending action; ``message`` the reply
    (template and parameters; ``reply`` is its text); ``alert`` what staff are told.
    Decisions recorded before these fields existed decode with their defaults.
    """

    kind: DecisionKind
    reason: Reason
    intent: Intent
    confidence: float = attrs.field(validator=unit_interval)
    settings_version: int
    action: ActionKind | None = None
    # The published knowledge version its answer and targets came from (None: a venue
    # file read at start, or a decision recorded before knowledge had versions).
    knowledge_version: int | None = None
    opens: ActionToOpen | None = None
    consent: Consent | None = None
    staff_approval: StaffApproval | None = None
    message: Message | None = None
    alert: AlertForStaff | None = None

    @property
    def reply(self) -> str | None:
        """The text claw sends (or suggests to staff) for this decision."""
        return render(self.message) if self.message is not None else None

    @property
    def asks_staff_to_approve(self) -> bool:
        """Whether carrying out this decision asks staff to approve its action."""
        return self.kind is DecisionKind.REQUEST_CONFIRMATION and self.reason is (
            Reason.APPROVAL_REQUIRED
        )

    @property
    def staff_alert_is_urgent(self) -> bool:
        """Whether the staff alert this escalation raises must wake someone.

        Safety topics (fire, injury, police, medical) and a customer who may be
        waiting for an action (at a door) are urgent; a question claw could not
        answer is not.
        """
        if self.kind is not DecisionKind.ESCALATE:
            return False
        return self.reason in (Reason.BLACKLISTED_TOPIC, Reason.DOOR_NOT_AUTHORISED) or (
            self.action is not None and action_spec(self.action).person_waiting
        )

    @property
    def sends_text(self) -> bool:
        """Whether carrying out this decision texts the customer automatically."""
        if self.kind is DecisionKind.ESCALATE:
            # Only the holding reply (claw_domain/holding.py): "a staff member will text you".
            return self.message is not None
        return self.kind in (
            DecisionKind.RESPOND,
            DecisionKind.REQUEST_CONFIRMATION,
            DecisionKind.EXECUTE,
        )
