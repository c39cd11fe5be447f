"""The venue file as the service layer's ``Venue`` port, and its initial settings."""

from __future__ import annotations

import attrs

from claw_adapters.knowledge.model import InitialSettings, Mode
from claw_adapters.knowledge.venue import VenueKnowledge
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings, QuietHours
from claw_domain.values import ActionKind, ActionParameters, Entities, Intent


@attrs.frozen
class KnowledgeVenue:
    """Implements ``claw_domain.ports.Venue`` over a validated venue file."""

    knowledge: VenueKnowledge

    def answer(self, intent: Intent, entities: Entities) -> str | None:
        return self.knowledge.answer(intent, entities)

    def reference_text(self) -> str:
        return self.knowledge.reference_text()

    def may_open_door(self, phone: str, location: str) -> bool:
        return self.knowledge.may_open_door(phone, location)

    def is_own_number(self, phone: str) -> bool:
        return phone in self.knowledge.own_numbers

    def location_name(self, location: str) -> str:
        return self.knowledge.location_names().get(location, location)

    def action_parameters(self, kind: ActionKind, entities: Entities) -> ActionParameters | None:
        location = self._location_key(entities.location)
        if location is None:
            return None
        # Each action's target is found its own way; an action with no entry has none.
        resolve = {
            ActionKind.RESET_SIMULATOR: self._simulator,
            ActionKind.UNLOCK_DOOR: self._door,
        }.get(kind)
        return resolve(location, entities) if resolve is not None else None

    def _simulator(self, location: str, entities: Entities) -> ActionParameters | None:
        if entities.box is None:
            return None
        device = self.knowledge.boxes(location).get(entities.box)
        if device is None:
            return None
        return ActionParameters(location=location, box=entities.box, device_id=device)

    def _door(self, location: str, _entities: Entities) -> ActionParameters | None:
        door = self.knowledge.door(location)
        if door is None:
            return None
        return ActionParameters(location=location, door_id=door.id, door_name=door.name)

    def _location_key(self, named: str | None) -> str | None:
        names = self.knowledge.location_names()
        if named is None:
            # A one-location venue needs no "which location?".
            return next(iter(names)) if len(names) == 1 else None
        if named in names:
            return named
        lowered = named.strip().lower()
        for key, aliases in self.knowledge.location_aliases().items():
            if lowered in aliases:
                return key
        return None


_MODES = {
    Mode.OFF: FeatureMode.OFF,
    Mode.SHADOW: FeatureMode.SHADOW,
    Mode.SUGGEST: FeatureMode.SUGGEST,
    Mode.AUTO: FeatureMode.AUTO,
}


def initial_domain_settings(
    initial: InitialSettings, timezone: str
) -> tuple[dict[Intent, FeatureSettings], GlobalSettings]:
    """The venue file's settings for a fresh database, in the domain's terms."""
    features = {
        intent: FeatureSettings(
            mode=_MODES[setting.mode],
            confidence_threshold=setting.threshold,
            max_auto_replies=setting.max_auto_replies,
            requires_confirmation=setting.requires_confirmation,
            requires_approval=setting.requires_approval,
        )
        for intent, setting in initial.all_intents().items()
    }
    rails = initial.globals
    quiet = (
        QuietHours(start=rails.quiet_hours.start, end=rails.quiet_hours.end)
        if rails.quiet_hours is not None
        else None
    )
    global_settings = GlobalSettings(
        send_automatic_responses=rails.send_automatic_responses,
        execute_actions=rails.execute_actions,
        messages_per_hour=rails.messages_per_hour,
        quiet_hours=quiet,
        timezone=timezone,
        staff_backoff_minutes=rails.staff_backoff_minutes,
        confirmation_timeout_minutes=rails.confirmation_timeout_minutes,
        door_unlock_seconds=rails.door_unlock_seconds,
    )
    return features, global_settings
