"""Durable timers derived from the log: what is due, and when.

The worker asks which conversations have texts past their debounce and which
pending actions are past their deadline. The answer is folded from the event
log on start and kept current as new events arrive, so a restart (or a second
process) derives exactly the same timers: nothing lives only in memory.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
import structlog
from eventsourcing.persistence import Notification

from claw_adapters.projections.failures import describe_error
from claw_service.application import ClawApplication

log = structlog.get_logger("claw.work")

_DECISION_EVENTS = frozenset(
    {
        "DecidedToRespond",
        "DecidedToSuggest",
        "DecidedToRequestConfirmation",
        "DecidedToExecute",
        "DecidedToEscalate",
        "DecidedToIgnore",
        "TextsProcessed",
    }
)
# Any of these means the action no longer waits for its deadline.
_ACTION_SETTLED = frozenset(
    {
        "CustomerDeclined",
        "StaffRejected",
        "ActionCancelled",
        "ActionExpired",
        "ExecutionStarted",
        "ActionFailed",
        "ActionSucceeded",
        "ActionOutcomeUnknown",
    }
)
_INTERESTING = _DECISION_EVENTS | _ACTION_SETTLED | {"TextReceived", "ActionRequested"}


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

    def catch_up(self) -> int:
        applied = 0
        while True:
            notifications = self.app.recorder.select_notifications(
                start=self.position + 1, limit=self.batch_size
            )
            for notification in notifications:
                name = notification.topic.rsplit(".", 1)[-1]
                if name in _INTERESTING:
                    self._apply_stored(name, notification)
                self.position = notification.id
            applied += len(notifications)
            if len(notifications) < self.batch_size:
                return applied

    def _apply_stored(self, name: str, notification: Notification) -> None:
        try:
            event = self.app.mapper.to_domain_event(notification)
        except Exception as error:
            # One unreadable event must not stop every timer after it (and the worker
            # with them). The projections record it for staff; here it is passed over.
            log.error(
                "timer_event_skipped",
                position=notification.id,
                event_name=name,
                reason=describe_error(error),
            )
            return
        self._apply(name, event)

    def _apply(self, name: str, event: Any) -> None:
        originator: UUID = event.originator_id
        if name == "TextReceived":
            texts = self._texts.setdefault(originator, _Texts())
            texts.received += 1
            # Debounce from when claw recorded the text: split texts share one reply.
            texts.due_at = event.timestamp + self.debounce
            self._waiting.add(originator)
        elif name in _DECISION_EVENTS:
            # Counts stay absolute for the conversation's life: ``through`` is an index
            # into all its texts, so a forgotten count would mistake a text that arrived
            # while the previous one was being decided for one already decided.
            texts = self._texts.setdefault(originator, _Texts())
            texts.processed = max(texts.processed, event.through)
            if texts.processed >= texts.received:
                self._waiting.discard(originator)
        elif name == "ActionRequested":
            self._deadlines[originator] = event.deadline
        elif name in _ACTION_SETTLED:
            self._deadlines.pop(originator, None)

    def due_conversations(self, now: datetime) -> list[UUID]:
        due = []
        for conversation in self._waiting:
            texts = self._texts[conversation]
            if texts.due_at is not None and texts.due_at <= now:
                due.append(conversation)
        return due

    def due_actions(self, now: datetime) -> list[UUID]:
        return [action for action, deadline in self._deadlines.items() if deadline < now]
