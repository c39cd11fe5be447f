"""The venue's knowledge, loaded from the operator's YAML file.

One object serves three readers: the service layer through the ``Venue`` port
(answers, who may open which door, own numbers, action targets), the local
classifier (examples, aliases, blacklist) and the composition root (initial
settings, own numbers).
"""

from __future__ import annotations

import importlib.resources
import zoneinfo
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from claw_adapters.knowledge.checks import check_venue_file, normalise_phrase
from claw_adapters.knowledge.converter import (
    LocatedError,
    flatten_errors,
    make_venue_file_converter,
)
from claw_adapters.knowledge.errors import KnowledgeFileError, Problem
from claw_adapters.knowledge.model import Door, InitialSettings, Location, VenueFile
from claw_adapters.knowledge.placeholders import Needs, fill, needs_of
from claw_adapters.knowledge.yaml_source import SourceDocument, parse_yaml
from claw_domain.errors import ConfigurationError
from claw_domain.settings import FeatureSettings, GlobalSettings
from claw_domain.values import ActionKind, ActionParameters, Entities, Intent

KNOWLEDGE_FILE_VARIABLE = "CLAW_KNOWLEDGE_FILE"
DEMO_VENUE_RESOURCE = "demo_venue.yaml"


def parse_venue_file(text: str, file: str = "venue.yaml") -> VenueFile:
    """Parse and validate a venue file's text; every problem found is reported at once."""
    source = parse_yaml(text, file)
    if not isinstance(source.data, dict):
        raise KnowledgeFileError([Problem(file, source.line_of(()), (), "expected a mapping")])
    try:
        venue_file = make_venue_file_converter().structure(source.data, VenueFile)
    except Exception as error:
        raise KnowledgeFileError(_locate(source, flatten_errors(error))) from error
    problems = _locate(source, check_venue_file(venue_file))
    if problems:
        raise KnowledgeFileError(problems)
    return venue_file


def _locate(source: SourceDocument, errors: Iterable[LocatedError]) -> list[Problem]:
    return [
        Problem(source.file, source.line_of(e.path, key=e.on_key), e.path, e.message)
        for e in errors
    ]


def knowledge_file_from_env(environ: Mapping[str, str]) -> Path | None:
    """The operator's file from ``CLAW_KNOWLEDGE_FILE``, or None for the demo venue."""
    value = environ.get(KNOWLEDGE_FILE_VARIABLE, "").strip()
    return Path(value) if value else None


def load_venue_knowledge(path: Path | None = None) -> VenueKnowledge:
    """Load the venue file at ``path``, or the bundled demo venue when ``path`` is None."""
    if path is None:
        resource = importlib.resources.files(__package__).joinpath(DEMO_VENUE_RESOURCE)
        return VenueKnowledge(parse_venue_file(resource.read_text("utf-8"), DEMO_VENUE_RESOURCE))
    try:
        text = path.read_text("utf-8")
    except OSError as error:
        msg = (
            f"cannot read the venue file {path} ({error.strerror}); check {KNOWLEDGE_FILE_VARIABLE}"
        )
        raise ConfigurationError(msg) from error
    return VenueKnowledge(parse_venue_file(text, path.name))


@attrs.frozen
class VenueKnowledge:
    """Read-only views of one validated venue file; implements ``claw_domain.ports.Venue``."""

    file: VenueFile
    _alias_owner: dict[str, str] = attrs.field(init=False)
    _door_access: dict[str, frozenset[str]] = attrs.field(init=False)
    _reference: str = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        owners: dict[str, str] = {}
        for key, names in self.location_aliases().items():
            for name in names:
                owners.setdefault(name, key)
        access = {c.phone: frozenset(c.locations) for c in self.file.customers}
        object.__setattr__(self, "_alias_owner", owners)
        object.__setattr__(self, "_door_access", access)
        object.__setattr__(self, "_reference", _reference_text(self.file))

    # --- KnowledgeBase -------------------------------------------------------------

    def answer(self, intent: Intent, entities: Entities) -> str | None:
        """The canned answer, or None when the file has none or the text named too little."""
        answer = self.file.answers.get(intent)
        if answer is None:
            return None
        location = self._location_for(entities.location)
        for template in (answer.text, answer.fallback):
            if template is None:
                continue
            needs = needs_of(template)
            if Needs.LOCATION in needs and location is None:
                continue
            if Needs.BOX in needs and not self._box_fits(location, entities.box):
                continue
            return fill(template, self.file, location, entities.box)
        return None

    def reference_text(self) -> str:
        return self._reference

    def holding_reply(self, intent: Intent) -> str | None:
        """The venue's holding reply for ``intent``, placeholders filled; None: claw's own."""
        text = self.file.holding_replies.get(intent)
        return fill(text, self.file, None, None) if text is not None else None

    # --- CustomerDirectory -----------------------------------------------------------

    def may_open_door(self, phone: str, location: str) -> bool:
        # Exact E.164 match only: this gates a door, so no fuzzy number matching.
        return location in self._door_access.get(phone, frozenset())

    # --- the rest of the Venue port ------------------------------------------------------

    def is_own_number(self, phone: str) -> bool:
        return phone in self.own_numbers

    def location_name(self, location: str) -> str:
        return self.location_names().get(location, location)

    def action_parameters(self, kind: ActionKind, entities: Entities) -> ActionParameters | None:
        """The hardware an action would touch, or None when the text does not pin it down."""
        location = self._location_key(entities.location)
        if location is None:
            return None
        # Each action's target is found its own way; an action with no entry has none.
        resolve = {
            ActionKind.RESET_SIMULATOR: self._simulator,
            ActionKind.UNLOCK_DOOR: self._door,
        }.get(kind)
        return resolve(location, entities) if resolve is not None else None

    def known_location(self, entities: Entities) -> str | None:
        return self._location_key(entities.location)

    def _simulator(self, location: str, entities: Entities) -> ActionParameters | None:
        if entities.box is None:
            return None
        device = self.boxes(location).get(entities.box)
        if device is None:
            return None
        return ActionParameters(location=location, box=entities.box, device_id=device)

    def _door(self, location: str, _entities: Entities) -> ActionParameters | None:
        door = self.door(location)
        if door is None:
            return None
        return ActionParameters(location=location, door_id=door.id, door_name=door.name)

    # --- for the classifier and the composition root ----------------------------------

    @property
    def venue_name(self) -> str:
        return self.file.venue.name

    @property
    def timezone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.file.venue.timezone)

    @property
    def own_numbers(self) -> frozenset[str]:
        """Every number of the venue's: its own numbers and its lines."""
        return frozenset(self.file.venue.own_numbers) | {line.number for line in self.file.lines}

    @property
    def staff_numbers(self) -> frozenset[str]:
        return frozenset(self.file.staff_numbers)

    def location_of_line(self, line: str) -> str | None:
        """The location a text to ``line`` is about when it names none (None: any)."""
        for known in self.file.lines:
            if known.number == line:
                return known.location
        return None

    @property
    def blacklist(self) -> dict[str, list[str]]:
        """Topic -> keywords (as written; match them case-insensitively)."""
        return {topic: list(words) for topic, words in self.file.blacklist.items()}

    @property
    def initial_settings(self) -> InitialSettings:
        return self.file.settings

    def initial_domain_settings(self) -> tuple[dict[Intent, FeatureSettings], GlobalSettings]:
        """The settings a fresh database starts with, in the venue's time zone."""
        initial = self.file.settings
        return initial.all_intents(), attrs.evolve(
            initial.globals, timezone=self.file.venue.timezone
        )

    def examples(self) -> dict[Intent, list[str]]:
        return {intent: list(phrases) for intent, phrases in self.file.examples.items()}

    def location_aliases(self) -> dict[str, list[str]]:
        """Canonical key -> every lowercase spelling: the key, the name, then the aliases."""
        result: dict[str, list[str]] = {}
        for key, location in self.file.locations.items():
            spellings = [key, location.name, *location.aliases]
            result[key] = list(dict.fromkeys(normalise_phrase(s) for s in spellings))
        return result

    def location_names(self) -> dict[str, str]:
        """Canonical key -> display name, in file order."""
        return {key: location.name for key, location in self.file.locations.items()}

    def location(self, key: str) -> Location | None:
        return self.file.locations.get(key)

    def boxes(self, location: str) -> dict[int, str]:
        """Box number -> NinjaOne device id; empty for an unknown location."""
        found = self.file.locations.get(location)
        return {box.number: box.device_id for box in found.boxes} if found else {}

    def door(self, location: str) -> Door | None:
        """The location's UniFi door; None for an unknown location or one without a door."""
        found = self.file.locations.get(location)
        return found.door if found else None

    # --- helpers -----------------------------------------------------------------------

    def _location_key(self, named: str | None) -> str | None:
        """The location a text names (by key, name or alias), or the venue's only one."""
        if named is None:
            # A one-location venue needs no "which location?".
            keys = list(self.file.locations)
            return keys[0] if len(keys) == 1 else None
        if named in self.file.locations:
            return named
        return self._alias_owner.get(normalise_phrase(named))

    def _location_for(self, named: str | None) -> Location | None:
        key = self._location_key(named)
        return self.file.locations.get(key) if key else None

    def _box_fits(self, location: Location | None, box: int | None) -> bool:
        if box is None:
            return False
        # A box the location does not have must not be promised ("restarting box 7").
        return location is None or any(b.number == box for b in location.boxes)


def _reference_text(file: VenueFile) -> str:
    """Customer-facing facts only: no device or door ids, no customer numbers."""
    venue = file.venue
    lines = [f"Venue: {venue.name}", f"Hours: {venue.hours}", "Locations:"]
    for location in file.locations.values():
        boxes = len(location.boxes)
        line = f"- {location.name}: {location.address}; {boxes} box{'es' if boxes != 1 else ''}"
        if location.hours:
            line += f"; hours here: {location.hours}"
        if location.wifi:
            line += f"; Wi-Fi here: {location.wifi.network} (password {location.wifi.password})"
        lines.append(line)
    if venue.prices:
        lines.append("Prices:")
        lines += [f"- {price.item}: {price.price}" for price in venue.prices]
    if venue.gift_cards:
        lines.append(f"Gift cards: buy online at {venue.gift_cards.purchase_link}")
        if venue.gift_cards.redeem_note:
            lines.append(f"Redeeming gift cards: {venue.gift_cards.redeem_note}")
    if venue.membership:
        link = f" ({venue.membership.link})" if venue.membership.link else ""
        lines.append(f"Membership: {venue.membership.summary}{link}")
    if venue.booking_link:
        lines.append(f"Booking: {venue.booking_link}")
    if venue.wifi:
        lines.append(f"Wi-Fi: network {venue.wifi.network}, password {venue.wifi.password}")
    if venue.facts:
        lines.append("Other facts:")
        lines += [f"- {fact}" for fact in venue.facts]
    return "\n".join(lines)
