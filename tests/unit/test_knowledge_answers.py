"""Canned answers with their placeholders filled, reference text, and door permissions."""

from __future__ import annotations

import textwrap

import pytest

from claw_adapters.knowledge import VenueKnowledge, load_venue_knowledge, parse_venue_file
from claw_domain.values import Entities, Intent

TWO_LOCATIONS = textwrap.dedent(
    """\
    venue:
      name: Test Golf
      timezone: America/Halifax
      hours: open 24/7
      gift_cards: {purchase_link: "https://example.test/gift"}
      wifi: {network: Guest, password: birdie}
      facts: [Parking is free.]
    locations:
      bedford:
        name: Bedford
        address: 1 Main St
        aliases: [Bedfrod, bedford hwy]
        hours: 6am to midnight
        boxes:
          - {number: 1, device_id: "101"}
          - {number: 2, device_id: "102"}
        door: {id: door-b, name: Bedford front door}
      dartmouth:
        name: Dartmouth
        address: 2 Harbour Rd
        wifi: {network: Dartmouth-Guest, password: eagle}
        boxes:
          - {number: 1, device_id: "201"}
    customers:
      - {phone: "+19025550123", kind: member, locations: [bedford, dartmouth]}
      - {phone: "+19025550124", kind: booked, locations: [dartmouth]}
    answers:
      hours: "{venue_name} is {hours}."
      gift_card_purchase: "Buy a gift card at {gift_card_link}"
      wifi: "Network {wifi_network}, password {wifi_password}"
      trackman_reset:
        text: "Restart box {box} at {location_name}? Reply YES."
        fallback: "Which location and box are you in?"
      facility: "{location_name} is at {location_address}."
    """
)


@pytest.fixture
def venue() -> VenueKnowledge:
    return VenueKnowledge(parse_venue_file(TWO_LOCATIONS))


def test_venue_wide_placeholders_are_filled(venue: VenueKnowledge) -> None:
    assert venue.answer(Intent.GIFT_CARD_PURCHASE, Entities()) == (
        "Buy a gift card at https://example.test/gift"
    )
    assert venue.answer(Intent.HOURS, Entities()) == "Test Golf is open 24/7."


def test_a_named_location_uses_its_own_hours_and_wifi(venue: VenueKnowledge) -> None:
    assert venue.answer(Intent.HOURS, Entities(location="bedford")) == (
        "Test Golf is 6am to midnight."
    )
    assert venue.answer(Intent.WIFI, Entities(location="dartmouth")) == (
        "Network Dartmouth-Guest, password eagle"
    )
    assert venue.answer(Intent.WIFI, Entities(location="bedford")) == (
        "Network Guest, password birdie"
    )


def test_location_and_box_fill_the_action_prompt(venue: VenueKnowledge) -> None:
    answer = venue.answer(Intent.TRACKMAN_RESET, Entities(location="bedford", box=2))

    assert answer == "Restart box 2 at Bedford? Reply YES."


def test_the_fallback_asks_when_the_text_named_too_little(venue: VenueKnowledge) -> None:
    fallback = "Which location and box are you in?"

    assert venue.answer(Intent.TRACKMAN_RESET, Entities()) == fallback
    assert venue.answer(Intent.TRACKMAN_RESET, Entities(location="bedford")) == fallback
    assert venue.answer(Intent.TRACKMAN_RESET, Entities(box=1)) == fallback


def test_a_box_the_location_does_not_have_is_never_promised(venue: VenueKnowledge) -> None:
    answer = venue.answer(Intent.TRACKMAN_RESET, Entities(location="dartmouth", box=3))

    assert answer == "Which location and box are you in?"


def test_without_a_fallback_a_location_answer_goes_to_staff(venue: VenueKnowledge) -> None:
    assert venue.answer(Intent.FACILITY, Entities()) is None
    assert venue.answer(Intent.FACILITY, Entities(location="dartmouth")) == (
        "Dartmouth is at 2 Harbour Rd."
    )


def test_an_intent_without_an_answer_goes_to_staff(venue: VenueKnowledge) -> None:
    assert venue.answer(Intent.REFUND_COMPLAINT, Entities()) is None


def test_a_one_location_venue_needs_no_location_named() -> None:
    single = textwrap.dedent(
        """\
        venue: {name: Solo Golf, timezone: UTC, hours: 9 to 5}
        locations:
          main:
            name: Main Street
            address: 3 Main St
            boxes: [{number: 1, device_id: "301"}]
        answers:
          trackman_reset: "Restart box {box} at {location_name}? Reply YES."
        """
    )
    venue = VenueKnowledge(parse_venue_file(single))

    assert venue.answer(Intent.TRACKMAN_RESET, Entities(box=1)) == (
        "Restart box 1 at Main Street? Reply YES."
    )


def test_the_directory_knows_who_may_open_which_door(venue: VenueKnowledge) -> None:
    assert venue.may_open_door("+19025550123", "bedford")
    assert venue.may_open_door("+19025550123", "dartmouth")
    assert venue.may_open_door("+19025550124", "dartmouth")
    assert not venue.may_open_door("+19025550124", "bedford")
    assert not venue.may_open_door("+19025550199", "bedford")
    # No fuzzy matching on a door: the number must be the exact E.164 form.
    assert not venue.may_open_door("19025550123", "bedford")
    assert not venue.may_open_door("+19025550123", "Bedford")


def test_boxes_doors_and_aliases_for_the_classifier_and_wiring(venue: VenueKnowledge) -> None:
    assert venue.boxes("bedford") == {1: "101", 2: "102"}
    assert venue.boxes("nowhere") == {}
    door = venue.door("bedford")
    assert door is not None
    assert (door.id, door.name) == ("door-b", "Bedford front door")
    assert venue.door("dartmouth") is None
    assert venue.location_aliases() == {
        "bedford": ["bedford", "bedfrod", "bedford hwy"],
        "dartmouth": ["dartmouth"],
    }


def test_the_reference_text_holds_customer_facts_and_no_private_ids(
    venue: VenueKnowledge,
) -> None:
    reference = venue.reference_text()

    for fact in ("Test Golf", "open 24/7", "1 Main St", "https://example.test/gift", "Parking"):
        assert fact in reference
    for private in ("door-b", "101", "+19025550123"):
        assert private not in reference


def test_accessors_hand_out_copies(venue: VenueKnowledge) -> None:
    venue.examples().clear()
    venue.location_aliases()["bedford"].append("mutated")

    assert "mutated" not in venue.location_aliases()["bedford"]


def test_every_demo_answer_fills_without_leftover_braces() -> None:
    demo = load_venue_knowledge()
    everything = Entities(location="dartmouth", box=3)

    for intent in Intent:
        for entities in (Entities(), everything):
            answer = demo.answer(intent, entities)
            if answer is not None:
                assert "{" not in answer
                assert "}" not in answer
                assert len(answer) <= 320, intent
