"""Answers learned from staff: a reply staff wrote for an intent with no answer becomes a proposal.

When staff edit a suggestion in the console (or write it themselves because claw had
no answer to suggest), the text they sent is what the venue says to that question. If
the published knowledge has no answer for the suggestion's intent, claw proposes the
text as one; an admin accepts it (perhaps after editing), which puts it in the draft
with where it came from, or dismisses it. Nothing is published without an admin.

The learner reads the log from where it last stopped (kept in the knowledge), so
it can run whenever someone looks at the proposals, on any instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from claw_domain import events
from claw_domain.knowledge import AnswerProposal, with_part
from claw_domain.values import Intent
from claw_service.follower import LogFollower
from claw_service.history import conversation_history
from claw_service.knowledge import KnowledgeBook
from claw_service.retry import retry_on_conflict

BATCH = 500


def _intent_of(book: KnowledgeBook[Any], conversation: UUID, number: int) -> Intent | None:
    conv = book.app.conversation(conversation)
    suggestion = conv.suggestions.get(number)
    if suggestion is not None:
        return suggestion.intent
    decisions = conversation_history(book.app, conversation).decisions
    # Bounded state drops old settled suggestions; the decision that made it is in the log.
    return decisions[number - 1].intent if 0 < number <= len(decisions) else None


def _has_answer(published: Mapping[str, Any], intent: Intent) -> bool:
    answers = published.get("answers")
    return isinstance(answers, Mapping) and answers.get(intent.value) is not None


# A staff member's own wording for a suggestion: "Edit and send" and an approval of a
# changed box record SuggestionRevised; logs from before it hold SuggestionEdited. Both
# carry decision_number, text, actor and at.
_STAFF_WORDING = (events.SuggestionRevised, events.SuggestionEdited)


@retry_on_conflict
def learn_answers(book: KnowledgeBook[Any], now: datetime) -> list[int]:
    """Propose the staff replies recorded since the last look; the new proposals' numbers."""
    knowledge = book.existing()
    follower = LogFollower(book.app, list(_STAFF_WORDING))
    proposed: list[int] = []
    after = knowledge.learned_through
    read_any = False
    while True:
        batch = follower.read(after, BATCH)
        read_any = read_any or bool(batch.events)
        for recorded in batch.events:
            if not isinstance(recorded.event, _STAFF_WORDING):
                continue  # unreadable (a forgotten customer's text): nothing to learn
            edited: Any = recorded.event  # the library's event class has no typed fields
            intent = _intent_of(book, recorded.originator_id, edited.decision_number)
            if intent is None or _has_answer(knowledge.published, intent):
                continue
            source = (
                f"reply by {edited.actor} on {edited.at:%Y-%m-%d} "
                f"(conversation {recorded.originator_id}, suggestion {edited.decision_number})"
            )
            number = knowledge.propose_answer(
                intent.value, edited.text, source, recorded.position, now
            )
            if number is not None:
                proposed.append(number)
        if batch.reached <= after:
            break
        after = batch.reached
        if len(batch.events) < BATCH:
            break
    if read_any:
        # Staff replies read and found nothing to learn: not read again. A look that found
        # no staff replies at all records nothing (the console looks every few seconds).
        knowledge.learned_through_position(after)
    if knowledge.pending_events:
        book.app.save(knowledge)
    return proposed


def proposals(book: KnowledgeBook[Any]) -> list[AnswerProposal]:
    """Every proposal, open ones first, newest first within each."""
    knowledge = book.existing()
    return sorted(knowledge.proposals.values(), key=lambda p: (p.status.value != "open", -p.number))


@retry_on_conflict
def accept_proposal(
    book: KnowledgeBook[Any], number: int, wording: str, by: str, at: datetime
) -> None:
    """Accept into the draft (validated like any edit); publishing is the usual step."""
    knowledge = book.existing()
    proposal = knowledge.proposals.get(number)
    if proposal is not None:
        draft, _ = book.draft()
        base = draft if draft is not None else knowledge.published
        answer = {"text": wording, "learned_from": proposal.source}
        book.build(with_part(base, ("answers", proposal.intent), answer))
    knowledge.accept_proposal(number, wording, by, at)
    book.app.save(knowledge)


@retry_on_conflict
def dismiss_proposal(book: KnowledgeBook[Any], number: int, by: str, at: datetime) -> None:
    knowledge = book.existing()
    knowledge.dismiss_proposal(number, by, at)
    book.app.save(knowledge)
