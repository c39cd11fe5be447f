"""The ``SetAsideSender`` aggregate: texts claw recorded and will not answer, per sender.

One aggregate per sending number (its id is ``set_aside_sender_id(number)``); the
events carry the number masked, never whole. Staff hear about a malformed sender
at most once an hour per number (a flood from one bad sender is one alert an
hour, not one per text); the other reasons never alert (see ``senders``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from claw_domain.senders import SetAsideReason

ALERT_EVERY = timedelta(hours=1)


@attrs.frozen
class SetAsideOutcome:
    duplicate: bool  # this message id was set aside before (a webhook retry)
    alert_staff: bool  # this text is the one staff hear about this hour


class SetAsideSender(Aggregate):
    @classmethod
    def start(cls, sender_id: UUID, masked_sender: str, at: datetime) -> SetAsideSender:
        """The id comes from the whole number, which the events never carry."""
        return cls(id=sender_id, masked_sender=masked_sender, at=at)

    @event("SenderFirstSetAside")
    # ``id`` is the library's: it becomes the aggregate id, not a field of the event.
    def __init__(self, id: UUID, masked_sender: str, at: datetime) -> None:
        self.masked_sender = masked_sender
        self.first_at = at
        self.message_ids: set[str] = set()
        self.last_alert_at: datetime | None = None
        self.texts = 0

    def set_aside(
        self, message_id: str, venue_line: str, reason: SetAsideReason, at: datetime
    ) -> SetAsideOutcome:
        if message_id in self.message_ids:
            return SetAsideOutcome(duplicate=True, alert_staff=False)
        alert = reason is SetAsideReason.MALFORMED_SENDER and (
            self.last_alert_at is None or at - self.last_alert_at >= ALERT_EVERY
        )
        self._text_set_aside(
            message_id=message_id, venue_line=venue_line, reason=reason, at=at, alert_staff=alert
        )
        return SetAsideOutcome(duplicate=False, alert_staff=alert)

    @event("TextSetAside")
    def _text_set_aside(
        self,
        message_id: str,
        venue_line: str,
        reason: SetAsideReason,
        at: datetime,
        alert_staff: bool,
    ) -> None:
        self.message_ids.add(message_id)
        self.texts += 1
        if alert_staff:
            self.last_alert_at = at
