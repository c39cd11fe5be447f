"""Which text each legacy reply number carries, so an outcome row can say what was sent.

Before the outbox (``claw_domain.outbox``), the conversation numbered its replies
in the order they were queued, and the legacy outcome events (``ReplySent``,
``ReplyFailed``, ``ReplyWithheld``...) cite only the number. This bookkeeping
follows the same order over a JSON-friendly state dict, shared by the audit
projection and the incident-review timeline, so older databases read as before.
New texts name themselves (``TextSent`` is an event of the text's own aggregate)
and need none of it.
"""

from __future__ import annotations

from typing import Any

from claw_adapters.projections.events import DECISION_EVENTS, EventName
from claw_domain.decisions import Decision, DecisionKind

# Decisions whose reply is queued for sending straight away (the others draft or summarise).
_QUEUING_DECISIONS = frozenset(
    {DecisionKind.RESPOND, DecisionKind.REQUEST_CONFIRMATION, DecisionKind.EXECUTE}
)
REPLY_OUTCOMES = frozenset(
    {
        EventName.REPLY_SENT,
        EventName.REPLY_FAILED,
        EventName.REPLY_OUTCOME_UNKNOWN,
        EventName.REPLY_WITHHELD,
    }
)


# Replies remembered per conversation: a legacy outcome followed its reply within
# moments, and decisions made since the outbox queue replies no outcome will ever cite.
REPLIES_KEPT = 20


def _queue(state: dict[str, Any], body: str) -> None:
    state["queued"] = state.get("queued", 0) + 1
    replies: dict[str, str] = state.setdefault("replies", {})
    replies[str(state["queued"])] = body
    for number in list(replies)[:-REPLIES_KEPT]:
        del replies[number]


def follow_replies(name: EventName, recorded: Any, state: dict[str, Any]) -> str | None:
    """Update ``state`` for one conversation event; for an outcome, the reply's text."""
    replies: dict[str, str] = state.setdefault("replies", {})
    drafts: dict[str, str | None] = state.setdefault("drafts", {})
    if name in DECISION_EVENTS:
        decision: Decision = recorded.decision
        if decision.kind in _QUEUING_DECISIONS and recorded.reply is not None:
            _queue(state, recorded.reply)
        if decision.kind is DecisionKind.SUGGEST:
            drafts[str(recorded.number)] = (
                recorded.reply if recorded.reply is not None else decision.reply
            )
    elif name is EventName.NOTICE_QUEUED:
        state["queued"] = recorded.number - 1
        _queue(state, recorded.body)
    elif name is EventName.SUGGESTION_DRAFTED:
        drafts[str(recorded.decision_number)] = recorded.draft
    elif name in (EventName.SUGGESTION_APPROVED, EventName.SUGGESTION_EDITED):
        draft = drafts.pop(str(recorded.decision_number), None)
        body = recorded.text if name is EventName.SUGGESTION_EDITED else draft
        _queue(state, body or "")
        return body
    elif name is EventName.SUGGESTION_REJECTED:
        drafts.pop(str(recorded.decision_number), None)
    elif name is EventName.OPTED_OUT:
        replies.clear()  # the aggregate withholds every queued reply with the opt-out
    elif name in REPLY_OUTCOMES:
        number = str(recorded.number)
        # A retryable failure leaves the reply queued for the next attempt.
        if name is EventName.REPLY_FAILED and recorded.retryable:
            return replies.get(number)
        return replies.pop(number, None)
    return None
