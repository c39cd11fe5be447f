"""The venue file: the demo loads, and every kind of mistake names its line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from claw_adapters.knowledge import (
    KnowledgeFileError,
    knowledge_file_from_env,
    load_venue_knowledge,
    parse_venue_file,
)
from claw_domain.errors import ConfigurationError
from claw_domain.settings import FeatureMode as Mode
from claw_domain.values import ACTION_FOR_INTENT, TEXT_INTENTS, Intent

# A small valid file; each test breaks one line of it. Line numbers are 1-based.
VALID = textwrap.dedent(
    """\
    venue:
      name: Test Golf
      timezone: America/Halifax
      hours: open 24/7
      own_numbers: ["+19025550100"]
      gift_cards: {purchase_link: "https://example.test/gift"}
    locations:
      bedford:
        name: Bedford
        address: 1 Main St
        aliases: [bedfrod]
        boxes:
          - number: 1
            device_id: "101"
          - number: 2
            device_id: "102"
        door: {id: door-1, name: Front door}
    customers:
      - phone: "+19025550123"
        kind: member
        locations: [bedford]
    answers:
      hours: "{venue_name} is {hours}."
      gift_card_purchase: "Buy one at {gift_card_link}"
    examples:
      hours: ["are you open", "what time do you close"]
    blacklist:
      refund: [refund]
    settings:
      globals: {messages_per_hour: 20}
      intents:
        hours: {mode: auto}
        trackman_reset: {mode: auto, requires_confirmation: true}
    """
)


def problems_in(text: str) -> list[str]:
    with pytest.raises(KnowledgeFileError) as caught:
        parse_venue_file(text, "venue.yaml")
    return [str(problem) for problem in caught.value.problems]


def replace_line(number: int, new: str) -> str:
    lines = VALID.splitlines()
    lines[number - 1] = new
    return "\n".join(lines) + "\n"


def test_the_small_valid_file_loads() -> None:
    venue = parse_venue_file(VALID)

    assert venue.locations["bedford"].boxes[1].device_id == "102"
    assert venue.settings.intents[Intent.HOURS].mode is Mode.AUTO


def test_the_demo_venue_loads_by_default() -> None:
    knowledge = load_venue_knowledge()

    assert knowledge.venue_name
    assert knowledge.location_names() == {"bedford": "Bedford", "dartmouth": "Dartmouth"}
    assert len(knowledge.boxes("bedford")) == 2
    assert len(knowledge.boxes("dartmouth")) == 4
    assert knowledge.door("bedford") is not None
    assert knowledge.door("dartmouth") is not None
    assert str(knowledge.timezone) == "America/Halifax"


def test_the_demo_venue_teaches_every_intent_with_enough_varied_examples() -> None:
    examples = load_venue_knowledge().examples()

    assert set(examples) == set(TEXT_INTENTS)  # a missed call has no words to learn
    for intent, phrases in examples.items():
        assert len(phrases) >= 15, intent
        assert len({p.lower() for p in phrases}) == len(phrases), intent


def test_the_demo_venue_settings_match_the_rollout_plan() -> None:
    settings = load_venue_knowledge().initial_settings.all_intents()

    assert set(settings) == set(Intent)
    for intent in (Intent.GIFT_CARD_PURCHASE, Intent.GIFT_CARD_REDEEM, Intent.HOURS):
        assert settings[intent].mode is Mode.AUTO
    assert settings[Intent.TRACKMAN_RESET].mode is Mode.AUTO
    assert settings[Intent.TRACKMAN_RESET].requires_confirmation
    door = settings[Intent.DOOR_ACCESS]
    assert (door.mode, door.requires_confirmation, door.requires_approval) == (
        Mode.AUTO,
        True,
        True,
    )
    assert settings[Intent.REFUND_COMPLAINT].mode is Mode.OFF
    special = {
        Intent.GIFT_CARD_PURCHASE,
        Intent.GIFT_CARD_REDEEM,
        Intent.HOURS,
        Intent.TRACKMAN_RESET,
        Intent.DOOR_ACCESS,
        Intent.REFUND_COMPLAINT,
    }
    assert all(settings[i].mode is Mode.SUGGEST for i in set(TEXT_INTENTS) - special)
    # Texting back a missed call is for the owner to turn on.
    assert settings[Intent.MISSED_CALL].mode is Mode.OFF


def test_the_demo_venue_names_its_own_numbers_and_blacklist() -> None:
    knowledge = load_venue_knowledge()

    assert knowledge.own_numbers
    assert {"refund", "injury", "legal", "emergency", "police", "chargeback"} <= set(
        knowledge.blacklist
    )


def test_intents_the_file_leaves_out_default_to_staff_with_actions_guarded() -> None:
    settings = parse_venue_file(VALID).settings

    assert settings.for_intent(Intent.PRICING).mode is Mode.OFF
    for intent in ACTION_FOR_INTENT:
        assert settings.for_intent(intent).requires_confirmation


def test_the_environment_variable_picks_the_file(tmp_path: Path) -> None:
    path = tmp_path / "my-venue.yaml"
    path.write_text(VALID, "utf-8")

    assert knowledge_file_from_env({}) is None
    assert knowledge_file_from_env({"CLAW_KNOWLEDGE_FILE": str(path)}) == path
    assert load_venue_knowledge(path).venue_name == "Test Golf"


def test_a_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="CLAW_KNOWLEDGE_FILE"):
        load_venue_knowledge(tmp_path / "nope.yaml")


def test_errors_name_the_file_that_was_loaded(tmp_path: Path) -> None:
    path = tmp_path / "bedford-venue.yaml"
    path.write_text(replace_line(14, "        device_id: 101"), "utf-8")

    with pytest.raises(KnowledgeFileError, match=r"^bedford-venue\.yaml line 14, "):
        load_venue_knowledge(path)


@pytest.mark.parametrize(
    ("line", "new_text", "expected"),
    [
        pytest.param(
            14,
            "        device_id: 101",
            "venue.yaml line 14, locations.bedford.boxes[0].device_id: expected a string, "
            'got the number 101; put it in quotes: "101"',
            id="wrong-type",
        ),
        pytest.param(
            14,
            "        devce_id: '101'",
            "venue.yaml line 14, locations.bedford.boxes[0].devce_id: unknown field",
            id="unknown-field",
        ),
        pytest.param(
            16,
            "        colour: red",
            "venue.yaml line 15, locations.bedford.boxes[1].device_id: missing required field",
            id="missing-field",
        ),
        pytest.param(
            3,
            "  timezone: Halifax/Nowhere",
            "venue.yaml line 3, venue.timezone: unknown timezone 'Halifax/Nowhere'",
            id="invalid-value",
        ),
        pytest.param(
            5,
            '  own_numbers: ["+19025550100", "902-555-0101"]',
            "venue.yaml line 5, venue.own_numbers[1]: '902-555-0101' is not an E.164 phone number",
            id="invalid-list-item",
        ),
        pytest.param(
            20,
            "    kind: vip",
            "venue.yaml line 20, customers[0].kind: expected one of: member, booked; got 'vip'",
            id="unknown-choice",
        ),
        pytest.param(
            11,
            "    aliases: bedfrod",
            "venue.yaml line 11, locations.bedford.aliases: expected a list, got 'bedfrod'",
            id="string-for-list",
        ),
        pytest.param(
            32,
            "    hours: {mode: auto, confidence_threshold: 1.5}",
            "venue.yaml line 32, settings.intents.hours.confidence_threshold: must lie in [0, 1]",
            id="out-of-range",
        ),
        pytest.param(
            32,
            "    hourz: {mode: auto}",
            "venue.yaml line 32, settings.intents.hourz: expected one of: gift_card_purchase",
            id="unknown-intent",
        ),
        pytest.param(
            30,
            '  globals: {quiet_hours: {start: "22:00", end: 7}}',
            "venue.yaml line 30, settings.globals.quiet_hours.end: expected a 24-hour time",
            id="bad-time",
        ),
        pytest.param(
            23,
            '  hours: "{venue_name} is {opening_hours}."',
            "venue.yaml line 23, answers.hours: unknown placeholder {opening_hours}",
            id="unknown-placeholder",
        ),
        pytest.param(
            6,
            "  booking_link: https://example.test/book",
            "venue.yaml line 24, answers.gift_card_purchase: placeholder {gift_card_link} needs "
            "venue.gift_cards, which is not set",
            id="placeholder-without-value",
        ),
        pytest.param(
            21,
            "    locations: [bedfrod]",
            "venue.yaml line 21, customers[0].locations[0]: unknown location 'bedfrod'",
            id="unknown-location-reference",
        ),
        pytest.param(
            26,
            '  hours: ["are you open", "Are  you OPEN"]',
            "venue.yaml line 26, examples.hours[1]: the same phrase is already examples.hours[0]",
            id="duplicate-example",
        ),
        pytest.param(
            33,
            "    trackman_reset: {mode: auto, requires_confirmation: false}",
            "venue.yaml line 33, settings.intents.trackman_reset.requires_confirmation: "
            "must be true: this intent performs an action",
            id="action-without-confirmation",
        ),
        pytest.param(
            16,
            '        device_id: "101"',
            "venue.yaml line 16, locations.bedford.boxes[1].device_id: device '101' is already "
            "bedford box 1",
            id="device-used-twice",
        ),
        pytest.param(
            4,
            "  name: Again",
            "venue.yaml line 4, venue.name: appears twice (first on line 2); keep one",
            id="duplicate-key",
        ),
        pytest.param(
            25,
            "examples: [unclosed",
            "venue.yaml line 26, (document): not valid YAML",
            id="syntax",
        ),
    ],
)
def test_each_mistake_names_its_line_and_field(line: int, new_text: str, expected: str) -> None:
    found = problems_in(replace_line(line, new_text))

    assert any(problem.startswith(expected) for problem in found), found


def test_all_problems_are_reported_at_once_in_file_order() -> None:
    text = replace_line(14, "        device_id: 101").replace("kind: member", "kind: vip")

    found = problems_in(text)

    assert [p.split(",")[0] for p in found] == ["venue.yaml line 14", "venue.yaml line 20"]


def test_yaml_1_1_surprises_stay_text() -> None:
    # `off` is not False, "22:00" is not 1320 and an unquoted +1... number stays text.
    text = (
        VALID.replace("hours: {mode: auto}", "hours: {mode: off}")
        .replace(
            "globals: {messages_per_hour: 20}",
            "globals: {quiet_hours: {start: 22:00, end: 07:30}}",
        )
        .replace('own_numbers: ["+19025550100"]', "own_numbers: [+19025550100]")
    )

    venue = parse_venue_file(text)

    assert venue.settings.intents[Intent.HOURS].mode is Mode.OFF
    quiet = venue.settings.globals.quiet_hours
    assert quiet is not None
    assert (quiet.start.hour, quiet.end.hour, quiet.end.minute) == (22, 7, 30)
    assert venue.venue.own_numbers == ["+19025550100"]


def test_an_empty_file_says_what_is_expected() -> None:
    assert problems_in("") == ["venue.yaml line 1, (document): expected a mapping"]


def test_a_venue_file_written_with_the_former_threshold_name_still_loads() -> None:
    venue = parse_venue_file(
        VALID.replace("hours: {mode: auto}", "hours: {mode: auto, threshold: 0.9}")
    )

    assert venue.settings.intents[Intent.HOURS].confidence_threshold == 0.9


def test_the_former_and_the_current_threshold_name_together_are_refused() -> None:
    problems = problems_in(
        VALID.replace(
            "hours: {mode: auto}", "hours: {mode: auto, threshold: 0.9, confidence_threshold: 0.8}"
        )
    )

    assert problems == [
        "venue.yaml line 32, settings.intents.hours.threshold: 'threshold' is the former name "
        "of 'confidence_threshold': write only 'confidence_threshold'"
    ]
