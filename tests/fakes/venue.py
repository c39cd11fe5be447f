"""An in-memory venue for tests and the property harness: a few facts, no file."""

from __future__ import annotations

import attrs

from claw_domain.values import ActionKind, ActionParameters, Entities, Intent


@attrs.define
class InMemoryVenue:
    """Implements the ``Venue`` port from plain dictionaries."""

    answers: dict[Intent, str] = attrs.Factory(
        lambda: {
            Intent.HOURS: "We're open 24/7.",
            Intent.GIFT_CARD_PURCHASE: "Buy gift cards at https://example.test/gift",
        }
    )
    locations: dict[str, str] = attrs.Factory(lambda: {"bedford": "Bedford"})
    devices: dict[tuple[str, int], str] = attrs.Factory(
        lambda: {("bedford", 1): "101", ("bedford", 2): "102"}
    )
    doors: dict[str, str] = attrs.Factory(lambda: {"bedford": "door-bedford-front"})
    door_allowed: set[tuple[str, str]] = attrs.Factory(set)
    own_numbers: set[str] = attrs.Factory(lambda: {"+19025550000"})

    def answer(self, intent: Intent, entities: Entities) -> str | None:
        return self.answers.get(intent)

    def reference_text(self) -> str:
        return "\n".join(self.answers.values())

    def may_open_door(self, phone: str, location: str) -> bool:
        return (phone, location) in self.door_allowed

    def known_location(self, entities: Entities) -> str | None:
        return entities.location or (
            next(iter(self.locations)) if len(self.locations) == 1 else None
        )

    def action_parameters(self, kind: ActionKind, entities: Entities) -> ActionParameters | None:
        location = self.known_location(entities)
        if location is None:
            return None
        if kind is ActionKind.RESET_SIMULATOR:
            device = self.devices.get((location, entities.box or 0))
            if device is None:
                return None
            return ActionParameters(location=location, box=entities.box, device_id=device)
        if kind is ActionKind.UNLOCK_DOOR:
            door = self.doors.get(location)
            if door is None:
                return None
            return ActionParameters(location=location, door_id=door, door_name="front door")
        return None

    def is_own_number(self, phone: str) -> bool:
        return phone in self.own_numbers

    def location_name(self, location: str) -> str:
        return self.locations.get(location, location.title())
