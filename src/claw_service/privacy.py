"""Forgetting a customer: shred their key, then record that (and who) it was done.

The order matters. The key goes first, so a crash half-way leaves the data
unreadable rather than an audit record of a forgetting that did not happen;
running the command again records what is missing (it is idempotent).

The customer's outbox texts and alerts are streams of theirs too (sealed with the
same key). A text still queued is withheld here, at once: a running server may
still hold the key in its short cache, and must not send it meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from claw_adapters.persistence.data_keys import DataKeys
from claw_domain.conversation import Conversation
from claw_domain.outbox import HoldReason, OutboundText
from claw_domain.pending_action import PendingAction
from claw_service.application import ClawApplication

_ATTEMPTS = 5
CANCELLED_BECAUSE = "the customer's data was forgotten"


@attrs.frozen
class ForgetReport:
    subject: str  # the keyed hash the audit shows, never the number
    keys_deleted: int
    conversations: tuple[UUID, ...]
    actions_cancelled: tuple[UUID, ...]


def forget_subject(
    app: ClawApplication, keys: DataKeys, subject: str, actor: str, reason: str, now: datetime
) -> ForgetReport:
    """Make one customer's personal fields unreadable for good, everywhere in the log."""
    streams = keys.streams_of(subject)
    deleted = keys.shred(subject)
    conversations, cancelled = [], []
    for stream in streams:
        try:
            aggregate: object = app.repository.get(stream)
        except AggregateNotFoundError:
            continue  # a stream whose events were never stored (a failed write)
        if isinstance(aggregate, PendingAction):
            if aggregate.is_open:
                app.cancel_action(stream, actor, CANCELLED_BECAUSE, now)
                cancelled.append(stream)
        elif isinstance(aggregate, OutboundText):
            if aggregate.is_queued:
                app.withhold_text(stream, HoldReason.CUSTOMER_FORGOTTEN, now, None)
        elif isinstance(aggregate, Conversation):
            _record_forgotten(app, stream, subject, actor, reason, now)
            conversations.append(stream)
    return ForgetReport(subject, deleted, tuple(conversations), tuple(cancelled))


def _record_forgotten(
    app: ClawApplication, stream: UUID, subject: str, actor: str, reason: str, now: datetime
) -> None:
    for _attempt in range(_ATTEMPTS):
        conversation = app.conversation(stream)
        conversation.forget_customer(subject, actor, reason, now)
        try:
            app.save(conversation)
        except IntegrityError:
            continue  # a text or an effect was recorded meanwhile: load it again
        return
    msg = f"recording that conversation {stream} was forgotten conflicted {_ATTEMPTS} times"
    raise RuntimeError(msg)


def idle_subjects(
    app: ClawApplication, keys: DataKeys, idle_for: timedelta, now: datetime
) -> list[str]:
    """Customers whose every stream has been quiet for longer than ``idle_for``."""
    cutoff = now - idle_for
    idle = []
    for subject in keys.subjects():
        last = _last_activity(app, keys.streams_of(subject))
        if last is not None and last < cutoff:
            idle.append(subject)
    return idle


def _last_activity(app: ClawApplication, streams: Iterable[UUID]) -> datetime | None:
    latest: datetime | None = None
    for stream in streams:
        stored = app.recorder.select_events(stream, desc=True, limit=1)
        if not stored:
            continue
        event: Any = app.mapper.to_domain_event(stored[0])
        at: datetime = event.timestamp
        latest = at if latest is None or at > latest else latest
    return latest
