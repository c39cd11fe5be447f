"""The venue file's shape: attrs classes that mirror the YAML keys one for one.

Field names are the YAML keys, so a field path in an error is the path an operator
sees in the file. Validators here check one value; checks that span several parts
of the file (a customer's location must exist) live in ``checks.py``.
"""

from __future__ import annotations

import enum
import re
import zoneinfo
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import attrs

from claw_adapters.knowledge.errors import InvalidFieldError
from claw_domain.settings import FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.values import ACTION_FOR_INTENT, Intent

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def _e164(value: str, at: tuple[str | int, ...]) -> None:
    if not _E164.match(value):
        msg = f'{value!r} is not an E.164 phone number; write it like "+19025550123"'
        raise InvalidFieldError(msg, at=at)


def _phone(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    _e164(value, (attribute.name,))


def _phones(_instance: object, attribute: attrs.Attribute[list[str]], value: list[str]) -> None:
    for index, number in enumerate(value):
        _e164(number, (attribute.name, index))


def _web_link(_instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc:
        msg = f"{value!r} is not an https:// link; customers receive it by text"
        raise InvalidFieldError(msg, at=(attribute.name,))


def _not_blank(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise InvalidFieldError("must not be empty", at=(attribute.name,))


def _none_blank(_instance: object, attribute: attrs.Attribute[list[str]], value: list[str]) -> None:
    for index, item in enumerate(value):
        if not item.strip():
            raise InvalidFieldError("must not be empty", at=(attribute.name, index))


def _timezone(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        msg = f'unknown timezone {value!r}; use an IANA name such as "America/Halifax"'
        raise InvalidFieldError(msg, at=(attribute.name,)) from None


def _at_least(low: int) -> Callable[[object, attrs.Attribute[int], int], None]:
    def check(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if value < low:
            raise InvalidFieldError(f"must be at least {low}, got {value}", at=(attribute.name,))

    return check


class CustomerKind(enum.StrEnum):
    MEMBER = "member"
    BOOKED = "booked"


@attrs.frozen
class Box:
    number: int = attrs.field(validator=_at_least(1))
    device_id: str = attrs.field(validator=_not_blank)  # NinjaOne device id


@attrs.frozen
class Door:
    id: str = attrs.field(validator=_not_blank)  # UniFi Access door id
    name: str = attrs.field(validator=_not_blank)


@attrs.frozen
class Wifi:
    network: str = attrs.field(validator=_not_blank)
    password: str


@attrs.frozen
class Price:
    item: str = attrs.field(validator=_not_blank)
    price: str = attrs.field(validator=_not_blank)


@attrs.frozen
class GiftCards:
    purchase_link: str = attrs.field(validator=_web_link)
    redeem_note: str = ""


@attrs.frozen
class Membership:
    summary: str = attrs.field(validator=_not_blank)
    link: str | None = attrs.field(default=None, validator=_web_link)


@attrs.frozen
class Venue:
    name: str = attrs.field(validator=_not_blank)
    timezone: str = attrs.field(validator=_timezone)
    hours: str = attrs.field(validator=_not_blank)
    own_numbers: list[str] = attrs.field(factory=list, validator=_phones)
    prices: list[Price] = attrs.Factory(list)
    gift_cards: GiftCards | None = None
    membership: Membership | None = None
    wifi: Wifi | None = None
    booking_link: str | None = attrs.field(default=None, validator=_web_link)
    # Free-text facts an LLM draft may use ("parking is free behind the building").
    facts: list[str] = attrs.field(factory=list, validator=_none_blank)


@attrs.frozen
class Location:
    name: str = attrs.field(validator=_not_blank)
    address: str = attrs.field(validator=_not_blank)
    aliases: list[str] = attrs.field(factory=list, validator=_none_blank)
    boxes: list[Box] = attrs.Factory(list)
    door: Door | None = None
    hours: str | None = None  # overrides the venue's hours here
    wifi: Wifi | None = None  # overrides the venue's Wi-Fi here


@attrs.frozen
class Customer:
    """A number the venue knows, and where that person may be let in."""

    phone: str = attrs.field(validator=_phone)
    kind: CustomerKind
    locations: list[str]
    name: str = ""


@attrs.frozen
class Line:
    """One of the venue's OpenPhone lines, and where texts to it come from.

    ``location`` is the location key a text to this line is about when it names
    none (a line on the Dartmouth door); None means the whole venue.
    """

    number: str = attrs.field(validator=_phone)
    location: str | None = None
    name: str = ""


@attrs.frozen
class ConsoleRights:
    """What operators (not only admins) may change in the console."""

    operators_may_edit_answers: bool = False


@attrs.frozen
class Answer:
    """A canned answer. ``fallback`` is used when the text needs a location or box
    the customer did not name (and may itself ask for them)."""

    text: str = attrs.field(validator=_not_blank)
    fallback: str | None = None
    # Where a learned answer came from (a staff reply claw proposed and an admin accepted).
    learned_from: str | None = None


def default_intent_settings(intent: Intent) -> FeatureSettings:
    """For an intent the file leaves out: staff answer, and actions stay guarded."""
    return FeatureSettings(
        mode=FeatureMode.OFF,
        requires_confirmation=intent in ACTION_FOR_INTENT,
        requires_approval=intent is Intent.DOOR_ACCESS,
    )


# What an intent the file names starts from before its own fields are applied.
LISTED_INTENT_BASE = FeatureSettings(mode=FeatureMode.OFF)


@attrs.frozen
class InitialSettings:
    """Automation settings for a fresh database; later changes live in the event log.

    The domain's own settings classes, read by ``claw_domain.settings_input`` like every
    other place settings are written; the time zone is ``venue.timezone``'s.
    """

    globals: GlobalSettings = attrs.Factory(GlobalSettings)
    intents: dict[Intent, FeatureSettings] = attrs.Factory(dict)

    def for_intent(self, intent: Intent) -> FeatureSettings:
        return self.intents.get(intent) or default_intent_settings(intent)

    def all_intents(self) -> dict[Intent, FeatureSettings]:
        """Every member of ``Intent``, filled with defaults where the file is silent."""
        return {intent: self.for_intent(intent) for intent in Intent}


@attrs.frozen
class VenueFile:
    venue: Venue
    locations: dict[str, Location]
    customers: list[Customer] = attrs.Factory(list)
    answers: dict[Intent, Answer] = attrs.Factory(dict)
    examples: dict[Intent, list[str]] = attrs.Factory(dict)
    blacklist: dict[str, list[str]] = attrs.Factory(dict)
    settings: InitialSettings = attrs.Factory(InitialSettings)
    # The venue's OpenPhone lines (replies go out on the line the customer texted).
    lines: list[Line] = attrs.Factory(list)
    # Staff phones: never treated as customers, whichever line they text.
    staff_numbers: list[str] = attrs.field(factory=list, validator=_phones)
    console: ConsoleRights = attrs.Factory(ConsoleRights)
    # Per topic, what a customer handed to staff is told instead of claw's standard
    # "Thanks, a staff member will text you back shortly." (whether they are told at
    # all is the topic's holding_reply setting).
    holding_replies: dict[Intent, str] = attrs.Factory(dict)
