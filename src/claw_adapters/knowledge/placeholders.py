"""The placeholders a canned answer may use, what each needs, and how it is filled."""

from __future__ import annotations

import enum
import string

import attrs

from claw_adapters.knowledge.model import Location, VenueFile


class Needs(enum.Enum):
    """What the customer's text must name before a placeholder can be filled."""

    NOTHING = "nothing"
    LOCATION = "location"
    BOX = "box"


@attrs.frozen
class Placeholder:
    needs: Needs
    description: str


PLACEHOLDERS: dict[str, Placeholder] = {
    "venue_name": Placeholder(Needs.NOTHING, "the venue's name"),
    "hours": Placeholder(Needs.NOTHING, "opening hours (the location's own, when named)"),
    "prices": Placeholder(Needs.NOTHING, "the price list on one line"),
    "locations": Placeholder(Needs.NOTHING, "every location's name"),
    "gift_card_link": Placeholder(Needs.NOTHING, "venue.gift_cards.purchase_link"),
    "gift_card_redeem_note": Placeholder(Needs.NOTHING, "venue.gift_cards.redeem_note"),
    "booking_link": Placeholder(Needs.NOTHING, "venue.booking_link"),
    "membership": Placeholder(Needs.NOTHING, "venue.membership.summary"),
    "membership_link": Placeholder(Needs.NOTHING, "venue.membership.link"),
    "wifi_network": Placeholder(Needs.NOTHING, "Wi-Fi name (the location's own, when named)"),
    "wifi_password": Placeholder(Needs.NOTHING, "Wi-Fi password (likewise)"),
    "location_name": Placeholder(Needs.LOCATION, "the named location's display name"),
    "location_address": Placeholder(Needs.LOCATION, "the named location's address"),
    "box_count": Placeholder(Needs.LOCATION, "how many boxes the named location has"),
    "door_name": Placeholder(Needs.LOCATION, "the named location's door"),
    "box": Placeholder(Needs.BOX, "the box number the customer named"),
}


class TemplateError(ValueError):
    pass


def placeholder_names(template: str) -> list[str]:
    """The ``{names}`` in a template; anything but a plain known name is an error."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        msg = f"{error}; write a literal brace as {{{{ or }}}}"
        raise TemplateError(msg) from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            msg = f"unknown placeholder {{{field}}}; known: {known}"
            raise TemplateError(msg)
        names.append(field)
    return names


def needs_of(template: str) -> set[Needs]:
    return {PLACEHOLDERS[name].needs for name in placeholder_names(template)}


def unavailable(name: str, file: VenueFile) -> str | None:
    """Why ``{name}`` can never be filled from this file, or None when it can."""
    venue = file.venue
    missing = {
        "gift_card_link": None if venue.gift_cards else "venue.gift_cards",
        "gift_card_redeem_note": (
            None
            if venue.gift_cards and venue.gift_cards.redeem_note
            else "venue.gift_cards.redeem_note"
        ),
        "booking_link": None if venue.booking_link else "venue.booking_link",
        "membership": None if venue.membership else "venue.membership",
        "membership_link": (
            None if venue.membership and venue.membership.link else "venue.membership.link"
        ),
    }.get(name)
    if missing:
        return f"placeholder {{{name}}} needs {missing}, which is not set"
    if name in {"wifi_network", "wifi_password"} and venue.wifi is None:
        without = [key for key, location in file.locations.items() if location.wifi is None]
        if without:
            return f"placeholder {{{name}}} needs venue.wifi or a wifi for {', '.join(without)}"
    if name == "door_name":
        without = [key for key, location in file.locations.items() if location.door is None]
        if without:
            return f"placeholder {{door_name}} needs a door for {', '.join(without)}"
    return None


def fill(template: str, file: VenueFile, location: Location | None, box: int | None) -> str:
    """Fill every placeholder; the caller has checked that what each needs is known."""
    venue = file.venue
    wifi = (location.wifi if location else None) or venue.wifi
    values: dict[str, str] = {
        "venue_name": venue.name,
        "hours": (location.hours if location else None) or venue.hours,
        "prices": "; ".join(f"{price.item}: {price.price}" for price in venue.prices),
        "locations": _join_names([loc.name for loc in file.locations.values()]),
        "gift_card_link": venue.gift_cards.purchase_link if venue.gift_cards else "",
        "gift_card_redeem_note": venue.gift_cards.redeem_note if venue.gift_cards else "",
        "booking_link": venue.booking_link or "",
        "membership": venue.membership.summary if venue.membership else "",
        "membership_link": (venue.membership.link or "") if venue.membership else "",
        "wifi_network": wifi.network if wifi else "",
        "wifi_password": wifi.password if wifi else "",
        "location_name": location.name if location else "",
        "location_address": location.address if location else "",
        "box_count": str(len(location.boxes)) if location else "",
        "door_name": location.door.name if location and location.door else "",
        "box": str(box) if box is not None else "",
    }
    return template.format_map(values)


def _join_names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
