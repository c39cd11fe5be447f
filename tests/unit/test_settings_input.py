"""One reader for settings, wherever they are written: the same names, values and errors."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from claw_adapters.knowledge import KnowledgeFileError, load_venue_knowledge, parse_venue_file
from claw_domain.settings import (
    FeatureMode,
    FeatureSettings,
    GlobalSettings,
    QuietHours,
    SettingsSnapshot,
)
from claw_domain.settings_input import (
    SettingsInputError,
    ValueForm,
    with_changes,
)
from claw_domain.values import Intent
from claw_entrypoints.commands.settings import SettingError, apply_assignments
from claw_service.audit import SettingsFileError, load_settings_file
from claw_service.audit.settings_file import settings_from_mapping


def test_typed_values_change_only_the_fields_named() -> None:
    changed = with_changes(FeatureSettings(), {"mode": "auto", "confidence_threshold": 1})

    assert changed == FeatureSettings(mode=FeatureMode.AUTO, confidence_threshold=1.0)


def test_text_values_are_read_by_the_fields_type() -> None:
    rails = with_changes(
        GlobalSettings(),
        {"send_automatic_responses": "no", "messages_per_hour": "40", "quiet_hours": "23:00-06:00"},
        form=ValueForm.TEXT,
    )

    assert not rails.send_automatic_responses
    assert rails.messages_per_hour == 40
    assert rails.quiet_hours == QuietHours(time(23, 0), time(6, 0))
    assert with_changes(rails, {"quiet_hours": "none"}, form=ValueForm.TEXT).quiet_hours is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mode": "sometimes"}, "hours.mode: expected one of: off, shadow, suggest, auto"),
        ({"mode": False}, "hours.mode: expected one of"),
        ({"confidence_threshold": "0.9"}, "hours.confidence_threshold: expected a number"),
        ({"confidence_threshold": 1.5}, "hours.confidence_threshold: must lie in [0, 1]"),
        ({"max_auto_replies": 2.5}, "hours.max_auto_replies: expected a whole number"),
        ({"max_auto_replies": True}, "hours.max_auto_replies: expected a whole number"),
        ({"requires_approval": "yes"}, "hours.requires_approval: expected true or false"),
        ({"colour": "red"}, "hours.colour: unknown setting; use one of: mode, "),
    ],
)
def test_a_wrong_typed_value_is_named_in_one_line(changes: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsInputError) as raised:
        with_changes(FeatureSettings(), changes, at=("hours",))

    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quiet_hours": {"start": "late", "end": "07:00"}}, "quiet_hours.start: expected a 24"),
        ({"quiet_hours": {"start": "22:00", "end": 7}}, "quiet_hours.end: expected a 24-hour"),
        ({"quiet_hours": {"start": "22:00"}}, "quiet_hours: expected start and end"),
        ({"messages_per_hour": -1}, "messages_per_hour: must be >= 0"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone 'Mars/Olympus'"),
    ],
)
def test_a_wrong_global_is_named_in_one_line(changes: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsInputError, match="^" + message.replace("[", r"\[")):
        with_changes(GlobalSettings(), changes)


def test_the_command_line_and_a_what_if_file_say_the_same_about_the_same_mistake() -> None:
    with pytest.raises(SettingError) as from_the_shell:
        apply_assignments({}, GlobalSettings(), ["hours.mode=sometimes"])
    base = SettingsSnapshot(1, {}, GlobalSettings())
    with pytest.raises(SettingsFileError) as from_a_file:
        settings_from_mapping({"features": {"hours": {"mode": "sometimes"}}}, base, origin="f")

    assert (
        str(from_the_shell.value)
        == "hours.mode: expected one of: off, shadow, suggest, auto; got 'sometimes'"
    )
    assert str(from_a_file.value) == f"f: features.{from_the_shell.value}"


def test_the_command_line_applies_features_and_globals() -> None:
    features, rails = apply_assignments(
        {},
        GlobalSettings(),
        ["hours.mode=auto", "hours.confidence_threshold=0.9", "execute_actions=off"],
    )

    assert features[Intent.HOURS] == FeatureSettings(
        mode=FeatureMode.AUTO, confidence_threshold=0.9
    )
    assert not rails.execute_actions
    with pytest.raises(SettingError, match=r"use INTENT\.FIELD or one of"):
        apply_assignments({}, GlobalSettings(), ["colour=red"])


def test_a_what_if_yaml_file_reads_unquoted_times_and_modes_as_written(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(
        "features:\n  hours: {mode: off}\nglobals:\n  quiet_hours: {start: 22:00, end: 07:30}\n",
        encoding="utf8",
    )

    other = load_settings_file(path, SettingsSnapshot(1, {}, GlobalSettings()))

    assert other.features[Intent.HOURS].mode is FeatureMode.OFF
    assert other.globals.quiet_hours == QuietHours(time(22, 0), time(7, 30))


def test_the_venue_file_settings_are_the_domains_settings() -> None:
    initial = load_venue_knowledge().initial_settings

    assert isinstance(initial.globals, GlobalSettings)
    assert all(isinstance(f, FeatureSettings) for f in initial.all_intents().values())


def test_the_venue_file_takes_its_time_zone_from_the_venue() -> None:
    text = (
        "venue: {name: Golf, timezone: America/Halifax, hours: open}\n"
        "locations:\n  bedford: {name: Bedford, address: 1 Main St}\n"
        "settings:\n  globals: {timezone: UTC}\n"
    )

    with pytest.raises(
        KnowledgeFileError, match=r"line 5, settings.globals.timezone: the time zone"
    ):
        parse_venue_file(text, "venue.yaml")
