"""How everything that follows the log reads it: after a position, decoded once, routed by class.

The dispatcher, the timers and the projector each keep a position in the
application's log and a table ``{EventClass: handler}``. A :class:`LogFollower`
asks the database for the notifications after a position whose events are of
those classes (the library's topic filter, as its own followers use; topics
themselves stay in the mapper), decodes each one once, and hands back
:class:`RecordedEvent` items in log order together with how far it read.

An event the mapper cannot rebuild comes back as an :class:`Unreadable` of
the class it was recorded as, never raised: each follower decides what
skipping it means (the projector records a ``ProjectionFailure``, the timers
log and pass over it, the dispatcher records it and tells staff).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import attrs

from claw_adapters.persistence.mapper import EventClasses
from claw_adapters.projections.events import RecordedEvent, Unreadable
from claw_service.application import ClawApplication


@attrs.frozen
class Batch:
    """The wanted events after a position, and the position read up to.

    ``reached`` can be past the last event: notifications of other classes in
    between were read (by the database's filter) and need no handling.
    """

    events: Sequence[RecordedEvent]
    reached: int


class LogFollower:
    """Reads the application's log for the events of ``classes``."""

    def __init__(self, app: ClawApplication, classes: Iterable[type]) -> None:
        self.app = app
        self.classes = EventClasses.of(classes)

    def head(self) -> int:
        """The latest notification id in the log (0 when it is empty)."""
        return self.app.recorder.max_notification_id() or 0

    def read(self, after: int, limit: int, *, stop: int | None = None) -> Batch:
        """Up to ``limit`` wanted events after ``after`` (and at most up to ``stop``).

        The head is read before the events: every notification up to it is
        committed (both backends number them in commit order), so when fewer
        than ``limit`` come back the follower has read everything up to it.
        """
        last = self.head() if stop is None else stop
        if last <= after:
            return Batch((), after)
        notifications = self.app.recorder.select_notifications(
            start=after + 1, limit=limit, stop=last, topics=self.classes.topics
        )
        events = [self._decode(notification) for notification in notifications]
        reached = notifications[-1].id if len(notifications) == limit else last
        return Batch(events, reached)

    def _decode(self, notification: Any) -> RecordedEvent:
        decoded: Any
        try:
            decoded = self.app.mapper.to_domain_event(notification)
        except Exception as error:  # handed on as Unreadable: each follower decides
            event_class = self.classes.class_of(notification) or object
            decoded = Unreadable(event_class, error)
        originator_id = notification.originator_id
        return RecordedEvent(
            position=notification.id,
            originator_id=originator_id
            if isinstance(originator_id, UUID)
            else UUID(str(originator_id)),
            originator_version=notification.originator_version,
            event=decoded,
        )
