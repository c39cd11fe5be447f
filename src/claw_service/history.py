"""A conversation's whole history, read from its events.

The ``Conversation`` aggregate keeps only what its commands need (the recent texts,
counts, the last decision), so its cost does not grow with the conversation. A
reader that needs every text, decision or action since the start reads the log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

import attrs

from claw_domain.conversation import Conversation
from claw_domain.decisions import Decision
from claw_domain.values import InboundText

if TYPE_CHECKING:  # the application reads histories too (texts_of): no import cycle
    from claw_service.application import ClawApplication


@attrs.frozen
class ConversationHistory:
    texts: tuple[InboundText, ...]
    decisions: tuple[Decision, ...]
    # Every pending action the conversation opened, oldest first.
    action_ids: tuple[UUID, ...]


def conversation_history(app: ClawApplication, conversation: UUID) -> ConversationHistory:
    texts: list[InboundText] = []
    decisions: list[Decision] = []
    action_ids: list[UUID] = []
    recorded: Any
    for recorded in app.events.get(conversation):
        if isinstance(recorded, Conversation.DecisionRecorded):
            decisions.append(recorded.decision)
            opened = recorded.pending_action_id
            if opened is not None and opened not in action_ids:
                action_ids.append(opened)
        elif isinstance(getattr(recorded, "text", None), InboundText):
            texts.append(recorded.text)  # TextReceived: the only event that holds one
    return ConversationHistory(tuple(texts), tuple(decisions), tuple(action_ids))
