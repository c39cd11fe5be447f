"""The vocabulary projections read: event classes, decoded events, and JSON-friendly values."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import attrs

from claw_domain import events
from claw_domain.privacy import FORGOTTEN

# Groups of event classes the read side folds alike. Projections route by class:
# a table ``{EventClass: fold}`` each, so a new event class is one line per table.
DECISIONS: tuple[type, ...] = (
    events.DecidedToRespond,
    events.DecidedToSuggest,
    events.DecidedToRequestConfirmation,
    events.DecidedToExecute,
    events.DecidedToEscalate,
    events.DecidedToIgnore,
)
SETTINGS_CHANGES: tuple[type, ...] = (
    events.SettingsInitialised,
    events.FeatureSettingsChanged,
    events.GlobalSettingsChanged,
    events.EmergencyStopEngaged,
    events.EmergencyStopReleased,
)
# What became of a text to a customer (the outbox): each names the text, not its conversation.
TEXT_OUTCOMES: tuple[type, ...] = (
    events.TextSent,
    events.TextFailed,
    events.TextOutcomeUnknown,
    events.TextWithheld,
)
ALERT_OUTCOMES: tuple[type, ...] = (
    events.AlertDelivered,
    events.AlertFailed,
    events.AlertDropped,
)


def settles_text(recorded: Any) -> bool:
    """Whether an outcome is a text's last: all but a failure claw will retry."""
    retryable: bool = getattr(recorded, "retryable", False)
    return type(recorded) is not events.TextFailed or not retryable


# Pending-action events that close the action for good.
ACTION_CLOSINGS: tuple[type, ...] = (
    events.CustomerDeclined,
    events.StaffRejected,
    events.ActionCancelled,
    events.ActionExpired,
    events.ActionSucceeded,
    events.ActionFailed,
    events.ActionOutcomeUnknown,
)
REPLY_OUTCOMES: tuple[type, ...] = (
    events.ReplySent,
    events.ReplyFailed,
    events.ReplyOutcomeUnknown,
    events.ReplyWithheld,
)


@attrs.frozen
class Unreadable:
    """Stands in for a stored event the mapper could not rebuild.

    ``event_class`` is the class it was recorded as, so it is routed like the
    event it should have been; each follower decides what skipping it means.
    """

    event_class: type
    error: Exception


@attrs.frozen
class RecordedEvent:
    """A decoded domain event (or :class:`Unreadable`) with its place in the log.

    ``event`` is the library's event object; its fields are the keyword
    arguments of the ``@event`` method that recorded it.
    """

    position: int
    originator_id: UUID
    originator_version: int
    event: Any
    # What routes the event: its class, also when it could not be read. Kept, not
    # recomputed: every projection asks for it on every event of a rebuild.
    event_class: type = attrs.field(init=False)

    @event_class.default
    def _class_of_event(self) -> type:
        if isinstance(self.event, Unreadable):
            return self.event.event_class
        return type(self.event)

    @property
    def name(self) -> str:
        """The event's class name: a label for audit rows and failure records, never a route."""
        return self.event_class.__name__

    @property
    def at(self) -> datetime:
        """Domain time: the event's ``at``, a text's ``sent_at``, or when it was recorded."""
        at = getattr(self.event, "at", None)
        if isinstance(at, datetime):
            return at
        text = getattr(self.event, "text", None)
        sent_at = getattr(text, "sent_at", None)
        if isinstance(sent_at, datetime):
            return sent_at
        timestamp: datetime = self.event.timestamp
        return timestamp


# A rebuild asks for the same few values again and again (an event's time in every
# projection that reads it, a customer's masked number on each of their events): the
# answers are kept for the most recent ones.
_RECENT = 4096


@lru_cache(maxsize=_RECENT)
def iso(moment: datetime) -> str:
    """UTC with microseconds and a Z, e.g. 2026-11-25T12:00:00.000000Z: sorts as text.

    Fixed width and always UTC, so ISO strings sort in time order in every backend.
    """
    # isoformat is several times faster than strftime, and rebuilds call this per event.
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=UTC)


@lru_cache(maxsize=_RECENT)
def mask_number(number: str) -> str:
    """All but the last four digits hidden: enough to recognise, not enough to text."""
    if number == FORGOTTEN:
        return number
    digits = [char for char in number if char.isdigit()]
    if len(digits) <= 4:
        return "*" * len(digits)
    prefix = "+" if number.startswith("+") else ""
    return prefix + "*" * (len(digits) - 4) + "".join(digits[-4:])
