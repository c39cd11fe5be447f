"""What a customer's new texts are, before any understanding is asked.

Some texts need no understanding at all: STOP and START, a yes or no to the
action claw asked about, a clear verdict right after an automatic answer. This
says which, in that order; the service layer applies it and asks the policy
where a decision follows.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

import attrs

from claw_domain import wording
from claw_domain.decisions import Decision, DecisionKind, Reason
from claw_domain.replies import SubscriptionKeyword, recognise_yes_no
from claw_domain.self_resolved import says_resolved_itself
from claw_domain.sentiment import recognise_feedback
from claw_domain.subscription import recognise_subscription
from claw_domain.values import (
    Classification,
    ClassificationSource,
    InboundText,
    Intent,
    Sentiment,
    YesNo,
)

# Decisions after which a short verdict ("thanks, works", "still frozen") is feedback.
_INVITES_FEEDBACK = frozenset({DecisionKind.RESPOND, DecisionKind.EXECUTE})
# How much of the customer's text an opt-out or opt-in keeps as its keyword.
_KEYWORD_LENGTH = 40


class Handling(enum.StrEnum):
    OPT_OUT = "opt_out"  # opt out, confirm once, and decide (the decision ignores the text)
    OPT_IN = "opt_in"  # opt back in; nothing to decide
    CONFIRMATION_REPLY = "confirmation_reply"  # a yes or no to the awaited action
    FEEDBACK = "feedback"  # a verdict on the last automatic answer, classified here
    UNDERSTAND = "understand"  # anything else: the understanding pipeline reads it


@attrs.frozen
class Triage:
    handling: Handling
    # The texts joined in the order the customer sent them.
    text: str
    answer: YesNo | None = None  # CONFIRMATION_REPLY
    classification: Classification | None = None  # FEEDBACK
    notice: str | None = None  # OPT_OUT: the one confirmation carriers expect

    @property
    def keyword(self) -> str:
        """The start of the text an opt-out or opt-in records."""
        return self.text[:_KEYWORD_LENGTH]


def triage(
    texts: Sequence[InboundText],
    *,
    opted_out: bool,
    awaiting_open_action: bool,
    last_decision: Decision | None,
) -> Triage:
    """How claw handles a customer's unprocessed texts, taken together."""
    # Webhooks arrive in no particular order: join a split message in the order the
    # customer sent it (arrival order breaks ties).
    in_order = sorted(texts, key=lambda text: text.sent_at)
    combined = " ".join(text.body.strip() for text in in_order)
    keyword = _last_subscription_keyword(in_order, opted_out=opted_out)
    if keyword is SubscriptionKeyword.OPT_OUT:
        return Triage(Handling.OPT_OUT, combined, notice=wording.opted_out())
    if keyword is SubscriptionKeyword.OPT_IN:
        return Triage(Handling.OPT_IN, combined)
    if awaiting_open_action:
        answer = recognise_yes_no(combined)
        if answer is None and says_resolved_itself(combined):
            # "nvm it came back on its own": the offer is declined, as "no its fine now" is.
            answer = YesNo.NO
        if answer is not None:
            return Triage(Handling.CONFIRMATION_REPLY, combined, answer=answer)
    invites_feedback = last_decision is not None and last_decision.kind in _INVITES_FEEDBACK
    feedback = recognise_feedback(combined) if invites_feedback else None
    if invites_feedback and says_resolved_itself(combined):
        # "never mind, fixed itself" after an answer or a question: the problem is gone.
        feedback = Sentiment.POSITIVE
    if last_decision is not None and last_decision.reason is Reason.DETAILS_NEEDED:
        # After "Which box are you in?", "still frozen" is no verdict on an answer (the
        # pipeline reads it against the open question); "never mind, it works now" ends it.
        feedback = feedback if feedback is Sentiment.POSITIVE else None
    if feedback in (Sentiment.POSITIVE, Sentiment.NEGATIVE):
        positive = feedback is Sentiment.POSITIVE
        classification = Classification(
            intent=Intent.FEEDBACK_POSITIVE if positive else Intent.FEEDBACK_NEGATIVE,
            confidence=1.0,
            source=ClassificationSource.PATTERN,
            sentiment=feedback,
        )
        return Triage(Handling.FEEDBACK, combined, classification=classification)
    return Triage(Handling.UNDERSTAND, combined)


def _last_subscription_keyword(
    texts: Sequence[InboundText], *, opted_out: bool
) -> SubscriptionKeyword | None:
    """The customer's last word on texting, in the order they sent it ("STOP" then "START")."""
    found: SubscriptionKeyword | None = None
    for text in texts:
        keyword = recognise_subscription(text.body, opted_out=opted_out)
        if keyword is not None:
            found = keyword
            opted_out = keyword is SubscriptionKeyword.OPT_OUT
    return found
