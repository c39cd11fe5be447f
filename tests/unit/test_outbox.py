"""The outbox aggregates' invariants, as small stories: texts to customers, alerts to staff."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.errors import InvariantError
from claw_domain.outbox import (
    AlertContent,
    AlertStatus,
    Cause,
    HoldReason,
    OutboundAlert,
    OutboundText,
    ReplyPurpose,
    ReplyStatus,
    is_own_outbound,
    outbox_for_decision,
)
from claw_domain.ports import AlertSeverity
from claw_domain.values import Intent

CONVERSATION = uuid4()
CUSTOMER = "+19025551111"
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def a_text(body: str = "We're open 24/7.", cause: str = Cause.decision(1)) -> OutboundText:
    return OutboundText.queue(
        CONVERSATION, cause, CUSTOMER, body, ReplyPurpose.ANSWER, NOON, opted_out=False
    )


def a_decision(kind: DecisionKind, reason: Reason) -> Decision:
    return Decision(
        kind=kind, reason=reason, intent=Intent.HOURS, confidence=0.95, settings_version=1
    )


# Keys -----------------------------------------------------------------------------------


def test_one_cause_gives_one_id_so_a_retried_command_cannot_queue_twice() -> None:
    first = a_text(cause=Cause.decision(3))
    again = a_text("different words, same decision", cause=Cause.decision(3))
    other = a_text(cause=Cause.decision(4))

    assert first.id == again.id
    assert other.id != first.id
    assert OutboundText.create_id(CONVERSATION, Cause.decision(3)) == first.id


def test_a_decision_queues_its_text_and_an_escalation_its_alert() -> None:
    respond = a_decision(DecisionKind.RESPOND, Reason.ANSWERED_FROM_KNOWLEDGE)
    text, alert = outbox_for_decision(
        CONVERSATION, CUSTOMER, respond, 2, "Open 24/7.", None, NOON, opted_out=False
    )
    assert text is not None
    assert (text.body, text.purpose, text.cause) == (
        "Open 24/7.",
        ReplyPurpose.ANSWER,
        Cause.decision(2),
    )
    assert alert is None

    escalate = a_decision(DecisionKind.ESCALATE, Reason.UNKNOWN_INTENT)
    content = AlertContent("Customer needs staff", "call them", AlertSeverity.URGENT)
    text, alert = outbox_for_decision(
        CONVERSATION, CUSTOMER, escalate, 3, "summary", content, NOON, opted_out=False
    )
    assert text is None  # an escalation never texts the customer itself
    assert alert is not None
    assert (alert.title, alert.severity, alert.action_id) == (
        "Customer needs staff",
        AlertSeverity.URGENT,
        None,
    )


def test_an_approval_alert_names_the_action_it_asks_about() -> None:
    action = uuid4()
    decision = a_decision(DecisionKind.REQUEST_CONFIRMATION, Reason.APPROVAL_REQUIRED)
    content = AlertContent("Door approval needed", "approve?", AlertSeverity.URGENT)

    text, alert = outbox_for_decision(
        CONVERSATION, CUSTOMER, decision, 4, "Waiting for staff.", content, NOON,
        opted_out=False, action_id=action,
    )  # fmt: skip

    assert text is not None
    assert text.purpose is ReplyPurpose.CONFIRMATION_REQUEST
    assert alert is not None
    assert (alert.cause, alert.action_id) == (Cause.approval(4), action)


# Texts ------------------------------------------------------------------------------------


def test_a_text_needs_a_body_and_an_opted_in_number() -> None:
    with pytest.raises(InvariantError, match="needs a body"):
        a_text("  ")
    with pytest.raises(InvariantError, match="opted-out"):
        OutboundText.queue(
            CONVERSATION, "x", CUSTOMER, "Hi", ReplyPurpose.NOTICE, NOON, opted_out=True
        )
    confirmation = OutboundText.queue(
        CONVERSATION, "y", CUSTOMER, "Unsubscribed.", ReplyPurpose.OPT_OUT_CONFIRMATION, NOON,
        opted_out=True,
    )  # fmt: skip
    assert confirmation.is_queued


def test_a_sent_text_knows_its_vendor_id_and_is_recorded_once() -> None:
    text = a_text()

    text.record_sent("PN-1", NOON)
    text.record_sent("PN-1", NOON)

    assert (text.status, text.attempts, text.vendor_message_id) == (ReplyStatus.SENT, 1, "PN-1")


def test_a_retryable_failure_keeps_the_text_queued() -> None:
    text = a_text()

    text.record_failed("502 from OpenPhone", retryable=True, at=NOON)

    assert (text.status, text.attempts) == (ReplyStatus.QUEUED, 1)
    text.record_sent("PN-1", NOON)
    assert (text.status, text.attempts) == (ReplyStatus.SENT, 2)


def test_a_permanent_failure_gives_the_text_up() -> None:
    text = a_text()

    text.record_failed("A2P not approved", retryable=False, at=NOON)

    assert text.status is ReplyStatus.FAILED
    with pytest.raises(InvariantError, match="not queued"):
        text.record_failed("again", retryable=True, at=NOON)


def test_an_unknown_outcome_is_recorded_once_and_only_for_a_queued_text() -> None:
    queued, sent = a_text(), a_text(cause=Cause.decision(2))
    sent.record_sent("PN-2", NOON)

    queued.record_outcome_unknown("timed out", NOON)
    queued.record_outcome_unknown("timed out", NOON)
    sent.record_outcome_unknown("timed out", NOON)

    assert (queued.status, queued.attempts) == (ReplyStatus.OUTCOME_UNKNOWN, 1)
    assert sent.status is ReplyStatus.SENT


def test_only_a_queued_text_can_be_withheld() -> None:
    sent, queued = a_text(), a_text(cause=Cause.decision(2))
    sent.record_sent("PN-1", NOON)

    sent.withhold(HoldReason.EMERGENCY_STOP, NOON)
    queued.withhold(HoldReason.OPTED_OUT, NOON)
    queued.withhold(HoldReason.EMERGENCY_STOP, NOON)

    assert sent.status is ReplyStatus.SENT
    assert queued.status is ReplyStatus.WITHHELD
    assert [type(e).__name__ for e in queued.collect_events()] == ["TextQueued", "TextWithheld"]


# Knowing claw's own texts ------------------------------------------------------------------


def test_claw_knows_its_own_text_by_vendor_id() -> None:
    text = a_text("We're open 24/7.")
    text.record_sent("PN-1", NOON)

    assert is_own_outbound([text], "PN-1", "whatever the webhook says")
    # Staff typing the same words later is staff, not claw.
    assert not is_own_outbound([text], "PN-staff", "We're open 24/7.")


def test_claw_knows_its_own_text_by_body_before_the_send_returns() -> None:
    text = a_text("We're open 24/7.")

    assert is_own_outbound([text], "PN-unknown-yet", "we're  open 24/7.")
    assert not is_own_outbound([text], "PN-staff", "Hi, this is Sam from the front desk.")


# Alerts ------------------------------------------------------------------------------------


def an_alert() -> OutboundAlert:
    return OutboundAlert.raise_alert(
        CONVERSATION, Cause.decision(1), CUSTOMER, AlertContent("Customer needs staff", "b"), NOON
    )


def test_an_alert_is_settled_once() -> None:
    alert = an_alert()

    alert.record_delivered("slack: 500", NOON)
    alert.record_failed("late", NOON)
    alert.drop("approved meanwhile", NOON)

    assert alert.status is AlertStatus.DELIVERED
    assert [type(e).__name__ for e in alert.collect_events()] == ["AlertRaised", "AlertDelivered"]


def test_an_alert_needs_a_title() -> None:
    with pytest.raises(InvariantError, match="title"):
        OutboundAlert.raise_alert(CONVERSATION, "x", CUSTOMER, AlertContent(" ", "b"), NOON)
