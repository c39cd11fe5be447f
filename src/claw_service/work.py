"""Durable timers derived from the log: what is due, and when.

The worker asks which conversations have texts past their debounce and which
pending actions are past their deadline. The answer is folded from the event
log on start and kept current as new events arrive, so a restart (or a second
process) derives exactly the same timers: nothing lives only in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
import structlog

from claw_adapters.projections.events import DECISIONS, RecordedEvent, Unreadable
from claw_adapters.projections.failures import describe_error
from claw_domain import events
from claw_service.application import ClawApplication
from claw_service.follower import LogFollower

log = structlog.get_logger("claw.work")

# Any of these means the action no longer waits for its deadline.
_ACTION_SETTLED: tuple[type, ...] = (
    events.CustomerDeclined,
    events.StaffRejected,
    events.ActionCancelled,
    events.ActionExpired,
    events.ExecutionStarted,
    events.ActionFailed,
    events.ActionSucceeded,
    events.ActionOutcomeUnknown,
)


@attrs.define
class _Texts:
    received: int = 0
    processed: int = 0
    due_at: datetime | None = None


class LogDerivedWork:
    """Implements the worker's ``DueWork`` by following the application's log."""

    def __init__(
        self, app: ClawApplication, *, debounce_seconds: float, batch_size: int = 1000
    ) -> None:
        self.app = app
        self.debounce = timedelta(seconds=debounce_seconds)
        self.batch_size = batch_size
        self.position = 0
        self._texts: dict[UUID, _Texts] = {}
        self._waiting: set[UUID] = set()  # conversations with texts not yet decided
        self._deadlines: dict[UUID, datetime] = {}
        self.routes: Mapping[type, Callable[[Any], None]] = {
            events.TextReceived: self._text_received,
            events.TextsProcessed: self._texts_handled,
            **dict.fromkeys(DECISIONS, self._texts_handled),
            events.ActionRequested: self._action_requested,
            **dict.fromkeys(_ACTION_SETTLED, self._action_settled),
        }
        self.follower = LogFollower(app, self.routes)

    def catch_up(self) -> int:
        """Fold the new events in; returns how many notifications the log moved on by."""
        began = self.position
        while True:
            batch = self.follower.read(self.position, self.batch_size)
            for event in batch.events:
                self._apply(event)
            self.position = batch.reached
            if len(batch.events) < self.batch_size:
                return self.position - began

    def _apply(self, event: RecordedEvent) -> None:
        if isinstance(event.event, Unreadable):
            # One unreadable event must not stop every timer after it (and the worker
            # with them). The projections record it for staff; here it is passed over.
            log.error(
                "timer_event_skipped",
                position=event.position,
                event_name=event.name,
                reason=describe_error(event.event.error),
            )
            return
        handler = self.routes.get(event.event_class)
        if handler is not None:
            handler(event.event)

    def _text_received(self, event: Any) -> None:
        texts = self._texts.setdefault(event.originator_id, _Texts())
        texts.received += 1
        # Debounce from when claw recorded the text: split texts share one reply.
        texts.due_at = event.timestamp + self.debounce
        self._waiting.add(event.originator_id)

    def _texts_handled(self, event: Any) -> None:
        """A decision or ``TextsProcessed``: both carry how far the texts were handled."""
        # Counts stay absolute for the conversation's life: ``through`` is an index
        # into all its texts, so a forgotten count would mistake a text that arrived
        # while the previous one was being decided for one already decided.
        texts = self._texts.setdefault(event.originator_id, _Texts())
        texts.processed = max(texts.processed, event.through)
        if texts.processed >= texts.received:
            self._waiting.discard(event.originator_id)

    def _action_requested(self, event: Any) -> None:
        self._deadlines[event.originator_id] = event.deadline

    def _action_settled(self, event: Any) -> None:
        self._deadlines.pop(event.originator_id, None)

    def due_conversations(self, now: datetime) -> list[UUID]:
        due = []
        for conversation in self._waiting:
            texts = self._texts[conversation]
            if texts.due_at is not None and texts.due_at <= now:
                due.append(conversation)
        return due

    def due_actions(self, now: datetime) -> list[UUID]:
        return [action for action, deadline in self._deadlines.items() if deadline < now]
