"""A conversation's state at one version, so loading it need not replay every event.

The library's own ``Snapshot`` keeps an aggregate's ``__dict__`` as an untyped
dict, which claw's mapper cannot store faithfully (it stores each field by its
declared type and builds value objects back through their constructors). Here the
state is an attrs class whose fields are the conversation's attributes, each with
its type, so a snapshot goes through the same mapper as every event: typed, and
with the customer's number and words sealed by the customer's key.

The conversation keeps only bounded state (see ``conversation.py``), so a snapshot
is as small after 5,000 events as after 50.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import CanSnapshotAggregate, DomainEvent
from eventsourcing.utils import get_topic

from claw_domain.conversation import Conversation, Suggestion, Ticket
from claw_domain.decisions import Decision
from claw_domain.slots import AnsweredIntent, OpenIntent
from claw_domain.values import Classification, InboundText, Intent

# The library's bookkeeping attributes, stored under these names without the underscore.
_TIMES = ("created_on", "modified_on")
_NOT_STATE = frozenset({"_id", "_version", "_pending_events"})


@attrs.frozen
class ConversationState:
    """Every attribute a ``Conversation`` holds, by name and type."""

    created_on: datetime
    modified_on: datetime
    venue_line: str
    customer_number: str
    inbound: list[InboundText]
    inbound_times: list[datetime]
    texts_received: int
    recent_message_ids: list[str]
    processed_inbound: int
    decision_count: int
    last_decision: Decision | None
    suggestions: dict[int, Suggestion]
    tickets: dict[int, Ticket]
    opted_out: bool
    staff_active_until: datetime | None
    auto_replies_by_intent: dict[Intent, int]
    positive_feedback_at: datetime | None
    negative_feedback_at: list[datetime]
    awaiting_action: UUID | None
    staff_message_ids: list[str]
    last_classification: Classification | None
    recent_action_ids: list[UUID]
    forgotten_at: datetime | None
    rapid_escalated_at: datetime | None
    # Defaults: snapshots taken before conversations kept them still load.
    open_intent: OpenIntent | None = None
    last_answer: AnsweredIntent | None = None
    # Absent from snapshots taken before holding replies: none was sent then.
    holding_reply_at: datetime | None = None
    missed_call_texted_at: datetime | None = None


def state_attribute_names(aggregate: Any) -> set[str]:
    """The attributes of an aggregate a snapshot must carry (for the completeness test)."""
    return {name.lstrip("_") for name in vars(aggregate) if name not in _NOT_STATE}


@dataclass(frozen=True)
class ConversationSnapshot(CanSnapshotAggregate[UUID], DomainEvent):
    """The state of one conversation at ``originator_version``."""

    topic: str
    state: ConversationState

    @classmethod
    def take(cls, aggregate: Any) -> ConversationSnapshot:
        if not isinstance(aggregate, Conversation):
            msg = f"a conversation snapshot cannot hold a {type(aggregate).__name__}"
            raise TypeError(msg)
        held = vars(aggregate)
        state = ConversationState(
            **{
                field.name: held[f"_{field.name}" if field.name in _TIMES else field.name]
                for field in attrs.fields(ConversationState)
            }
        )
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=cls.create_timestamp(),
            topic=get_topic(Conversation),
            state=state,
        )

    def mutate(self, _: Any) -> Conversation:
        held: dict[str, Any] = {
            f"_{field.name}" if field.name in _TIMES else field.name: getattr(
                self.state, field.name
            )
            for field in attrs.fields(ConversationState)
        }
        held.update(_id=self.originator_id, _version=self.originator_version, _pending_events=[])
        conversation = object.__new__(Conversation)
        conversation.__dict__.update(held)
        return conversation
