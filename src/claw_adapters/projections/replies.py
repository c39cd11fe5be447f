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

from collections.abc import Callable, Mapping
from typing import Any

from claw_adapters.projections.events import DECISIONS, REPLY_OUTCOMES
from claw_domain import events
from claw_domain.decisions import Decision, DecisionKind

# Decisions whose reply is queued for sending straight away (the others draft or summarise).
_QUEUING_DECISIONS = frozenset(
    {DecisionKind.RESPOND, DecisionKind.REQUEST_CONFIRMATION, DecisionKind.EXECUTE}
)
State = dict[str, Any]
Follow = Callable[[Any, State], str | None]


# Replies remembered per conversation: a legacy outcome followed its reply within
# moments, and decisions made since the outbox queue replies no outcome will ever cite.
REPLIES_KEPT = 20


def _queue(state: State, body: str) -> None:
    state["queued"] = state.get("queued", 0) + 1
    replies: dict[str, str] = state.setdefault("replies", {})
    replies[str(state["queued"])] = body
    for number in list(replies)[:-REPLIES_KEPT]:
        del replies[number]


def _drafts(state: State) -> dict[str, str | None]:
    drafts: dict[str, str | None] = state.setdefault("drafts", {})
    return drafts


def _decided(recorded: Any, state: State) -> None:
    decision: Decision = recorded.decision
    if decision.kind in _QUEUING_DECISIONS and recorded.reply is not None:
        _queue(state, recorded.reply)
    if decision.kind is DecisionKind.SUGGEST:
        _drafts(state)[str(recorded.number)] = (
            recorded.reply if recorded.reply is not None else decision.reply
        )


def _notice_queued(recorded: Any, state: State) -> None:
    state["queued"] = recorded.number - 1
    _queue(state, recorded.body)


def _drafted(recorded: Any, state: State) -> None:
    _drafts(state)[str(recorded.decision_number)] = recorded.draft


def _approved(recorded: Any, state: State) -> str | None:
    body = _drafts(state).pop(str(recorded.decision_number), None)
    _queue(state, body or "")
    return body


def _edited(recorded: Any, state: State) -> str | None:
    _drafts(state).pop(str(recorded.decision_number), None)
    body: str = recorded.text
    _queue(state, body or "")
    return body


def _rejected(recorded: Any, state: State) -> None:
    _drafts(state).pop(str(recorded.decision_number), None)


def _opted_out(_recorded: Any, state: State) -> None:
    state.setdefault("replies", {}).clear()  # the aggregate withholds every queued reply


def _outcome(recorded: Any, state: State) -> str | None:
    replies: dict[str, str] = state.setdefault("replies", {})
    return replies.pop(str(recorded.number), None)


def _failed(recorded: Any, state: State) -> str | None:
    # A retryable failure leaves the reply queued for the next attempt.
    if recorded.retryable:
        replies: dict[str, str] = state.setdefault("replies", {})
        return replies.get(str(recorded.number))
    return _outcome(recorded, state)


_FOLLOW: Mapping[type, Follow] = {
    **dict.fromkeys(DECISIONS, _decided),
    events.NoticeQueued: _notice_queued,
    events.SuggestionDrafted: _drafted,
    events.SuggestionApproved: _approved,
    events.SuggestionEdited: _edited,
    events.SuggestionRevised: _edited,
    events.SuggestionRejected: _rejected,
    events.OptedOut: _opted_out,
    **dict.fromkeys(REPLY_OUTCOMES, _outcome),
    events.ReplyFailed: _failed,
}
# Every event that changes the bookkeeping: a projection that follows replies reads these.
FOLLOWED: frozenset[type] = frozenset(_FOLLOW)


def follow_replies(recorded: Any, state: State) -> str | None:
    """Update ``state`` for one conversation event; for an outcome or approval, the reply's text."""
    follow = _FOLLOW.get(type(recorded))
    return follow(recorded, state) if follow is not None else None
