"""Every sentence claw writes, in one place so replay says the same.

A decision names its reply as a ``Message`` (a template and its parameters);
``render`` turns it into the text that is recorded and sent. What differs
between actions (verbs, questions, notices) comes from their description in
``claw_domain.actions``, never from a branch here. Staff alert texts are at the end.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from claw_domain.actions import ActionWords, action_spec
from claw_domain.slots import Slot
from claw_domain.values import ActionKind, Intent


class Template(enum.StrEnum):
    """The replies a decision can carry."""

    KNOWLEDGE_ANSWER = "knowledge_answer"  # the venue's prepared answer, word for word
    DETAILS_NEEDED = "details_needed"  # which box, which location
    DETAILS_NEEDED_AGAIN = "details_needed_again"  # the answer did not say: asked once more
    ALREADY_IN_PROGRESS = "already_in_progress"
    CUSTOMER_DECLINED = "customer_declined"
    CONFIRMATION_REQUEST = "confirmation_request"
    AWAITING_APPROVAL = "awaiting_approval"
    HOLDING_REPLY = "holding_reply"  # staff have the text; the customer hears so
    MISSED_CALL = "missed_call"  # nobody picked up the customer's call


# Templates that speak about an action, and so need its kind.
_ABOUT_AN_ACTION = frozenset(
    {
        Template.DETAILS_NEEDED,
        Template.DETAILS_NEEDED_AGAIN,
        Template.ALREADY_IN_PROGRESS,
        Template.CONFIRMATION_REQUEST,
        Template.AWAITING_APPROVAL,
    }
)


@attrs.frozen
class Message:
    """A reply as a template and its parameters; ``render`` gives its text."""

    template: Template
    action: ActionKind | None = attrs.field(default=None)
    # The action's target as the customer reads it ("the TrackMan in Bedford box 2").
    target: str = ""
    # The knowledge base's answer (KNOWLEDGE_ANSWER), or the venue's own holding reply
    # for the topic (HOLDING_REPLY; empty: claw's standard sentence).
    text: str = ""
    # What a DETAILS_NEEDED question asks for; () asks the action's own question.
    missing: tuple[Slot, ...] = ()

    @action.validator
    def _names_its_action(
        self, _attribute: attrs.Attribute[ActionKind | None], value: ActionKind | None
    ) -> None:
        if self.template in _ABOUT_AN_ACTION and value is None:
            msg = f"a {self.template.value} reply must name its action"
            raise ValueError(msg)


def render(message: Message) -> str:
    """The text a message says."""
    template = message.template
    if template is Template.KNOWLEDGE_ANSWER:
        return message.text
    if template is Template.CUSTOMER_DECLINED:
        return declined()
    if template is Template.HOLDING_REPLY:
        return message.text or holding()
    if template is Template.MISSED_CALL:
        return missed_call()
    words = _words(message.action)
    if template is Template.DETAILS_NEEDED:
        return details_question(words, message.missing)
    if template is Template.DETAILS_NEEDED_AGAIN:
        return f"Sorry, I didn't catch that. {details_question(words, message.missing)}"
    if template is Template.ALREADY_IN_PROGRESS:
        return words.in_progress
    if template is Template.CONFIRMATION_REQUEST:
        return (
            f"I can {words.verb} {message.target} for you. Reply YES to go ahead or NO to cancel."
        )
    return (
        f"Thanks! A staff member needs to approve {words.approval_gerund} {message.target}; "
        "I'll text you shortly."
    )


# One missing detail is asked for on its own; anything else gets the action's question.
_ONE_DETAIL_QUESTIONS: dict[tuple[Slot, ...], str] = {
    (Slot.BOX,): "Which box are you in? (the number, e.g. 2)",
    (Slot.LOCATION,): "Which location are you at?",
}


def details_question(words: ActionWords, missing: tuple[Slot, ...]) -> str:
    return _ONE_DETAIL_QUESTIONS.get(missing, words.target_question)


def _words(kind: ActionKind | None) -> ActionWords:
    if kind is None:
        msg = "this reply speaks about an action and names none"
        raise ValueError(msg)
    return action_spec(kind).words


# Notices: what claw tells a customer once an action has run, failed or timed out ---------


def holding() -> str:
    return "Thanks, a staff member will text you back shortly."


def missed_call() -> str:
    return "Sorry we missed your call, how can we help?"


def declined() -> str:
    return "No problem, I won't do anything. Text us if you need help."


def expired(kind: ActionKind) -> str:
    return f"Your {_words(kind).request_name} request timed out. Text again if you still need it."


def starting(kind: ActionKind, target: str) -> str:
    return _words(kind).starting.format(target=target)


def target_offline(kind: ActionKind, target: str) -> str:
    subject = f"{target[0].upper()}{target[1:]}"
    return f"{subject} looks offline, so I can't {_words(kind).verb} it. Staff have been alerted."


def action_failed(target: str) -> str:
    return f"Something went wrong with {target}. Staff have been alerted and will help shortly."


def action_outcome_unknown(target: str) -> str:
    return f"I couldn't confirm whether {target} responded. Staff have been alerted to check."


def opted_out() -> str:
    # Sent once per opt-out, as carriers expect; it names the way back.
    return "You're unsubscribed and won't get more texts from us. Reply START to resubscribe."


# To staff -------------------------------------------------------------------------------

NEEDS_STAFF_TITLE = "Customer needs staff"
REVIEW_ITEM_TITLE = "Reply waiting for review"


def review_item(customer_number: str, intent: Intent, latest_text: str) -> str:
    """A suggestion waits in the review queue; staff read and send it at the console."""
    return (
        f"A reply to {customer_number} ({intent.value.replace('_', ' ')}) waits in the review "
        f"queue: {latest_text[:300]}"
    )


def needs_a_person(customer_number: str, reason: str, intent: Intent, latest_text: str) -> str:
    """The body of an escalation alert: who, why, and what they last wrote."""
    return (
        f"Customer {customer_number} needs a person "
        f"({reason}, intent {intent.value}): {latest_text[:300]}"
    )


def approval_title(kind: ActionKind) -> str:
    return _words(kind).approval_title


def approval_request(
    kind: ActionKind, customer_number: str, target: str, deadline: datetime
) -> str:
    """The body of the alert that asks staff to approve an action before its deadline."""
    return (
        f"{customer_number} asks to {_words(kind).asked_verb} {target}. Approve or cancel "
        f"in the claw console before {deadline:%H:%M} UTC."
    )
