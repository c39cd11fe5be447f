"""Checks that span several parts of the venue file, each located by field path."""

from __future__ import annotations

import re
from collections.abc import Iterator

from claw_adapters.knowledge.converter import LocatedError
from claw_adapters.knowledge.model import VenueFile
from claw_adapters.knowledge.placeholders import (
    Needs,
    TemplateError,
    needs_of,
    placeholder_names,
    unavailable,
)
from claw_domain.values import ACTION_FOR_INTENT

_LOCATION_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def normalise_phrase(text: str) -> str:
    return " ".join(text.lower().split())


def check_venue_file(file: VenueFile) -> Iterator[LocatedError]:
    yield from _locations(file)
    yield from _customers(file)
    yield from _answers(file)
    yield from _examples(file)
    yield from _blacklist(file)
    yield from _settings(file)
    yield from _lines(file)
    yield from _holding_replies(file)


def _locations(file: VenueFile) -> Iterator[LocatedError]:
    if not file.locations:
        yield LocatedError(("locations",), "list at least one location")
    owner_of_name: dict[str, str] = {}
    device_owner: dict[str, str] = {}
    door_owner: dict[str, str] = {}
    for key, location in file.locations.items():
        here = ("locations", key)
        if not _LOCATION_KEY.match(key):
            msg = "a location key is lowercase letters, digits and _ (e.g. bedford)"
            yield LocatedError(here, msg, on_key=True)
        # Names and aliases are how customers name a place; one word must mean one place.
        spellings: list[tuple[tuple[str | int, ...], str]] = [
            (("name",), location.name),
            (("key",), key),
        ]
        spellings += [(("aliases", i), alias) for i, alias in enumerate(location.aliases)]
        for sub, spelling in spellings:
            word = normalise_phrase(spelling)
            other = owner_of_name.setdefault(word, key)
            if other != key:
                path = here if sub == ("key",) else (*here, *sub)
                yield LocatedError(path, f"{spelling!r} already names location {other!r}")
        numbers: set[int] = set()
        for index, box in enumerate(location.boxes):
            if box.number in numbers:
                yield LocatedError((*here, "boxes", index, "number"), f"box {box.number} twice")
            numbers.add(box.number)
            other = device_owner.setdefault(box.device_id, f"{key} box {box.number}")
            if other != f"{key} box {box.number}":
                msg = f"device {box.device_id!r} is already {other}"
                yield LocatedError((*here, "boxes", index, "device_id"), msg)
        if location.door is not None:
            other = door_owner.setdefault(location.door.id, key)
            if other != key:
                msg = f"door {location.door.id!r} is already the door of {other}"
                yield LocatedError((*here, "door", "id"), msg)


def _customers(file: VenueFile) -> Iterator[LocatedError]:
    seen: dict[str, int] = {}
    known = ", ".join(file.locations)
    for index, customer in enumerate(file.customers):
        here = ("customers", index)
        if customer.phone in seen:
            msg = f"also listed as customers[{seen[customer.phone]}]; list every location once"
            yield LocatedError((*here, "phone"), msg)
        seen.setdefault(customer.phone, index)
        if not customer.locations:
            yield LocatedError((*here, "locations"), "list at least one location")
        for position, location in enumerate(customer.locations):
            if location not in file.locations:
                msg = f"unknown location {location!r}; known: {known}"
                yield LocatedError((*here, "locations", position), msg)


def _answers(file: VenueFile) -> Iterator[LocatedError]:
    for intent, answer in file.answers.items():
        templates: list[tuple[tuple[str | int, ...], str]] = [
            (("answers", str(intent)), answer.text)
        ]
        if answer.fallback is not None:
            templates.append((("answers", str(intent), "fallback"), answer.fallback))
        for path, template in templates:
            try:
                names = placeholder_names(template)
            except TemplateError as error:
                yield LocatedError(path, str(error))
                continue
            for name in dict.fromkeys(names):
                reason = unavailable(name, file)
                if reason:
                    yield LocatedError(path, reason)


def _examples(file: VenueFile) -> Iterator[LocatedError]:
    # The same phrase under two intents teaches the classifier a contradiction.
    first_seen: dict[str, str] = {}
    for intent, phrases in file.examples.items():
        for index, phrase in enumerate(phrases):
            path = ("examples", str(intent), index)
            if not phrase.strip():
                yield LocatedError(path, "must not be empty")
                continue
            where = f"examples.{intent}[{index}]"
            earlier = first_seen.setdefault(normalise_phrase(phrase), where)
            if earlier != where:
                yield LocatedError(path, f"the same phrase is already {earlier}")


def _blacklist(file: VenueFile) -> Iterator[LocatedError]:
    for topic, keywords in file.blacklist.items():
        if not keywords:
            yield LocatedError(("blacklist", topic), "list at least one keyword")
        for index, keyword in enumerate(keywords):
            if not keyword.strip():
                yield LocatedError(("blacklist", topic, index), "must not be empty")


def _settings(file: VenueFile) -> Iterator[LocatedError]:
    for intent, settings in file.settings.intents.items():
        if intent in ACTION_FOR_INTENT and not settings.requires_confirmation:
            # The brief's safety rail: hardware moves only on the customer's own "yes".
            path = ("settings", "intents", str(intent), "requires_confirmation")
            yield LocatedError(path, "must be true: this intent performs an action")
    quiet = file.settings.globals.quiet_hours
    if quiet is not None and quiet.start == quiet.end:
        path = ("settings", "globals", "quiet_hours", "end")
        yield LocatedError(path, "must differ from start; remove quiet_hours to turn them off")


def _lines(file: VenueFile) -> Iterator[LocatedError]:
    known = ", ".join(file.locations)
    seen: dict[str, int] = {}
    staff = set(file.staff_numbers)
    for index, line in enumerate(file.lines):
        here = ("lines", index)
        if line.number in seen:
            yield LocatedError((*here, "number"), f"also lines[{seen[line.number]}]")
        seen.setdefault(line.number, index)
        if line.number in staff:
            msg = "a staff phone cannot also be a venue line; claw would answer itself"
            yield LocatedError((*here, "number"), msg)
        if line.location is not None and line.location not in file.locations:
            msg = f"unknown location {line.location!r}; known: {known} (or leave it out)"
            yield LocatedError((*here, "location"), msg)


HOLDING_REPLY_MAX_CHARS = 320  # two SMS segments: a holding reply is a sentence or two


def _holding_replies(file: VenueFile) -> Iterator[LocatedError]:
    # A holding reply is said whatever the text named, so only venue-wide placeholders fit.
    for intent, text in file.holding_replies.items():
        path = ("holding_replies", str(intent))
        if not text.strip():
            yield LocatedError(path, "must not be empty; leave the topic out for claw's sentence")
            continue
        if len(text) > HOLDING_REPLY_MAX_CHARS:
            msg = f"{len(text)} characters; keep it under {HOLDING_REPLY_MAX_CHARS}"
            yield LocatedError(path, msg)
        try:
            names = placeholder_names(text)
        except TemplateError as error:
            yield LocatedError(path, str(error))
            continue
        if needs_of(text) - {Needs.NOTHING}:
            msg = "a holding reply may use only venue-wide placeholders such as {venue_name}"
            yield LocatedError(path, msg)
            continue
        for name in dict.fromkeys(names):
            reason = unavailable(name, file)
            if reason:
                yield LocatedError(path, reason)
