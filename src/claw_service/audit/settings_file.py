"""Other settings for what-if, from a YAML or JSON file shaped like the settings.

``{features: {intent: {...FeatureSettings}}, globals: {...GlobalSettings}}``;
whatever the file leaves out keeps the base snapshot's value. The file's layout is
read here; each section's values by ``claw_domain.settings_input``, the reader every
settings entry point shares, so errors name the field in one line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from claw_adapters.knowledge.errors import KnowledgeFileError
from claw_adapters.knowledge.yaml_source import parse_yaml
from claw_domain.errors import ConfigurationError
from claw_domain.settings import FeatureSettings, SettingsSnapshot
from claw_domain.settings_input import (
    SettingsInputError,
    mapping_at,
    with_changes,
)
from claw_domain.values import Intent


class SettingsFileError(ConfigurationError):
    """A what-if settings file that cannot be read; the message names the field."""


def load_settings_file(path: Path, base: SettingsSnapshot) -> SettingsSnapshot:
    """Read ``{features: {intent: {...}}, globals: {...}}`` (YAML or JSON) over ``base``.

    Whatever the file leaves out keeps ``base``'s value. The emergency stop is
    an operating state, not a setting: it is off unless the file says
    ``emergency_stop: true``.
    """
    try:
        text = path.read_text(encoding="utf8")
    except OSError as error:
        msg = f"{path}: cannot read the settings file ({error.strerror})"
        raise SettingsFileError(msg) from error
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as error:
            msg = f"{path}: not valid JSON: {error}"
            raise SettingsFileError(msg) from error
    else:
        # The venue file's YAML reading: "mode: off" and "start: 22:00" stay text.
        try:
            data = parse_yaml(text, str(path)).data
        except KnowledgeFileError as error:
            raise SettingsFileError(str(error.problems[0])) from error
    return settings_from_mapping(data, base, origin=str(path))


def settings_from_mapping(
    data: object, base: SettingsSnapshot, *, origin: str = "settings"
) -> SettingsSnapshot:
    try:
        return _over(data, base)
    except SettingsInputError as error:
        msg = f"{origin}: {error}"
        raise SettingsFileError(msg) from None


def _over(data: object, base: SettingsSnapshot) -> SettingsSnapshot:
    data = {} if data is None else data
    if not isinstance(data, Mapping):
        raise SettingsInputError((), "expected a mapping with 'features' and 'globals'")
    unknown = set(data) - {"features", "globals", "emergency_stop"}
    if unknown:
        problem = f"unknown section {sorted(unknown)[0]!r}; use features and globals"
        raise SettingsInputError((), problem)
    features = dict(base.features)
    for raw_intent, raw_feature in mapping_at(data.get("features"), ("features",)).items():
        try:
            intent = Intent(raw_intent)
        except ValueError:
            choices = ", ".join(intent.value for intent in Intent)
            problem = f"unknown intent; use one of {choices}"
            raise SettingsInputError(("features", raw_intent), problem) from None
        current = features.get(intent) or FeatureSettings()
        features[intent] = with_changes(current, raw_feature, at=("features", raw_intent))
    global_settings = with_changes(base.globals, data.get("globals"), at=("globals",))
    stop = data.get("emergency_stop", False)
    if not isinstance(stop, bool):
        raise SettingsInputError(("emergency_stop",), f"expected true or false, got {stop!r}")
    return SettingsSnapshot(
        version=base.version,
        features=features,
        globals=global_settings,
        emergency_stop=base.emergency_stop if stop else None,
    )
