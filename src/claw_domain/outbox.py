"""The outbox: every text claw sends a customer, and every alert to staff, is its own aggregate.

Each is created in the same write as the event that causes it (a decision, an
opt-out, an expired or finished action, a suggestion staff approved, a text that
could not be sent), with an id derived from that cause (``Cause``), so a command
retried after a conflict finds it already recorded instead of queueing it twice.
After that, only the effect dispatcher writes to it, recording what became of it.
Customers never append here: an outcome can never conflict with a customer's text.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from claw_domain.decisions import Decision, DecisionKind
from claw_domain.errors import InvariantError
from claw_domain.identity import outbound_alert_id, outbound_text_id
from claw_domain.ports import AlertSeverity


class ReplyStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    OUTCOME_UNKNOWN = "outcome_unknown"
    WITHHELD = "withheld"  # the emergency stop, an opt-out or a forgetting held it back


class ReplyPurpose(enum.StrEnum):
    ANSWER = "answer"
    CONFIRMATION_REQUEST = "confirmation_request"
    ACTION_UPDATE = "action_update"
    APPROVED_SUGGESTION = "approved_suggestion"
    NOTICE = "notice"
    # "You're unsubscribed": the one text an opted-out number still gets, once per opt-out.
    OPT_OUT_CONFIRMATION = "opt_out_confirmation"
    # "A staff member will text you back shortly": claw handed the text to staff.
    HOLDING_REPLY = "holding_reply"
    # Written by a staff member in the console, sent on the venue's line.
    STAFF_MESSAGE = "staff_message"


class HoldReason(enum.StrEnum):
    """Why a queued text was held back at the last moment (the values match ``Reason``'s)."""

    EMERGENCY_STOP = "emergency_stop"
    OPTED_OUT = "opted_out"
    CUSTOMER_FORGOTTEN = "customer_forgotten"


# The texts a decision queues, by the decision's kind; the others draft or summarise.
_DECISION_TEXT_PURPOSE = {
    DecisionKind.RESPOND: ReplyPurpose.ANSWER,
    DecisionKind.REQUEST_CONFIRMATION: ReplyPurpose.CONFIRMATION_REQUEST,
    DecisionKind.EXECUTE: ReplyPurpose.ACTION_UPDATE,
    DecisionKind.ESCALATE: ReplyPurpose.HOLDING_REPLY,
}


class AlertStatus(enum.StrEnum):
    RAISED = "raised"
    DELIVERED = "delivered"  # reached staff, on every channel or on some (see the detail)
    FAILED = "failed"
    DROPPED = "dropped"  # its cause was settled before it went out (an approval given)


@attrs.frozen
class AlertContent:
    """What an alert tells staff."""

    title: str
    body: str
    severity: AlertSeverity = AlertSeverity.INFO


class Cause:
    """The natural keys of outbox items: what caused a text or an alert, within a conversation.

    One cause, one item: the key is stable across retries, so the store's own
    ``(id, version)`` constraint refuses a second creation.
    """

    @staticmethod
    def decision(number: int) -> str:
        return f"decision:{number}"

    @staticmethod
    def opt_out(decision_number: int) -> str:
        return f"opt-out:{decision_number}"

    @staticmethod
    def suggestion(decision_number: int) -> str:
        return f"suggestion:{decision_number}"

    @staticmethod
    def approval(decision_number: int) -> str:
        return f"approval:{decision_number}"

    @staticmethod
    def action_outcome(action_id: UUID) -> str:
        return f"action:{action_id}:outcome"

    @staticmethod
    def action_expired(action_id: UUID) -> str:
        return f"action:{action_id}:expired"

    @staticmethod
    def text_undelivered(text_id: UUID) -> str:
        return f"text:{text_id}:undelivered"

    @staticmethod
    def staff_message(message_id: str) -> str:
        return f"staff:{message_id}"


class OutboundText(Aggregate):
    """One text to a customer: queued, then sent, failed, outcome unknown or withheld."""

    @staticmethod
    def create_id(conversation_id: UUID, cause: str) -> UUID:
        return outbound_text_id(conversation_id, cause)

    @classmethod
    def queue(
        cls,
        conversation_id: UUID,
        cause: str,
        customer_number: str,
        body: str,
        purpose: ReplyPurpose,
        at: datetime,
        *,
        opted_out: bool,
    ) -> OutboundText:
        if not body.strip():
            msg = "a text needs a body"
            raise InvariantError(msg)
        if opted_out and purpose is not ReplyPurpose.OPT_OUT_CONFIRMATION:
            msg = "claw never texts an opted-out number"
            raise InvariantError(msg)
        return cls(
            conversation_id=conversation_id,
            cause=cause,
            customer_number=customer_number,
            body=body,
            purpose=purpose,
            at=at,
        )

    @event("TextQueued")
    def __init__(
        self,
        conversation_id: UUID,
        cause: str,
        customer_number: str,
        body: str,
        purpose: ReplyPurpose,
        at: datetime,
    ) -> None:
        self.conversation_id = conversation_id
        self.cause = cause
        self.customer_number = customer_number
        self.body = body
        self.purpose = purpose
        self.queued_at = at
        self.status = ReplyStatus.QUEUED
        self.attempts = 0
        self.vendor_message_id: str | None = None

    @property
    def is_queued(self) -> bool:
        return self.status is ReplyStatus.QUEUED

    def record_sent(self, vendor_message_id: str, at: datetime) -> None:
        if self.status is ReplyStatus.SENT:
            return
        self._sent(vendor_message_id=vendor_message_id, at=at)

    @event("TextSent")
    def _sent(self, vendor_message_id: str, at: datetime) -> None:
        self.status = ReplyStatus.SENT
        self.attempts += 1
        self.vendor_message_id = vendor_message_id

    def record_failed(self, error: str, retryable: bool, at: datetime) -> None:
        """One attempt failed; a retryable failure leaves the text queued for the next."""
        if not self.is_queued:
            msg = f"the text is {self.status}, not queued"
            raise InvariantError(msg)
        self._failed(error=error, retryable=retryable, at=at)

    @event("TextFailed")
    def _failed(self, error: str, retryable: bool, at: datetime) -> None:
        self.attempts += 1
        if not retryable:
            self.status = ReplyStatus.FAILED

    def record_outcome_unknown(self, error: str, at: datetime) -> None:
        if self.is_queued:
            self._outcome_unknown(error=error, at=at)

    @event("TextOutcomeUnknown")
    def _outcome_unknown(self, error: str, at: datetime) -> None:
        self.attempts += 1
        self.status = ReplyStatus.OUTCOME_UNKNOWN

    def withhold(self, reason: HoldReason, at: datetime) -> None:
        if self.is_queued:
            self._withheld(reason=reason, at=at)

    @event("TextWithheld")
    def _withheld(self, reason: HoldReason, at: datetime) -> None:
        self.status = ReplyStatus.WITHHELD


class OutboundAlert(Aggregate):
    """One alert to staff about a conversation: raised, then delivered, failed or dropped.

    The emergency stop never withholds an alert: under it, staff are the only ones acting.
    """

    @staticmethod
    def create_id(conversation_id: UUID, cause: str) -> UUID:
        return outbound_alert_id(conversation_id, cause)

    @classmethod
    def raise_alert(
        cls,
        conversation_id: UUID,
        cause: str,
        customer_number: str,
        content: AlertContent,
        at: datetime,
        action_id: UUID | None = None,
    ) -> OutboundAlert:
        if not content.title.strip():
            msg = "an alert needs a title"
            raise InvariantError(msg)
        return cls(
            conversation_id=conversation_id,
            cause=cause,
            customer_number=customer_number,
            title=content.title,
            body=content.body,
            severity=content.severity,
            at=at,
            action_id=action_id,
        )

    # ``customer_number`` is carried so the alert (whose body names the customer) is
    # sealed with that customer's key and forgotten with them. ``action_id`` names the
    # pending action an approval request asks about: settled meanwhile, the alert is dropped.
    @event("AlertRaised")
    def __init__(
        self,
        conversation_id: UUID,
        cause: str,
        customer_number: str,
        title: str,
        body: str,
        severity: AlertSeverity,
        at: datetime,
        action_id: UUID | None = None,
    ) -> None:
        self.conversation_id = conversation_id
        self.cause = cause
        self.customer_number = customer_number
        self.title = title
        self.body = body
        self.severity = severity
        self.raised_at = at
        self.action_id = action_id
        self.status = AlertStatus.RAISED

    @property
    def is_raised(self) -> bool:
        return self.status is AlertStatus.RAISED

    def record_delivered(self, detail: str, at: datetime) -> None:
        """Staff were told; ``detail`` names a channel that failed when only some worked."""
        if self.is_raised:
            self._delivered(detail=detail, at=at)

    @event("AlertDelivered")
    def _delivered(self, detail: str, at: datetime) -> None:
        self.status = AlertStatus.DELIVERED

    def record_failed(self, error: str, at: datetime) -> None:
        if self.is_raised:
            self._failed(error=error, at=at)

    @event("AlertFailed")
    def _failed(self, error: str, at: datetime) -> None:
        self.status = AlertStatus.FAILED

    def drop(self, reason: str, at: datetime) -> None:
        if self.is_raised:
            self._dropped(reason=reason, at=at)

    @event("AlertDropped")
    def _dropped(self, reason: str, at: datetime) -> None:
        self.status = AlertStatus.DROPPED


def _words(body: str) -> str:
    return " ".join(body.lower().split())


def is_own_outbound(texts: Iterable[OutboundText], vendor_message_id: str, body: str) -> bool:
    """Whether an outgoing text seen on the line is one of ``texts``, which claw sent itself.

    Ids first (the lesson: know what you sent); the body catches the webhook that
    arrives before the send call has returned its id.
    """
    texts = list(texts)
    if any(text.vendor_message_id == vendor_message_id for text in texts):
        return True
    wanted = _words(body)
    return any(
        _words(text.body) == wanted
        for text in texts
        if text.status in (ReplyStatus.QUEUED, ReplyStatus.OUTCOME_UNKNOWN)
        or text.vendor_message_id is None
    )


def outbox_for_decision(
    conversation_id: UUID,
    customer_number: str,
    decision: Decision,
    number: int,
    reply: str | None,
    alert: AlertContent | None,
    at: datetime,
    *,
    opted_out: bool,
    action_id: UUID | None = None,
) -> tuple[OutboundText | None, OutboundAlert | None]:
    """The text to the customer and the alert to staff that decision ``number`` sends.

    Both are keyed by the decision, so a command retried after a conflict cannot queue
    either twice; the caller saves them in the decision's own write. An alert for any
    decision but an escalation asks staff to approve the pending action ``action_id``.
    """
    text = None
    purpose = _DECISION_TEXT_PURPOSE.get(decision.kind)
    if purpose is not None and reply is not None and decision.sends_text:
        text = OutboundText.queue(
            conversation_id,
            Cause.decision(number),
            customer_number,
            reply,
            purpose,
            at,
            opted_out=opted_out and decision.kind is not DecisionKind.EXECUTE,
        )
    raised = None
    if alert is not None:
        # Escalations and review items are about the text; other alerts ask for an approval.
        approval = decision.kind not in (DecisionKind.ESCALATE, DecisionKind.SUGGEST)
        raised = OutboundAlert.raise_alert(
            conversation_id,
            Cause.approval(number) if approval else Cause.decision(number),
            customer_number,
            alert,
            at,
            action_id=action_id if approval else None,
        )
    return text, raised
