"""The conversation's invariants, as small stories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from claw_domain.conversation import (
    TWIN_WINDOW,
    Conversation,
    SuggestionStatus,
)
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.errors import InvariantError, NotFoundError
from claw_domain.outbox import OutboundText, ReplyPurpose, outbox_for_decision
from claw_domain.pending_action import PendingAction
from claw_domain.values import ActionKind, ActionParameters, InboundText, Intent
from claw_domain.wording import Message, Template

VENUE_LINE = "+19025550000"
CUSTOMER = "+19025551111"
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BACKOFF = timedelta(minutes=30)


def a_conversation() -> Conversation:
    return Conversation(venue_line=VENUE_LINE, customer_number=CUSTOMER, at=NOON)


def a_text(body: str, message_id: str = "AC1", at: datetime = NOON) -> InboundText:
    return InboundText(
        message_id=message_id,
        venue_line=VENUE_LINE,
        customer_number=CUSTOMER,
        body=body,
        sent_at=at,
    )


def a_decision(
    kind: DecisionKind, reason: Reason, reply: str | None = None, intent: Intent = Intent.HOURS
) -> Decision:
    return Decision(
        kind=kind,
        reason=reason,
        intent=intent,
        confidence=0.95,
        settings_version=1,
        message=Message(Template.KNOWLEDGE_ANSWER, text=reply) if reply is not None else None,
    )


def answered(
    conversation: Conversation,
    reply: str = "We're open 24/7.",
    question: str = "what are your hours",
) -> int:
    conversation.receive_text(a_text(question, f"AC{conversation.texts_received + 1}"))
    return conversation.record_decision(
        a_decision(DecisionKind.RESPOND, Reason.ANSWERED_FROM_KNOWLEDGE, reply),
        at=NOON,
        through=conversation.texts_received,
        reply=reply,
    )


def suggested(conversation: Conversation, draft: str | None = "Gift cards are $50.") -> int:
    return conversation.record_decision(
        a_decision(DecisionKind.SUGGEST, Reason.LOW_CONFIDENCE, draft, Intent.GIFT_CARD_PURCHASE),
        at=NOON,
        reply=draft,
    )


def a_text_to(conversation: Conversation, body: str, purpose: ReplyPurpose) -> OutboundText:
    return OutboundText.queue(
        conversation.id,
        "test",
        conversation.customer_number,
        body,
        purpose,
        NOON,
        opted_out=conversation.opted_out,
    )


# Duplicates and twins -----------------------------------------------------------------


def test_the_same_vendor_id_is_a_duplicate() -> None:
    conversation = a_conversation()
    conversation.receive_text(a_text("what are your hours", "AC1"))

    assert conversation.is_duplicate(a_text("something else entirely", "AC1", NOON + BACKOFF))
    with pytest.raises(InvariantError, match="already received"):
        conversation.receive_text(a_text("what are your hours", "AC1"))
    assert conversation.texts_received == 1


def test_the_twin_within_the_window_is_a_duplicate() -> None:
    # OpenPhone's message.received and message.created: other id, same text.
    conversation = a_conversation()
    conversation.receive_text(a_text("What are your  hours", "AC-received"))

    assert conversation.is_duplicate(a_text("what are your hours", "AC-created", NOON))
    assert conversation.is_duplicate(
        a_text("what are your hours", "AC-created", NOON + TWIN_WINDOW)
    )
    assert conversation.is_duplicate(
        a_text("what are your hours", "AC-created", NOON - TWIN_WINDOW)
    )


def test_the_same_words_later_are_a_new_text() -> None:
    conversation = a_conversation()
    conversation.receive_text(a_text("yes", "AC1"))
    later = NOON + TWIN_WINDOW + timedelta(seconds=1)

    assert not conversation.is_duplicate(a_text("yes", "AC2", later))
    conversation.receive_text(a_text("yes", "AC2", later))
    assert conversation.texts_received == 2


def test_other_words_at_the_same_moment_are_a_new_text() -> None:
    conversation = a_conversation()
    conversation.receive_text(a_text("Yes", "AC1"))

    assert not conversation.is_duplicate(a_text("Please", "AC2"))


def test_a_text_for_another_conversation_is_refused() -> None:
    conversation = a_conversation()
    stranger = InboundText("AC1", VENUE_LINE, "+19025559999", "hi", NOON)

    with pytest.raises(InvariantError, match="another conversation"):
        conversation.receive_text(stranger)


# Staff back-off -----------------------------------------------------------------------


def test_staff_texting_by_hand_pauses_claw_for_the_backoff() -> None:
    conversation = a_conversation()
    assert not conversation.staff_active(NOON)

    conversation.record_staff_text("PN-staff-1", NOON, BACKOFF)

    assert conversation.staff_active(NOON + BACKOFF - timedelta(seconds=1))
    assert not conversation.staff_active(NOON + BACKOFF)


def test_each_staff_text_counts_once_and_only_extends_the_pause() -> None:
    conversation = a_conversation()
    conversation.record_staff_text("PN-staff-1", NOON + timedelta(minutes=10), BACKOFF)
    conversation.record_staff_text("PN-staff-1", NOON + timedelta(minutes=20), BACKOFF)
    conversation.record_staff_text("PN-staff-0", NOON, BACKOFF)  # arrived late, was sent earlier

    assert conversation.staff_active_until == NOON + timedelta(minutes=40)
    events = [type(e).__name__ for e in conversation.collect_events()]
    assert events.count("StaffTextSent") == 2


# Opting out ---------------------------------------------------------------------------


def test_an_opt_out_is_owed_one_confirmation() -> None:
    conversation = a_conversation()

    assert conversation.opt_out("STOP", NOON)  # new: claw confirms it once
    assert not conversation.opt_out("STOP", NOON)  # again: nothing more is owed

    assert conversation.opted_out
    assert [type(e).__name__ for e in conversation.collect_events()].count("OptedOut") == 1


def test_an_opted_out_number_gets_no_new_texts() -> None:
    conversation = a_conversation()
    number = suggested(conversation)
    conversation.opt_out("STOP", NOON)

    with pytest.raises(InvariantError, match="opted-out"):
        a_text_to(conversation, "Restarting box 2 now.", ReplyPurpose.ACTION_UPDATE)
    with pytest.raises(InvariantError, match="opted-out"):
        conversation.record_decision(
            a_decision(DecisionKind.RESPOND, Reason.ANSWERED_FROM_KNOWLEDGE, "Open 24/7"),
            at=NOON,
            reply="Open 24/7",
        )
    with pytest.raises(InvariantError, match="opted out"):
        conversation.approve_suggestion(number, "sam", NOON)
    with pytest.raises(InvariantError, match="opted out"):
        conversation.edit_and_send_suggestion(number, "Gift cards are $25.", "sam", NOON)
    # The one text an opted-out number still gets.
    a_text_to(conversation, "You're unsubscribed.", ReplyPurpose.OPT_OUT_CONFIRMATION)


def test_an_opt_out_forgets_the_action_claw_was_waiting_on() -> None:
    conversation = a_conversation()
    action = uuid4()
    conversation.record_decision(
        a_decision(DecisionKind.REQUEST_CONFIRMATION, Reason.CONFIRMATION_REQUIRED, "Reply YES"),
        at=NOON,
        pending_action_id=action,
        reply="Reply YES",
    )
    assert conversation.awaiting_action == action

    conversation.opt_out("STOP", NOON)

    assert conversation.awaiting_action is None


def test_start_opts_back_in() -> None:
    conversation = a_conversation()
    conversation.opt_out("STOP", NOON)
    conversation.opt_in("START", NOON)

    text = a_text_to(conversation, "Welcome back.", ReplyPurpose.NOTICE)

    assert (text.body, text.customer_number) == ("Welcome back.", CUSTOMER)


# The review queue ---------------------------------------------------------------------


def test_an_approved_suggestion_is_queued_to_send() -> None:
    conversation = a_conversation()
    number = suggested(conversation, "Gift cards are $50.")
    assert conversation.suggestions[number].status is SuggestionStatus.WAITING

    conversation.approve_suggestion(number, "sam", NOON)

    suggestion = conversation.suggestions[number]
    assert (suggestion.status, suggestion.draft) == (
        SuggestionStatus.APPROVED,
        "Gift cards are $50.",
    )


def test_an_edited_suggestion_sends_the_edited_text() -> None:
    conversation = a_conversation()
    number = suggested(conversation, "Gift cards are $50.")

    conversation.edit_and_send_suggestion(number, "Gift cards start at $25.", "sam", NOON)

    assert conversation.suggestions[number].status is SuggestionStatus.EDITED
    [edited] = [e for e in conversation.collect_events() if type(e).__name__ == "SuggestionRevised"]
    assert edited.text == "Gift cards start at $25."  # type: ignore[attr-defined]
    assert edited.draft == "Gift cards are $50."  # type: ignore[attr-defined]


def test_approving_a_changed_box_is_an_edit_and_an_unchanged_one_an_approval() -> None:
    conversation = a_conversation()
    changed = suggested(conversation, "Gift cards are $50.")
    conversation.send_suggestion_as_shown(changed, "Gift cards start at $25.", "sam", NOON)
    unchanged = suggested(conversation, "We open at 9.")
    conversation.send_suggestion_as_shown(unchanged, " We open at 9. ", "sam", NOON)

    assert conversation.suggestions[changed].status is SuggestionStatus.EDITED
    assert conversation.suggestions[unchanged].status is SuggestionStatus.APPROVED


def test_a_rejected_suggestion_sends_nothing() -> None:
    conversation = a_conversation()
    number = suggested(conversation)

    conversation.reject_suggestion(number, "sam", "wrong price", NOON)

    assert conversation.suggestions[number].status is SuggestionStatus.REJECTED


def test_a_suggestion_is_reviewed_once() -> None:
    conversation = a_conversation()
    number = suggested(conversation)
    conversation.approve_suggestion(number, "sam", NOON)

    with pytest.raises(InvariantError, match="already approved"):
        conversation.approve_suggestion(number, "ann", NOON)
    with pytest.raises(InvariantError, match="already approved"):
        conversation.edit_and_send_suggestion(number, "again", "ann", NOON)
    with pytest.raises(InvariantError, match="already approved"):
        conversation.reject_suggestion(number, "ann", "late", NOON)
    assert conversation.suggestions[number].status is SuggestionStatus.APPROVED


def test_a_suggestion_without_a_draft_must_be_edited() -> None:
    conversation = a_conversation()
    number = suggested(conversation, draft=None)

    with pytest.raises(InvariantError, match="edit it first"):
        conversation.approve_suggestion(number, "sam", NOON)
    with pytest.raises(InvariantError, match="needs text"):
        conversation.edit_and_send_suggestion(number, "   ", "sam", NOON)
    conversation.edit_and_send_suggestion(number, "A person will call you.", "sam", NOON)
    assert conversation.suggestions[number].status is SuggestionStatus.EDITED


def test_there_is_no_suggestion_to_review_for_another_decision() -> None:
    conversation = a_conversation()
    number = answered(conversation)

    with pytest.raises(NotFoundError, match="no suggestion"):
        conversation.approve_suggestion(number, "sam", NOON)


# Tickets ------------------------------------------------------------------------------


def test_an_escalation_opens_a_ticket_that_staff_resolve_once() -> None:
    conversation = a_conversation()
    number = conversation.record_decision(
        a_decision(DecisionKind.ESCALATE, Reason.UNKNOWN_INTENT), at=NOON, reply="needs a person"
    )
    decision = conversation.last_decision
    ticket = conversation.tickets[number]
    assert (ticket.reason, ticket.summary, ticket.resolved_at) == (
        Reason.UNKNOWN_INTENT,
        "needs a person",
        None,
    )

    conversation.resolve_ticket(number, "sam", NOON + BACKOFF)
    conversation.resolve_ticket(number, "ann", NOON + 2 * BACKOFF)

    assert (ticket.resolved_at, ticket.resolved_by) == (NOON + BACKOFF, "sam")
    # An escalation never texts the customer itself.
    text, _alert = outbox_for_decision(
        conversation.id, CUSTOMER, decision, number, "needs a person", None, NOON, opted_out=False
    )
    assert text is None


def test_there_is_no_ticket_to_resolve_for_another_decision() -> None:
    conversation = a_conversation()
    number = answered(conversation)

    with pytest.raises(NotFoundError, match="no ticket"):
        conversation.resolve_ticket(number, "sam", NOON)


# Waiting on an action -----------------------------------------------------------------


def test_failed_actions_and_negative_feedback_add_up_until_a_success() -> None:
    conversation = a_conversation()
    failed = an_action(conversation, 1)
    failed.start_execution(NOON)
    failed.fail("door controller offline", NOON + timedelta(minutes=1))
    conversation.record_feedback(positive=False, at=NOON + timedelta(minutes=2))

    assert conversation.consecutive_failures([failed]) == 2

    conversation.record_feedback(positive=True, at=NOON + timedelta(minutes=3))
    assert conversation.consecutive_failures([failed]) == 0
    worked = an_action(conversation, 2)
    worked.start_execution(NOON + timedelta(minutes=4))
    worked.succeed("accepted", NOON + timedelta(minutes=5))
    conversation.record_feedback(positive=False, at=NOON + timedelta(minutes=6))
    assert conversation.consecutive_failures([failed, worked]) == 1


def an_action(conversation: Conversation, number: int) -> PendingAction:
    return PendingAction(
        conversation_id=conversation.id,
        decision_number=number,
        customer_number=CUSTOMER,
        kind=ActionKind.UNLOCK_DOOR,
        intent=Intent.DOOR_ACCESS,
        parameters=ActionParameters(location="bedford", door_id="D1"),
        requires_confirmation=False,
        requires_approval=False,
        deadline=NOON + timedelta(hours=1),
        at=NOON,
    )


def test_a_confirmation_request_needs_its_pending_action() -> None:
    conversation = a_conversation()
    decision = Decision(
        kind=DecisionKind.REQUEST_CONFIRMATION,
        reason=Reason.CONFIRMATION_REQUIRED,
        intent=Intent.TRACKMAN_RESET,
        confidence=0.95,
        settings_version=1,
        action=ActionKind.RESET_SIMULATOR,
    )

    with pytest.raises(InvariantError, match="pending action"):
        conversation.record_decision(decision, at=NOON, reply="Reply YES")
    assert conversation.decision_count == 0
