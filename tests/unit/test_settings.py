"""Automation settings: every change is an event with its actor, and some rails cannot move."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claw_domain.errors import InvariantError
from claw_domain.settings import AutomationSettings, FeatureMode, FeatureSettings, GlobalSettings
from claw_domain.values import Intent

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def fresh_settings() -> AutomationSettings:
    settings = AutomationSettings(
        features={Intent.HOURS: FeatureSettings(mode=FeatureMode.AUTO)},
        global_settings=GlobalSettings(),
        actor="bootstrap",
        at=NOW,
    )
    settings.collect_events()
    return settings


def test_the_door_can_never_be_set_to_open_without_the_customers_yes() -> None:
    settings = fresh_settings()
    with pytest.raises(InvariantError, match="door_access must keep requires_confirmation"):
        settings.change_feature(
            Intent.DOOR_ACCESS,
            FeatureSettings(mode=FeatureMode.AUTO, requires_confirmation=False),
            "ops",
            NOW,
        )
    assert Intent.DOOR_ACCESS not in settings.features
    assert settings.collect_events() == []


def test_each_change_names_its_actor_and_bumps_the_version() -> None:
    settings = fresh_settings()
    settings.change_feature(Intent.HOURS, FeatureSettings(mode=FeatureMode.SUGGEST), "sam", NOW)
    settings.engage_emergency_stop("sam", "TrackMan firmware update", NOW)

    events = settings.collect_events()
    assert [type(e).__name__ for e in events] == [
        "FeatureSettingsChanged",
        "EmergencyStopEngaged",
    ]
    assert all(getattr(e, "actor", None) == "sam" for e in events)
    assert settings.snapshot().version == 3


def test_the_stop_needs_a_reason_and_an_unchanged_setting_records_nothing() -> None:
    settings = fresh_settings()
    with pytest.raises(InvariantError, match="needs a reason"):
        settings.engage_emergency_stop("sam", "  ", NOW)
    settings.change_feature(Intent.HOURS, FeatureSettings(mode=FeatureMode.AUTO), "sam", NOW)
    assert settings.collect_events() == []
