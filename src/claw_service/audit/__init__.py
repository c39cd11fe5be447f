"""Incident review: a conversation's timeline, and its decisions judged again."""

from claw_service.audit.settings_file import (
    SettingsFileError,
    load_settings_file,
    settings_from_mapping,
)
from claw_service.audit.timeline import TimelineEntry, timeline
from claw_service.audit.what_if import Difference, what_if

__all__ = [
    "Difference",
    "SettingsFileError",
    "TimelineEntry",
    "load_settings_file",
    "settings_from_mapping",
    "timeline",
    "what_if",
]
