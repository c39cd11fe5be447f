"""Automation settings: the safety rails an operator turns, each change an event."""

from __future__ import annotations

import enum
from datetime import datetime, time, timedelta
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import attrs
from eventsourcing.domain import Aggregate, event

from claw_domain.errors import InvariantError
from claw_domain.identity import CLAW_NAMESPACE
from claw_domain.values import Intent, aware_datetime, unit_interval

DEFAULT_CONFIDENCE_THRESHOLD = 0.85


class FeatureMode(enum.StrEnum):
    """How far claw goes for one intent."""

    OFF = "off"  # claw leaves it to staff
    SHADOW = "shadow"  # claw decides and records, but neither sends nor queues
    SUGGEST = "suggest"  # claw drafts; staff approve before anything is sent
    AUTO = "auto"  # claw acts within the other rails


@attrs.frozen
class FeatureSettings:
    mode: FeatureMode = FeatureMode.SUGGEST
    confidence_threshold: float = attrs.field(
        default=DEFAULT_CONFIDENCE_THRESHOLD, validator=unit_interval
    )
    max_auto_replies: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    requires_confirmation: bool = False
    requires_approval: bool = False
    # When claw hands this topic to staff, the customer hears a person will answer.
    holding_reply: bool = True


@attrs.frozen
class QuietHours:
    """A daily window, in the venue's time zone, when claw sends nothing automatic."""

    start: time
    end: time

    def contains(self, local_time: time) -> bool:
        if self.start <= self.end:
            return self.start <= local_time < self.end
        return local_time >= self.start or local_time < self.end


def _known_zone(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    try:
        ZoneInfo(value)
    except (KeyError, ValueError) as error:
        msg = f"unknown time zone {value!r}; use an IANA name such as America/Halifax"
        raise ValueError(msg) from error


@attrs.frozen
class GlobalSettings:
    send_automatic_responses: bool = True
    execute_actions: bool = True
    messages_per_hour: int = attrs.field(default=30, validator=attrs.validators.ge(0))
    quiet_hours: QuietHours | None = None
    timezone: str = attrs.field(default="UTC", validator=_known_zone)
    staff_backoff_minutes: int = attrs.field(default=60, validator=attrs.validators.ge(0))
    confirmation_timeout_minutes: int = attrs.field(default=10, validator=attrs.validators.ge(1))
    door_unlock_seconds: int = attrs.field(default=10, validator=attrs.validators.ge(1))

    @property
    def staff_backoff(self) -> timedelta:
        return timedelta(minutes=self.staff_backoff_minutes)

    @property
    def confirmation_timeout(self) -> timedelta:
        return timedelta(minutes=self.confirmation_timeout_minutes)

    def in_quiet_hours(self, now: datetime) -> bool:
        if self.quiet_hours is None:
            return False
        local = now.astimezone(ZoneInfo(self.timezone))
        return self.quiet_hours.contains(local.time())


@attrs.frozen
class EmergencyStop:
    actor: str
    reason: str
    engaged_at: datetime = attrs.field(validator=aware_datetime)


@attrs.frozen
class SettingsSnapshot:
    """Everything the policy needs from the settings, with the version it came from."""

    version: int
    features: dict[Intent, FeatureSettings]
    globals: GlobalSettings
    emergency_stop: EmergencyStop | None = None

    def feature(self, intent: Intent) -> FeatureSettings | None:
        return self.features.get(intent)


def settings_id() -> UUID:
    # One settings aggregate per venue database; uuid5 makes a second creation
    # collide on the store's own constraint instead of forking the settings.
    return uuid5(CLAW_NAMESPACE, "automation-settings")


def _check_rails(intent: Intent, settings: FeatureSettings) -> None:
    # A door opens only on the customer's own "yes", whatever an operator sets.
    if intent is Intent.DOOR_ACCESS and not settings.requires_confirmation:
        msg = "door_access must keep requires_confirmation: a door opens only on the customer's yes"
        raise InvariantError(msg)


def _non_blank(actor: str, what: str) -> None:
    if not actor.strip():
        msg = f"{what} needs a non-empty actor so the audit trail says who did it"
        raise InvariantError(msg)


class AutomationSettings(Aggregate):
    """The venue's automation settings; its version is the 'settings version' decisions cite."""

    @staticmethod
    def create_id() -> UUID:
        return settings_id()

    @event("SettingsInitialised")
    def __init__(
        self,
        features: dict[Intent, FeatureSettings],
        global_settings: GlobalSettings,
        actor: str,
        at: datetime,
    ) -> None:
        self.features = dict(features)
        self.globals = global_settings
        self.emergency_stop: EmergencyStop | None = None

    def snapshot(self) -> SettingsSnapshot:
        return SettingsSnapshot(
            version=self.version,
            features=dict(self.features),
            globals=self.globals,
            emergency_stop=self.emergency_stop,
        )

    def change_feature(
        self, intent: Intent, settings: FeatureSettings, actor: str, at: datetime
    ) -> None:
        _non_blank(actor, "a feature change")
        _check_rails(intent, settings)
        if self.features.get(intent) == settings:
            return
        self._feature_changed(intent=intent, settings=settings, actor=actor, at=at)

    @event("FeatureSettingsChanged")
    def _feature_changed(
        self, intent: Intent, settings: FeatureSettings, actor: str, at: datetime
    ) -> None:
        self.features[intent] = settings

    def change_globals(self, settings: GlobalSettings, actor: str, at: datetime) -> None:
        _non_blank(actor, "a settings change")
        if settings == self.globals:
            return
        self._globals_changed(settings=settings, actor=actor, at=at)

    @event("GlobalSettingsChanged")
    def _globals_changed(self, settings: GlobalSettings, actor: str, at: datetime) -> None:
        self.globals = settings

    def engage_emergency_stop(self, actor: str, reason: str, at: datetime) -> None:
        _non_blank(actor, "the emergency stop")
        if not reason.strip():
            msg = "the emergency stop needs a reason, for whoever releases it"
            raise InvariantError(msg)
        if self.emergency_stop is not None:
            return
        self._stop_engaged(actor=actor, reason=reason, at=at)

    @event("EmergencyStopEngaged")
    def _stop_engaged(self, actor: str, reason: str, at: datetime) -> None:
        self.emergency_stop = EmergencyStop(actor=actor, reason=reason, engaged_at=at)

    def release_emergency_stop(self, actor: str, reason: str, at: datetime) -> None:
        _non_blank(actor, "releasing the emergency stop")
        if self.emergency_stop is None:
            return
        self._stop_released(actor=actor, reason=reason, at=at)

    @event("EmergencyStopReleased")
    def _stop_released(self, actor: str, reason: str, at: datetime) -> None:
        self.emergency_stop = None
